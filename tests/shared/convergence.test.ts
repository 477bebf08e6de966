// Seeded random-operation convergence: several replicas run the shared mutations on their own
// copy of one board; updates arrive late, out of order, in bursts, and not at all while a replica
// is offline. Once everything is delivered every replica holds the same board, and every card is
// in exactly one lane. A failure prints the seed: CONVERGENCE_SEED=<seed> reruns it.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readBoard, readRecord, type Board } from '../../shared/doc.js';
import { laneTasks } from '../../shared/lanes.js';
import {
  addBuilding, addVolunteer, assignTask, createTask, editTask, editVolunteer, moveTask, setTaskStatus,
} from '../../shared/mutations.js';
import type { Result } from '../../shared/errors.js';
import { PRIORITIES, TASK_KINDS, TASK_STATUSES, type Health } from '../../shared/schema.js';

const SEED = Number(process.env.CONVERGENCE_SEED ?? 20_220_401);
const REPLICAS = 4;
const OPS = 10_000;
const NOW = 1_649_000_000_000;
/** Origin of updates applied from another replica; they are not queued again. */
const REMOTE = Symbol('remote');

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Replica {
  doc: Y.Doc;
  /** Updates from the others, not yet applied. */
  inbox: Uint8Array[];
  /** This replica's own updates made while offline, sent when it comes back. */
  outbox: Uint8Array[];
  offlineUntil: number;
}

type Tally = Record<string, Record<string, number>>;

