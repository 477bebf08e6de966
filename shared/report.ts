// The committee's daily report (the numbers a secretary sends up to the 街道 at midnight): counts
// only, no names, rooms or phones. The board keeps current state, not history, so a record
// counts with the status it has now.
import { boardDay, dayStart, DAY_MS } from './cases.js';
import type { Board } from './doc.js';
import { isOpenWork } from './rules.js';
import {
  CASE_CATEGORIES, HEALTH_STATES, NEEDS, TASK_STATUSES,
  type Health, type Need, type Queue, type TaskStatus, type WithId,
} from './schema.js';

type Counts<K extends string> = Record<K, number>;

export interface NeedRow {
  need: Need;
  total: number;
  byStatus: Counts<TaskStatus>;
}

export interface DailyReport {
  day: string;
  board: string;
  /** Resident requests (cards with a need) created on the day, or still open from before it. */
  requests: { total: number; byStatus: Counts<TaskStatus>; byNeed: NeedRow[] };
  /** Median ms from created to done of the cards done on the day (updatedAt − createdAt). */
  timeToDone: { count: number; medianMs: number | null; byNeed: { need: Need; count: number; medianMs: number }[] };
  /** The latest testing round on or before the day: tested / expected per building, from its batches. */
  testing: {
    round: { id: string; name: string; date: string; kind: Queue['kind']; status: Queue['status'] } | null;
    tested: number;
    expected: number;
    buildings: { id: string; label: string; tested: number; expected: number }[];
  };
  volunteers: { registered: number; onDuty: number; eligible: number; unavailable: number; byHealth: Counts<Health> };
  cases: { open: number; closed: number; byCategory: Counts<(typeof CASE_CATEGORIES)[number]> };
  /** Open cards past their due time, and open urgent cards, at `now`. */
  overdue: { tasks: number; urgentOpen: number };
}

const UNAVAILABLE: ReadonlySet<Health> = new Set(['ineligible', 'isolated', 'sick', 'resting', 'left']);

function zeros<K extends string>(keys: readonly K[]): Counts<K> {
  return Object.fromEntries(keys.map((key) => [key, 0])) as Counts<K>;
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function latestRound(board: Board, day: string): WithId<Queue> | null {
  const rounds = [...board.queues.values()].filter((q) => q.date <= day);
  // The latest date; on one day the round still running before a closed one.
  rounds.sort((a, b) => (a.date === b.date ? Number(a.status === 'closed') - Number(b.status === 'closed') : a.date < b.date ? 1 : -1));
  return rounds[0] ?? null;
}

/** The report of board day `day` ('YYYY-MM-DD', board time; see shared/cases.ts). */
export function dailyReport(board: Board, day: string, now: number): DailyReport {
  const start = dayStart(day);
  const end = start + DAY_MS;
  const tasks = [...board.tasks.values()];

  const requests = tasks.filter((t) => t.need && t.createdAt < end && (t.createdAt >= start || isOpenWork(t)));
  const byStatus = zeros(TASK_STATUSES);
  const byNeed = new Map<Need, NeedRow>();
  for (const t of requests) {
    byStatus[t.status]++;
    const row = byNeed.get(t.need!) ?? { need: t.need!, total: 0, byStatus: zeros(TASK_STATUSES) };
    row.total++;
    row.byStatus[t.status]++;
    byNeed.set(t.need!, row);
  }

  const done = tasks.filter((t) => t.status === 'done' && boardDay(t.updatedAt) === day);
  const durations = (list: typeof done) => list.map((t) => Math.max(0, t.updatedAt - t.createdAt));
  const doneByNeed = NEEDS.flatMap((need) => {
    const list = done.filter((t) => t.need === need);
    return list.length ? [{ need, count: list.length, medianMs: median(durations(list))! }] : [];
  });

  const round = latestRound(board, day);
  const coverage = new Map<string, { id: string; label: string; tested: number; expected: number; rank: string }>();
  for (const batch of Object.values(round?.batches ?? {})) {
    const building = board.buildings.get(batch.buildingId);
    const row = coverage.get(batch.buildingId)
      ?? { id: batch.buildingId, label: building?.label ?? '?', tested: 0, expected: 0, rank: building?.rank ?? '' };
    row.tested += batch.tested;
    row.expected += batch.expected;
    coverage.set(batch.buildingId, row);
  }
  const buildings = [...coverage.values()]
    .sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0))
    .map(({ rank: _, ...row }) => row);

  const volunteers = [...board.volunteers.values()];
  const byHealth = zeros(HEALTH_STATES);
  for (const v of volunteers) byHealth[v.health]++;

  const cases = [...board.cases.values()];
  const byCategory = zeros(CASE_CATEGORIES);
  for (const c of cases) if (!c.closed) byCategory[c.category]++;

  const open = tasks.filter(isOpenWork);
  return {
    day,
    board: board.meta?.name ?? '',
    requests: { total: requests.length, byStatus, byNeed: NEEDS.flatMap((need) => byNeed.get(need) ?? []) },
    timeToDone: { count: done.length, medianMs: median(durations(done)), byNeed: doneByNeed },
    testing: {
      round: round ? { id: round.id, name: round.name, date: round.date, kind: round.kind, status: round.status } : null,
      tested: buildings.reduce((sum, b) => sum + b.tested, 0),
      expected: buildings.reduce((sum, b) => sum + b.expected, 0),
      buildings,
    },
    volunteers: {
      registered: volunteers.length,
      onDuty: volunteers.filter((v) => v.onDuty).length,
      eligible: byHealth.eligible,
      unavailable: volunteers.filter((v) => UNAVAILABLE.has(v.health)).length,
      byHealth,
    },
    cases: { open: cases.filter((c) => !c.closed).length, closed: cases.filter((c) => c.closed).length, byCategory },
    overdue: {
      tasks: open.filter((t) => t.dueAt != null && t.dueAt < now).length,
      urgentOpen: open.filter((t) => t.priority === 'urgent').length,
    },
  };
}
