// The shared mutations on a single in-memory Y.Doc: defaults, rules, placement, and that a
// refused change writes nothing.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { getRecord, readBoard, readRecord, recordMap } from '../../shared/doc.js';
import type { Result } from '../../shared/errors.js';
import { laneTasks, rankBefore } from '../../shared/lanes.js';
import {
  addBuilding, addVolunteer, assignTask, createTask, editBuilding, editVolunteer, moveTask, setTaskStatus,
  type NewTask, type Origin,
} from '../../shared/mutations.js';
import type { TaskStatus } from '../../shared/schema.js';

const ORIGIN: Origin = { source: 'lead', actor: 'test' };
const T0 = 1_650_000_000_000;
const T1 = T0 + 60_000;

/** The value of a Result (or of readRecord's result); throws on a refusal so the test fails there. */
function value<T>(result: { ok: true; value: T } | { ok: false; message: string; code?: string }): T {
  if (!result.ok) throw new Error(`${result.code ?? 'failed'}: ${result.message}`);
  return result.value;
}

/** A board with three volunteers: v1 and v2 eligible, v3 isolated. */
function newBoard(): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = 1;
  value(addVolunteer(doc, { id: 'v1', name: '李明', health: 'eligible', onDuty: true }));
  value(addVolunteer(doc, { id: 'v2', name: '王芳', health: 'eligible' }));
  value(addVolunteer(doc, { id: 'v3', name: '张伟', health: 'isolated' }));
  value(addBuilding(doc, { id: 'b12', label: '12号' }));
  return doc;
}

function task(doc: Y.Doc, id: string, extra: Partial<NewTask> = {}): string {
  return value(createTask(doc, { id, title: `任务 ${id}`, kind: 'other', priority: 'normal', ...extra }, ORIGIN, T0));
}

function read(doc: Y.Doc, id: string) {
  return value(readRecord(doc, 'tasks', id));
}

/** Lane ids in display order (urgent first, then rank). */
function lane(doc: Y.Doc, assigneeId: string | null): string[] {
  return laneTasks(readBoard(doc).tasks.values(), assigneeId).map((t) => t.id);
}

/** Lane ids in rank order only. */
function byRank(doc: Y.Doc, assigneeId: string | null): string[] {
  return [...readBoard(doc).tasks.values()]
    .filter((t) => t.slot.assigneeId === assigneeId)
    .sort((a, b) => (a.slot.rank < b.slot.rank ? -1 : a.slot.rank > b.slot.rank ? 1 : 0))
    .map((t) => t.id);
}

/** Runs a mutation that must be refused with `code` and asserts it wrote nothing at all. */
function expectRefused(doc: Y.Doc, code: string, mutate: () => Result<unknown>): void {
  const vector = Y.encodeStateVector(doc);
  const state = Y.encodeStateAsUpdate(doc);
  let updates = 0;
  const count = () => updates++;
  doc.on('update', count);
  const result = mutate();
  doc.off('update', count);
  expect(result).toMatchObject({ ok: false, code });
  expect(updates).toBe(0);
  expect(Buffer.from(Y.encodeStateVector(doc))).toEqual(Buffer.from(vector));
  expect(Buffer.from(Y.encodeStateAsUpdate(doc))).toEqual(Buffer.from(state));
}

