// History and versions (#7), lead token only:
//   GET  /api/boards/:boardId/history?record=tasks/ID&limit=&before=   newest first
//   GET  /api/boards/:boardId/versions
//   POST /api/boards/:boardId/versions                                  keep the board as it is now
//   POST /api/boards/:boardId/versions/:versionId/restore               201 once saved
// Names of lanes, volunteers and records are resolved when read, so a renamed volunteer shows
// under the new name everywhere.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as Y from 'yjs';
import type { Board } from '../../shared/doc.js';
import { HistoryQuery, type HistoryEntry } from '../../shared/history.js';
import type { Origin } from '../../shared/mutations.js';
import { restoreVersion } from '../../shared/restore.js';
import type { Principal } from '../auth.js';
import { sendError } from '../errors.js';
import type { AuditRow } from '../store/store.js';
import type { RestoreMark } from '../sync/audit.js';
import { saveVersionNow } from '../sync/versions.js';
import { tokenHolder } from './links.js';

type Params = { boardId: string };

async function lead(app: FastifyInstance, req: FastifyRequest<{ Params: Params }>, reply: FastifyReply): Promise<Principal | null> {
  const holder = await tokenHolder(app.linli, req);
  if (!holder) {
    sendError(reply, 401, 'unauthorized', 'a lead token for this board is required');
    return null;
  }
  if (holder.role !== 'lead' && holder.role !== 'admin') {
    sendError(reply, 403, 'forbidden', 'leads only');
    return null;
  }
  return holder;
}

function label(board: Board, map: string, id: string): string | null {
  switch (map) {
    case 'tasks': return board.tasks.get(id)?.title ?? null;
    case 'volunteers': return board.volunteers.get(id)?.name ?? null;
    case 'buildings': return board.buildings.get(id)?.label ?? null;
    case 'queues': return board.queues.get(id)?.name ?? null;
    default: return null; // cases and sign-ups are personal
  }
}

const LANE_ACTIONS = new Set(['moved', 'assigned', 'unassigned', 'lead']);

/** Who made a change: a volunteer's name for their commands, a lead link's name (set by the admin) for lead edits. */
function present(board: Board, row: AuditRow, linkNames: Map<string, string>): HistoryEntry {
  const volunteer = (id: unknown) => (typeof id === 'string' ? board.volunteers.get(id)?.name ?? id : null);
  const entry: HistoryEntry = {
    id: row.id, at: row.at.toISOString(), actor: row.actor,
    actorName: row.source === 'command' ? volunteer(row.actor) ?? row.actor : linkNames.get(row.actor) ?? `#${row.actor.slice(0, 6)}`,
    source: row.source, map: row.map, recordId: row.recordId, recordLabel: label(board, row.map, row.recordId),
    action: row.action, detail: row.detail,
  };
  if (LANE_ACTIONS.has(row.action)) {
    entry.fromName = volunteer(row.detail.from);
    entry.toName = volunteer(row.detail.to);
  }
  if (typeof row.detail.building === 'string') entry.detail = { ...row.detail, buildingLabel: label(board, 'buildings', row.detail.building) };
  return entry;
}

export function registerHistoryRoutes(app: FastifyInstance): void {
  app.get<{ Params: Params }>('/api/boards/:boardId/history', async (req, reply) => {
    if (!(await lead(app, req, reply))) return reply;
    const query = HistoryQuery.safeParse(req.query);
    if (!query.success) return sendError(reply, 400, 'invalid', query.error.issues[0]?.message ?? 'invalid query');
    const { record, limit, before } = query.data;
    const [map, recordId] = record ? record.split('/') : [undefined, undefined];
    const rows = await app.linli.store.listAudit(req.params.boardId, { map, recordId, limit, before });
    const board = (await app.linli.rooms.get(req.params.boardId)).board();
    const linkNames = new Map<string, string>();
    for (const link of await app.linli.store.listLinks(req.params.boardId)) if (link.name) linkNames.set(link.id, link.name);
    return reply.header('cache-control', 'no-store').send({ entries: rows.map((row) => present(board, row, linkNames)) });
  });

  app.get<{ Params: Params }>('/api/boards/:boardId/versions', async (req, reply) => {
    if (!(await lead(app, req, reply))) return reply;
    const versions = await app.linli.store.listVersions(req.params.boardId);
    return reply.header('cache-control', 'no-store')
      .send({ versions: versions.map((v) => ({ id: v.id, at: v.at.toISOString(), bytes: v.bytes })) });
  });

  app.post<{ Params: Params }>('/api/boards/:boardId/versions', async (req, reply) => {
    if (!(await lead(app, req, reply))) return reply;
    const room = await app.linli.rooms.get(req.params.boardId);
    const at = new Date();
    const id = await saveVersionNow(room.doc, req.params.boardId, app.linli.store, at);
    return reply.status(201).send({ id, at: at.toISOString() });
  });

  app.post<{ Params: Params & { versionId: string } }>('/api/boards/:boardId/versions/:versionId/restore', async (req, reply) => {
    const holder = await lead(app, req, reply);
    if (!holder) return reply;
    const versionId = Number(req.params.versionId);
    if (!Number.isSafeInteger(versionId) || versionId < 1) return sendError(reply, 400, 'invalid', 'versionId must be a positive integer');
    const version = await app.linli.store.loadVersion(req.params.boardId, versionId);
    if (!version) return sendError(reply, 404, 'notFound', `version ${versionId}`);
    const old = new Y.Doc();
    Y.applyUpdate(old, version.data);
    const room = await app.linli.rooms.get(req.params.boardId);
    const origin: Origin & RestoreMark = {
      source: 'lead', actor: holder.actor, restore: { versionId, versionAt: version.at.toISOString() },
    };
    const result = restoreVersion(room.doc, old, origin);
    old.destroy();
    if (!result.ok) return sendError(reply, 400, result.code, result.message);
    if (!(await room.flush())) return sendError(reply, 503, 'internal', 'not saved yet, please try again');
    return reply.status(201).send({ ...result.value, versionId });
  });
}
