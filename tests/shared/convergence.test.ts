// Seeded random-operation convergence: several replicas run the shared mutations on their own
// copy, updates are delivered late, out of order and in bursts, and at the end every replica
// holds the same board with every card in exactly one lane.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readBoard } from '../../shared/doc.js';
import { UNASSIGNED, byLane } from '../../client/lib/board-view.js';
import {
  addVolunteer, assignTask, createTask, editTask, editVolunteer, moveTask, setTaskStatus,
} from '../../shared/mutations.js';
import { PRIORITIES, TASK_STATUSES, type Health } from '../../shared/schema.js';

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
  inbox: Uint8Array[];
  offlineUntil: number;
}

function run(seed: number, replicaCount: number, ops: number) {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const replicas: Replica[] = Array.from({ length: replicaCount }, (_, i) => {
    const doc = new Y.Doc();
    doc.clientID = i + 1;
    return { doc, inbox: [], offlineUntil: -1 };
  });
  // Every local update is queued for every other replica.
  for (const r of replicas) {
    r.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === 'remote') return;
      for (const other of replicas) if (other !== r) other.inbox.push(update);
    });
  }
  const deliver = (r: Replica, count: number) => {
    for (let i = 0; i < count && r.inbox.length > 0; i++) {
      const index = Math.floor(random() * r.inbox.length);
      const [update] = r.inbox.splice(index, 1);
      Y.applyUpdate(r.doc, update!, 'remote');
    }
  };

  // Common start: a few volunteers and cards, known to everyone.
  const base = replicas[0]!.doc;
  const volunteers: string[] = [];
  for (let i = 0; i < 6; i++) {
    const v = addVolunteer(base, { id: `v${i}`, name: `志愿者${i}`, health: 'eligible' });
    if (v.ok) volunteers.push(v.value);
  }
  let created = 0;
  const taskIds: string[] = [];
  for (let i = 0; i < 30; i++) {
    const t = createTask(base, { id: `t-base-${i}`, title: `任务${i}`, kind: 'other', priority: pick(PRIORITIES) });
    if (t.ok) { created++; taskIds.push(t.value); }
  }
  for (const r of replicas.slice(1)) deliver(r, Infinity);

  const counts: Record<string, number> = {};
  const count = (name: string) => { counts[name] = (counts[name] ?? 0) + 1; };
  for (let step = 0; step < ops; step++) {
    const r = pick(replicas);
    const doc = r.doc;
    const task = pick(taskIds);
    const lane = random() < 0.2 ? null : pick(volunteers);
    const roll = random();
    if (roll < 0.08) {
      const t = createTask(doc, { id: `t-${step}`, title: `新任务${step}`, kind: 'request', priority: pick(PRIORITIES), assigneeId: null });
      if (t.ok) { created++; taskIds.push(t.value); count('create'); }
    } else if (roll < 0.5) {
      // beforeId: a random card (maybe in another lane, maybe unknown here), or the end.
      moveTask(doc, { taskId: task, to: lane, beforeId: random() < 0.7 ? pick(taskIds) : null });
      count('move');
    } else if (roll < 0.6) {
      assignTask(doc, task, lane);
      count('assign');
    } else if (roll < 0.72) {
      setTaskStatus(doc, task, pick(TASK_STATUSES));
      count('status');
    } else if (roll < 0.85) {
      editTask(doc, task, random() < 0.5 ? { title: `改${step}` } : { priority: pick(PRIORITIES), notes: `备注${step}` });
      count('edit');
    } else if (roll < 0.97) {
      const health: Health = random() < 0.6 ? 'eligible' : pick(['isolated', 'sick', 'resting'] as const);
      editVolunteer(doc, pick(volunteers), { health });
      count('health');
    } else {
      const v = addVolunteer(doc, { id: `v-${step}`, name: `新人${step}`, health: 'eligible' });
      if (v.ok) { volunteers.push(v.value); count('volunteer'); }
    }
    // Sometimes a replica goes offline for a few hundred operations.
    if (random() < 0.002) r.offlineUntil = step + 100 + Math.floor(random() * 400);
    for (const other of replicas) {
      if (other.offlineUntil > step) continue;
      if (random() < 0.3) deliver(other, 1 + Math.floor(random() * 5));
    }
  }
  for (const r of replicas) deliver(r, Infinity);
  // One more round: updates produced while delivering (none expected) would show up here.
  for (const r of replicas) deliver(r, Infinity);
  return { replicas, created, counts };
}

function snapshot(doc: Y.Doc): string {
  const board = readBoard(doc);
  const sorted = (map: Map<string, unknown>) => [...map.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify({
    meta: board.meta, tasks: sorted(board.tasks), volunteers: sorted(board.volunteers), buildings: sorted(board.buildings),
  });
}

describe('convergence under random concurrent operations', () => {
  it.each([20221122])('seed %i: 4 replicas, 10,000 operations, all converge, every card in one lane', (seed) => {
    const { replicas, created, counts } = run(seed, 4, 10_000);
    const first = replicas[0]!.doc;
    const expected = snapshot(first);
    for (const r of replicas.slice(1)) {
      expect(Buffer.from(Y.encodeStateVector(r.doc)), `seed ${seed}`).toEqual(Buffer.from(Y.encodeStateVector(first)));
      expect(snapshot(r.doc) === expected, `seed ${seed}: replica ${r.doc.clientID} differs`).toBe(true);
    }
    const board = readBoard(first);
    expect(board.problems, `seed ${seed}`).toEqual([]);
    expect(board.tasks.size, `seed ${seed}`).toBe(created);
    // Every card in exactly one lane: the lanes together hold each id once.
    const lanes = byLane(board.tasks.values());
    const placed = [...lanes.values()].flat().map((t) => t.id);
    expect(placed.length).toBe(created);
    expect(new Set(placed).size).toBe(created);
    for (const laneId of lanes.keys()) {
      expect(laneId === UNASSIGNED || board.volunteers.has(laneId), `lane ${laneId} has a volunteer`).toBe(true);
    }
    expect(counts.move).toBeGreaterThan(3_000);
  }, 180_000);

  it('two leads move one card at once to different volunteers: one card, one lane, on both', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    a.clientID = 1;
    b.clientID = 2;
    addVolunteer(a, { id: 'v1', name: '李明', health: 'eligible' });
    addVolunteer(a, { id: 'v2', name: '王芳', health: 'eligible' });
    createTask(a, { id: 't1', title: '送药', kind: 'medicineRun', priority: 'high' });
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(moveTask(a, { taskId: 't1', to: 'v1' }).ok).toBe(true);
    expect(moveTask(b, { taskId: 't1', to: 'v2' }).ok).toBe(true);
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    const laneA = readBoard(a).tasks.get('t1')!.slot.assigneeId;
    expect(readBoard(b).tasks.get('t1')!.slot.assigneeId).toBe(laneA);
    expect(['v1', 'v2']).toContain(laneA);
    expect(readBoard(a).tasks.size).toBe(1);
  });
});
