// The history REST answers (#7), parsed on both sides: GET /api/boards/:id/history and /versions.
import { z } from 'zod';

export const HistoryQuery = z.object({
  /** One record's history, as "map/id" (e.g. "tasks/t1"); absent = the whole board. */
  record: z.string().regex(/^[a-z]+\/[^/]{1,64}$/, 'record must look like tasks/ID').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce.number().int().min(1).optional(),
}).strict();

export const HistoryEntrySchema = z.object({
  id: z.number().int(),
  at: z.string(),
  /** Who: a lead's name (or link id), a volunteer's id, 'intake', 'signup' or 'system'. */
  actor: z.string(),
  /** The actor resolved at read time (a volunteer's name for their own commands). */
  actorName: z.string(),
  source: z.string(),
  map: z.string(),
  recordId: z.string(),
  /** The record's name now (a card's title, a volunteer's name); null for personal records. */
  recordLabel: z.string().nullable(),
  action: z.string(),
  detail: z.record(z.string(), z.unknown()),
  /** For moves and building leads: the lanes' or volunteers' names now (null = unassigned). */
  fromName: z.string().nullable().optional(),
  toName: z.string().nullable().optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

export const HistoryAnswer = z.object({ entries: z.array(HistoryEntrySchema) });

export const VersionSchema = z.object({ id: z.number().int(), at: z.string(), bytes: z.number().int() });
export type Version = z.infer<typeof VersionSchema>;
export const VersionsAnswer = z.object({ versions: z.array(VersionSchema) });

export const RestoreAnswer = z.object({
  restored: z.number().int(), unchanged: z.number().int(), keptNewer: z.number().int(), versionId: z.number().int(),
});
export type RestoreResult = z.infer<typeof RestoreAnswer>;
