import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { BoardCache } from '../../shared/board-cache.js';
import { getRecord, readBoard, setMeta, type Board } from '../../shared/doc.js';
import { addVolunteer, assignTask, createTask, editTask, editVolunteer } from '../../shared/mutations.js';

const json = (board: Board) => JSON.stringify({
  meta: board.meta,
  ...Object.fromEntries((['buildings', 'volunteers', 'tasks', 'queues', 'cases'] as const)
    .map((name) => [name, [...board[name].entries()].sort(([a], [b]) => (a < b ? -1 : 1))])),
  problems: [...board.problems].sort((a, b) => (a.id < b.id ? -1 : 1)),
});

describe('incremental board cache', () => {
  it('always equals a full readBoard, through edits, bad records and their repair', () => {
    const doc = new Y.Doc();
    const cache = new BoardCache(doc);
    setMeta(doc, { name: '梧桐苑', address: '', zone: 'normal' });
    expect(json(cache.read())).toBe(json(readBoard(doc)));
    const v = addVolunteer(doc, { name: '李明', health: 'eligible' });
    if (!v.ok) throw new Error(v.message);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const t = createTask(doc, { title: `任务${i}`, kind: 'other', priority: 'normal' });
      if (t.ok) ids.push(t.value);
      if (i % 3 === 0) assignTask(doc, ids[i >> 1]!, v.value);
      if (i % 5 === 0) editTask(doc, ids[i]!, { title: `改${i}` });
      if (i % 7 === 0) expect(json(cache.read())).toBe(json(readBoard(doc)));
    }
    editVolunteer(doc, v.value, { health: 'isolated' });
    expect(json(cache.read())).toBe(json(readBoard(doc)));
    // A record broken by a raw write is skipped and reported, then repaired.
    getRecord(doc, 'tasks', ids[3]!)!.set('priority', 'whenever');
    setMeta(doc, { name: '新名字' });
    let board = cache.read();
    expect(board.tasks.has(ids[3]!)).toBe(false);
    expect(board.problems.map((p) => p.id)).toEqual([ids[3]]);
    expect(json(board)).toBe(json(readBoard(doc)));
    getRecord(doc, 'tasks', ids[3]!)!.set('priority', 'low');
    doc.getMap('tasks').delete(ids[4]!);
    board = cache.read();
    expect(board.problems).toEqual([]);
    expect(board.tasks.has(ids[4]!)).toBe(false);
    expect(json(board)).toBe(json(readBoard(doc)));
    cache.destroy();
  });
});
