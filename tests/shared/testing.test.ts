import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readBoard, readRecord } from '../../shared/doc.js';
import { displayView } from '../../shared/display.js';
import { addBuilding } from '../../shared/mutations.js';
import { callNext, closeBatch, moveBatch, orderedBatches, planRound, recordTested, reportAbnormalTube } from '../../shared/testing.js';

function compound() {
  const doc = new Y.Doc();
  const ids = [
    addBuilding(doc, { label: '1号', area: 'A', floors: 6, households: 24, residents: 60 }),
    addBuilding(doc, { label: '2号', area: 'A', floors: 6, households: 24, residents: 60 }),
    addBuilding(doc, { label: '27号', area: 'C', floors: 18, households: 72, residents: 180, zone: 'sealed' }),
  ].map((r) => (r.ok ? r.value : ''));
  const round = planRound(doc, { name: '第 12 轮核酸', kind: 'pcr', date: '2022-04-08', batchSize: 20, staff: 15 });
  if (!round.ok) throw new Error(round.message);
  return { doc, ids, roundId: round.value };
}

describe('testing rounds', () => {
  it('plans staff first, floor ranges of about the batch size, sealed buildings door to door last', () => {
    const { doc, roundId } = compound();
    const round = readRecord(doc, 'queues', roundId);
    if (!round.ok) throw new Error(round.message);
    const batches = orderedBatches(round.value);
    expect(batches[0]).toMatchObject({ floors: '工作人员', expected: 15 });
    // 60 residents on 6 floors = 10 per floor → 2 floors per batch of 20.
    expect(batches.slice(1, 4).map((b) => [b.floors, b.expected])).toEqual([['1-2层', 20], ['3-4层', 20], ['5-6层', 20]]);
    expect(batches.at(-1)).toMatchObject({ doorToDoor: true, expected: 180 });
    expect(batches.reduce((sum, b) => sum + b.expected, 0)).toBe(15 + 60 + 60 + 180);
    expect(readBoard(doc).problems).toEqual([]);
  });

  it('calls the next batch, warns the one after, and skips door-to-door batches', () => {
    const { doc, roundId } = compound();
    const first = callNext(doc, roundId);
    const round = () => { const r = readRecord(doc, 'queues', roundId); if (!r.ok) throw new Error(); return orderedBatches(r.value); };
    expect(first.ok && first.value).toBe(round()[0]!.id);
    expect(round().slice(0, 3).map((b) => b.status)).toEqual(['called', 'warned', 'queued']);
    callNext(doc, roundId);
    expect(round().slice(0, 3).map((b) => b.status)).toEqual(['sampling', 'called', 'warned']);
    for (let i = 0; i < 10; i++) callNext(doc, roundId);
    expect(round().at(-1)!.status).toBe('queued'); // the sealed building is never called down
  });

  it('closing a batch short makes a door-testing card for the building; an abnormal tube one per household', () => {
    const { doc, ids, roundId } = compound();
    callNext(doc, roundId);
    const batch = (() => { const r = readRecord(doc, 'queues', roundId); if (!r.ok) throw new Error(); return orderedBatches(r.value)[1]!; })();
    expect(recordTested(doc, roundId, batch.id, -1).ok).toBe(false);
    const closed = closeBatch(doc, roundId, batch.id, { tested: 17, absentRooms: ['101', '202'] });
    if (!closed.ok || !closed.value) throw new Error('no card');
    const card = readRecord(doc, 'tasks', closed.value);
    expect(card.ok && card.value).toMatchObject({ kind: 'doorSampling', buildingId: ids[0], priority: 'high' });
    expect(card.ok && card.value.notes).toContain('101、202');
    expect(card.ok && card.value.title).toContain('3 人未检');
    const tube = reportAbnormalTube(doc, { buildingId: ids[1]!, rooms: ['301', '302', '301'] });
    expect(tube.ok && tube.value.length).toBe(2);
    expect(reportAbnormalTube(doc, { buildingId: 'nope', rooms: ['1'] }).ok).toBe(false);
  });

  it('reorders a batch by writing its rank', () => {
    const { doc, roundId } = compound();
    const order = () => { const r = readRecord(doc, 'queues', roundId); if (!r.ok) throw new Error(); return orderedBatches(r.value).map((b) => b.id); };
    const before = order();
    expect(moveBatch(doc, roundId, before[3]!, before[0]!).ok).toBe(true);
    expect(order()).toEqual([before[3], before[0], before[1], before[2], ...before.slice(4)]);
  });

  it('the display view: now, next, progress, pace and waits — and only aggregates', () => {
    const { doc, roundId } = compound();
    const t0 = 1_000_000;
    callNext(doc, roundId, undefined, t0);
    const [staff] = (() => { const r = readRecord(doc, 'queues', roundId); if (!r.ok) throw new Error(); return orderedBatches(r.value); })();
    closeBatch(doc, roundId, staff!.id, { tested: 15 }, undefined, t0 + 5 * 60_000); // 15 people in 5 minutes
    callNext(doc, roundId, undefined, t0 + 5 * 60_000);
    const view = displayView(readBoard(doc), t0 + 6 * 60_000);
    expect(view.round?.name).toBe('第 12 轮核酸');
    expect(view.now).toEqual([{ building: '1号', floors: '1-2层' }]);
    expect(view.next[0]).toEqual({ building: '1号', floors: '3-4层' });
    expect(view.perMinute).toBe(3);
    expect(view).toMatchObject({ tested: 15, expected: 315 });
    const two = view.buildings.find((b) => b.label === '2号')!;
    // Ahead of 2号: 20 being sampled + 3-4层 and 5-6层 of 1号 = 60 people at 3 a minute.
    expect(two).toMatchObject({ state: 'waiting', waitMinutes: 20 });
    expect(view.buildings.find((b) => b.label === '27号')!.state).toBe('door');
  });
});
