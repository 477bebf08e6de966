// Volunteer service hours per week (DOMAIN.md §3.10 step 7, 志愿服务时长), the rule:
// - a week is an ISO week ("2026-W47", Monday 00:00 to the next Monday 00:00) in China Standard
//   Time (UTC+8, no daylight saving), where the compound is;
// - a volunteer's hours are the sum of their shifts (check-in to check-out, recorded by the
//   server) clipped to the week; a shift still open counts up to now; rounded to 0.01 h once, at
//   the end, per volunteer;
// - tasks done are the volunteer's cards whose status is done and last changed within the week.
import type { Board } from './doc.js';
import { sortByRank } from './lanes.js';
import type { TEAMS } from './schema.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** China Standard Time. */
const TZ_OFFSET_MS = 8 * HOUR_MS;

export const WEEK_PATTERN = /^(\d{4})-W(\d{2})$/;

/** The week's bounds in ms since the epoch, or null when there is no such ISO week. */
export function weekRange(week: string): { start: number; end: number } | null {
  const match = week.match(WEEK_PATTERN);
  if (!match) return null;
  const year = Number(match[1]);
  const number = Number(match[2]);
  if (number < 1 || number > 53) return null;
  const jan4 = Date.UTC(year, 0, 4);
  const monday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY_MS + (number - 1) * 7 * DAY_MS;
  // Week 53 exists only in years whose last ISO week is 53: its Thursday must fall in the year.
  if (new Date(monday + 3 * DAY_MS).getUTCFullYear() !== year) return null;
  return { start: monday - TZ_OFFSET_MS, end: monday + 7 * DAY_MS - TZ_OFFSET_MS };
}

/** The ISO week (China Standard Time) containing `at`. */
export function weekOf(at: number): string {
  const local = new Date(at + TZ_OFFSET_MS);
  const day = (local.getUTCDay() + 6) % 7;
  const thursday = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) + (3 - day) * DAY_MS;
  const year = new Date(thursday).getUTCFullYear();
  const number = Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return `${year}-W${String(number).padStart(2, '0')}`;
}

export interface Shift {
  volunteerId: string;
  startedAt: number;
  endedAt: number | null;
}

export interface HoursRow {
  volunteerId: string;
  name: string;
  team: (typeof TEAMS)[number] | null;
  shifts: number;
  hours: number;
  tasksDone: number;
}

const round2 = (hours: number) => Math.round(hours * 100) / 100;

/**
 * Hours and tasks done per volunteer in the week: every volunteer on the board in board order,
 * then anyone with shifts who has since been removed (named by id).
 */
export function serviceHours(
  board: Pick<Board, 'volunteers' | 'tasks'>, shifts: Shift[], range: { start: number; end: number }, now: number,
): HoursRow[] {
  const ms = new Map<string, number>();
  const count = new Map<string, number>();
  for (const shift of shifts) {
    const from = Math.max(shift.startedAt, range.start);
    const to = Math.min(shift.endedAt ?? now, range.end);
    if (to <= from && !(shift.startedAt >= range.start && shift.startedAt < range.end)) continue;
    ms.set(shift.volunteerId, (ms.get(shift.volunteerId) ?? 0) + Math.max(0, to - from));
    count.set(shift.volunteerId, (count.get(shift.volunteerId) ?? 0) + 1);
  }
  const done = new Map<string, number>();
  for (const task of board.tasks.values()) {
    const who = task.slot.assigneeId;
    if (who && task.status === 'done' && task.updatedAt >= range.start && task.updatedAt < range.end) {
      done.set(who, (done.get(who) ?? 0) + 1);
    }
  }
  const row = (volunteerId: string, name: string, team: HoursRow['team']): HoursRow => ({
    volunteerId, name, team, shifts: count.get(volunteerId) ?? 0,
    hours: round2((ms.get(volunteerId) ?? 0) / HOUR_MS), tasksDone: done.get(volunteerId) ?? 0,
  });
  const rows = sortByRank([...board.volunteers.values()]).map((v) => row(v.id, v.name, v.team));
  const removed = [...new Set([...count.keys(), ...done.keys()])].filter((id) => !board.volunteers.has(id)).sort();
  return [...rows, ...removed.map((id) => row(id, id, null))];
}
