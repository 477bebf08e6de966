// Restoring a version on in-memory docs: fields come back in one transaction, records deleted
// since come back, records added since stay, and concurrent replicas converge on the result.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { getRecord, readBoard, readRecord, recordMap } from '../../shared/doc.js';
import { addBuilding, addVolunteer, createTask, editTask, moveTask, type Origin } from '../../shared/mutations.js';
import { restoreVersion } from '../../shared/restore.js';
import { callNext, planRound, recordTested } from '../../shared/testing.js';

const ORIGIN: Origin = { source: 'lead', actor: '王阿姨' };

function value<T>(result: { ok: true; value: T } | { ok: false; message: string }): T {
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

function copy(doc: Y.Doc): Y.Doc {
  const out = new Y.Doc();
  Y.applyUpdate(out, Y.encodeStateAsUpdate(doc));
  return out;
}

function board() {
  const doc = new Y.Doc();
  value(addBuilding(doc, { id: 'b1', label: '3号', floors: 6, residents: 60 }));
  value(addVolunteer(doc, { id: 'v1', name: '李明', health: 'eligible' }));
  value(addVolunteer(doc, { id: 'v2', name: '王芳', health: 'eligible' }));
  value(createTask(doc, { id: 't1', title: '买药', kind: 'medicineRun', priority: 'normal', assigneeId: 'v1' }));
  value(createTask(doc, { id: 't2', title: '送菜', kind: 'supplyDelivery', priority: 'low' }));
  const queue = value(planRound(doc, { name: '第1轮', kind: 'pcr', date: '2026-11-22', batchSize: 30 }));
  return { doc, queue };
}

describe('restoreVersion', () => {
  it('sets every record of the version back in one transaction, keeps newer records, deletes nothing', () => {
    const { doc, queue } = board();
    const version = copy(doc);
    const then = readBoard(doc);
    value(moveTask(doc, { taskId: 't1', to: 'v2' }));
    value(editTask(doc, 't1', { title: '买胰岛素', notes: '放门口' }));
    recordMap(doc, 'tasks').delete('t2');
    value(createTask(doc, { id: 't3', title: '新任务', kind: 'other', priority: 'normal' }));
    const batch = value(callNext(doc, queue))!;
    value(recordTested(doc, queue, batch, 9));

    const transactions: unknown[] = [];
    doc.on('afterTransaction', (tr: Y.Transaction) => transactions.push(tr.origin));
    const result = value(restoreVersion(doc, version, ORIGIN));
    expect(transactions).toEqual([ORIGIN]);

    const now = readBoard(doc);
    expect(now.tasks.get('t1')).toEqual(then.tasks.get('t1'));
    expect(now.tasks.get('t2')).toEqual(then.tasks.get('t2'));
    expect(now.tasks.get('t3')?.title).toBe('新任务');
    expect(now.queues.get(queue)).toEqual(then.queues.get(queue));
    expect(now.volunteers).toEqual(then.volunteers);
    expect(now.problems).toEqual([]);
    expect(result).toEqual({ restored: 3, unchanged: 3, keptNewer: 1 });
  });

  it('changes nothing when the board already matches, and restores a field set since back to unset', () => {
    const { doc } = board();
    const version = copy(doc);
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    expect(value(restoreVersion(doc, version, ORIGIN)).restored).toBe(0);
    expect(updates).toEqual([]);
    value(editTask(doc, 't2', { dueAt: 1_800_000_000_000 }));
    value(restoreVersion(doc, version, ORIGIN));
    expect(getRecord(doc, 'tasks', 't2')!.has('dueAt')).toBe(false);
    expect(readRecord(doc, 'tasks', 't2').ok).toBe(true);
  });

  it('converges with a lead editing the same card at the same time', () => {
    const { doc } = board();
    const version = copy(doc);
    value(editTask(doc, 't1', { title: '改过' }));
    const other = copy(doc);
    value(restoreVersion(doc, version, ORIGIN));
    value(editTask(other, 't2', { priority: 'urgent' }));
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(other));
    expect(readBoard(doc).tasks).toEqual(readBoard(other).tasks);
    expect(readBoard(doc).tasks.get('t1')?.title).toBe('买药');
    expect(readBoard(doc).tasks.get('t2')?.priority).toBe('urgent');
  });
});
