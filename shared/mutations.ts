// The one mutation path: the lead's browser and the server's command handlers call these same
// functions. Each checks its input and the rules first, then writes in one doc.transact, so a
// refused change writes nothing.
import { generateNKeysBetween } from 'fractional-indexing';
import * as Y from 'yjs';
import { z } from 'zod';
import { getRecord, insertRecord, readRecord, recordMap, setFields, type YRecord } from './doc.js';
import { fail, ok, type Result } from './errors.js';
import { newId } from './ids.js';
import { rankAtEnd, rankAtStart, rankBefore, sortByRank, type Ranked } from './lanes.js';
import { canSetStatus, canTakeTasks, isAvailable, isOpenWork, statusAfterMove } from './rules.js';
import {
  BuildingSchema, TASK_STATUSES, TaskSchema, VolunteerSchema,
  type Building, type Slot, type Task, type TaskStatus, type Volunteer,
} from './schema.js';

/** Who made a change; the server logs and attributes updates by it (STYLE.md §3). */
export type Origin =
  | { source: 'lead'; actor: string }
  | { source: 'command'; actor: string; commandId: string }
  | { source: 'system'; actor: string }
  | { source: 'load' }
  | { source: 'relay' };

const LOCAL: Origin = { source: 'lead', actor: 'local' };

