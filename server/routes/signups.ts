// Volunteer sign-up from the board's join link (/j/BOARD#INTAKE_TOKEN): POST
// /api/boards/:boardId/signups with the public intake token. Same guards as the request form:
// per-address rate limit, small bodies, 2xx only once the sign-up is committed.
import type { FastifyInstance } from 'fastify';
import { submitSignup } from '../../shared/signups.js';
import { sendError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { tokenHolder } from './links.js';
import { RateLimiter } from './requests.js';

export function registerSignupRoutes(app: FastifyInstance): void {
  const limiter = new RateLimiter();

  app.post<{ Params: { boardId: string } }>('/api/boards/:boardId/signups', { bodyLimit: LIMITS.formBodyBytes }, async (req, reply) => {
    if (!limiter.allow(req.ip)) return sendError(reply, 429, 'rateLimited', 'too many sign-ups, try again in a minute');
    const intake = await tokenHolder(app.linli, req);
    if (!intake || intake.role !== 'intake') return sendError(reply, 401, 'unauthorized', 'the board\'s join link is required');
    const room = await app.linli.rooms.get(req.params.boardId);
    const result = submitSignup(room.doc, req.body, { source: 'system', actor: 'signup' });
    if (!result.ok) return sendError(reply, result.code === 'notFound' ? 404 : 400, result.code, result.message);
    if (!(await room.flush())) return sendError(reply, 503, 'internal', 'not saved yet, please send again');
    const { signupId, duplicate } = result.value;
    return duplicate ? reply.status(200).send({ signupId, duplicate }) : reply.status(201).send({ signupId });
  });
}
