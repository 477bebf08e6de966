// A testing round (DOMAIN.md §3.1–3.4): planning batches from the buildings, calling them down
// in order, recording counts, and turning absentees and abnormal tubes into door-to-door cards.
import * as Y from 'yjs';
import { z } from 'zod';
import { batchMap, getRecord, insertRecord, readMap, readRecord } from './doc.js';
import { fail, ok, type Result } from './errors.js';
import { newId } from './ids.js';
import { compareRank, rankBefore, sortByRank } from './lanes.js';
import { createTask, type Origin } from './mutations.js';
import { QUEUE_KINDS, type Batch, type Queue, type WithId } from './schema.js';

const LOCAL: Origin = { source: 'lead', actor: 'local' };

export const PlanInput = z.object({
  name: z.string().trim().min(1).max(100),
  kind: z.enum(QUEUE_KINDS),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  window: z.string().max(32).default(''),
  desks: z.number().int().min(1).max(50).default(1),
  poolSize: z.number().int().min(1).max(50).default(10),
  /** People per batch the lead wants called down at once (DOMAIN.md: ~20). */
  batchSize: z.number().int().min(5).max(500).default(20),
  /** Property staff, cleaners and volunteers first, counted at this many people (0 = none). */
  staff: z.number().int().min(0).max(500).default(0),
});
export type PlanInput = z.input<typeof PlanInput>;

/**
 * Plans a round: a staff batch first, then every building in board order split into floor
 * ranges of about batchSize people; sealed buildings go last, sampled door to door.
 */
export function planRound(doc: Y.Doc, input: PlanInput, origin: Origin = LOCAL): Result<string> {
  const parsed = PlanInput.safeParse(input);
  if (!parsed.success) return fail('invalid', parsed.error.issues[0]?.message ?? 'invalid');
  const plan = parsed.data;
  const buildings = sortByRank([...readMap(doc, 'buildings').values()]);
  if (buildings.length === 0) return fail('invalid', 'the board has no buildings');
  const open = buildings.filter((b) => b.zone !== 'sealed');
  const sealed = buildings.filter((b) => b.zone === 'sealed');
  const drafts: Omit<Batch, 'rank'>[] = [];
  const base = { tested: 0, status: 'queued' as const, calledAt: null, doneAt: null };
  if (plan.staff > 0) drafts.push({ ...base, buildingId: open[0]?.id ?? buildings[0]!.id, floors: '工作人员', expected: plan.staff });
  for (const building of open) {
    const floors = Math.max(1, building.floors);
    const perFloor = building.residents / floors;
    const span = Math.max(1, Math.min(floors, Math.round(plan.batchSize / Math.max(perFloor, 1))));
    let counted = 0;
    for (let from = 1; from <= floors; from += span) {
      const to = Math.min(floors, from + span - 1);
      const expected = to === floors ? building.residents - counted : Math.round(perFloor * (to - from + 1));
      counted += expected;
      drafts.push({ ...base, buildingId: building.id, floors: from === to ? `${from}层` : `${from}-${to}层`, expected });
    }
  }
  for (const building of sealed) {
    drafts.push({ ...base, buildingId: building.id, floors: '上门', expected: building.residents, doorToDoor: true });
  }
  const batches: Record<string, Batch> = {};
  let previous: { id: string; rank: string }[] = [];
  for (const draft of drafts) {
    const rank = rankBefore(previous, null);
    const id = newId('bt');
    batches[id] = { ...draft, rank };
    previous = [{ id, rank }];
  }
  const id = newId('q');
  const queue: Queue = {
    name: plan.name, kind: plan.kind, date: plan.date, status: 'planned', window: plan.window,
    desks: plan.desks, poolSize: plan.poolSize, batches,
  };
  doc.transact(() => insertRecord(doc, 'queues', id, queue), origin);
  return ok(id);
}

export function orderedBatches(queue: Queue): WithId<Batch>[] {
  return Object.entries(queue.batches).map(([id, batch]) => ({ ...batch, id })).sort(compareRank);
}

const WAITING = new Set(['queued', 'warned']);

/**
 * Calls the next batch down: it becomes `called`, the one after it `warned` ("two more
 * buildings, then us"), and the batch called before starts `sampling`. Door-to-door batches
 * are not called by megaphone and are skipped.
 */