function invalid(error: z.ZodError): { ok: false; code: 'invalid'; message: string } {
  const issue = error.issues[0];
  return { ok: false, code: 'invalid', message: issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid' };
}

interface SlotEntry extends Ranked {
  assigneeId: string | null;
  status: unknown;
  urgent: boolean;
}

/** Past this length a lane's ranks are spread out again (a card dropped into one gap many times). */
const MAX_RANK_LENGTH = 96;

/** Every card's place, read without parsing whole records (a lane scan stays cheap at 5,000 cards). */
function allSlots(doc: Y.Doc): SlotEntry[] {
  const out: SlotEntry[] = [];
  recordMap(doc, 'tasks').forEach((ymap, id) => {
    if (!(ymap instanceof Y.Map)) return;
    const slot = ymap.get('slot') as Partial<Slot> | undefined;
    // The shape check SlotSchema makes, by hand: this runs for every card on every move.
    if (typeof slot !== 'object' || slot === null || typeof slot.rank !== 'string') return;
    if (slot.assigneeId !== null && typeof slot.assigneeId !== 'string') return;
    out.push({ id, rank: slot.rank, assigneeId: slot.assigneeId, status: ymap.get('status'), urgent: ymap.get('priority') === 'urgent' });
  });
  return out;
}

/** One lane (null = Unassigned) in rank order. */
function lane(doc: Y.Doc, assigneeId: string | null): SlotEntry[] {
  return sortByRank(allSlots(doc).filter((entry) => entry.assigneeId === assigneeId));
}

function checkAssignee(doc: Y.Doc, assigneeId: string | null): Result {
  if (assigneeId === null) return ok();
  const volunteer = readRecord(doc, 'volunteers', assigneeId);
  if (!volunteer.ok) return fail('notFound', `volunteer ${assigneeId}`);
  if (!canTakeTasks(volunteer.value)) return fail('volunteerUnavailable', `volunteer ${assigneeId} is ${volunteer.value.health}`);
  return ok();
}

// ---------------------------------------------------------------- tasks

export const NewTaskInput = TaskSchema.pick({ title: true, kind: true, priority: true }).extend({
  id: z.string().min(1).max(64).optional(),
  buildingId: z.string().min(1).max(64).nullable().default(null),
  room: z.string().max(16).default(''),
  notes: z.string().max(2000).default(''),
  assigneeId: z.string().min(1).max(64).nullable().default(null),
  need: TaskSchema.shape.need,
  contact: TaskSchema.shape.contact,
  dueAt: TaskSchema.shape.dueAt,
  /** Urgent work goes on top of its lane; other new cards at the end. */
  at: z.enum(['start', 'end']).optional(),
});
export type NewTask = z.input<typeof NewTaskInput>;

export function createTask(doc: Y.Doc, input: NewTask, origin: Origin = LOCAL, now = Date.now()): Result<string> {
  const parsed = NewTaskInput.safeParse(input);
  if (!parsed.success) return invalid(parsed.error);
  const { id = newId('t'), assigneeId, at, ...fields } = parsed.data;
  if (getRecord(doc, 'tasks', id)) return fail('invalid', `task ${id} exists`);
  if (fields.buildingId !== null && !getRecord(doc, 'buildings', fields.buildingId)) {
    return fail('notFound', `building ${fields.buildingId}`);
  }
  const assignee = checkAssignee(doc, assigneeId);
  if (!assignee.ok) return assignee;
  const current = lane(doc, assigneeId);
  const top = (at ?? (fields.priority === 'urgent' ? 'start' : 'end')) === 'start';
  const task: Task = {
    ...fields,
    status: assigneeId === null ? 'open' : 'assigned',
    slot: { assigneeId, rank: top ? rankAtStart(current) : rankAtEnd(current) },
    createdAt: now,
    updatedAt: now,
  };
  const checked = TaskSchema.safeParse(task);
  if (!checked.success) return invalid(checked.error);
  doc.transact(() => insertRecord(doc, 'tasks', id, checked.data), origin);
  return ok(id);
}

export const TaskPatchInput = TaskSchema.pick({
  title: true, kind: true, buildingId: true, room: true, priority: true, notes: true,
  need: true, contact: true, dueAt: true,
}).partial();
export type TaskPatch = z.input<typeof TaskPatchInput>;

export function editTask(doc: Y.Doc, id: string, patch: TaskPatch, origin: Origin = LOCAL, now = Date.now()): Result {
  const ymap = getRecord(doc, 'tasks', id);
  if (!ymap) return fail('notFound', `task ${id}`);
  const parsed = TaskPatchInput.strict().safeParse(patch);
  if (!parsed.success) return invalid(parsed.error);
  if (parsed.data.buildingId && !getRecord(doc, 'buildings', parsed.data.buildingId)) {
    return fail('notFound', `building ${parsed.data.buildingId}`);
  }
  doc.transact(() => {
    setFields(ymap, parsed.data);
    ymap.set('updatedAt', now);
  }, origin);
  return ok();
}

export interface MoveInput {
  taskId: string;
  /** Volunteer id of the target lane, or null for Unassigned. */
  to: string | null;
  /** Place the card just before this card of the target lane; null or absent = at the end. */
  beforeId?: string | null;
}

/** Moves a card: writes its slot once (never delete + insert), and the status the move implies. */
export function moveTask(doc: Y.Doc, input: MoveInput, origin: Origin = LOCAL, now = Date.now()): Result<Slot> {
  const ymap = getRecord(doc, 'tasks', input.taskId);
  if (!ymap) return fail('notFound', `task ${input.taskId}`);
  const task = readRecord(doc, 'tasks', input.taskId);
  if (!task.ok) return fail('invalid', `task ${input.taskId}: ${task.message}`);
  if (input.to !== task.value.slot.assigneeId) {
    const assignee = checkAssignee(doc, input.to);
    if (!assignee.ok) return assignee;
  }
  const target = lane(doc, input.to).filter((entry) => entry.id !== input.taskId);
  const slot: Slot = { assigneeId: input.to, rank: dropRank(target, task.value.priority === 'urgent', input.beforeId ?? null) };
  const status = statusAfterMove(task.value, input.to);
  doc.transact(() => {
    if (slot.rank.length > MAX_RANK_LENGTH) slot.rank = respread(doc, input.to, target, input.taskId, slot.rank);
    ymap.set('slot', slot);
    if (status !== task.value.status) ymap.set('status', status);
    ymap.set('updatedAt', now);
  }, origin);
  return ok(slot);
}

/**
 * The rank for a card dropped before `beforeId` as the lane is shown: urgent cards first, each
 * group in rank order. Ranks only ever compare within a group, so the card is placed in its own.
 */
function dropRank(target: SlotEntry[], urgent: boolean, beforeId: string | null): string {
  const group = target.filter((entry) => entry.urgent === urgent);
  const before = beforeId === null ? undefined : target.find((entry) => entry.id === beforeId);
  if (!before) return rankAtEnd(group);
  if (before.urgent === urgent) return rankBefore(group, beforeId);
  // Dropped across the groups' border: an urgent card at the end of the urgent group, a normal
  // card at the start of the normal group.
  return urgent ? rankAtEnd(group) : rankAtStart(group);
}

/**
 * Spreads a lane's ranks out again once they grow long, keeping its order with the moved card at
 * its new place; each card's slot is written once. Returns the moved card's new rank.
 */
function respread(doc: Y.Doc, assigneeId: string | null, target: SlotEntry[], movedId: string, movedRank: string): string {
  const order = sortByRank([...target, { id: movedId, rank: movedRank, assigneeId, status: null, urgent: false }]);
  const keys = generateNKeysBetween(null, null, order.length);
  let moved = movedRank;
  order.forEach((entry, i) => {
    if (entry.id === movedId) moved = keys[i]!;
    else getRecord(doc, 'tasks', entry.id)?.set('slot', { assigneeId, rank: keys[i]! });
  });
  return moved;
}

/** Gives a card to a volunteer (or back to Unassigned), at the end of their lane. */
export function assignTask(doc: Y.Doc, taskId: string, to: string | null, origin: Origin = LOCAL, now = Date.now()): Result<Slot> {
  return moveTask(doc, { taskId, to, beforeId: null }, origin, now);
}

export function setTaskStatus(
  doc: Y.Doc, taskId: string, status: TaskStatus, origin: Origin = LOCAL, now = Date.now(),
): Result {
  if (!(TASK_STATUSES as readonly string[]).includes(status)) return fail('invalid', `status ${status}`);
  const ymap = getRecord(doc, 'tasks', taskId);
  const task = readRecord(doc, 'tasks', taskId);
  if (!ymap || !task.ok) return fail('notFound', `task ${taskId}`);
  if (!canSetStatus(task.value, status)) {
    return fail('illegalTransition', `${task.value.status} → ${status}`);
  }
  doc.transact(() => {
    ymap.set('status', status);
    ymap.set('updatedAt', now);
  }, origin);
  return ok();
}

// ---------------------------------------------------------------- volunteers

export const NewVolunteerInput = VolunteerSchema.partial({
  phone: true, team: true, skills: true, buildingIds: true, role: true, health: true, onDuty: true, rank: true,
}).extend({ id: z.string().min(1).max(64).optional() });
export type NewVolunteer = z.input<typeof NewVolunteerInput>;

export function addVolunteer(doc: Y.Doc, input: NewVolunteer, origin: Origin = LOCAL): Result<string> {
  const parsed = NewVolunteerInput.safeParse(input);
  if (!parsed.success) return invalid(parsed.error);
  const { id = newId('v'), ...fields } = parsed.data;
  if (getRecord(doc, 'volunteers', id)) return fail('invalid', `volunteer ${id} exists`);
  const volunteer: Volunteer = {
    phone: '', team: 'floating', skills: [], buildingIds: [], role: 'floating', health: 'untested',
    onDuty: false, rank: fields.rank ?? rankAtEnd(sortedRanks(doc, 'volunteers')),
    ...fields,
  };
  const checked = VolunteerSchema.safeParse(volunteer);
  if (!checked.success) return invalid(checked.error);
  doc.transact(() => insertRecord(doc, 'volunteers', id, checked.data), origin);
  return ok(id);
}

export const VolunteerPatchInput = VolunteerSchema.partial();
export type VolunteerPatch = z.input<typeof VolunteerPatchInput>;

/**
 * Edits a volunteer. When they become unavailable (isolated, sick, left…), their open cards go
 * back to the top of Unassigned in the same transaction, with a note saying why.
 */
export function editVolunteer(
  doc: Y.Doc, id: string, patch: VolunteerPatch, origin: Origin = LOCAL, now = Date.now(),
): Result<{ returned: string[] }> {
  const ymap = getRecord(doc, 'volunteers', id);
  if (!ymap) return fail('notFound', `volunteer ${id}`);
  const parsed = VolunteerPatchInput.strict().safeParse(patch);
  if (!parsed.success) return invalid(parsed.error);
  const next = { ...ymap.toJSON(), ...parsed.data };
  const checked = VolunteerSchema.safeParse(next);
  if (!checked.success) return invalid(checked.error);
  const returned = isAvailable(checked.data.health) ? [] : lane(doc, id).filter((entry) => isOpenWork(entry));
  const wentOff = !isAvailable(checked.data.health) && checked.data.onDuty;
  doc.transact(() => {
    setFields(ymap, parsed.data);
    if (wentOff) ymap.set('onDuty', false);
    returnToUnassigned(doc, returned.map((entry) => entry.id), `${checked.data.name}: ${checked.data.health}`, now);
  }, origin);
  return ok({ returned: returned.map((entry) => entry.id) });
}

/** Puts cards on top of Unassigned in their current order. Call inside a transaction. */
function returnToUnassigned(doc: Y.Doc, taskIds: string[], reason: string, now: number): void {
  if (taskIds.length === 0) return;
  let top: Ranked[] = lane(doc, null).slice(0, 1);
  for (const taskId of [...taskIds].reverse()) {
    const ymap = getRecord(doc, 'tasks', taskId) as YRecord;
    const rank = rankAtStart(top);
    top = [{ id: taskId, rank }];
    ymap.set('slot', { assigneeId: null, rank });
    ymap.set('status', 'open');
    ymap.set('updatedAt', now);
    const notes = String(ymap.get('notes') ?? '');
    ymap.set('notes', `${notes ? notes + '\n' : ''}↩ ${reason}`.slice(-2000));
  }
}

// ---------------------------------------------------------------- buildings

export const NewBuildingInput = BuildingSchema.partial({
  area: true, floors: true, households: true, residents: true, zone: true, leadId: true, rank: true,
}).extend({ id: z.string().min(1).max(64).optional() });
export type NewBuilding = z.input<typeof NewBuildingInput>;

export function addBuilding(doc: Y.Doc, input: NewBuilding, origin: Origin = LOCAL): Result<string> {
  const parsed = NewBuildingInput.safeParse(input);
  if (!parsed.success) return invalid(parsed.error);
  const { id = newId('b'), ...fields } = parsed.data;
  if (getRecord(doc, 'buildings', id)) return fail('invalid', `building ${id} exists`);
  if (fields.leadId && !getRecord(doc, 'volunteers', fields.leadId)) return fail('notFound', `volunteer ${fields.leadId}`);
  const building: Building = {
    area: '', floors: 0, households: 0, residents: 0, zone: 'normal', leadId: null,
    rank: fields.rank ?? rankAtEnd(sortedRanks(doc, 'buildings')),
    ...fields,
  };
  const checked = BuildingSchema.safeParse(building);
  if (!checked.success) return invalid(checked.error);
  doc.transact(() => insertRecord(doc, 'buildings', id, checked.data), origin);
  return ok(id);
}

export const BuildingPatchInput = BuildingSchema.partial();
export type BuildingPatch = z.input<typeof BuildingPatchInput>;

export function editBuilding(doc: Y.Doc, id: string, patch: BuildingPatch, origin: Origin = LOCAL): Result {
  const ymap = getRecord(doc, 'buildings', id);
  if (!ymap) return fail('notFound', `building ${id}`);
  const parsed = BuildingPatchInput.strict().safeParse(patch);
  if (!parsed.success) return invalid(parsed.error);
  if (parsed.data.leadId && !getRecord(doc, 'volunteers', parsed.data.leadId)) {
    return fail('notFound', `volunteer ${parsed.data.leadId}`);
  }
  const checked = BuildingSchema.safeParse({ ...ymap.toJSON(), ...parsed.data });
  if (!checked.success) return invalid(checked.error);
  doc.transact(() => setFields(ymap, parsed.data), origin);
  return ok();
}

/** A record map (buildings, volunteers) in rank order. */
function sortedRanks(doc: Y.Doc, name: 'buildings' | 'volunteers'): Ranked[] {
  const out: Ranked[] = [];
  recordMap(doc, name).forEach((ymap, id) => {
    const rank = ymap instanceof Y.Map ? ymap.get('rank') : undefined;
    if (typeof rank === 'string') out.push({ id, rank });
  });
  return sortByRank(out);
}
