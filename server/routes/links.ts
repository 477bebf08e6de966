// Leads issue and revoke volunteers' personal links from the board.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { readRecord } from '../../shared/doc.js';
import { hashToken, newToken, type Principal } from '../auth.js';
import { volunteerUrl } from '../boards.js';
import { sendError } from '../errors.js';
import type { Linli } from '../app.js';

type Params = { boardId: string; volunteerId: string };

/** Whoever holds the request's bearer token, if it is a token of this board. */
export async function tokenHolder(linli: Linli, req: FastifyRequest<{ Params: { boardId: string } }>): Promise<Principal | null> {
  const token = req.headers.authorization?.replace(/^Bearer /, '');
  const principal = await linli.tokens.resolve(token);
  if (!principal || principal.boardId !== req.params.boardId) return null;
  return principal;
}

export function registerLinkRoutes(app: FastifyInstance, base: (req: FastifyRequest) => string): void {
  const path = '/api/boards/:boardId/volunteers/:volunteerId/link';

  app.post<{ Params: Params }>(path, async (req, reply) => {
    const lead = await tokenHolder(app.linli, req);
    if (!lead) return sendError(reply, 401, 'unauthorized', 'a lead token for this board is required');
    if (lead.role !== 'lead' && lead.role !== 'admin') return sendError(reply, 403, 'forbidden', 'leads only');
    const room = await app.linli.rooms.get(req.params.boardId);
    if (!readRecord(room.doc, 'volunteers', req.params.volunteerId).ok) {
      return sendError(reply, 404, 'notFound', `volunteer ${req.params.volunteerId}`);
    }
    const token = newToken();
    await app.linli.store.addToken({
      hash: hashToken(token), boardId: req.params.boardId, role: 'volunteer', volunteerId: req.params.volunteerId,
    });
    return reply.status(201).send({ token, url: volunteerUrl(base(req), token) });
  });

  app.delete<{ Params: Params }>(path, async (req, reply) => {
    const lead = await tokenHolder(app.linli, req);
    if (!lead) return sendError(reply, 401, 'unauthorized', 'a lead token for this board is required');
    if (lead.role !== 'lead' && lead.role !== 'admin') return sendError(reply, 403, 'forbidden', 'leads only');
    const revoked = await app.linli.store.revokeVolunteerTokens(req.params.boardId, req.params.volunteerId);
    return reply.send({ revoked });
  });
}
