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
    expect(await store.findToken('h-vol')).toEqual({ hash: 'h-vol', boardId: 'b1', role: 'volunteer', volunteerId: 'v1', name: null });
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

  it('a load racing compactions always sees every row committed before it began', async () => {
    const doc = new Y.Doc();
    await store.createBoard({ id: 'race', name: 'race' }, [], { data: mapUpdate(doc, 'k0', 0), actor: 'seed' });
    let committed = 1;
    let failures = 0;
    let stop = false;
    const writer = (async () => {
      for (let i = 1; i <= 120; i++) {
        await store.appendUpdates('race', [{ data: mapUpdate(doc, `k${i}`, i), actor: 'w' }]);
        committed = i + 1;
      }
      stop = true;
    })();
    const compactor = (async () => {
      while (!stop) await store.compact('race', (parts) => Y.mergeUpdates(parts));
    })();
    let loads = 0;
    const loader = (async () => {
      while (!stop) {
        const before = committed;
        const keys = Object.keys(replay((await store.loadDoc('race')).parts)).length;
        if (keys < before) failures++;
        loads++;
      }
    })();
    await Promise.all([writer, compactor, loader]);
    expect(loads).toBeGreaterThan(10);
    expect(failures).toBe(0);
    expect(Object.keys(replay((await store.loadDoc('race')).parts)).length).toBe(121);
  });

  it('lists, renames, demotes and revokes links, and reports what changed since a time', async () => {
    await store.createBoard({ id: 'links', name: 'links' }, [
      { hash: 'a'.repeat(64), boardId: 'links', role: 'admin', volunteerId: null, name: '管理员' },
      { hash: 'b'.repeat(64), boardId: 'links', role: 'lead', volunteerId: null },
      { hash: 'c'.repeat(64), boardId: 'links', role: 'volunteer', volunteerId: 'v1' },
    ], null);
    const { now: start } = await store.changedTokens(null);
    const links = await store.listLinks('links');
    expect(links.map((l) => [l.id, l.role, l.name, l.revokedAt]).sort()).toEqual([
      ['aaaaaaaaaaaa', 'admin', '管理员', null], ['bbbbbbbbbbbb', 'lead', null, null], ['cccccccccccc', 'volunteer', null, null],
    ]);
    expect(await store.updateLink('links', 'bbbbbbbbbbbb', { name: '王阿姨', role: 'display' })).toMatchObject({ role: 'display', name: '王阿姨' });
    expect(await store.findToken('b'.repeat(64))).toMatchObject({ role: 'display', name: '王阿姨' });
    expect(await store.revokeLink('links', 'bbbbbbbbbbbb')).toBe('b'.repeat(64));
    expect(await store.revokeLink('links', 'bbbbbbbbbbbb')).toBeNull();
    expect(await store.updateLink('links', 'bbbbbbbbbbbb', { name: 'x' })).toBeNull();
    expect(await store.findToken('b'.repeat(64))).toBeNull();
    expect(await store.revokeVolunteerTokens('links', 'v1')).toEqual(['c'.repeat(64)]);
    expect(await store.revokeVolunteerTokens('links', 'v1')).toEqual([]);
    const { changes } = await store.changedTokens(start);
    expect(changes.map((c) => c.hash).sort()).toEqual(['b'.repeat(64), 'c'.repeat(64)]);
    expect((await store.listLinks('links')).find((l) => l.id === 'bbbbbbbbbbbb')!.revokedAt).toBeInstanceOf(Date);
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

  it('records shifts: one open per volunteer, closed once, listed by overlap with a window', async () => {
    await store.createBoard({ id: 'b3', name: 'shifts' }, [], null);
    const at = (hhmm: string) => new Date(`2026-03-02T${hhmm}:00+08:00`);
    expect(await store.openShift('b3', 'v1', at('08:00'))).toBe(true);
    expect(await store.openShift('b3', 'v1', at('08:30'))).toBe(false); // already on duty
    expect(await store.closeShift('b3', 'v1', at('11:00'))).toBe(true);
    expect(await store.closeShift('b3', 'v1', at('12:00'))).toBe(false); // nothing open
    expect(await store.openShift('b3', 'v1', at('14:00'))).toBe(true);
    expect(await store.openShift('b3', 'v2', at('07:00'))).toBe(true);
    await store.closeShift('b3', 'v2', at('06:00')); // a clock behind: never a negative shift
    await store.openShift('b1', 'v1', at('09:00')); // another board
    expect(await store.listShifts('b3', at('00:00'), at('23:59'))).toEqual([
      { volunteerId: 'v2', startedAt: at('07:00'), endedAt: at('07:00') },
      { volunteerId: 'v1', startedAt: at('08:00'), endedAt: at('11:00') },
      { volunteerId: 'v1', startedAt: at('14:00'), endedAt: null },
    ]);
    expect((await store.listShifts('b3', at('12:00'), at('13:00'))).length).toBe(0);
    expect((await store.listShifts('b3', at('10:00'), at('12:00'))).map((s) => s.startedAt)).toEqual([at('08:00')]);
    expect((await store.listShifts('b3', at('20:00'), at('21:00'))).map((s) => s.endedAt)).toEqual([null]);
  });

  it('commits history entries with their updates, lists them newest first by record, and keeps them through compaction', async () => {
    await store.createBoard({ id: 'b4', name: 'history' }, [], null);
    const doc = new Y.Doc();
    const at = new Date('2026-04-01T06:02:00Z');
    const entry = (recordId: string, action: string) => ({ at, actor: '王阿姨', source: 'lead', map: 'tasks', recordId, action, detail: { from: null, to: 'v1' } });
    await store.appendUpdates('b4', [
      { data: mapUpdate(doc, 'a', 1), actor: '王阿姨', audit: [entry('t1', 'created'), entry('t1', 'assigned')] },
      { data: mapUpdate(doc, 'b', 2), actor: null },
      { data: mapUpdate(doc, 'c', 3), actor: '王阿姨', audit: [entry('t2', 'created')] },
    ]);
    const all = await store.listAudit('b4', { limit: 10 });
    expect(all.map((e) => [e.recordId, e.action])).toEqual([['t2', 'created'], ['t1', 'assigned'], ['t1', 'created']]);
    expect(all[0]).toMatchObject({ at, actor: '王阿姨', source: 'lead', map: 'tasks', detail: { from: null, to: 'v1' } });
    expect((await store.listAudit('b4', { map: 'tasks', recordId: 't1', limit: 10 })).map((e) => e.action)).toEqual(['assigned', 'created']);
    expect((await store.listAudit('b4', { limit: 1, before: all[0]!.id })).map((e) => e.action)).toEqual(['assigned']);
    await store.compact('b4', (parts) => Y.mergeUpdates(parts));
    expect(await store.listAudit('b4', { limit: 10 })).toEqual(all);
    expect(await store.listAudit('b1', { limit: 10 })).toEqual([]);
  });

  it('keeps board versions and prunes the old ones, never the newest', async () => {
    const day = (d: number) => new Date(Date.UTC(2026, 3, d, 6));
    const data = (n: number) => new Uint8Array([n, n, n]);
    await store.createBoard({ id: 'b5', name: 'versions' }, [], null);
    const first = await store.saveVersion('b5', data(1), day(1), day(1));
    await store.saveVersion('b5', data(2), day(2), day(1));
    expect((await store.listVersions('b5')).map((v) => v.at)).toEqual([day(2), day(1)]);
    expect(await store.loadVersion('b5', first)).toEqual({ id: first, at: day(1), data: data(1) });
    expect(await store.loadVersion('b1', first)).toBeNull();
    const third = await store.saveVersion('b5', data(3), day(10), day(3));
    expect(await store.listVersions('b5')).toEqual([{ id: third, at: day(10), bytes: 3 }]);
    // A late write older than the cutoff is still kept when it is the one just written.
    await store.saveVersion('b5', data(4), day(2), day(3));
    expect((await store.listVersions('b5')).length).toBe(2);
  });

  it('answers ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
