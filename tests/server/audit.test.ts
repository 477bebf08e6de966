// History (#7) against a real server, real sockets and each real database: one change of every
// kind leaves the right entry with the right actor, the entries outlive compaction and a restart,
// and only leads may read them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient } from 'socket.io-client';
import type { CreatedBoard } from '../../server/boards.js';
import { addCase, editCase } from '../../shared/cases.js';
import type { CommandAck } from '../../shared/commands.js';
import { getRecord } from '../../shared/doc.js';
import { HistoryAnswer, type HistoryEntry } from '../../shared/history.js';
import {
  addBuilding, addVolunteer, assignTask, createTask, editBuilding, editTask, moveTask, setTaskStatus,
} from '../../shared/mutations.js';
import { callNext, closeBatch, planRound, recordTested } from '../../shared/testing.js';
import { BACKENDS, type TestDatabase } from '../helpers/databases.js';
import {
  connectLead, newBoard, startServer, volunteerLink, whenSynced, type Lead, type TestServer,
} from '../helpers/server.js';

function must<T>(result: { ok: true; value: T } | { ok: false; message: string }): T {
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

describe.each(BACKENDS)('history on $name', ({ open }) => {
  let db: TestDatabase;
  let server: TestServer;
  let board: CreatedBoard;
  let lead: Lead;
  let leadActor: string;
  const ids: Record<string, string> = {};

  async function history(query = '', token = board.leadToken): Promise<HistoryEntry[]> {
    const res = await fetch(`${server.url}/api/boards/${board.id}/history${query}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    return HistoryAnswer.parse(await res.json()).entries;
  }

  /** The newest entry matching, once the change that makes it is saved. */
  async function entry(match: Partial<HistoryEntry>, detail: Record<string, unknown> = {}): Promise<HistoryEntry> {
    const query = '?limit=200';
    await lead.save.whenSaved();
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    for (let attempt = 0; attempt < 200; attempt++) {
      const found = (await history(query)).find((e) => Object.entries(match).every(([k, v]) => same(e[k as keyof HistoryEntry], v))
        && Object.entries(detail).every(([k, v]) => same(e.detail[k], v)));
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`no history entry like ${JSON.stringify(match)}:\n${JSON.stringify(await history(query), null, 1)}`);
  }

  beforeAll(async () => {
    db = await open();
    server = await startServer(db);
    board = await newBoard(server);
    leadActor = (await server.app.linli.tokens.resolve(board.leadToken))!.actor;
    lead = connectLead(server.wsUrl, board.id, board.leadToken);
    await whenSynced(lead);
  });
  afterAll(async () => {
    lead?.destroy();
    await server?.close();
    await db?.cleanup();
  });

  it('records creating records, attributed to the lead', async () => {
    ids.building = must(addBuilding(lead.doc, { label: '3号', area: 'A', floors: 6, residents: 60 }));
    ids.a = must(addVolunteer(lead.doc, { name: '李明', health: 'eligible' }));
    ids.b = must(addVolunteer(lead.doc, { name: '王芳', health: 'eligible' }));
    ids.task = must(createTask(lead.doc, { title: '3号502 买药', kind: 'medicineRun', priority: 'normal', buildingId: ids.building }));
    const created = await entry({ map: 'tasks', recordId: ids.task, action: 'created' });
    expect(created).toMatchObject({ actor: leadActor, actorName: `#${leadActor.slice(0, 6)}`, source: 'lead', recordLabel: '3号502 买药', detail: { label: '3号502 买药' } });
    expect(Date.now() - Date.parse(created.at)).toBeLessThan(60_000);
    await entry({ map: 'volunteers', recordId: ids.a, action: 'created', actor: leadActor });
    await entry({ map: 'buildings', recordId: ids.building, action: 'created', actor: leadActor });
  });

  it('records assign, move (lane names resolved when read), status, priority, title and other edits', async () => {
    must(assignTask(lead.doc, ids.task!, ids.a!));
    expect(await entry({ recordId: ids.task, action: 'assigned' })).toMatchObject({ actor: leadActor, detail: { from: null, to: ids.a }, fromName: null, toName: '李明' });
    must(moveTask(lead.doc, { taskId: ids.task!, to: ids.b! }));
    expect(await entry({ recordId: ids.task, action: 'moved' })).toMatchObject({ fromName: '李明', toName: '王芳', detail: { from: ids.a, to: ids.b } });
    must(setTaskStatus(lead.doc, ids.task!, 'inProgress'));
    expect((await entry({ recordId: ids.task, action: 'status' })).detail).toMatchObject({ to: 'inProgress' });
    must(editTask(lead.doc, ids.task!, { priority: 'urgent' }));
    expect((await entry({ recordId: ids.task, action: 'priority' })).detail).toEqual({ from: 'normal', to: 'urgent' });
    must(editTask(lead.doc, ids.task!, { title: '3号502 买胰岛素' }));
    expect((await entry({ recordId: ids.task, action: 'title' })).detail).toEqual({ from: '3号502 买药', to: '3号502 买胰岛素' });
    must(editTask(lead.doc, ids.task!, { notes: '放门口' }));
    expect((await entry({ recordId: ids.task, action: 'edited' })).detail).toEqual({ fields: ['notes'] });
  });

  it('records a building lead and a volunteer\'s health; the server rule returning cards is "system"', async () => {
    must(editBuilding(lead.doc, ids.building!, { leadId: ids.a! }));
    expect(await entry({ map: 'buildings', action: 'lead' })).toMatchObject({ actor: leadActor, toName: '李明', fromName: null });
    must(editBuilding(lead.doc, ids.building!, { rank: 'zz' }));
    await entry({ map: 'buildings', recordId: ids.building, action: 'reordered', actor: leadActor });
    // A raw edit (an old client): the server's availability rule sends her card back.
    lead.doc.transact(() => getRecord(lead.doc, 'volunteers', ids.b!)!.set('health', 'isolated'));
    expect(await entry({ map: 'volunteers', recordId: ids.b, action: 'health' })).toMatchObject({ actor: leadActor, detail: { from: 'eligible', to: 'isolated' } });
    const returned = await entry({ recordId: ids.task, action: 'unassigned' });
    expect(returned).toMatchObject({ actor: 'system', source: 'system', fromName: '王芳', toName: null });
  });

  it('records a testing round: plan, call, record, close', async () => {
    const queueId = must(planRound(lead.doc, { name: '第3轮核酸', kind: 'pcr', date: '2026-11-22', batchSize: 30 }));
    await entry({ map: 'queues', recordId: queueId, action: 'created' });
    const batchId = must(callNext(lead.doc, queueId))!;
    expect(await entry({ recordId: queueId, action: 'batchStatus' }, { batchId, to: 'called' })).toMatchObject({ actor: leadActor, detail: { buildingLabel: '3号' } });
    must(recordTested(lead.doc, queueId, batchId, 12));
    expect((await entry({ recordId: queueId, action: 'batchTested' }, { batchId })).detail).toMatchObject({ from: 0, to: 12 });
    must(closeBatch(lead.doc, queueId, batchId, { tested: 1000 }));
    await entry({ recordId: queueId, action: 'batchStatus', actor: leadActor }, { batchId, from: 'called', to: 'done' });
  });

  it('attributes a volunteer\'s command to the volunteer, and a resident\'s request to intake', async () => {
    const { token } = await volunteerLink(server, board, ids.a!);
    const socket = ioClient(`${server.url}/volunteer`, { auth: { token }, transports: ['websocket'], reconnection: false });
    try {
      const ack: CommandAck = await socket.timeout(5_000).emitWithAck('command', { type: 'shift.checkIn', commandId: 'audit-check-in-1' });
      expect(ack).toEqual({ ok: true });
    } finally {
      socket.close();
    }
    expect(await entry({ map: 'volunteers', recordId: ids.a, action: 'onDuty' })).toMatchObject({
      actor: ids.a, actorName: '李明', source: 'command', detail: { from: false, to: true },
    });
    const res = await fetch(`${server.url}/api/boards/${board.id}/requests`, {
      method: 'POST', headers: { authorization: `Bearer ${board.intakeToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ building: '3号', room: '301', need: 'medicine', urgency: 'p1', contact: '139-2222-3333', text: '降压药' }),
    });
    expect(res.status).toBe(201);
    const { taskId } = await res.json() as { taskId: string };
    expect(await entry({ recordId: taskId, action: 'created' })).toMatchObject({ actor: 'intake', source: 'intake' });
  });

  it('records case edits by field name, never the personal value', async () => {
    const caseId = must(addCase(lead.doc, { name: '张奶奶', category: 'elderlyAlone', phone: '13800001111' }));
    expect(await entry({ map: 'cases', recordId: caseId, action: 'created' })).toMatchObject({ recordLabel: null, detail: {} });
    must(editCase(lead.doc, caseId, { phone: '13900002222' }));
    expect((await entry({ map: 'cases', recordId: caseId, action: 'edited' })).detail).toEqual({ fields: ['phone'] });
    const text = JSON.stringify(await history('?limit=200'));
    expect(text).not.toContain('13800001111');
    expect(text).not.toContain('13900002222');
    expect(text).not.toContain('张奶奶');
  });

  it('filters by record, pages back newest first, and refuses bad queries', async () => {
    const mine = await history(`?record=tasks/${ids.task}`);
    expect(mine.length).toBeGreaterThanOrEqual(8);
    expect(mine.every((e) => e.map === 'tasks' && e.recordId === ids.task)).toBe(true);
    expect(mine.map((e) => e.id)).toEqual([...mine.map((e) => e.id)].sort((a, b) => b - a));
    const page = await history(`?record=tasks/${ids.task}&limit=2&before=${mine[1]!.id}`);
    expect(page.map((e) => e.id)).toEqual([mine[2]!.id, mine[3]!.id]);
    const bad = await fetch(`${server.url}/api/boards/${board.id}/history?limit=0`, { headers: { authorization: `Bearer ${board.leadToken}` } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('invalid');
  });

  it('lets only leads read it: display and volunteer tokens get 403, a bad token 401', async () => {
    const { token } = await volunteerLink(server, board, ids.a!);
    for (const [who, status] of [[board.displayToken, 403], [token, 403], [board.intakeToken, 403], ['not-a-token-at-all-xx', 401]] as const) {
      for (const path of ['history', 'versions']) {
        const res = await fetch(`${server.url}/api/boards/${board.id}/${path}`, { headers: { authorization: `Bearer ${who}` } });
        expect(res.status).toBe(status);
        expect((await res.json()).error.code).toBe(status === 401 ? 'unauthorized' : 'forbidden');
      }
    }
  });

  it('keeps every entry through compaction and a server restart', async () => {
    await lead.save.whenSaved();
    const before = await history('?limit=200');
    const room = await server.app.linli.rooms.get(board.id);
    await room.flush();
    await room.compact();
    expect(await server.app.linli.store.logSize(board.id)).toBe(0);
    lead.destroy();
    await server.close();
    server = await startServer(db);
    lead = connectLead(server.wsUrl, board.id, board.leadToken);
    await whenSynced(lead);
    // Loading may add entries of its own (the registry's due cards): the old ones are all there.
    const after = await history('?limit=200');
    expect(after.filter((e) => e.id <= before[0]!.id)).toEqual(before);
  });
});
