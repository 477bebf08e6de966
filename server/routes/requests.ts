// Residents' public request form: POST /api/boards/:boardId/requests with the board's intake
// token. Rate-limited per address, small bodies only; answered 201 only once the card is
// committed, so an acknowledged request is never lost.
import type { FastifyInstance } from 'fastify';
import { sortByRank } from '../../shared/lanes.js';
import { readMap, readMeta } from '../../shared/doc.js';
import { submitRequest } from '../../shared/requests.js';
import { sendError } from '../errors.js';
import { tokenHolder } from './links.js';

const WINDOW_MS = 60_000;
/** Requests one address may send a minute (a family, a building lead typing for neighbours). */
const PER_ADDRESS = 12;
const BODY_LIMIT_BYTES = 8 * 1024;

export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  allow(key: string, now = Date.now()): boolean {
    const recent = (this.hits.get(key) ?? []).filter((at) => now - at < WINDOW_MS);
    if (recent.length >= PER_ADDRESS) {
      this.hits.set(key, recent);
      return false;
    }
    recent.push(now);
    this.hits.set(key, recent);
    if (this.hits.size > 50_000) this.hits.clear(); // a flood of addresses must not grow memory
    return true;
  }
}

export function registerRequestRoutes(app: FastifyInstance): void {
  const limiter = new RateLimiter();

  app.post<{ Params: { boardId: string } }>('/api/boards/:boardId/requests', { bodyLimit: BODY_LIMIT_BYTES }, async (req, reply) => {
    if (!limiter.allow(req.ip)) return sendError(reply, 429, 'rateLimited', 'too many requests, try again in a minute');
    const intake = await tokenHolder(app.linli, req);
    if (!intake || intake.role !== 'intake') return sendError(reply, 401, 'unauthorized', 'the board\'s request link is required');
    const room = await app.linli.rooms.get(req.params.boardId);
    const result = submitRequest(room.doc, req.body, { source: 'system', actor: 'intake' });
    if (!result.ok) return sendError(reply, result.code === 'notFound' ? 404 : 400, result.code, result.message);
    if (!(await room.flush())) return sendError(reply, 503, 'internal', 'not saved yet, please send again');
    return reply.status(result.value.merged ? 200 : 201).send(result.value);
  });

  // What the form needs to show: the compound's name and its buildings (labels only).
  app.get<{ Params: { boardId: string } }>('/api/boards/:boardId/intake', async (req, reply) => {
    const intake = await tokenHolder(app.linli, req);
    if (!intake || intake.role !== 'intake') return sendError(reply, 401, 'unauthorized', 'the board\'s request link is required');
    const room = await app.linli.rooms.get(req.params.boardId);
    const buildings = sortByRank([...readMap(room.doc, 'buildings').values()]).map((b) => b.label);
    return reply.send({ name: readMeta(room.doc)?.name ?? '', buildings });
  });
}
