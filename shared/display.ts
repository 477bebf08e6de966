// What the testing-site TV and the residents' "is my building called yet" page receive:
// aggregates of the active round only — building labels, floor ranges, counts, estimates.
// No names, rooms, phones or health data, ever; a strict schema checks it on the way out.
import { z } from 'zod';
import type { Board } from './doc.js';
import { orderedBatches } from './testing.js';
import { QUEUE_KINDS, type Queue, type WithId } from './schema.js';

/** The pace counts batches closed within this window. */
const PACE_WINDOW_MS = 60 * 60 * 1000;

const Place = z.object({ building: z.string(), floors: z.string() }).strict();

export const DisplayView = z.object({
  board: z.string(),
  round: z.object({ name: z.string(), kind: z.enum(QUEUE_KINDS), date: z.string(), window: z.string() }).strict().nullable(),
  now: z.array(Place),
  next: z.array(Place),
  tested: z.number(),
  expected: z.number(),
  /** People sampled per minute over the last hour, null until a batch has closed. */
  perMinute: z.number().nullable(),
  buildings: z.array(z.object({
    id: z.string(),
    label: z.string(),
    tested: z.number(),
    expected: z.number(),
    state: z.enum(['done', 'now', 'next', 'waiting', 'door']),
    /** Minutes until this building's first waiting batch is called, by the measured pace. */
    waitMinutes: z.number().nullable(),
    /** Batches ahead of it in the queue. */
    ahead: z.number(),
  }).strict()),
  at: z.number(),
}).strict();
export type DisplayView = z.infer<typeof DisplayView>;

function activeRound(board: Board): WithId<Queue> | null {
  const rounds = [...board.queues.values()].filter((q) => q.status !== 'closed');
  rounds.sort((a, b) => (a.status === 'sampling' ? 0 : 1) - (b.status === 'sampling' ? 0 : 1) || (a.date < b.date ? 1 : -1));
  return rounds[0] ?? null;
}

export function displayView(board: Board, now = Date.now()): DisplayView {
  const round = activeRound(board);
  const label = (id: string) => board.buildings.get(id)?.label ?? '';
  const empty: DisplayView = {
    board: board.meta?.name ?? '', round: null, now: [], next: [], tested: 0, expected: 0, perMinute: null, buildings: [], at: now,
  };
  if (!round) return DisplayView.parse(empty);
  const batches = orderedBatches(round);
  const place = (b: { buildingId: string; floors: string }) => ({ building: label(b.buildingId), floors: b.floors });
  const recent = batches.filter((b) => b.doneAt && b.calledAt && now - b.doneAt < PACE_WINDOW_MS);
  const start = Math.min(...recent.map((b) => b.calledAt!));
  const end = Math.max(...recent.map((b) => b.doneAt!));
  const sampled = recent.reduce((sum, b) => sum + b.tested, 0);
  const perMinute = recent.length > 0 && end > start ? sampled / ((end - start) / 60_000) : null;

  const queued = batches.filter((b) => !b.doorToDoor && (b.status === 'queued' || b.status === 'warned'));
  const inProgress = batches.filter((b) => b.status === 'called' || b.status === 'sampling');
  const remainingNow = inProgress.reduce((sum, b) => sum + Math.max(0, b.expected - b.tested), 0);
  const buildings = new Map<string, DisplayView['buildings'][number]>();
  let peopleAhead = remainingNow;
  const firstWait = new Map<string, { minutes: number | null; ahead: number }>();
  queued.forEach((b, index) => {
    if (!firstWait.has(b.buildingId)) {
      firstWait.set(b.buildingId, { minutes: perMinute ? Math.round(peopleAhead / perMinute) : null, ahead: index + inProgress.length });
    }
    peopleAhead += b.expected;
  });
  for (const b of batches) {
    const entry = buildings.get(b.buildingId) ?? {
      id: b.buildingId, label: label(b.buildingId), tested: 0, expected: 0, state: 'done' as const, waitMinutes: null, ahead: 0,
    };
    entry.tested += b.tested;
    entry.expected += b.expected;
    buildings.set(b.buildingId, entry);
  }
  for (const entry of buildings.values()) {
    const own = batches.filter((b) => b.buildingId === entry.id);
    const wait = firstWait.get(entry.id);
    entry.state = own.some((b) => b.status === 'called' || b.status === 'sampling') ? 'now'
      : own.some((b) => b.status === 'warned') ? 'next'
        : own.some((b) => b.status === 'queued' && !b.doorToDoor) ? 'waiting'
          : own.some((b) => b.doorToDoor && b.status !== 'done') ? 'door' : 'done';
    entry.waitMinutes = entry.state === 'waiting' || entry.state === 'next' ? wait?.minutes ?? null : null;
    entry.ahead = wait?.ahead ?? 0;
  }
  return DisplayView.parse({
    board: board.meta?.name ?? '',
    round: { name: round.name, kind: round.kind, date: round.date, window: round.window ?? '' },
    now: inProgress.filter((b) => b.status === 'called').map(place),
    next: queued.slice(0, 3).map(place),
    tested: batches.reduce((sum, b) => sum + b.tested, 0),
    expected: batches.reduce((sum, b) => sum + b.expected, 0),
    perMinute: perMinute === null ? null : Math.round(perMinute * 10) / 10,
    buildings: [...buildings.values()],
    at: now,
  });
}
