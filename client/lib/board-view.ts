// Pure helpers the lead views share: filters, lanes, team groups. No DOM, no Yjs.
import { compareForDisplay, compareRank } from '../../shared/lanes.js';
import {
  TEAMS, type Building, type Priority, type Task, type TaskKind, type TaskStatus, type Volunteer, type WithId,
} from '../../shared/schema.js';

export interface Filters {
  buildingId: string;
  kind: TaskKind | '';
  priority: Priority | '';
  status: TaskStatus | '';
  text: string;
}

export const NO_FILTERS: Filters = { buildingId: '', kind: '', priority: '', status: '', text: '' };

export function isFiltering(filters: Filters): boolean {
  return Object.values(filters).some((value) => value !== '');
}

export function matches(task: WithId<Task>, filters: Filters, buildings: Map<string, WithId<Building>>): boolean {
  if (filters.buildingId && task.buildingId !== filters.buildingId) return false;
  if (filters.kind && task.kind !== filters.kind) return false;
  if (filters.priority && task.priority !== filters.priority) return false;
  if (filters.status && task.status !== filters.status) return false;
  const text = filters.text.trim().toLowerCase();
  if (text) {
    const label = task.buildingId ? buildings.get(task.buildingId)?.label ?? '' : '';
    const haystack = `${task.title} ${task.notes} ${label}${task.room}`.toLowerCase();
    if (!haystack.includes(text)) return false;
  }
  return true;
}

export const UNASSIGNED = 'unassigned';

/** Cards by lane (volunteer id, or UNASSIGNED), each lane in display order, in one pass. */
export function byLane(tasks: Iterable<WithId<Task>>): Map<string, WithId<Task>[]> {
  const lanes = new Map<string, WithId<Task>[]>();
  for (const task of tasks) {
    const lane = task.slot.assigneeId ?? UNASSIGNED;
    let list = lanes.get(lane);
    if (!list) lanes.set(lane, (list = []));
    list.push(task);
  }
  for (const list of lanes.values()) list.sort(compareForDisplay);
  return lanes;
}

/** Volunteers grouped by team in the team order, each group in rank order. */
export function byTeam(volunteers: Iterable<WithId<Volunteer>>): { team: Volunteer['team']; volunteers: WithId<Volunteer>[] }[] {
  const groups = new Map<Volunteer['team'], WithId<Volunteer>[]>();
  for (const volunteer of volunteers) {
    let list = groups.get(volunteer.team);
    if (!list) groups.set(volunteer.team, (list = []));
    list.push(volunteer);
  }
  return TEAMS.filter((team) => groups.has(team)).map((team) => ({
    team,
    volunteers: groups.get(team)!.sort((a, b) => compareRank(a, b)),
  }));
}

/** Buildings grouped by area (片区), each in rank order. */
export function byArea(buildings: Iterable<WithId<Building>>): { area: string; buildings: WithId<Building>[] }[] {
  const groups = new Map<string, WithId<Building>[]>();
  for (const building of buildings) {
    let list = groups.get(building.area);
    if (!list) groups.set(building.area, (list = []));
    list.push(building);
  }
  return [...groups.keys()].sort().map((area) => ({ area, buildings: groups.get(area)!.sort(compareRank) }));
}

/** Minutes since a timestamp, for "pending since". */
export function minutesSince(at: number, now: number): number {
  return Math.max(0, Math.floor((now - at) / 60_000));
}