describe('createTask', () => {
  it('fills defaults: open, Unassigned, both timestamps, empty room and notes', () => {
    const doc = newBoard();
    const id = value(createTask(doc, { title: '送药 12号 502', kind: 'medicineRun', priority: 'high' }, ORIGIN, T0));
    expect(id).toMatch(/^t[0-9a-z]{10}$/);
    const { slot, ...rest } = read(doc, id);
    expect(rest).toEqual({
      id, title: '送药 12号 502', kind: 'medicineRun', priority: 'high', status: 'open',
      buildingId: null, room: '', notes: '', createdAt: T0, updatedAt: T0,
    });
    expect(slot.assigneeId).toBeNull();
    expect(slot.rank).toMatch(/^[0-9A-Za-z]+$/);
  });

  it('with an eligible assignee: status assigned, in their lane', () => {
    const doc = newBoard();
    task(doc, 't1', { assigneeId: 'v1', buildingId: 'b12', room: '502' });
    expect(read(doc, 't1')).toMatchObject({ status: 'assigned', buildingId: 'b12', room: '502', slot: { assigneeId: 'v1' } });
    expect(lane(doc, 'v1')).toEqual(['t1']);
    expect(lane(doc, null)).toEqual([]);
  });

  it('puts a normal card at the end of its lane by rank, an urgent one on top', () => {
    const doc = newBoard();
    task(doc, 'a');
    task(doc, 'b', { priority: 'low' });
    task(doc, 'c');
    expect(byRank(doc, null)).toEqual(['a', 'b', 'c']);
    task(doc, 'u1', { priority: 'urgent' });
    task(doc, 'u2', { priority: 'urgent' });
    // Rank order, not just display order: the urgent card is ranked first.
    expect(byRank(doc, null)).toEqual(['u2', 'u1', 'a', 'b', 'c']);
    task(doc, 'u3', { priority: 'urgent', at: 'end' });
    expect(byRank(doc, null)).toEqual(['u2', 'u1', 'a', 'b', 'c', 'u3']);
    expect(lane(doc, null)).toEqual(['u2', 'u1', 'u3', 'a', 'b', 'c']);
  });

  it.each<[string, Record<string, unknown>]>([
    ['empty title', { title: '' }],
    ['title over 200 characters', { title: 'x'.repeat(201) }],
    ['unknown kind', { kind: 'shopping' }],
    ['unknown priority', { priority: 'asap' }],
    ['room over 16 characters', { room: '1'.repeat(17) }],
    ['empty id', { id: '' }],
    ['negative dueAt', { dueAt: -1 }],
  ])('refuses %s as invalid and writes nothing', (_, patch) => {
    const doc = newBoard();
    task(doc, 'existing');
    const input = { title: '送药', kind: 'medicineRun', priority: 'high', ...patch } as NewTask;
    expectRefused(doc, 'invalid', () => createTask(doc, input, ORIGIN, T0));
    expect(readBoard(doc).tasks.size).toBe(1);
  });

  it('refuses a duplicate id, an unknown building and an unknown or unavailable assignee', () => {
    const doc = newBoard();
    task(doc, 't1');
    const base = { title: '送药', kind: 'medicineRun', priority: 'high' } as const;
    expectRefused(doc, 'invalid', () => createTask(doc, { ...base, id: 't1' }));
    expectRefused(doc, 'notFound', () => createTask(doc, { ...base, buildingId: 'b99' }));
    expectRefused(doc, 'notFound', () => createTask(doc, { ...base, assigneeId: 'v99' }));
    expectRefused(doc, 'volunteerUnavailable', () => createTask(doc, { ...base, assigneeId: 'v3' }));
    expect(read(doc, 't1').title).toBe('任务 t1');
  });
});

