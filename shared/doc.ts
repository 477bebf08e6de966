// The only module that knows the Y.Doc's key names and nesting (DESIGN.md "The document").
// Every top-level map is keyed by record id; every record is a nested Y.Map so that concurrent
// edits of different fields of one record merge field by field.
import * as Y from 'yjs';
import type { z } from 'zod';
import {
  ApplicantSchema, BatchSchema, BuildingSchema, CaseSchema, MetaSchema, QueueSchema, TaskSchema, VolunteerSchema,
  type Applicant, type Batch, type Building, type Case, type Meta, type Queue, type Task, type Volunteer, type WithId,
} from './schema.js';

export const RECORD_MAPS = ['buildings', 'volunteers', 'tasks', 'queues', 'cases'] as const;
export type RecordMapName = (typeof RECORD_MAPS)[number];
/** Every top-level map a board may hold: the records, plus volunteer sign-ups (see APPLICANTS below). */
export const TOP_LEVEL_MAPS = ['meta', ...RECORD_MAPS, 'applicants'] as const;

const SCHEMAS = {
  buildings: BuildingSchema,
  volunteers: VolunteerSchema,
  tasks: TaskSchema,
  queues: QueueSchema,
  cases: CaseSchema,
} satisfies Record<RecordMapName, z.ZodType>;

export type RecordOf = {
  buildings: Building;
  volunteers: Volunteer;
  tasks: Task;
  queues: Queue;
  cases: Case;
};

export type YRecord = Y.Map<unknown>;

export function metaMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap('meta');
}

export function recordMap(doc: Y.Doc, name: RecordMapName): Y.Map<YRecord> {
  return doc.getMap(name);
}

export function getRecord(doc: Y.Doc, name: RecordMapName, id: string): YRecord | undefined {
  const value = recordMap(doc, name).get(id);
  return value instanceof Y.Map ? value : undefined;
}

/** A record whose stored fields do not pass its schema: skipped by readers, reported. */
export interface Problem {
  map: RecordMapName | 'meta';
  id: string;
  message: string;
}

export interface Board {
  meta: Meta | null;
  buildings: Map<string, WithId<Building>>;
  volunteers: Map<string, WithId<Volunteer>>;
  tasks: Map<string, WithId<Task>>;
  queues: Map<string, WithId<Queue>>;
  cases: Map<string, WithId<Case>>;
  problems: Problem[];
}

export function readRecord<N extends RecordMapName>(
  doc: Y.Doc, name: N, id: string,
): { ok: true; value: WithId<RecordOf[N]> } | { ok: false; message: string } {
  const ymap = getRecord(doc, name, id);
  if (!ymap) return { ok: false, message: 'missing' };
  const parsed = SCHEMAS[name].safeParse(ymap.toJSON());
  if (!parsed.success) return { ok: false, message: parsed.error.issues[0]?.message ?? 'invalid' };
  return { ok: true, value: { ...(parsed.data as RecordOf[N]), id } };
}

export function readMap<N extends RecordMapName>(
  doc: Y.Doc, name: N, problems: Problem[] = [],
): Map<string, WithId<RecordOf[N]>> {
  const out = new Map<string, WithId<RecordOf[N]>>();
  for (const id of recordMap(doc, name).keys()) {
    const result = readRecord(doc, name, id);
    if (result.ok) out.set(id, result.value);
    else problems.push({ map: name, id, message: result.message });
  }
  return out;
}

export function readMeta(doc: Y.Doc, problems: Problem[] = []): Meta | null {
  const meta = metaMap(doc);
  if (meta.size === 0) return null;
  const parsed = MetaSchema.safeParse(meta.toJSON());
  if (parsed.success) return parsed.data;
  problems.push({ map: 'meta', id: 'meta', message: parsed.error.issues[0]?.message ?? 'invalid' });
  return null;
}

/** The whole board as plain, schema-checked data. */
export function readBoard(doc: Y.Doc): Board {
  const problems: Problem[] = [];
  return {
    meta: readMeta(doc, problems),
    buildings: readMap(doc, 'buildings', problems),
    volunteers: readMap(doc, 'volunteers', problems),
    tasks: readMap(doc, 'tasks', problems),
    queues: readMap(doc, 'queues', problems),
    cases: readMap(doc, 'cases', problems),
    problems,
  };
}

/** Writes a new record as a nested Y.Map. A queue's batches become a Y.Map of Y.Maps. */
export function insertRecord<N extends RecordMapName>(
  doc: Y.Doc, name: N, id: string, value: RecordOf[N],
): void {
  const ymap = new Y.Map<unknown>();
  for (const [key, field] of Object.entries(value)) {
    if (field === undefined) continue;
    if (name === 'queues' && key === 'batches') {
      const batches = new Y.Map<unknown>();
      for (const [batchId, batch] of Object.entries(field as Record<string, Batch>)) {
        batches.set(batchId, toYMap(batch));
      }
      ymap.set(key, batches);
    } else {
      ymap.set(key, field);
    }
  }
  recordMap(doc, name).set(id, ymap);
}

function toYMap(value: object): Y.Map<unknown> {
  const ymap = new Y.Map<unknown>();
  for (const [key, field] of Object.entries(value)) if (field !== undefined) ymap.set(key, field);
  return ymap;
}

/** Sets only the fields whose value differs, so an unchanged field creates no update. */
export function setFields(ymap: Y.Map<unknown>, patch: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (!sameValue(ymap.get(key), value)) ymap.set(key, value);
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

export function batchMap(doc: Y.Doc, queueId: string): Y.Map<YRecord> | undefined {
  const batches = getRecord(doc, 'queues', queueId)?.get('batches');
  return batches instanceof Y.Map ? (batches as Y.Map<YRecord>) : undefined;
}

export function setMeta(doc: Y.Doc, meta: Partial<Meta>): void {
  setFields(metaMap(doc), meta);
}

// Volunteer sign-ups live in their own top-level map, outside RECORD_MAPS on purpose: readBoard,
// the board cache and with them every projection (phones, displays) never read them.
export const APPLICANTS = 'applicants' satisfies (typeof TOP_LEVEL_MAPS)[number];

export function applicantMap(doc: Y.Doc): Y.Map<YRecord> {
  return doc.getMap(APPLICANTS);
}

export function readApplicant(doc: Y.Doc, id: string): { ok: true; value: WithId<Applicant> } | { ok: false; message: string } {
  const ymap = applicantMap(doc).get(id);
  if (!(ymap instanceof Y.Map)) return { ok: false, message: 'missing' };
  const parsed = ApplicantSchema.safeParse(ymap.toJSON());
  if (!parsed.success) return { ok: false, message: parsed.error.issues[0]?.message ?? 'invalid' };
  return { ok: true, value: { ...parsed.data, id } };
}

/** Every sign-up that passes its schema; the others are reported in `problems` (map 'applicants'). */
export function readApplicants(doc: Y.Doc, problems: { map: string; id: string; message: string }[] = []): Map<string, WithId<Applicant>> {
  const out = new Map<string, WithId<Applicant>>();
  for (const id of applicantMap(doc).keys()) {
    const result = readApplicant(doc, id);
    if (result.ok) out.set(id, result.value);
    else problems.push({ map: APPLICANTS, id, message: result.message });
  }
  return out;
}
