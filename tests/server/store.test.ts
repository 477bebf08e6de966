// The storage contract: every Store implementation passes the same suite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { openStore } from '../../server/store/open.js';
import type { Store } from '../../server/store/store.js';
import { BACKENDS, type TestDatabase } from '../helpers/databases.js';

function mapUpdate(doc: Y.Doc, key: string, value: unknown): Uint8Array {
  let update: Uint8Array | null = null;
  const handler = (u: Uint8Array) => { update = u; };
  doc.on('update', handler);
  doc.getMap('m').set(key, value);
  doc.off('update', handler);
  if (!update) throw new Error('no update');
  return update;
}

function replay(parts: Uint8Array[]): Record<string, unknown> {
  const doc = new Y.Doc();
  for (const part of parts) Y.applyUpdate(doc, part);
  return doc.getMap('m').toJSON();
}

describe.each(BACKENDS)('store contract on $name', ({ open }) => {
  let db: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    db = await open();
    store = await openStore(db);
  });
  afterAll(async () => {
    await store?.close();
    await db?.cleanup();
  });

  it('creates a board with its tokens and initial state in one go', async () => {
    const doc = new Y.Doc();
    const initial = mapUpdate(doc, 'name', '梧桐苑');
    await store.createBoard({ id: 'b1', name: '梧桐苑' }, [
      { hash: 'h-lead', boardId: 'b1', role: 'lead', volunteerId: null },
      { hash: 'h-vol', boardId: 'b1', role: 'volunteer', volunteerId: 'v1' },
    ], { data: initial, actor: 'seed' });
    expect(await store.getBoard('b1')).toMatchObject({ id: 'b1', name: '梧桐苑' });
    expect(await store.findToken('h-vol')).toEqual({ hash: 'h-vol', boardId: 'b1', role: 'volunteer', volunteerId: 'v1' });
    expect(replay((await store.loadDoc('b1')).parts)).toEqual({ name: '梧桐苑' });
  });

  it('refuses a duplicate board and leaves nothing half-written', async () => {
    await expect(store.createBoard({ id: 'b1', name: 'again' }, [
      { hash: 'h-other', boardId: 'b1', role: 'lead', volunteerId: null },
    ], null)).rejects.toThrow();
    expect(await store.findToken('h-other')).toBeNull();
    expect((await store.getBoard('b1'))?.name).toBe('梧桐苑');
  });

  it('unknown boards and tokens are null; revoked tokens stop resolving', async () => {
    expect(await store.getBoard('nope')).toBeNull();
    expect(await store.findToken('nope')).toBeNull();
    expect(await store.revokeToken('h-vol')).toBe(true);
    expect(await store.findToken('h-vol')).toBeNull();
    expect(await store.revokeToken('h-vol')).toBe(false);
  });

  it('appends group commits in order and loads them back', async () => {
    await store.createBoard({ id: 'b2', name: 'two' }, [], null);
    const doc = new Y.Doc();
    const batch = Array.from({ length: 50 }, (_, i) => ({ data: mapUpdate(doc, `k${i % 7}`, i), actor: `lead-${i % 3}` }));
    await store.appendUpdates('b2', batch.slice(0, 20));
    await store.appendUpdates('b2', batch.slice(20));
    await store.appendUpdates('b2', []);
    const stored = await store.loadDoc('b2');
    expect(stored.updates).toBe(50);
    expect(replay(stored.parts)).toEqual(doc.getMap('m').toJSON());
    expect(await store.logSize('b2')).toBe(50);
    // Boards do not see each other's updates.
    expect(replay((await store.loadDoc('b1')).parts)).toEqual({ name: '梧桐苑' });
  });

  it('compacts the log into one snapshot without changing the loaded state', async () => {
    const before = replay((await store.loadDoc('b2')).parts);
    const result = await store.compact('b2', (parts) => Y.mergeUpdates(parts));
    expect(result.merged).toBe(50);
    const after = await store.loadDoc('b2');
    expect(after).toMatchObject({ snapshots: 1, updates: 0 });
    expect(replay(after.parts)).toEqual(before);
    expect(await store.logSize('b2')).toBe(0);
  });

  it('keeps rows that arrive while a compaction merges', async () => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.mergeUpdates((await store.loadDoc('b2')).parts));
    await store.appendUpdates('b2', [{ data: mapUpdate(doc, 'a', 1), actor: null }]);
    const late = mapUpdate(doc, 'late', 'kept');
    await store.compact('b2', (parts) => {
      // A row committed between the compactor's read and its write must survive.
      void store.appendUpdates('b2', [{ data: late, actor: null }]);
      return Y.mergeUpdates(parts);
    });
    await new Promise((r) => setTimeout(r, 50));
    const loaded = replay((await store.loadDoc('b2')).parts);
    expect(loaded).toMatchObject({ a: 1, late: 'kept' });
    expect(loaded).toEqual(doc.getMap('m').toJSON());
  });

  it('two compactions at once lose nothing', async () => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.mergeUpdates((await store.loadDoc('b2')).parts));
    await store.appendUpdates('b2', Array.from({ length: 10 }, (_, i) => ({ data: mapUpdate(doc, `c${i}`, i), actor: null })));
    await Promise.all([
      store.compact('b2', (parts) => Y.mergeUpdates(parts)),
      store.compact('b2', (parts) => Y.mergeUpdates(parts)),
    ]);
    expect(replay((await store.loadDoc('b2')).parts)).toEqual(doc.getMap('m').toJSON());
  });

  it('answers ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