describe('moveTask', () => {
  it('writes the slot once, with status and updatedAt, in one transaction', () => {
    const doc = newBoard();
    task(doc, 't1');
    task(doc, 't2', { assigneeId: 'v1' });
    const ymap = getRecord(doc, 'tasks', 't1')!;
    const events: { keys: string[]; actions: string[]; transaction: Y.Transaction }[] = [];
    ymap.observe((event) => events.push({
      keys: [...event.keysChanged].sort(),
      actions: [...event.changes.keys.values()].map((change) => change.action),
      transaction: event.transaction,
    }));
    let tasksMapEvents = 0;
    recordMap(doc, 'tasks').observe(() => tasksMapEvents++);
    const updates: Uint8Array[] = [];
    const origins: unknown[] = [];
    doc.on('update', (update: Uint8Array, origin: unknown) => { updates.push(update); origins.push(origin); });

    const slot = value(moveTask(doc, { taskId: 't1', to: 'v1', beforeId: 't2' }, ORIGIN, T1));

    expect(events).toHaveLength(1);
    expect(events[0]!.keys).toEqual(['slot', 'status', 'updatedAt']);
    expect(events[0]!.actions).toEqual(['update', 'update', 'update']);
    expect(events[0]!.transaction.origin).toBe(ORIGIN);
    expect(tasksMapEvents).toBe(0);
    expect(updates).toHaveLength(1);
    expect(origins).toEqual([ORIGIN]);
    // The update inserts exactly three values: one slot, the new status and the timestamp.
    const structs = Y.decodeUpdate(updates[0]!).structs;
    expect(structs.every((s) => s instanceof Y.Item)).toBe(true);
    const contents = (structs as Y.Item[]).map((item) => item.content.getContent());
    expect(contents).toEqual([[slot], ['assigned'], [T1]]);
    expect(read(doc, 't1')).toMatchObject({ slot, status: 'assigned', updatedAt: T1, createdAt: T0 });
    expect(slot.assigneeId).toBe('v1');
  });

  it('inside one lane: only slot and updatedAt change when the status stays', () => {
    const doc = newBoard();
    task(doc, 'a', { assigneeId: 'v1' });
    task(doc, 'b', { assigneeId: 'v1' });
    const keys: string[][] = [];
    getRecord(doc, 'tasks', 'b')!.observe((event) => keys.push([...event.keysChanged].sort()));
    value(moveTask(doc, { taskId: 'b', to: 'v1', beforeId: 'a' }, ORIGIN, T1));
    expect(keys).toEqual([['slot', 'updatedAt']]);
    expect(lane(doc, 'v1')).toEqual(['b', 'a']);
  });

  it('places the card just before beforeId, or at the end for null or an id not in the lane', () => {
    const doc = newBoard();
    for (const id of ['a', 'b', 'c']) task(doc, id, { assigneeId: 'v1' });
    task(doc, 'd');
    task(doc, 'elsewhere', { assigneeId: 'v2' });
    value(moveTask(doc, { taskId: 'c', to: 'v1', beforeId: 'b' }));
    expect(lane(doc, 'v1')).toEqual(['a', 'c', 'b']);
    value(moveTask(doc, { taskId: 'a', to: 'v1', beforeId: null }));
    expect(lane(doc, 'v1')).toEqual(['c', 'b', 'a']);
    value(moveTask(doc, { taskId: 'd', to: 'v1', beforeId: 'c' }));
    expect(lane(doc, 'v1')).toEqual(['d', 'c', 'b', 'a']);
    value(moveTask(doc, { taskId: 'c', to: 'v1', beforeId: 'a' }));
    expect(lane(doc, 'v1')).toEqual(['d', 'b', 'c', 'a']);
    value(moveTask(doc, { taskId: 'd', to: 'v1', beforeId: 'elsewhere' }));
    expect(lane(doc, 'v1')).toEqual(['b', 'c', 'a', 'd']);
    value(moveTask(doc, { taskId: 'b', to: 'v1', beforeId: 'no-such-card' }));
    expect(lane(doc, 'v1')).toEqual(['c', 'a', 'd', 'b']);
    expect(lane(doc, null)).toEqual([]);
    expect(lane(doc, 'v2')).toEqual(['elsewhere']);
  });

  // The board shows urgent cards first (compareForDisplay), and the drag code reports beforeId
  // from that shown order. An urgent card assigned with assignTask is ranked at the end of the
  // lane, so its rank is above the normal cards' ranks even though it is shown above them.
  it('places the card before beforeId as the lane is shown (urgent first)', () => {
    const doc = newBoard();
    task(doc, 'u1', { assigneeId: 'v1', priority: 'urgent' });
    task(doc, 'n1', { assigneeId: 'v1' });
    task(doc, 'n2', { assigneeId: 'v1' });
    task(doc, 'u2', { priority: 'urgent' });
    value(assignTask(doc, 'u2', 'v1'));
    expect(lane(doc, 'v1')).toEqual(['u1', 'u2', 'n1', 'n2']);
    // The lead drags u1 down to just above n1: u2 should now be first.
    value(moveTask(doc, { taskId: 'u1', to: 'v1', beforeId: 'n1' }));
    expect(lane(doc, 'v1')).toEqual(['u2', 'u1', 'n1', 'n2']);
  });

  it('refuses an unavailable, unknown or missing target and writes nothing', () => {
    const doc = newBoard();
    task(doc, 't1');
    const observed: string[] = [];
    getRecord(doc, 'tasks', 't1')!.observe((event) => observed.push(...event.keysChanged));
    expectRefused(doc, 'volunteerUnavailable', () => moveTask(doc, { taskId: 't1', to: 'v3' }));
    expectRefused(doc, 'notFound', () => moveTask(doc, { taskId: 't1', to: 'v99' }));
    expectRefused(doc, 'notFound', () => moveTask(doc, { taskId: 't99', to: 'v1' }));
    expect(observed).toEqual([]);
    expect(read(doc, 't1')).toMatchObject({ status: 'open', slot: { assigneeId: null } });
  });

  it('sets the status a move implies: open → assigned → open; done and cancelled stay', () => {
    const doc = newBoard();
    task(doc, 't1');
    value(moveTask(doc, { taskId: 't1', to: 'v1' }));
    expect(read(doc, 't1').status).toBe('assigned');
    value(moveTask(doc, { taskId: 't1', to: null }));
    expect(read(doc, 't1').status).toBe('open');

    task(doc, 't2', { assigneeId: 'v1' });
    value(setTaskStatus(doc, 't2', 'done'));
    value(moveTask(doc, { taskId: 't2', to: 'v2' }));
    expect(read(doc, 't2')).toMatchObject({ status: 'done', slot: { assigneeId: 'v2' } });
    value(moveTask(doc, { taskId: 't2', to: null }));
    expect(read(doc, 't2')).toMatchObject({ status: 'done', slot: { assigneeId: null } });

    task(doc, 't3');
    value(setTaskStatus(doc, 't3', 'cancelled'));
    value(moveTask(doc, { taskId: 't3', to: 'v1' }));
    expect(read(doc, 't3').status).toBe('cancelled');
  });

  it('keeps accepted work in the same lane, starts over with a new person, keeps blocked blocked', () => {
    const doc = newBoard();
    task(doc, 'a', { assigneeId: 'v1' });
    task(doc, 'b', { assigneeId: 'v1' });
    value(setTaskStatus(doc, 'a', 'accepted'));
    value(setTaskStatus(doc, 'b', 'blocked'));
    value(moveTask(doc, { taskId: 'a', to: 'v1', beforeId: 'b' }));
    expect(read(doc, 'a').status).toBe('accepted');
    value(moveTask(doc, { taskId: 'a', to: 'v2' }));
    expect(read(doc, 'a').status).toBe('assigned');
    value(moveTask(doc, { taskId: 'b', to: 'v2' }));
    expect(read(doc, 'b').status).toBe('blocked');
  });

  it('a card moved into the same gap many times stays readable', () => {
    const doc = newBoard();
    for (const id of ['a', 'b', 'x', 'y']) task(doc, id);
    // Two cards dropped alternately just above b: each drop halves the gap between a and b.
    for (let i = 0; i < 2_000; i++) {
      const id = i % 2 ? 'x' : 'y';
      const moved = moveTask(doc, { taskId: id, to: null, beforeId: 'b' });
      expect(moved.ok, `move ${i}: ${JSON.stringify(moved)}`).toBe(true);
    }
    const board = readBoard(doc);
    expect(board.problems).toEqual([]);
    expect(board.tasks.size).toBe(4);
  });
});

