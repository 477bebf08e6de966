// The Yjs endpoint with real sockets and a real database: live sync between leads, late
// joiners, save notices backed by Postgres, and refusals with the right close codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient } from 'socket.io-client';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { getRecord, readBoard, readRecord } from '../../shared/doc.js';
import { CLOSE } from '../../shared/errors.js';
import { addVolunteer, createTask, editVolunteer, moveTask, setTaskStatus } from '../../shared/mutations.js';
import { issueVolunteerLink, loadStoredDoc, type CreatedBoard } from '../../server/boards.js';
import type { Store } from '../../server/store/store.js';
import { BACKENDS, type TestDatabase } from '../helpers/databases.js';
import {
  connectLead, newBoard, rawSocket, startServer, waitFor, whenSynced, type Lead, type TestServer,
} from '../helpers/server.js';

describe.each(BACKENDS)('yjs sync on $name', ({ open }) => {
  let db: TestDatabase;
  let server: TestServer;
  let board: CreatedBoard;
  const leads: Lead[] = [];
  const lead = (doc?: Y.Doc) => {
    const l = connectLead(server.wsUrl, board.id, board.leadToken, doc);
    leads.push(l);
    return l;
  };

  beforeAll(async () => {
    db = await open();
    server = await startServer(db);
    board = await newBoard(server, '梧桐苑');
  });
  afterAll(async () => {
    for (const l of leads) l.destroy();
    await server?.close();
    await db?.cleanup();
  });

  it('a move on one lead shows on the other; a late joiner gets the whole board', async () => {
    const a = lead();
    const b = lead();
    await Promise.all([whenSynced(a), whenSynced(b)]);
    expect(readBoard(b.doc).meta?.name).toBe('梧桐苑');

    const v1 = addVolunteer(a.doc, { name: '李明', health: 'eligible' });
    const t1 = createTask(a.doc, { title: '3号楼502 需要胰岛素', kind: 'medicineRun', priority: 'high' });
    if (!v1.ok || !t1.ok) throw new Error('setup failed');
    await waitFor(() => readRecord(b.doc, 'tasks', t1.value).ok, 'task on lead B');

    expect(moveTask(a.doc, { taskId: t1.value, to: v1.value }).ok).toBe(true);
    await waitFor(() => {
      const task = readRecord(b.doc, 'tasks', t1.value);
      return task.ok && task.value.slot.assigneeId === v1.value;
    }, 'the move on lead B');

    const c = lead();
    await whenSynced(c);
    const seen = readRecord(c.doc, 'tasks', t1.value);
    expect(seen.ok && seen.value.slot.assigneeId).toBe(v1.value);
    expect(seen.ok && seen.value.status).toBe('assigned');
    expect(readBoard(c.doc).volunteers.get(v1.value)?.name).toBe('李明');
  });

  it('reports saved only once the change is committed in the database', async () => {
    const a = lead();
    await whenSynced(a);
    await a.save.whenSaved();
    expect(a.save.state).toBe('saved');
    const states: string[] = [];
    const off = a.save.onChange((s) => states.push(s));
    const t = createTask(a.doc, { title: '给12号楼送菜', kind: 'supplyDelivery', priority: 'normal' });
    if (!t.ok) throw new Error(t.message);
    expect(a.save.state).toBe('saving');
    await a.save.whenSaved();
    off();
    expect(states).toEqual(['saving', 'saved']);
    // What the server called saved is in the database itself.
    const stored = await loadStoredDoc(storeOf(server), board.id);
    expect(readRecord(stored, 'tasks', t.value).ok).toBe(true);
  });

  it('refuses a bad token with 4401 and a non-lead token with 4403', async () => {
    const bad = await rawSocket(`${server.wsUrl}/sync/${board.id}?token=not-a-real-token-123`);
    expect((await bad.closed).code).toBe(CLOSE.badToken);
    const none = await rawSocket(`${server.wsUrl}/sync/${board.id}`);
    expect((await none.closed).code).toBe(CLOSE.badToken);
    const display = await rawSocket(`${server.wsUrl}/sync/${board.id}?token=${board.displayToken}`);
    expect((await display.closed).code).toBe(CLOSE.wrongRole);
    const other = await newBoard(server, '别的小区');
    const cross = await rawSocket(`${server.wsUrl}/sync/${board.id}?token=${other.leadToken}`);
    expect((await cross.closed).code).toBe(CLOSE.badToken);
  });

  it('closes an oversized, a garbage and a text frame on that socket only', async () => {
    const a = lead();
    const b = lead();
    await Promise.all([whenSynced(a), whenSynced(b)]);
    const url = `${server.wsUrl}/sync/${board.id}?token=${board.leadToken}`;

    const big = await rawSocket(url);
    big.ws.send(new Uint8Array(server.app.linli.config.maxFrameBytes + 1024));
    expect((await big.closed).code).toBe(1009);

    const garbage = await rawSocket(url);
    garbage.ws.send(Uint8Array.from([0, 2, 200, 1, 7, 7, 7, 255, 255, 255, 255, 255, 255, 255, 255, 255, 1]));
    expect((await garbage.closed).code).toBe(CLOSE.malformed);

    const unknownType = await rawSocket(url);
    unknownType.ws.send(Uint8Array.from([42, 1, 2, 3]));
    expect((await unknownType.closed).code).toBe(CLOSE.malformed);

    const text = await rawSocket(url);
    text.ws.send('hello');
    expect((await text.closed).code).toBe(CLOSE.malformed);

    // The others never noticed: still connected, still syncing.
    expect(a.provider.wsconnected && b.provider.wsconnected).toBe(true);
    const t = createTask(a.doc, { title: '还在同步', kind: 'other', priority: 'low' });
    if (!t.ok) throw new Error(t.message);
    await waitFor(() => readRecord(b.doc, 'tasks', t.value).ok, 'sync after the bad frames');
  });

  it('serves socket.io and the Yjs endpoint on one server at once', async () => {
    const a = lead();
    await whenSynced(a);
    const v = addVolunteer(a.doc, { name: '王阿姨', health: 'eligible' });
    if (!v.ok) throw new Error(v.message);
    await a.save.whenSaved();
    const link = await issueVolunteerLink(storeOf(server), board.id, v.value, server.url);
    if (!link.ok) throw new Error(link.message);

    const phone = ioClient(`${server.url}/volunteer`, { auth: { token: link.value.token }, transports: ['websocket'] });
    await new Promise<void>((resolve, reject) => {
      phone.once('connect', resolve);
      phone.once('connect_error', reject);
    });
    expect(phone.io.engine.transport.name).toBe('websocket');
    const refused = ioClient(`${server.url}/display`, { auth: { token: link.value.token }, transports: ['websocket'] });
    const error = await new Promise<Error & { data?: { code: string } }>((resolve) => refused.once('connect_error', resolve));
    expect(error.data?.code).toBe('forbidden');
    // The Yjs side still works while socket.io is connected.
    const t = createTask(a.doc, { title: '同时在线', kind: 'other', priority: 'low' });
    if (!t.ok) throw new Error(t.message);
    await a.save.whenSaved();
    expect(phone.connected).toBe(true);
    phone.close();
    refused.close();
  });

  it('returns an unavailable volunteer\'s open work to Unassigned, whoever wrote the change', async () => {
    const a = lead();
    const b = lead();
    await Promise.all([whenSynced(a), whenSynced(b)]);
    const v = addVolunteer(a.doc, { name: '赵六', health: 'eligible', onDuty: true });
    if (!v.ok) throw new Error(v.message);
    const open = createTask(a.doc, { title: '送药', kind: 'medicineRun', priority: 'high', assigneeId: v.value });
    const done = createTask(a.doc, { title: '已送达', kind: 'parcelRun', priority: 'normal', assigneeId: v.value });
    if (!open.ok || !done.ok) throw new Error('setup failed');
    setTaskStatus(a.doc, done.value, 'done');
    // A raw write of the health field, not through editVolunteer: the server applies the rule.
    getRecord(a.doc, 'volunteers', v.value)!.set('health', 'isolated');
    await waitFor(() => {
      const task = readRecord(b.doc, 'tasks', open.value);
      return task.ok && task.value.slot.assigneeId === null;
    }, 'the open task back in Unassigned on another lead');
    const returned = readRecord(b.doc, 'tasks', open.value);
    expect(returned.ok && returned.value.status).toBe('open');
    const kept = readRecord(b.doc, 'tasks', done.value);
    expect(kept.ok && kept.value.slot.assigneeId).toBe(v.value);
    expect(readBoard(b.doc).volunteers.get(v.value)?.onDuty).toBe(false);
  });

  it('two leads at once: one isolates a volunteer while the other gives them a card — the card returns', async () => {
    const a = lead();
    const b = lead();
    await Promise.all([whenSynced(a), whenSynced(b)]);
    const v = addVolunteer(a.doc, { name: '钱七', health: 'eligible' });
    const t = createTask(a.doc, { title: '送菜', kind: 'supplyDelivery', priority: 'normal' });
    if (!v.ok || !t.ok) throw new Error('setup');
    await waitFor(() => readRecord(b.doc, 'tasks', t.value).ok && readRecord(b.doc, 'volunteers', v.value).ok, 'setup on B');
    // Neither lead sees the other's change before making its own.
    a.provider.disconnect();
    editVolunteer(a.doc, v.value, { health: 'isolated' });
    expect(moveTask(b.doc, { taskId: t.value, to: v.value }).ok).toBe(true);
    a.provider.connect();
    await waitFor(() => {
      const task = readRecord(b.doc, 'tasks', t.value);
      const volunteer = readRecord(b.doc, 'volunteers', v.value);
      return task.ok && volunteer.ok && volunteer.value.health === 'isolated' && task.value.slot.assigneeId === null;
    }, 'the card back in Unassigned');
  });

  it('a connection may only speak for its own presence', async () => {
    const a = lead();
    const b = lead();
    await Promise.all([whenSynced(a), whenSynced(b)]);
    b.provider.awareness.setLocalStateField('user', { name: '李书记' });
    await waitFor(() => a.provider.awareness.getStates().get(b.doc.clientID)?.user?.name === '李书记', 'B on A');
    // A third connection claims B's client id.
    const intruder = await rawSocket(`${server.wsUrl}/sync/${board.id}?token=${board.leadToken}`);
    const fake = new awarenessProtocol.Awareness(new Y.Doc());
    fake.clientID = b.doc.clientID;
    fake.setLocalState({ user: { name: '冒充者' } });
    (fake.meta.get(b.doc.clientID) as { clock: number }).clock = 1_000;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 1);
    encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(fake, [b.doc.clientID]));
    intruder.ws.send(encoding.toUint8Array(encoder));
    await new Promise((r) => setTimeout(r, 300));
    expect(a.provider.awareness.getStates().get(b.doc.clientID)?.user?.name).toBe('李书记');
    intruder.ws.close();
  });

  it('answers healthz', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, db: 'up', redis: 'off' });
  });
});

