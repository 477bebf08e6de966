// The daily report: on a small board whose numbers are worked out by hand, and on the demo
// compound, whose composition scripts/demo-seed.ts and DOMAIN.md §9 describe.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { seedDemo } from '../../scripts/demo-seed.js';
import { addCase, closeCase, dayStart } from '../../shared/cases.js';
import { insertRecord, readBoard } from '../../shared/doc.js';
import { addBuilding, addVolunteer, createTask, setTaskStatus, type NewTask, type Origin } from '../../shared/mutations.js';
import { dailyReport, median } from '../../shared/report.js';

const ORIGIN: Origin = { source: 'lead', actor: 'test' };
const DAY = '2022-04-08';
const MIN = 60_000;
/** 08:00 on the report's day, board time. */
const T8 = dayStart(DAY) + 8 * 60 * MIN;
const NOW = T8 + 4 * 60 * MIN;

function must<T>(r: { ok: true; value: T } | { ok: false; message: string }): T {
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones', () => {
    expect(median([])).toBeNull();
    expect(median([5])).toBe(5);
    expect(median([30, 10, 20])).toBe(20);
    expect(median([50, 10, 30, 20])).toBe(25);
  });
});

describe('daily report on a hand-built board', () => {
  const doc = new Y.Doc();
  must(addVolunteer(doc, { id: 'v1', name: '甲', health: 'eligible', onDuty: true }));
  must(addVolunteer(doc, { id: 'v2', name: '乙', health: 'eligible' }));
  must(addVolunteer(doc, { id: 'v3', name: '丙', health: 'isolated' }));
  must(addVolunteer(doc, { id: 'v4', name: '丁', health: 'untested' }));
  must(addBuilding(doc, { id: 'b1', label: '1号' }));
  must(addBuilding(doc, { id: 'b2', label: '2号' }));
  /** A card created at `created`; done after `doneAfter` minutes if given. */
  const card = (id: string, created: number, extra: Partial<NewTask>, doneAfter?: number) => {
    must(createTask(doc, { id, title: id, kind: 'request', priority: 'normal', assigneeId: 'v1', ...extra }, ORIGIN, created));
    if (doneAfter !== undefined) must(setTaskStatus(doc, id, 'done', ORIGIN, created + doneAfter * MIN));
  };
  // Done today: medicine after 10 and 30 min, parcel after 50, a group buy (no need) after 20.
  card('m1', T8, { need: 'medicine' }, 10);
  card('m2', T8 + 5 * MIN, { need: 'medicine' }, 30);
  card('p1', T8, { need: 'parcel' }, 50);
  card('g1', T8, { kind: 'groupBuy' }, 20);
  // Open today: one urgent, one past its due time.
  card('u1', T8, { need: 'urgentMedical', priority: 'urgent' });
  card('f1', T8, { need: 'food', dueAt: NOW - MIN });
  // Yesterday: one still open (carried over), one done yesterday (not today's).
  card('y-open', T8 - 24 * 60 * MIN, { need: 'garbage' });
  card('y-done', T8 - 24 * 60 * MIN, { need: 'garbage' }, 60);
  // Two rounds: yesterday's and today's; today's counts.
  const batch = (buildingId: string, expected: number, tested: number, rank: string) => ({
    buildingId, floors: '1-6层', expected, tested, status: tested === expected ? 'done' as const : 'queued' as const, rank,
  });
  insertRecord(doc, 'queues', 'old', {
    name: '昨日核酸', kind: 'pcr', date: '2022-04-07', status: 'closed', batches: { a: batch('b1', 99, 99, 'a0') },
  });
  insertRecord(doc, 'queues', 'today', {
    name: '今日核酸', kind: 'pcr', date: DAY, status: 'sampling',
    batches: { a: batch('b2', 40, 40, 'a0'), b: batch('b1', 20, 20, 'a1'), c: batch('b1', 20, 5, 'a2') },
  });
  const c1 = must(addCase(doc, { name: '赵', category: 'elderlyAlone' }));
  must(addCase(doc, { name: '钱', category: 'infant' }));
  must(addCase(doc, { name: '孙', category: 'infant' }));
  must(closeCase(doc, c1, ORIGIN, NOW));

  const report = dailyReport(readBoard(doc), DAY, NOW);

  it('counts today\'s requests and yesterday\'s still open, by need and status', () => {
    expect(report.requests.total).toBe(6);
    expect(report.requests.byStatus).toMatchObject({ done: 3, assigned: 3 });
    expect(report.requests.byNeed.map((row) => [row.need, row.total])).toEqual([
      ['medicine', 2], ['urgentMedical', 1], ['food', 1], ['parcel', 1], ['garbage', 1],
    ]);
    expect(report.requests.byNeed[0]!.byStatus.done).toBe(2);
  });

  it('takes the median time to done of today\'s done cards: overall (10, 20, 30, 50 min → 25) and per need', () => {
    expect(report.timeToDone).toEqual({
      count: 4, medianMs: 25 * MIN,
      byNeed: [{ need: 'medicine', count: 2, medianMs: 20 * MIN }, { need: 'parcel', count: 1, medianMs: 50 * MIN }],
    });
  });

  it('covers the latest round per building in building order', () => {
    expect(report.testing.round).toMatchObject({ id: 'today', name: '今日核酸' });
    expect(report.testing.buildings).toEqual([
      { id: 'b1', label: '1号', tested: 25, expected: 40 },
      { id: 'b2', label: '2号', tested: 40, expected: 40 },
    ]);
    expect([report.testing.tested, report.testing.expected]).toEqual([65, 80]);
    // The day before, only yesterday's round existed.
    expect(dailyReport(readBoard(doc), '2022-04-07', NOW).testing).toMatchObject({ tested: 99, expected: 99 });
  });

  it('counts volunteers, open cases and overdue work', () => {
    expect(report.volunteers).toMatchObject({ registered: 4, onDuty: 1, eligible: 2, unavailable: 1 });
    expect(report.volunteers.byHealth.untested).toBe(1);
    expect(report.cases).toMatchObject({ open: 2, closed: 1 });
    expect(report.cases.byCategory).toMatchObject({ infant: 2, elderlyAlone: 0 });
    expect(report.overdue).toEqual({ tasks: 1, urgentOpen: 1 });
  });
});