describe('setTaskStatus', () => {
  it.each<[string, string | null, TaskStatus]>([
    ['assigned', null, 'assigned'],
    ['accepted', null, 'accepted'],
    ['inProgress', null, 'inProgress'],
    ['open', 'v1', 'open'],
  ])('refuses %s for a card in lane %s', (_, assigneeId, to) => {
    const doc = newBoard();
    task(doc, 't1', { assigneeId });
    const before = read(doc, 't1').status;
    expectRefused(doc, 'illegalTransition', () => setTaskStatus(doc, 't1', to, ORIGIN, T1));
    expect(read(doc, 't1')).toMatchObject({ status: before, updatedAt: T0 });
  });

  it.each<[string | null, TaskStatus]>([
    [null, 'done'], [null, 'cancelled'], [null, 'blocked'], [null, 'failed'], [null, 'open'],
    ['v1', 'accepted'], ['v1', 'inProgress'], ['v1', 'done'], ['v1', 'failed'], ['v1', 'assigned'],
  ])('allows a card in lane %s to become %s, and stamps updatedAt', (assigneeId, to) => {
    const doc = newBoard();
    task(doc, 't1', { assigneeId });
    value(setTaskStatus(doc, 't1', to, ORIGIN, T1));
    expect(read(doc, 't1')).toMatchObject({ status: to, updatedAt: T1, slot: { assigneeId } });
  });

  it('reopens a done card only where the lane allows it', () => {
    const doc = newBoard();
    task(doc, 't1', { assigneeId: 'v1' });
    value(setTaskStatus(doc, 't1', 'done'));
    expectRefused(doc, 'illegalTransition', () => setTaskStatus(doc, 't1', 'open'));
    value(setTaskStatus(doc, 't1', 'assigned'));
    expect(read(doc, 't1').status).toBe('assigned');
  });

  it('refuses an unknown status and an unknown task', () => {
    const doc = newBoard();
    task(doc, 't1');
    expectRefused(doc, 'invalid', () => setTaskStatus(doc, 't1', 'finished' as TaskStatus));
    expectRefused(doc, 'notFound', () => setTaskStatus(doc, 't99', 'done'));
  });
});

