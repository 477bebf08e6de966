// Leads' imports and exports: a CSV or XLSX file in (previewed, or applied whole), tasks and
// service hours out as CSV or XLSX, and the data of the printable delivery sheet.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { deliverySheet, hoursTable, tasksTable } from '../../shared/exports.js';
import { serviceHours, weekOf, weekRange, WEEK_PATTERN } from '../../shared/hours.js';
import { applyImport, IMPORT_KINDS, previewImport } from '../../shared/imports.js';
import type { Principal } from '../auth.js';
import { sendError } from '../errors.js';
import { readSheetOffThread, toCsv, toXlsx, type Cell } from '../spreadsheets.js';
import { tokenHolder } from './links.js';

/** A 快团团 export of a few thousand orders is well under 1 MiB. */
const IMPORT_LIMIT_BYTES = 5 * 1024 * 1024;
const FILE_TYPES = [
  'text/csv', 'text/plain', 'application/csv', 'application/octet-stream', 'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
];
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

type Params = { boardId: string };

const ImportQuery = z.object({
  kind: z.enum(IMPORT_KINDS),
  dryRun: z.enum(['1', 'true', '0', 'false']).optional(),
  /** A group buy's name when the file has none (the client sends the file's name). */
  product: z.string().max(100).optional(),
});
const ExportParams = z.object({ boardId: z.string(), file: z.string().regex(/^(tasks|hours)\.(csv|xlsx)$/) });
const HoursQuery = z.object({ week: z.string().regex(WEEK_PATTERN).optional() });
const SheetQuery = z.object({ building: z.string().min(1).max(64).optional() });

export function registerDataRoutes(app: FastifyInstance): void {
  const lead = async (req: FastifyRequest<{ Params: Params }>, reply: FastifyReply): Promise<Principal | null> => {
    const holder = await tokenHolder(app.linli, req);
    if (!holder) {
      void sendError(reply, 401, 'unauthorized', 'a lead token for this board is required');
      return null;
    }
    if (holder.role !== 'lead' && holder.role !== 'admin') {
      void sendError(reply, 403, 'forbidden', 'leads only');
      return null;
    }
    return holder;
  };

  // Scoped so the file body parser applies to these routes only.
  void app.register(async (scope) => {
    scope.addContentTypeParser(FILE_TYPES, { parseAs: 'buffer', bodyLimit: IMPORT_LIMIT_BYTES }, (_req, body, done) => done(null, body));

    scope.post<{ Params: Params }>('/api/boards/:boardId/imports', { bodyLimit: IMPORT_LIMIT_BYTES }, async (req, reply) => {
      const principal = await lead(req, reply);
      if (!principal) return reply;
      const query = ImportQuery.safeParse(req.query);
      if (!query.success) return sendError(reply, 400, 'invalid', `kind must be one of ${IMPORT_KINDS.join(', ')}`);
      if (!Buffer.isBuffer(req.body)) return sendError(reply, 415, 'invalid', 'send the file itself as text/csv or XLSX');
      const rows = await readSheetOffThread(req.body);
      if (!rows) return sendError(reply, 400, 'invalid', 'not a readable CSV or XLSX file');
      const room = await app.linli.rooms.get(req.params.boardId);
      const preview = previewImport(query.data.kind, rows, room.board(), { product: query.data.product });
      if (query.data.dryRun === '1' || query.data.dryRun === 'true') {
        const actions = preview.kind === 'groupbuy' ? preview.cards : preview.rows;
        return reply.send({
          kind: preview.kind, preview: preview.rows, cards: preview.kind === 'groupbuy' ? preview.cards : undefined,
          errors: preview.errors,
          summary: {
            create: actions.filter((a) => a.action === 'create').length,
            update: actions.filter((a) => a.action === 'update').length,
          },
        });
      }
      if (preview.errors.length > 0) {
        return reply.status(422).send({
          error: { code: 'invalid', message: `${preview.errors.length} rows have errors; nothing was imported` },
          errors: preview.errors,
        });
      }
      const applied = applyImport(room.doc, preview, { source: 'lead', actor: principal.actor });
      if (!applied.ok) return sendError(reply, 422, applied.code, applied.message);
      if (!(await room.flush())) return sendError(reply, 503, 'internal', 'not saved yet, please send again');
      return reply.status(201).send(applied.value);
    });
  });

  app.get<{ Params: Params & { file: string }; Querystring: Record<string, string> }>(
    '/api/boards/:boardId/exports/:file', async (req, reply) => {
      if (!(await lead(req, reply))) return reply;
      const params = ExportParams.safeParse(req.params);
      if (!params.success) return sendError(reply, 404, 'notFound', 'exports are tasks.csv, tasks.xlsx, hours.csv, hours.xlsx');
      const [what, format] = params.data.file.split('.') as ['tasks' | 'hours', 'csv' | 'xlsx'];
      const room = await app.linli.rooms.get(req.params.boardId);
      let table: Cell[][];
      let name: string;
      if (what === 'tasks') {
        table = tasksTable(room.board());
        name = 'tasks';
      } else {
        const query = HoursQuery.safeParse(req.query);
        const week = query.success ? query.data.week ?? weekOf(Date.now()) : '';
        const range = weekRange(week);
        if (!range) return sendError(reply, 400, 'invalid', 'week must be an ISO week like 2026-W47');
        const shifts = await app.linli.store.listShifts(req.params.boardId, new Date(range.start), new Date(range.end));
        const rows = serviceHours(room.board(), shifts.map((s) => ({
          volunteerId: s.volunteerId, startedAt: s.startedAt.getTime(), endedAt: s.endedAt?.getTime() ?? null,
        })), range, Date.now());
        table = hoursTable(rows, week);
        name = `hours-${week}`;
      }
      return reply
        .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : XLSX_TYPE)
        .header('content-disposition', `attachment; filename="linli-${name}.${format}"`)
        .header('cache-control', 'no-store')
        .send(format === 'csv' ? toCsv(table) : toXlsx(table, what === 'tasks' ? '任务' : '服务时长'));
    });

  app.get<{ Params: Params }>('/api/boards/:boardId/delivery-sheet', async (req, reply) => {
    if (!(await lead(req, reply))) return reply;
    const query = SheetQuery.safeParse(req.query);
    if (!query.success) return sendError(reply, 400, 'invalid', 'building must be a building id');
    const room = await app.linli.rooms.get(req.params.boardId);
    const board = room.board();
    return reply.header('cache-control', 'no-store').send({
      name: board.meta?.name ?? '', at: Date.now(), buildings: deliverySheet(board, query.data.building ?? null),
    });
  });
}