export function callNext(doc: Y.Doc, queueId: string, origin: Origin = LOCAL, now = Date.now()): Result<string | null> {
  const queue = readRecord(doc, 'queues', queueId);
  const batches = batchMap(doc, queueId);
  if (!queue.ok || !batches) return fail('notFound', `round ${queueId}`);
  const order = orderedBatches(queue.value).filter((b) => !b.doorToDoor);
  const waiting = order.filter((b) => WAITING.has(b.status));
  const next = waiting[0];
  const after = waiting[1];
  doc.transact(() => {
    for (const b of order) if (b.status === 'called') batches.get(b.id)!.set('status', 'sampling');
    if (next) {
      const ymap = batches.get(next.id)!;
      ymap.set('status', 'called');
      ymap.set('calledAt', now);
    }
    if (after && after.status !== 'warned') batches.get(after.id)!.set('status', 'warned');
    if (queue.value.status === 'planned') getRecord(doc, 'queues', queueId)!.set('status', 'sampling');
  }, origin);
  return ok(next?.id ?? null);
}

export function recordTested(doc: Y.Doc, queueId: string, batchId: string, tested: number, origin: Origin = LOCAL): Result {
  const ymap = batchMap(doc, queueId)?.get(batchId);
  if (!ymap) return fail('notFound', `batch ${batchId}`);
  if (!Number.isInteger(tested) || tested < 0 || tested > 1_000_000) return fail('invalid', 'tested must be a whole number ≥ 0');
  doc.transact(() => ymap.set('tested', tested), origin);
  return ok();
}

/**
 * Closes a batch: done when everyone expected was tested, partial otherwise. Absentees become
 * one door-testing card for the building, listing their rooms.
 */
export function closeBatch(
  doc: Y.Doc, queueId: string, batchId: string, input: { tested: number; absentRooms?: string[] },
  origin: Origin = LOCAL, now = Date.now(),
): Result<string | null> {
  const ymap = batchMap(doc, queueId)?.get(batchId);
  if (!ymap) return fail('notFound', `batch ${batchId}`);
  const batch = ymap.toJSON() as Batch;
  if (!Number.isInteger(input.tested) || input.tested < 0) return fail('invalid', 'tested must be a whole number ≥ 0');
  const missing = Math.max(0, batch.expected - input.tested);
  const rooms = (input.absentRooms ?? []).map((r) => r.trim()).filter(Boolean).slice(0, 200);
  const label = readRecord(doc, 'buildings', batch.buildingId);
  const where = label.ok ? label.value.label : '';
  let taskId: string | null = null;
  let refused: Result<string | null> | null = null;
  doc.transact(() => {
    ymap.set('tested', input.tested);
    ymap.set('status', missing > 0 ? 'partial' : 'done');
    ymap.set('doneAt', now);
    if (missing > 0) {
      const card = createTask(doc, {
        title: `${where} ${batch.floors} 上门补采（${missing} 人未检）`,
        kind: 'doorSampling', priority: 'high', buildingId: batch.buildingId,
        notes: rooms.length ? `未检房号：${rooms.join('、')}` : '',
      }, origin, now);
      if (card.ok) taskId = card.value;
      else refused = card;
    }
  }, origin);
  return refused ?? ok(taskId);
}

/** An abnormal pooled tube: each listed household gets a door single-sampling card. */
export function reportAbnormalTube(
  doc: Y.Doc, input: { buildingId: string; rooms: string[]; tube?: string }, origin: Origin = LOCAL, now = Date.now(),
): Result<string[]> {
  const building = readRecord(doc, 'buildings', input.buildingId);
  if (!building.ok) return fail('notFound', `building ${input.buildingId}`);
  const rooms = [...new Set(input.rooms.map((r) => r.trim()).filter(Boolean))].slice(0, 50);
  if (rooms.length === 0) return fail('invalid', 'no rooms');
  const ids: string[] = [];
  doc.transact(() => {
    for (const room of rooms) {
      const card = createTask(doc, {
        title: `${building.value.label}${room} 混管异常 上门单采`, kind: 'doorSampling', priority: 'urgent',
        buildingId: input.buildingId, room, notes: input.tube ? `管号 ${input.tube}；居家等待，不参加集中采样` : '居家等待，不参加集中采样',
      }, origin, now);
      if (card.ok) ids.push(card.value);
    }
  }, origin);
  return ok(ids);
}

/** Moves a batch to just before another (or to the end): writes its rank once. */
export function moveBatch(doc: Y.Doc, queueId: string, batchId: string, beforeId: string | null, origin: Origin = LOCAL): Result {
  const queue = readRecord(doc, 'queues', queueId);
  const ymap = batchMap(doc, queueId)?.get(batchId);
  if (!queue.ok || !ymap) return fail('notFound', `batch ${batchId}`);
  const rank = rankBefore(orderedBatches(queue.value), beforeId, batchId);
  doc.transact(() => ymap.set('rank', rank), origin);
  return ok();
}