describe('addVolunteer and editVolunteer', () => {
  it('fills defaults and ranks each new volunteer after the last', () => {
    const doc = newBoard();
    const id = value(addVolunteer(doc, { name: '赵磊' }));
    expect(id).toMatch(/^v[0-9a-z]{10}$/);
    const { rank, ...rest } = value(readRecord(doc, 'volunteers', id));
    expect(rest).toEqual({
      id, name: '赵磊', phone: '', team: 'floating', skills: [], buildingIds: [], role: 'floating',
      health: 'untested', onDuty: false,
    });
    const ranks = [...readBoard(doc).volunteers.values()].map((v) => v.rank);
    expect(rank).toBe([...ranks].sort().at(-1));
    expect(new Set(ranks).size).toBe(4);
  });

  it('refuses an empty name, an unknown team and a duplicate id', () => {
    const doc = newBoard();
    expectRefused(doc, 'invalid', () => addVolunteer(doc, { name: '' }));
    expectRefused(doc, 'invalid', () => addVolunteer(doc, { name: '赵磊', team: 'kitchen' as 'floating' }));
    expectRefused(doc, 'invalid', () => addVolunteer(doc, { id: 'v1', name: '赵磊' }));
    expect(value(readRecord(doc, 'volunteers', 'v1')).name).toBe('李明');
  });

  it('isolating a volunteer returns their open cards to the top of Unassigned, leaves closed ones', () => {
    const doc = newBoard();
    task(doc, 'u1');
    task(doc, 'u2');
    const statuses: [string, TaskStatus][] = [
      ['a', 'assigned'], ['b', 'accepted'], ['c', 'done'], ['d', 'inProgress'], ['e', 'cancelled'], ['f', 'blocked'],
    ];
    for (const [id, status] of statuses) {
      task(doc, id, { assigneeId: 'v1' });
      value(setTaskStatus(doc, id, status, ORIGIN, T0));
    }
    task(doc, 'other', { assigneeId: 'v2' });
    let updates = 0;
    doc.on('update', () => updates++);

    const result = value(editVolunteer(doc, 'v1', { health: 'isolated' }, ORIGIN, T1));

    expect(updates).toBe(1);
    expect(result.returned).toEqual(['a', 'b', 'd', 'f']);
    expect(byRank(doc, null)).toEqual(['a', 'b', 'd', 'f', 'u1', 'u2']);
    expect(lane(doc, null)).toEqual(['a', 'b', 'd', 'f', 'u1', 'u2']);
    for (const id of result.returned) {
      const card = read(doc, id);
      expect(card).toMatchObject({ status: 'open', updatedAt: T1, slot: { assigneeId: null } });
      expect(card.notes).toBe('↩ 李明: isolated');
    }
    expect(lane(doc, 'v1')).toEqual(['c', 'e']);
    expect(read(doc, 'c')).toMatchObject({ status: 'done', updatedAt: T0, notes: '' });
    expect(read(doc, 'e')).toMatchObject({ status: 'cancelled', updatedAt: T0 });
    expect(lane(doc, 'v2')).toEqual(['other']);
    expect(value(readRecord(doc, 'volunteers', 'v1'))).toMatchObject({ health: 'isolated', onDuty: false });
  });

  it('appends the reason to existing notes; sick also returns cards; eligible again returns none', () => {
    const doc = newBoard();
    task(doc, 'a', { assigneeId: 'v2', notes: '带体温计' });
    expect(value(editVolunteer(doc, 'v2', { health: 'sick' })).returned).toEqual(['a']);
    expect(read(doc, 'a')).toMatchObject({ notes: '带体温计\n↩ 王芳: sick', status: 'open', slot: { assigneeId: null } });
    expect(value(editVolunteer(doc, 'v2', { health: 'eligible', onDuty: true })).returned).toEqual([]);
    expect(value(readRecord(doc, 'volunteers', 'v2'))).toMatchObject({ health: 'eligible', onDuty: true });
    expect(lane(doc, null)).toEqual(['a']);
    task(doc, 'b', { assigneeId: 'v2' });
    expect(value(editVolunteer(doc, 'v2', { phone: '13800000000' })).returned).toEqual([]);
    expect(lane(doc, 'v2')).toEqual(['b']);
  });

  it('refuses an unknown volunteer, an unknown field and a bad health value', () => {
    const doc = newBoard();
    task(doc, 'a', { assigneeId: 'v1' });
    expectRefused(doc, 'notFound', () => editVolunteer(doc, 'v99', { health: 'isolated' }));
    expectRefused(doc, 'invalid', () => editVolunteer(doc, 'v1', { age: 30 } as never));
    expectRefused(doc, 'invalid', () => editVolunteer(doc, 'v1', { health: 'quarantined' as 'sick' }));
    expect(lane(doc, 'v1')).toEqual(['a']);
  });
});