describe('daily report on the demo compound 梧桐苑', () => {
  const SEEDED = Date.parse('2022-04-08T10:30:00+08:00');
  const doc = new Y.Doc();
  seedDemo(doc, SEEDED);
  const board = readBoard(doc);
  const report = dailyReport(board, DAY, SEEDED);

  it('has the seeded request queue: 38 requests, 3 of them done', () => {
    const byNeed = Object.fromEntries(report.requests.byNeed.map((row) => [row.need, row.total]));
    expect(byNeed).toEqual({ medicine: 11, urgentMedical: 3, infantFormula: 5, parcel: 7, garbage: 5, translation: 3, testing: 1, other: 3 });
    expect(report.requests.total).toBe(38);
    expect(report.requests.byStatus.done).toBe(3);
    // The morning's done work: a medicine run, a parcel, a garbage miss, the refunded group buy.
    expect(report.timeToDone.count).toBe(4);
    expect(report.timeToDone.byNeed.map((row) => row.need)).toEqual(['medicine', 'parcel', 'garbage']);
    expect(report.timeToDone.medianMs).toBeGreaterThan(0);
    expect(report.overdue.urgentOpen).toBe(3);
  });

  it('covers the PCR round: area A done, C not started, ~2,470 expected', () => {
    const rows = new Map(report.testing.buildings.map((row) => [row.label, row]));
    expect(rows.size).toBe(30);
    for (const n of [2, 5, 12]) expect(rows.get(`${n}号`)!.tested / rows.get(`${n}号`)!.expected).toBeGreaterThan(0.85);
    for (const n of [25, 30]) expect(rows.get(`${n}号`)!.tested).toBe(0);
    const batches = Object.values([...board.queues.values()][0]!.batches);
    expect(report.testing.expected).toBe(batches.reduce((sum, b) => sum + b.expected, 0));
    expect(report.testing.expected).toBeGreaterThan(2_400);
    expect(report.testing.expected).toBeLessThan(2_550);
  });

  it('has 120 volunteers (106 eligible, 57 on duty, 4 isolated) and 60 open cases', () => {
    expect(report.volunteers).toMatchObject({ registered: 120, eligible: 106, onDuty: 57, unavailable: 11 });
    expect(report.volunteers.byHealth).toMatchObject({ isolated: 4, untested: 3 });
    expect(report.cases.open).toBe(60);
    expect(report.cases.byCategory).toEqual({
      elderlyAlone: 25, chronicMeds: 12, dialysis: 3, chemo: 2, pregnant: 4, infant: 6, bedridden: 4, mentalHealth: 2, foreign: 2,
    });
  });
});
