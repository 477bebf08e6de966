import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { seedDemo } from '../../scripts/demo-seed.js';
import { readBoard } from '../../shared/doc.js';
import { isOpenWork } from '../../shared/rules.js';

const NOW = new Date('2022-04-08T10:30:00+08:00').getTime();

function seeded(clientID?: number): Y.Doc {
  const doc = new Y.Doc();
  if (clientID !== undefined) doc.clientID = clientID;
  seedDemo(doc, NOW);
  return doc;
}

describe('demo seed 梧桐苑', () => {
  const board = readBoard(seeded());
  const volunteers = [...board.volunteers.values()];
  const buildings = [...board.buildings.values()];
  const queues = [...board.queues.values()];
  const batches = queues.flatMap((queue) => Object.values(queue.batches));

  it('writes only records that pass their schemas', () => {
    expect(board.problems).toEqual([]);
    expect(board.meta).toEqual({ name: '梧桐苑', address: '上海某区某路 88 弄', zone: 'sealed' });
  });

  it('has 30 buildings, each led by an existing building lead', () => {
    expect(buildings).toHaveLength(30);
    for (const building of buildings) {
      const lead = board.volunteers.get(building.leadId ?? '');
      expect(lead?.role, building.label).toBe('buildingLead');
      expect(lead?.buildingIds).toEqual([building.id]);
    }
  });

  it('has about 120 volunteers, most of them eligible today', () => {
    expect(volunteers.length).toBeGreaterThanOrEqual(100);
    expect(volunteers.length).toBeLessThanOrEqual(130);
    expect(volunteers.filter((v) => v.health === 'isolated')).toHaveLength(4);
    expect(volunteers.filter((v) => v.health === 'untested')).toHaveLength(3);
    expect(volunteers.filter((v) => v.onDuty && v.health !== 'eligible')).toEqual([]);
  });

  it('registers about 60 special-needs cases, each with its building lead', () => {
    const cases = [...board.cases.values()];
    expect(cases.length).toBeGreaterThanOrEqual(55);
    expect(cases.length).toBeLessThanOrEqual(65);
    for (const c of cases) expect(c.volunteerId).toBe(board.buildings.get(c.buildingId ?? '')?.leadId);
    for (const c of cases.filter((c) => ['dialysis', 'pregnant', 'chronicMeds'].includes(c.category))) {
      expect(c.nextDue, c.name).not.toBeNull();
    }
  });

  it('has at least 35 open resident requests, assigned only to eligible volunteers', () => {
    const tasks = [...board.tasks.values()];
    const open = tasks.filter((t) => t.need !== undefined && isOpenWork(t));
    expect(open.length).toBeGreaterThanOrEqual(35);
    expect(open.filter((t) => t.priority === 'urgent' && t.need === 'urgentMedical')).toHaveLength(3);
    for (const task of tasks.filter((t) => t.slot.assigneeId !== null)) {
      expect(board.volunteers.get(task.slot.assigneeId!)?.health, task.title).toBe('eligible');
    }
  });

  it('shows one PCR round mid-way, with 27号 sampled door to door', () => {
    expect(queues).toHaveLength(1);
    const expected = batches.reduce((sum, batch) => sum + batch.expected, 0);
    expect(expected).toBeGreaterThanOrEqual(2300);
    expect(expected).toBeLessThanOrEqual(2600);
    expect(batches.filter((batch) => batch.status === 'called')).toHaveLength(1);
    for (const batch of batches) expect(batch.tested).toBeLessThanOrEqual(batch.expected);

    const sealed = buildings.find((b) => b.label === '27号')!;
    expect(sealed.zone).toBe('sealed');
    const atSealed = batches.filter((batch) => batch.buildingId === sealed.id);
    expect(atSealed.length).toBeGreaterThan(0);
    expect(atSealed.every((batch) => batch.doorToDoor === true)).toBe(true);
  });

  it('is deterministic: two seeds encode to the same bytes', () => {
    const a = Y.encodeStateAsUpdate(seeded(1));
    const b = Y.encodeStateAsUpdate(seeded(1));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('refuses to seed over an existing board instead of dropping records', () => {
    const doc = seeded();
    expect(() => seedDemo(doc, NOW)).toThrow(/demo seed: building b01/);
  });
});