describe('addBuilding and editBuilding', () => {
  it('fills defaults and accepts a known lead', () => {
    const doc = newBoard();
    const id = value(addBuilding(doc, { label: '13号', leadId: 'v1', floors: 18 }));
    const { rank, ...rest } = value(readRecord(doc, 'buildings', id));
    expect(rest).toEqual({
      id, label: '13号', area: '', floors: 18, households: 0, residents: 0, zone: 'normal', leadId: 'v1',
    });
    expect(rank > value(readRecord(doc, 'buildings', 'b12')).rank).toBe(true);
  });

  it('addBuilding refuses an unknown leadId as notFound', () => {
    const doc = newBoard();
    expectRefused(doc, 'notFound', () => addBuilding(doc, { id: 'b13', label: '13号', leadId: 'v99' }));
    expect(readBoard(doc).buildings.has('b13')).toBe(false);
  });

  it('editBuilding refuses an unknown leadId, an unknown building and a bad patch', () => {
    const doc = newBoard();
    expectRefused(doc, 'notFound', () => editBuilding(doc, 'b12', { leadId: 'v99' }));
    expectRefused(doc, 'notFound', () => editBuilding(doc, 'b99', { leadId: 'v1' }));
    expectRefused(doc, 'invalid', () => editBuilding(doc, 'b12', { floors: -1 }));
    expectRefused(doc, 'invalid', () => editBuilding(doc, 'b12', { colour: 'red' } as never));
    expect(value(readRecord(doc, 'buildings', 'b12')).leadId).toBeNull();
  });

  it('editBuilding sets and clears a known lead', () => {
    const doc = newBoard();
    value(editBuilding(doc, 'b12', { leadId: 'v2', zone: 'sealed' }));
    expect(value(readRecord(doc, 'buildings', 'b12'))).toMatchObject({ leadId: 'v2', zone: 'sealed' });
    value(editBuilding(doc, 'b12', { leadId: null }));
    expect(value(readRecord(doc, 'buildings', 'b12')).leadId).toBeNull();
  });
});