function storeOf(server: TestServer): Store {
  return server.app.linli.store;
}

describe('room lifecycle (pglite)', () => {
  let db: TestDatabase;
  afterAll(async () => db?.cleanup());

  it('unloads an idle room only after saving, and reloads it intact', async () => {
    db = await BACKENDS[0]!.open();
    const server = await startServer(db, {}, { roomIdleMs: 50 });
    const board = await newBoard(server);
    const a = connectLead(server.wsUrl, board.id, board.leadToken);
    await whenSynced(a);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const t = createTask(a.doc, { title: `任务 ${i}`, kind: 'other', priority: 'normal' });
      if (t.ok) ids.push(t.value);
    }
    a.destroy();
    await waitFor(() => !server.app.linli.rooms.has(board.id), 'unload', 5_000);
    const b = connectLead(server.wsUrl, board.id, board.leadToken);
    await whenSynced(b);
    expect(ids.every((id) => readRecord(b.doc, 'tasks', id).ok)).toBe(true);
    b.destroy();
    await server.close();
  });

  it('compacts the log into a snapshot on a worker thread while edits go on, losing nothing', async () => {
    db = await BACKENDS[0]!.open();
    const server = await startServer(db, { compactAfterUpdates: 20 });
    const board = await newBoard(server);
    const a = connectLead(server.wsUrl, board.id, board.leadToken);
    await whenSynced(a);
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      const t = createTask(a.doc, { title: `压缩 ${i}`, kind: 'other', priority: 'normal' });
      if (t.ok) ids.push(t.value);
      await new Promise((r) => setTimeout(r, 5));
    }
    await a.save.whenSaved();
    await new Promise((r) => setTimeout(r, 300)); // let the background compaction finish
    const stored = await server.app.linli.store.loadDoc(board.id);
    expect(stored.snapshots).toBeGreaterThanOrEqual(1);
    expect(stored.updates).toBeLessThan(60);
    a.destroy();
    await server.close();
    const again = await startServer(db);
    const b = connectLead(again.wsUrl, board.id, board.leadToken);
    await whenSynced(b);
    expect(ids.filter((id) => !readRecord(b.doc, 'tasks', id).ok)).toEqual([]);
    b.destroy();
    await again.close();
  });

  it('shuts down promptly with leads still connected, saving their last edits', async () => {
    db = await BACKENDS[0]!.open();
    const server = await startServer(db, { persistDelayMs: 500 });
    const board = await newBoard(server);
    const a = connectLead(server.wsUrl, board.id, board.leadToken);
    await whenSynced(a);
    const t = createTask(a.doc, { title: '关机前的最后一条', kind: 'other', priority: 'normal' });
    if (!t.ok) throw new Error(t.message);
    await waitFor(() => server.app.linli.rooms.has(board.id), 'room');
    await new Promise((r) => setTimeout(r, 50)); // the edit reached the server, its commit still waits
    const start = Date.now();
    await server.close(); // the lead is still connected (and will try to reconnect)
    expect(Date.now() - start).toBeLessThan(5_000);
    a.destroy();
    const again = await startServer(db);
    const b = connectLead(again.wsUrl, board.id, board.leadToken);
    await whenSynced(b);
    expect(readRecord(b.doc, 'tasks', t.value).ok).toBe(true);
    b.destroy();
    await again.close();
  });

  it('a board whose load fails is never served empty, and loads once the store recovers', async () => {
    db = await BACKENDS[0]!.open();
    const first = await startServer(db);
    const board = await newBoard(first, '梧桐苑');
    await first.close();

    let failures = 2;
    const server = await startServer(db);
    const store = server.app.linli.store;
    const loadDoc = store.loadDoc.bind(store);
    store.loadDoc = async (id) => {
      if (failures-- > 0) throw new Error('database unavailable (injected)');
      return loadDoc(id);
    };
    const a = connectLead(server.wsUrl, board.id, board.leadToken);
    const closes: number[] = [];
    a.provider.on('connection-close', (event) => { if (event) closes.push(event.code); });
    const namesAtSync: (string | undefined)[] = [];
    a.provider.on('sync', (synced: boolean) => { if (synced) namesAtSync.push(readBoard(a.doc).meta?.name); });
    await whenSynced(a);
    expect(closes).toEqual([CLOSE.loadFailed, CLOSE.loadFailed]);
    expect(namesAtSync).toEqual(['梧桐苑']);
    a.destroy();
    await server.close();
  });
});
