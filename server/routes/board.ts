// The board as plain records, for a lead's first paint: JSON parses in milliseconds where applying
// a 5,000-card Y.Doc takes a few hundred, so the lanes show while the live document still syncs.
// Read-only; every change still goes through the document.
import type { FastifyInstance } from 'fastify';
import { RECORD_MAPS } from '../../shared/doc.js';
import { sendError } from '../errors.js';
import { tokenHolder } from './links.js';

export function registerBoardRoutes(app: FastifyInstance): void {
  app.get<{ Params: { boardId: string } }>('/api/boards/:boardId/board', async (req, reply) => {
    const lead = await tokenHolder(app.linli, req);
    if (!lead) return sendError(reply, 401, 'unauthorized', 'a lead token for this board is required');
    if (lead.role !== 'lead' && lead.role !== 'admin') return sendError(reply, 403, 'forbidden', 'leads only');
    const room = await app.linli.rooms.get(req.params.boardId);
    const board = room.board();
    const records = Object.fromEntries(RECORD_MAPS.map((name) => [name, [...board[name].values()]]));
    return reply.header('cache-control', 'no-store').send({ meta: board.meta, ...records });
  });
}