function simulate(seed: number) {
  const random = mulberry32(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;

  // The common start, written once on its own doc and copied to every replica.
  const origin = new Y.Doc();
  origin.clientID = 1;
  const buildings = ['b1', 'b2', 'b3', 'b4', 'b5'];
  buildings.forEach((id, i) => addBuilding(origin, { id, label: `${i + 1}号`, floors: 6 + i }));
  const volunteers: string[] = [];
  for (let i = 0; i < 8; i++) {
    const id = `v${i}`;
    // v6 and v7 start isolated and sick; others get isolated during the run.
    const health: Health = i === 6 ? 'isolated' : i === 7 ? 'sick' : 'eligible';
    addVolunteer(origin, { id, name: `志愿者${i}`, health, onDuty: health === 'eligible' });
    volunteers.push(id);
  }
  const taskIds: string[] = [];
  for (let i = 0; i < 30; i++) {
    const created = createTask(origin, {
      id: `t-seed-${i}`, title: `任务${i}`, kind: pick(TASK_KINDS), priority: pick(PRIORITIES),
      buildingId: random() < 0.7 ? pick(buildings) : null, assigneeId: i % 3 === 0 ? null : pick(volunteers.slice(0, 6)),
    }, { source: 'load' }, NOW);
    if (created.ok) taskIds.push(created.value);
  }
  const seedTasks = taskIds.length;
  const start = Y.encodeStateAsUpdate(origin);

  const replicas: Replica[] = Array.from({ length: REPLICAS }, (_, i) => {
    const doc = new Y.Doc();
    doc.clientID = 100 + i;
    Y.applyUpdate(doc, start, REMOTE);
    return { doc, inbox: [], outbox: [], offlineUntil: -1 };
  });
  for (const r of replicas) {
    r.doc.on('update', (update: Uint8Array, from: unknown) => {
      if (from === REMOTE) return;
      if (r.offlineUntil >= 0) r.outbox.push(update);
      else for (const other of replicas) if (other !== r) other.inbox.push(update);
    });
  }
  /** Applies `count` updates from the inbox, each picked at random, one transaction each. */
  const trickle = (r: Replica, count: number) => {
    for (let i = 0; i < count && r.inbox.length > 0; i++) {
      const index = int(r.inbox.length);
      const update = r.inbox[index]!;
      r.inbox[index] = r.inbox[r.inbox.length - 1]!;
      r.inbox.pop();
      Y.applyUpdate(r.doc, update, REMOTE);
    }
  };
  /** Applies the whole inbox at once in shuffled order, merged: a reconnect's sync step. */
  const catchUp = (r: Replica) => {
    if (r.inbox.length === 0) return;
    for (let i = r.inbox.length - 1; i > 0; i--) {
      const j = int(i + 1);
      [r.inbox[i], r.inbox[j]] = [r.inbox[j]!, r.inbox[i]!];
    }
    Y.applyUpdate(r.doc, Y.mergeUpdates(r.inbox), REMOTE);
    r.inbox = [];
  };
  const reconnect = (r: Replica) => {
    r.offlineUntil = -1;
    for (const other of replicas) if (other !== r) other.inbox.push(...r.outbox);
    r.outbox = [];
    // Half the time the backlog arrives as one sync step, half the time it keeps trickling in.
    if (random() < 0.5) catchUp(r);
  };

  const tally: Tally = {};
  const record = <T>(op: string, result: Result<T>): Result<T> => {
    const outcome = result.ok ? 'ok' : result.code;
    const row = (tally[op] ??= {});
    row[outcome] = (row[outcome] ?? 0) + 1;
    return result;
  };
  const slotOf = (doc: Y.Doc, taskId: string) => {
    const read = readRecord(doc, 'tasks', taskId);
    return read.ok ? read.value.slot : null;
  };
  let offlineSpells = 0;

  for (let step = 0; step < OPS; step++) {
    const r = pick(replicas);
    const doc = r.doc;
    const now = NOW + step * 1000;
    const taskId = pick(taskIds);
    const lane = random() < 0.25 ? null : pick(volunteers);
    const roll = random();
    if (roll < 0.08) {
      const created = record('createTask', createTask(doc, {
        id: `t-${step}`, title: `新任务${step}`, kind: pick(TASK_KINDS), priority: pick(PRIORITIES),
        buildingId: random() < 0.5 ? pick(buildings) : null, assigneeId: random() < 0.3 ? lane : null,
      }, { source: 'lead', actor: `r${doc.clientID}` }, now));
      if (created.ok) taskIds.push(created.value);
    } else if (roll < 0.45) {
      const shape = random();
      if (shape < 0.5) {
        // Before a card as this replica sees it: a placement inside that card's lane.
        const before = pick(taskIds);
        const slot = slotOf(doc, before);
        record('moveTask', moveTask(doc, { taskId, to: slot ? slot.assigneeId : lane, beforeId: before }, undefined, now));
      } else {
        // The end of a lane, or a beforeId that is elsewhere or not yet known here.
        const beforeId = shape < 0.8 ? null : pick(taskIds);
        record('moveTask', moveTask(doc, { taskId, to: lane, beforeId }, undefined, now));
      }
    } else if (roll < 0.57) {
      record('assignTask', assignTask(doc, taskId, lane, undefined, now));
    } else if (roll < 0.70) {
      record('setTaskStatus', setTaskStatus(doc, taskId, pick(TASK_STATUSES), undefined, now));
    } else if (roll < 0.84) {
      const what = random();
      const patch = what < 0.4 ? { title: `改${step}` } : what < 0.7 ? { priority: pick(PRIORITIES) } : { notes: `备注${step}` };
      record('editTask', editTask(doc, taskId, patch, undefined, now));
    } else if (roll < 0.97) {
      const volunteerId = pick(volunteers);
      const current = readRecord(doc, 'volunteers', volunteerId);
      const health: Health = current.ok && current.value.health !== 'eligible'
        ? 'eligible'
        : random() < 0.6 ? 'isolated' : 'sick';
      record('editVolunteer', editVolunteer(doc, volunteerId, { health, onDuty: health === 'eligible' }, undefined, now));
    } else {
      const added = record('addVolunteer', addVolunteer(doc, {
        id: `v-${step}`, name: `新人${step}`, health: random() < 0.8 ? 'eligible' : 'untested',
      }));
      if (added.ok) volunteers.push(added.value);
    }

    if (r.offlineUntil < 0 && random() < 0.002) {
      r.offlineUntil = step + 100 + int(500);
      offlineSpells++;
    }
    for (const other of replicas) {
      if (other.offlineUntil >= 0) {
        if (other.offlineUntil <= step) reconnect(other);
        else continue;
      }
      if (random() < 0.3) trickle(other, 1 + int(6));
    }
  }

  for (const r of replicas) if (r.offlineUntil >= 0) reconnect(r);
  for (const r of replicas) trickle(r, r.inbox.length);
  return { replicas, tally, expectedTasks: seedTasks + (tally.createTask?.ok ?? 0), offlineSpells };
}

/** Every record map as id-sorted entries, plus meta and problems: equal text = equal board. */
function snapshot(board: Board): string {
  const sorted = (map: Map<string, unknown>) => [...map.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify({
    meta: board.meta,
    buildings: sorted(board.buildings),
    volunteers: sorted(board.volunteers),
    tasks: sorted(board.tasks),
    queues: sorted(board.queues),
    cases: sorted(board.cases),
    problems: board.problems,
  });
}

describe('convergence under random concurrent operations', () => {
  it(`seed ${SEED}: ${REPLICAS} replicas, ${OPS} operations, late and shuffled delivery, offline spells`, () => {
    const { replicas, tally, expectedTasks, offlineSpells } = simulate(SEED);
    const at = `seed ${SEED}`;
    const first = replicas[0]!.doc;
    const board = readBoard(first);
    const expected = snapshot(board);
    for (const r of replicas.slice(1)) {
      expect(Buffer.from(Y.encodeStateVector(r.doc)), `${at}: state vector of ${r.doc.clientID}`)
        .toEqual(Buffer.from(Y.encodeStateVector(first)));
      expect(snapshot(readBoard(r.doc)) === expected, `${at}: replica ${r.doc.clientID} differs from ${first.clientID}`).toBe(true);
    }
    expect(board.problems, at).toEqual([]);
    expect(board.tasks.size, `${at}: tasks vs successful createTask`).toBe(expectedTasks);

    // Every card in exactly one lane: Unassigned plus every volunteer's lane hold each id once.
    const placed = [null, ...board.volunteers.keys()].flatMap((lane) => laneTasks(board.tasks.values(), lane).map((t) => t.id));
    expect(placed.length, `${at}: cards across lanes`).toBe(board.tasks.size);
    expect(new Set(placed).size, `${at}: distinct cards across lanes`).toBe(board.tasks.size);

    // The run did what it claims: every kind of operation succeeded often, replicas went offline.
    expect(offlineSpells, at).toBeGreaterThan(0);
    for (const op of ['createTask', 'moveTask', 'assignTask', 'setTaskStatus', 'editTask', 'editVolunteer', 'addVolunteer']) {
      expect(tally[op]?.ok ?? 0, `${at}: successful ${op}: ${JSON.stringify(tally)}`).toBeGreaterThan(50);
    }
    expect(tally.editVolunteer?.ok ?? 0, at).toBeGreaterThan(500);
  }, 60_000);

  it('two leads move one card at once to different volunteers: one card, one lane, on both', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    a.clientID = 1;
    b.clientID = 2;
    addVolunteer(a, { id: 'v1', name: '李明', health: 'eligible' });
    addVolunteer(a, { id: 'v2', name: '王芳', health: 'eligible' });
    createTask(a, { id: 't0', title: '测温', kind: 'other', priority: 'normal', assigneeId: 'v2' });
    createTask(a, { id: 't1', title: '送药', kind: 'medicineRun', priority: 'high' });
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(moveTask(a, { taskId: 't1', to: 'v1' }).ok).toBe(true);
    expect(moveTask(b, { taskId: 't1', to: 'v2', beforeId: 't0' }).ok).toBe(true);
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));

    const boardA = readBoard(a);
    const boardB = readBoard(b);
    expect(snapshot(boardB)).toBe(snapshot(boardA));
    const lanes = (board: Board) => [null, 'v1', 'v2'].map((lane) => laneTasks(board.tasks.values(), lane).map((t) => t.id));
    const shown = lanes(boardA);
    expect(lanes(boardB)).toEqual(shown);
    expect(shown.flat().filter((id) => id === 't1')).toHaveLength(1);
    expect(shown.flat().sort()).toEqual(['t0', 't1']);
    expect(shown[0]).toEqual([]);
    // The later writer by Yjs's rule (the higher clientID on a tie) wins: b put it before t0.
    expect(shown[2]).toEqual(['t1', 't0']);
    expect(boardA.tasks.get('t1')!.status).toBe('assigned');
  });
});