describe('rankBefore', () => {
  const sorted = [
    { id: 'a', rank: 'a0' }, { id: 'b', rank: 'a1' }, { id: 'c', rank: 'a1' }, { id: 'd', rank: 'a2' },
  ];

  it('between distinct neighbours: strictly between them', () => {
    const rank = rankBefore(sorted, 'b');
    expect(rank > 'a0' && rank < 'a1', rank).toBe(true);
    const first = rankBefore(sorted, 'a');
    expect(first < 'a0', first).toBe(true);
    expect(rankBefore(sorted, null) > 'a2').toBe(true);
  });

  it('steps over equal neighbour ranks instead of failing or colliding', () => {
    // b and c share a rank (two leads inserted at one spot at once): nothing fits between them.
    const rank = rankBefore(sorted, 'c');
    expect(rank > 'a1' && rank < 'a2', rank).toBe(true);
    const tiedAtEnd = [{ id: 'x', rank: 'a5' }, { id: 'y', rank: 'a5' }, { id: 'z', rank: 'a5' }];
    const end = rankBefore(tiedAtEnd, 'z');
    expect(end > 'a5', end).toBe(true);
    // The moving card is ignored: moving c before d leaves b as the only 'a1'.
    const moved = rankBefore(sorted, 'd', 'c');
    expect(moved > 'a1' && moved < 'a2', moved).toBe(true);
  });

  it('in a real lane: a card dropped before the second of two tied cards gets a rank of its own after them', () => {
    // Two replicas append at the end of the same lane at once: the two cards get one rank.
    const a = new Y.Doc();
    const b = new Y.Doc();
    a.clientID = 1;
    b.clientID = 2;
    value(addVolunteer(a, { id: 'v1', name: '李明', health: 'eligible' }));
    task(a, 'first', { assigneeId: 'v1' });
    task(a, 'mover');
    task(a, 'other');
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    task(a, 'p', { assigneeId: 'v1' });
    task(b, 'q', { assigneeId: 'v1' });
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    expect(read(a, 'p').slot.rank).toBe(read(a, 'q').slot.rank);
    expect(lane(a, 'v1')).toEqual(['first', 'p', 'q']);
    value(moveTask(a, { taskId: 'mover', to: 'v1', beforeId: 'q' }));
    const after = lane(a, 'v1');
    expect(new Set(after.map((id) => read(a, id).slot.rank)).size).toBe(3);
    expect(after).toEqual(['first', 'p', 'q', 'mover']);
    value(moveTask(a, { taskId: 'other', to: 'v1', beforeId: 'p' }));
    expect(lane(a, 'v1')).toEqual(['first', 'other', 'p', 'q', 'mover']);
  });
});
