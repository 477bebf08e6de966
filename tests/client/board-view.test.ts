import { describe, expect, it } from 'vitest';
import { NO_FILTERS, UNASSIGNED, byArea, byLane, byTeam, isFiltering, matches, minutesSince } from '../../client/lib/board-view.js';
import type { Building, Task, Volunteer, WithId } from '../../shared/schema.js';

const task = (id: string, over: Partial<Task> = {}): WithId<Task> => ({
  id, title: `任务${id}`, kind: 'other', buildingId: null, room: '', priority: 'normal', status: 'open',
  slot: { assigneeId: null, rank: 'a0' }, createdAt: 0, updatedAt: 0, notes: '', ...over,
});
const building = (id: string, label: string, area: string, rank: string): WithId<Building> => ({
  id, label, area, floors: 6, households: 24, residents: 62, zone: 'normal', leadId: null, rank,
});
const volunteer = (id: string, team: Volunteer['team'], rank: string): WithId<Volunteer> => ({
  id, name: id, phone: '', team, skills: [], buildingIds: [], role: 'floating', health: 'eligible', onDuty: true, rank,
});

describe('lead board view helpers', () => {
  it('groups cards by lane, urgent first then by rank', () => {
    const lanes = byLane([
      task('a', { slot: { assigneeId: null, rank: 'a2' } }),
      task('b', { slot: { assigneeId: null, rank: 'a1' } }),
      task('c', { slot: { assigneeId: null, rank: 'a3' }, priority: 'urgent' }),
      task('d', { slot: { assigneeId: 'v1', rank: 'a0' } }),
    ]);
    expect(lanes.get(UNASSIGNED)!.map((t) => t.id)).toEqual(['c', 'b', 'a']);
    expect(lanes.get('v1')!.map((t) => t.id)).toEqual(['d']);
  });

  it('filters by building, kind, priority, status and text (including the building label)', () => {
    const buildings = new Map([['b1', building('b1', '3号', 'A', 'a0')]]);
    const t = task('x', { buildingId: 'b1', room: '502', title: '需要胰岛素', kind: 'medicineRun', priority: 'high' });
    expect(matches(t, NO_FILTERS, buildings)).toBe(true);
    expect(matches(t, { ...NO_FILTERS, buildingId: 'b1', kind: 'medicineRun' }, buildings)).toBe(true);
    expect(matches(t, { ...NO_FILTERS, buildingId: 'b2' }, buildings)).toBe(false);
    expect(matches(t, { ...NO_FILTERS, priority: 'urgent' }, buildings)).toBe(false);
    expect(matches(t, { ...NO_FILTERS, status: 'done' }, buildings)).toBe(false);
    expect(matches(t, { ...NO_FILTERS, text: '3号502' }, buildings)).toBe(true);
    expect(matches(t, { ...NO_FILTERS, text: '胰岛素' }, buildings)).toBe(true);
    expect(matches(t, { ...NO_FILTERS, text: '奶粉' }, buildings)).toBe(false);
    expect(isFiltering(NO_FILTERS)).toBe(false);
    expect(isFiltering({ ...NO_FILTERS, text: 'x' })).toBe(true);
  });

  it('groups volunteers by team in team order and buildings by area', () => {
    const teams = byTeam([volunteer('v2', 'supply', 'a1'), volunteer('v1', 'testing', 'a0'), volunteer('v3', 'supply', 'a0')]);
    expect(teams.map((g) => [g.team, g.volunteers.map((v) => v.id)])).toEqual([['testing', ['v1']], ['supply', ['v3', 'v2']]]);
    const areas = byArea([building('b2', '13号', 'B', 'a0'), building('b1', '1号', 'A', 'a1'), building('b0', '2号', 'A', 'a0')]);
    expect(areas.map((g) => [g.area, g.buildings.map((b) => b.id)])).toEqual([['A', ['b0', 'b1']], ['B', ['b2']]]);
  });

  it('counts whole minutes waited, never negative', () => {
    expect(minutesSince(0, 59_999)).toBe(0);
    expect(minutesSince(0, 125_000)).toBe(2);
    expect(minutesSince(10_000, 0)).toBe(0);
  });
});
