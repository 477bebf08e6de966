// Every lead update is checked before the board keeps it, and every Yjs limit is enforced on the
// offending socket alone: the board, its log and the other leads are unaffected.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { CLOSE } from '../../shared/errors.js';
import { readBoard, recordMap } from '../../shared/doc.js';
import { addVolunteer, createTask, moveTask } from '../../shared/mutations.js';
import { LIMITS } from '../../server/limits.js';
import { BACKENDS } from '../helpers/databases.js';
import {
  connectLead, newBoard, rawSocket, startServer, waitFor, whenSynced, type Lead, type TestServer,
} from '../helpers/server.js';
import type { CreatedBoard } from '../../server/boards.js';
import type { TestDatabase } from '../helpers/databases.js';

/** The close code the server gave this lead's socket (the provider would retry; it is stopped). */
function closedWith(lead: Lead): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    lead.provider.on('connection-close', (event: CloseEvent | null) => {
      if (!event || event.code === 1000) return;
      lead.provider.disconnect();
      resolve({ code: event.code, reason: String(event.reason) });
    });
  });
}

const lead = { source: 'lead', actor: 'test' } as const;

describe.each(BACKENDS)('update guard and limits on $name', ({ open }) => {
  let db: TestDatabase;
  let server: TestServer;
  let board: CreatedBoard;
  let honest: Lead;
  let rogue: Lead;
  let taskId: string;

  beforeAll(async () => {
    db = await open();
    server = await startServer(db);
  });
  afterAll(async () => {
    await server?.close();
    await db?.cleanup();
  });
  beforeEach(async () => {
    // A board of its own (the demo board's server-made recurring cards would move under the test).
    board = await newBoard(server, '梧桐苑');
    honest = connectLead(server.wsUrl, board.id, board.leadToken);
    rogue = connectLead(server.wsUrl, board.id, board.leadToken);
    await Promise.all([whenSynced(honest), whenSynced(rogue)]);
    const volunteer = addVolunteer(honest.doc, { name: '李明', health: 'eligible', onDuty: true, team: 'supply' }, lead);
    for (let i = 0; i < 40; i++) {
      createTask(honest.doc, { title: `${i % 5 + 1}号楼 送药 ${i}`, kind: 'medicineRun', priority: 'normal', assigneeId: i % 2 && volunteer.ok ? volunteer.value : null }, lead);
    }
    await honest.save.whenSaved();
    await waitFor(() => readBoard(rogue.doc).tasks.size === 40, 'the board at the second lead');
    taskId = [...readBoard(honest.doc).tasks.keys()][0]!;
  });
  afterEach(() => {
    honest?.destroy();
    rogue?.destroy();
  });

  /** The board as Postgres keeps it (snapshots + log), read straight from the store. */
  async function stored(): Promise<ReturnType<typeof readBoard>> {
    const { parts } = await server.app.linli.store.loadDoc(board.id);
    const doc = new Y.Doc();
    for (const part of parts) Y.applyUpdate(doc, part);
    return readBoard(doc);
  }

  async function expectRejected(change: (doc: Y.Doc) => void, reason: RegExp): Promise<void> {
    const before = readBoard(honest.doc);
    const closed = closedWith(rogue);
    change(rogue.doc);
    const { code, reason: text } = await closed;
    expect(code).toBe(CLOSE.rejected);
    expect(text).toMatch(reason);
    // The honest lead keeps working and never saw the change; nothing of it was kept.
    const check = createTask(honest.doc, { title: '之后的正常修改', kind: 'other', priority: 'normal' });
    expect(check.ok).toBe(true);
    await honest.save.whenSaved();
    const after = readBoard(honest.doc);
    expect(after.problems).toEqual([]);
    expect([...after.tasks.keys()].sort()).toEqual([...before.tasks.keys(), check.ok ? check.value : ''].sort());
    // What Postgres holds: the honest change (committed before "saved" was shown), not the rejected one.
    let kept = await stored();
    for (let i = 0; i < 50 && kept.tasks.size !== before.tasks.size + 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      kept = await stored();
    }
    expect(kept.problems).toEqual([]);
    expect(kept.tasks.get(taskId)).toEqual(before.tasks.get(taskId));
    expect(kept.tasks.size).toBe(before.tasks.size + 1);
  }

  it('a link whose updates keep being rejected waits out the minute (4429); other links carry on', async () => {
    for (let i = 0; i < LIMITS.yjsRejectionsPerMinute; i++) {
      const attempt = connectLead(server.wsUrl, board.id, board.leadToken);
      await whenSynced(attempt);
      const closed = closedWith(attempt);
      recordMap(attempt.doc, 'tasks').get(taskId)!.set('priority', 'bogus');
      expect((await closed).code).toBe(CLOSE.rejected);
      attempt.destroy();
    }
    const refused = connectLead(server.wsUrl, board.id, board.leadToken);
    const { code, reason } = await closedWith(refused);
    refused.destroy();
    expect(code).toBe(CLOSE.rateLimited);
    expect(reason).toMatch(/rejected updates/);
    // A lead on another link of the board is not held up, nor is the one already connected.
    const res = await fetch(`${server.url}/api/boards/${board.id}/links`, {
      method: 'POST', headers: { authorization: `Bearer ${board.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'lead', name: '王阿姨' }),
    });
    const other = connectLead(server.wsUrl, board.id, ((await res.json()) as { token: string }).token);
    await whenSynced(other);
    const created = createTask(other.doc, { title: '另一条链接', kind: 'other', priority: 'normal' }, lead);
    expect(created.ok).toBe(true);
    await other.save.whenSaved();
    await waitFor(() => created.ok && readBoard(honest.doc).tasks.has(created.value), 'the other link\'s card at the connected lead');
    other.destroy();
  });

  it('rejects a record that would no longer parse', async () => {
    await expectRejected((doc) => recordMap(doc, 'tasks').get(taskId)!.set('priority', 'super-urgent'), /invalid tasks\//);
  });

  it('rejects a record missing a required field', async () => {
    await expectRejected((doc) => recordMap(doc, 'tasks').get(taskId)!.delete('slot'), /invalid tasks\//);
  });

  it('rejects a record that is not a map', async () => {
    await expectRejected((doc) => (recordMap(doc, 'volunteers') as unknown as Y.Map<string>).set('v-junk', 'junk'), /invalid volunteers\/v-junk/);
  });

  it('rejects an invalid sign-up (applicants are checked like every record map)', async () => {
    await expectRejected((doc) => doc.getMap('applicants').set('a-junk', new Y.Map<unknown>([['name', 42], ['status', 'vip']])), /invalid applicants\/a-junk/);
  });

  /** A task made on a copy of the rogue's doc and never sent, then `change` built on it: both updates. */
  function offlinePair(change: (offline: Y.Doc, taskId: string) => void): { base: Uint8Array; dependent: Uint8Array; taskId: string } {
    const offline = new Y.Doc();
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(rogue.doc));
    const before = Y.encodeStateVector(offline);
    const created = createTask(offline, { title: '离线新建', kind: 'other', priority: 'low' }, lead);
    if (!created.ok) throw new Error(created.message);
    const between = Y.encodeStateVector(offline);
    change(offline, created.value);
    return { base: Y.encodeStateAsUpdate(offline, before), dependent: Y.encodeStateAsUpdate(offline, between), taskId: created.value };
  }

  function sendRaw(step: number, update: Uint8Array): void {
    const socket = (rogue.provider as unknown as { ws: { send(data: Uint8Array): void } }).ws;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 0);
    encoding.writeVarUint(encoder, step);
    encoding.writeVarUint8Array(encoder, update);
    socket.send(encoding.toUint8Array(encoder));
  }

  async function storedPending(): Promise<unknown> {
    const { parts } = await server.app.linli.store.loadDoc(board.id);
    const kept = new Y.Doc();
    for (const part of parts) Y.applyUpdate(kept, part);
    return (kept.store as unknown as { pendingStructs: unknown }).pendingStructs;
  }

  it('holds an edit that arrives before the offline change it builds on, and keeps both once it comes', async () => {
    const { base, dependent, taskId: id } = offlinePair((offline, id) => recordMap(offline, 'tasks').get(id)!.set('priority', 'urgent'));
    sendRaw(2, dependent); // an edit, sent at once
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(readBoard(honest.doc).tasks.has(id)).toBe(false); // held, nothing of it applied
    expect(rogue.provider.wsconnected).toBe(true);
    expect(await storedPending()).toBeNull();
    sendRaw(1, base); // the offline change, in the sync step 2 one round trip later
    await waitFor(() => readBoard(honest.doc).tasks.get(id)?.priority === 'urgent', 'both changes at the other lead');
    expect(readBoard(honest.doc).problems).toEqual([]);
    for (let i = 0; i < 50 && !(await stored()).tasks.has(id); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await stored()).tasks.get(id)?.priority).toBe('urgent');
    expect(await storedPending()).toBeNull();
  });

  it('checks a held edit together with what completes it: an invalid pair is rejected whole', async () => {
    const before = readBoard(honest.doc);
    const closed = closedWith(rogue);
    const { base, dependent, taskId: id } = offlinePair((offline, id) => recordMap(offline, 'tasks').get(id)!.set('priority', 'nonsense'));
    sendRaw(2, dependent);
    await new Promise((resolve) => setTimeout(resolve, 200));
    sendRaw(1, base);
    const { code, reason } = await closed;
    expect(code).toBe(CLOSE.rejected);
    expect(reason).toMatch(/invalid tasks\//);
    expect(readBoard(honest.doc).tasks.size).toBe(before.tasks.size);
    expect((await stored()).tasks.has(id)).toBe(false);
    expect(await storedPending()).toBeNull();
  });

  it('rejects an unknown top-level type', async () => {
    await expectRejected((doc) => doc.getMap('bitcoin').set('wallet', 'x'), /unknown top-level type "bitcoin"/);
  });

  it('rejects deleting a record this lead did not create, and mass deletes', async () => {
    await expectRejected((doc) => recordMap(doc, 'tasks').delete(taskId), /deletes tasks\/.*which it did not create/);
  });

  it('rejects mass deletes beyond the quota, even of its own cards', async () => {
    const own: string[] = [];
    rogue.doc.transact(() => {
      for (let i = 0; i < LIMITS.deletesPerUpdate + 2; i++) {
        const t = createTask(rogue.doc, { title: `草稿 ${i}`, kind: 'other', priority: 'low' }, lead);
        if (t.ok) own.push(t.value);
      }
    });
    await rogue.save.whenSaved();
    await waitFor(() => own.every((id) => readBoard(honest.doc).tasks.has(id)), 'the drafts at the other lead');
    await expectRejected((doc) => doc.transact(() => { for (const id of own) recordMap(doc, 'tasks').delete(id); }), /deletes \d+ records/);
  });

  it('lets a lead undo a card it just added (the one delete a lead makes)', async () => {
    const undo = new Y.UndoManager(recordMap(rogue.doc, 'tasks'), { trackedOrigins: new Set([lead]) });
    const t = createTask(rogue.doc, { title: '加错了', kind: 'other', priority: 'low' }, lead);
    if (!t.ok) throw new Error(t.message);
    await rogue.save.whenSaved();
    await waitFor(() => readBoard(honest.doc).tasks.has(t.value), 'the card at the other lead');
    undo.undo();
    await rogue.save.whenSaved();
    await waitFor(() => !readBoard(honest.doc).tasks.has(t.value), 'the undo at the other lead');
    expect(rogue.provider.wsconnected).toBe(true);
    expect((await stored()).tasks.has(t.value)).toBe(false);
    undo.destroy();
  });

  it('rejects growth past the board size limit, and keeps ordinary edits', async () => {
    const size = readBoard(honest.doc).tasks.size;
    const saved = LIMITS.records.tasks;
    LIMITS.records.tasks = size + 2;
    try {
      expect(moveTask(rogue.doc, { taskId, to: null }, lead).ok).toBe(true);
      await rogue.save.whenSaved();
      await expectRejected((doc) => doc.transact(() => {
        for (let i = 0; i < 3; i++) createTask(doc, { title: `多余 ${i}`, kind: 'other', priority: 'low' }, lead);
      }), /board full/);
    } finally {
      LIMITS.records.tasks = saved;
    }
  });

  it('closes a socket whose presence is too large, and one that sends too fast; others go on', async () => {
    const url = `${server.wsUrl}/sync/${board.id}?token=${board.leadToken}`;
    const big = await rawSocket(url);
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 1); // awareness
    const inner = encoding.createEncoder();
    encoding.writeVarUint(inner, 1);
    encoding.writeVarUint(inner, 4242);
    encoding.writeVarUint(inner, 1);
    encoding.writeVarString(inner, JSON.stringify({ user: { name: 'x'.repeat(LIMITS.awarenessStateChars) } }));
    encoding.writeVarUint8Array(encoder, encoding.toUint8Array(inner));
    big.ws.send(encoding.toUint8Array(encoder));
    expect((await big.closed).code).toBe(CLOSE.tooLarge);

    const fast = await rawSocket(url);
    const query = encoding.createEncoder();
    encoding.writeVarUint(query, 3); // query awareness: harmless, so only the rate counts
    const message = encoding.toUint8Array(query);
    for (let i = 0; i < LIMITS.yjsMessageBurst + 200 && fast.ws.readyState === fast.ws.OPEN; i++) fast.ws.send(message);
    expect((await fast.closed).code).toBe(CLOSE.rateLimited);

    const t = createTask(honest.doc, { title: '限流之后', kind: 'other', priority: 'normal' });
    await honest.save.whenSaved();
    await waitFor(() => t.ok && readBoard(rogue.doc).tasks.has(t.value), 'the edit at the other lead');
  });
});
