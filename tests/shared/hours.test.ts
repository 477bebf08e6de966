// The service-hours rule: ISO weeks in China Standard Time, shifts clipped to the week, an open
// shift counted to now, tasks done within the week.
import { describe, expect, it } from 'vitest';
import { hoursTable } from '../../shared/exports.js';
import { serviceHours, weekOf, weekRange } from '../../shared/hours.js';
import type { Task, Volunteer, WithId } from '../../shared/schema.js';

const cst = (iso: string) => Date.parse(`${iso}+08:00`);

describe('weeks', () => {
  it('are ISO weeks from Monday 00:00 in China Standard Time', () => {
    expect(weekRange('2026-W10')).toEqual({ start: cst('2026-03-02T00:00:00'), end: cst('2026-03-09T00:00:00') });
    // ISO week 1 of 2027 starts on Monday 4 January; 2026 has 53 weeks, 2027 only 52.
    expect(weekRange('2027-W01')!.start).toBe(cst('2027-01-04T00:00:00'));
    expect(weekRange('2026-W53')!.start).toBe(cst('2026-12-28T00:00:00'));
    expect(weekRange('2027-W53')).toBeNull();
    expect(weekRange('2026-W00')).toBeNull();
    expect(weekRange('2026-10')).toBeNull();
  });

  it('name the week a moment falls in, by the clock in Shanghai', () => {
    expect(weekOf(cst('2026-03-02T00:00:00'))).toBe('2026-W10');
    expect(weekOf(cst('2026-03-01T23:59:59'))).toBe('2026-W09');
    // Sunday 17:00 UTC is already Monday 01:00 in Shanghai.
    expect(weekOf(Date.parse('2026-03-08T17:00:00Z'))).toBe('2026-W11');
    expect(weekOf(cst('2027-01-01T12:00:00'))).toBe('2026-W53');
    for (const week of ['2026-W01', '2026-W30', '2026-W53', '2027-W52']) expect(weekOf(weekRange(week)!.start)).toBe(week);
  });
});

describe('service hours', () => {
  const volunteer = (id: string, name: string, rank: string): WithId<Volunteer> => ({
    id, name, rank, phone: '', team: 'supply', skills: [], buildingIds: [], role: 'floating', health: 'eligible', onDuty: false,
  });
  const done = (id: string, assigneeId: string, at: number, status: Task['status'] = 'done'): WithId<Task> => ({
    id, title: '送菜', kind: 'supplyDelivery', buildingId: null, room: '', priority: 'normal', status,
    slot: { assigneeId, rank: 'a0' }, createdAt: at, updatedAt: at, notes: '',
  });
  const board = {
    volunteers: new Map([['v2', volunteer('v2', '王芳', 'a1')], ['v1', volunteer('v1', '李明', 'a0')]]),
    tasks: new Map([
      ['t1', done('t1', 'v1', cst('2026-03-03T10:00:00'))],
      ['t2', done('t2', 'v1', cst('2026-03-09T00:00:00'))], // the next week
      ['t3', done('t3', 'v2', cst('2026-03-03T10:00:00'), 'inProgress')],
      ['t4', done('t4', 'v3', cst('2026-03-04T10:00:00'))],
    ]),
  };
  const range = weekRange('2026-W10')!;

  it('clips shifts to the week, counts an open shift to now, and counts tasks done in the week', () => {
    const rows = serviceHours(board, [
      { volunteerId: 'v1', startedAt: cst('2026-03-01T22:00:00'), endedAt: cst('2026-03-02T02:00:00') }, // 2 h inside
      { volunteerId: 'v1', startedAt: cst('2026-03-04T08:00:00'), endedAt: cst('2026-03-04T11:20:00') }, // 3 h 20
      { volunteerId: 'v2', startedAt: cst('2026-03-08T20:00:00'), endedAt: null }, // open: to "now"
      { volunteerId: 'v3', startedAt: cst('2026-03-05T09:00:00'), endedAt: cst('2026-03-05T10:00:00') }, // removed since
    ], range, cst('2026-03-08T21:30:00'));
    expect(rows).toEqual([
      { volunteerId: 'v1', name: '李明', team: 'supply', shifts: 2, hours: 5.33, tasksDone: 1 },
      { volunteerId: 'v2', name: '王芳', team: 'supply', shifts: 1, hours: 1.5, tasksDone: 0 },
      { volunteerId: 'v3', name: 'v3', team: null, shifts: 1, hours: 1, tasksDone: 1 },
    ]);
    // An open shift after the week's end counts only to the week's end.
    const later = serviceHours(board, [{ volunteerId: 'v2', startedAt: cst('2026-03-08T20:00:00'), endedAt: null }], range, cst('2026-03-10T12:00:00'));
    expect(later.find((r) => r.volunteerId === 'v2')!.hours).toBe(4);
  });

  it('adds a totals row that sums the rows as shown', () => {
    const rows = serviceHours(board, [
      { volunteerId: 'v1', startedAt: cst('2026-03-04T08:00:00'), endedAt: cst('2026-03-04T08:20:00') }, // 0.33
      { volunteerId: 'v2', startedAt: cst('2026-03-04T08:00:00'), endedAt: cst('2026-03-04T08:20:00') }, // 0.33
      { volunteerId: 'v3', startedAt: cst('2026-03-04T08:00:00'), endedAt: cst('2026-03-04T08:20:00') }, // 0.33
    ], range, cst('2026-03-10T00:00:00'));
    const table = hoursTable(rows, '2026-W10');
    expect(table[0]).toEqual(['周', '志愿者', '组别', '班次', '服务时长（小时）', '完成任务']);
    expect(table.at(-1)).toEqual(['2026-W10', '合计', '', 3, 0.99, 2]);
  });
});
