// Links. Leads issue and revoke volunteers' personal links from the board; the board's admin
// names, issues, demotes and revokes lead, display and admin links from the admin page.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { readRecord } from '../../shared/doc.js';
import { hashToken, newToken, type Principal } from '../auth.js';
import { adminUrl, displayUrl, leadUrl, volunteerUrl } from '../boards.js';
import { linkId, type LinkRow } from '../store/store.js';
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
    const hashes = await app.linli.store.revokeVolunteerTokens(req.params.boardId, req.params.volunteerId);
    for (const hash of hashes) app.linli.tokens.changed(hash);
    return reply.send({ revoked: hashes.length });
  });
}

const ISSUED_ROLES = ['admin', 'lead', 'display'] as const;
const LinkName = z.string().trim().min(1, '请填写名称 a name is required').max(40);
const NewLink = z.object({ role: z.enum(ISSUED_ROLES), name: LinkName }).strict();
const LinkPatch = z.object({ role: z.enum(ISSUED_ROLES).optional(), name: LinkName.optional() }).strict()
  .refine((patch) => patch.role !== undefined || patch.name !== undefined, 'nothing to change');
type LinkParams = { boardId: string; linkId: string };

function present(link: LinkRow) {
  return {
    id: link.id, role: link.role, name: link.name, volunteerId: link.volunteerId,
    createdAt: link.createdAt.toISOString(), revokedAt: link.revokedAt?.toISOString() ?? null,
  };
}

/** The admin page's endpoints: only an admin link of the board may call them. */
export function registerAdminLinkRoutes(app: FastifyInstance, base: (req: FastifyRequest) => string): void {
  const admin = async (req: FastifyRequest<{ Params: { boardId: string } }>, reply: FastifyReply): Promise<Principal | null> => {
    const holder = await tokenHolder(app.linli, req);
    if (!holder) {
      sendError(reply, 401, 'unauthorized', 'an admin token for this board is required');
      return null;
    }
    if (holder.role !== 'admin') {
      sendError(reply, 403, 'forbidden', 'admins only');
      return null;
    }
    return holder;
  };
  /** One read of the board's links: the live link asked for, and whether it is the last live admin link. */
  const liveLink = async (boardId: string, linkId: string) => {
    const live = (await app.linli.store.listLinks(boardId)).filter((link) => !link.revokedAt);
    const link = live.find((row) => row.id === linkId);
    const lastAdmin = link?.role === 'admin' && live.filter((row) => row.role === 'admin').length <= 1;
    return { link, lastAdmin };
  };

  app.get<{ Params: { boardId: string } }>('/api/boards/:boardId/links', async (req, reply) => {
    const holder = await admin(req, reply);
    if (!holder) return reply;
    const links = await app.linli.store.listLinks(req.params.boardId);
    // A volunteer's link is shown with the volunteer's name (from the board, not the link).
    const volunteers = links.some((link) => link.volunteerId)
      ? (await app.linli.rooms.get(req.params.boardId)).board().volunteers
      : new Map<string, { name: string }>();
    return reply.send({
      you: holder.actor,
      links: links.map((link) => ({ ...present(link), volunteerName: link.volunteerId ? volunteers.get(link.volunteerId)?.name ?? null : null })),
    });
  });

  app.post<{ Params: { boardId: string } }>('/api/boards/:boardId/links', async (req, reply) => {
    if (!(await admin(req, reply))) return reply;
    const body = NewLink.safeParse(req.body);
    if (!body.success) return sendError(reply, 400, 'invalid', body.error.issues[0]?.message ?? 'invalid link');
    const { boardId } = req.params;
    const token = newToken();
    const hash = hashToken(token);
    await app.linli.store.addToken({ hash, boardId, role: body.data.role, volunteerId: null, name: body.data.name });
    const url = body.data.role === 'admin' ? adminUrl(base(req), boardId, token)
      : body.data.role === 'lead' ? leadUrl(base(req), boardId, token) : displayUrl(base(req), token);
    const link: LinkRow = { id: linkId(hash), hash, role: body.data.role, name: body.data.name, volunteerId: null, createdAt: new Date(), revokedAt: null };
    return reply.status(201).send({ ...present(link), token, url });
  });

  app.patch<{ Params: LinkParams }>('/api/boards/:boardId/links/:linkId', async (req, reply) => {
    if (!(await admin(req, reply))) return reply;
    const patch = LinkPatch.safeParse(req.body);
    if (!patch.success) return sendError(reply, 400, 'invalid', patch.error.issues[0]?.message ?? 'invalid change');
    const { boardId, linkId } = req.params;
    const { link: before, lastAdmin } = await liveLink(boardId, linkId);
    if (!before) return sendError(reply, 404, 'notFound', `link ${linkId}`);
    if (before.role === 'volunteer' || before.role === 'intake') return sendError(reply, 400, 'invalid', `a ${before.role} link keeps its role`);
    if (lastAdmin && patch.data.role && patch.data.role !== 'admin') {
      return sendError(reply, 409, 'conflict', 'the board would have no admin link left');
    }
    const link = await app.linli.store.updateLink(boardId, linkId, patch.data);
    if (!link) return sendError(reply, 404, 'notFound', `link ${linkId}`);
    app.linli.tokens.changed(link.hash);
    return reply.send(present(link));
  });

  app.delete<{ Params: LinkParams }>('/api/boards/:boardId/links/:linkId', async (req, reply) => {
    if (!(await admin(req, reply))) return reply;
    const { boardId, linkId } = req.params;
    const { link: target, lastAdmin } = await liveLink(boardId, linkId);
    if (!target) return sendError(reply, 404, 'notFound', `link ${linkId}`);
    if (lastAdmin) {
      return sendError(reply, 409, 'conflict', 'the board would have no admin link left');
    }
    const hash = await app.linli.store.revokeLink(boardId, linkId);
    if (!hash) return sendError(reply, 404, 'notFound', `link ${linkId}`);
    app.linli.tokens.changed(hash);
    return reply.send({ revoked: true });
  });
}
