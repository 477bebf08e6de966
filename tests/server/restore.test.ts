// Restoring a board version over REST (#7), with leads connected over real websockets on each
// real database: the old values come back as a new change every lead sees, records added since
// stay, the history shows the restore, and the restored board survives a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedBoard } from '../../server/boards.js';
import { readBoard } from '../../shared/doc.js';
import { HistoryAnswer, RestoreAnswer, VersionsAnswer } from '../../shared/history.js';
import { addVolunteer, createTask, editTask, moveTask } from '../../shared/mutations.js';
import { BACKENDS, type TestDatabase } from '../helpers/databases.js';
import { connectLead, newBoard, startServer, waitFor, whenSynced, type Lead, type TestServer } from '../helpers/server.js';

function must<T>(result: { ok: true; value: T } | { ok: false; message: string }): T {
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

describe.each(BACKENDS)('restoring a version on $name', ({ open }) => {
  let db: TestDatabase;
  let server: TestServer;
  let board: CreatedBoard;
  let lead: Lead;
  let other: Lead;

  const api = (path: string, init: RequestInit = {}, token = board.leadToken) =>
    fetch(`${server.url}/api/boards/${board.id}${path}`, { ...init, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    db = await open();
    server = await startServer(db);
    board = await newBoard(server);
    lead = connectLead(server.wsUrl, board.id, board.leadToken);
    other = connectLead(server.wsUrl, board.id, board.leadToken);
    await Promise.all([whenSynced(lead), whenSynced(other)]);
  });
  afterAll(async () => {
    lead?.destroy();
    other?.destroy();
    await server?.close();
    await db?.cleanup();
  });

  it('brings back moved and edited values as a new change, keeps newer records, deletes nothing', async () => {
    must(addVolunteer(lead.doc, { id: 'v1', name: '李明', health: 'eligible' }));
    must(addVolunteer(lead.doc, { id: 'v2', name: '王芳', health: 'eligible' }));
    must(createTask(lead.doc, { id: 't1', title: '买药', kind: 'medicineRun', priority: 'normal', assigneeId: 'v1' }));
    await lead.save.whenSaved();
    const kept = await api('/versions', { method: 'POST' });
    expect(kept.status).toBe(201);
    const { id: versionId } = await kept.json() as { id: number };
    const versions = VersionsAnswer.parse(await (await api('/versions')).json()).versions;
    expect(versions[0]!.id).toBe(versionId);
    const then = readBoard(lead.doc).tasks.get('t1');

    must(moveTask(lead.doc, { taskId: 't1', to: 'v2' }));
    must(editTask(lead.doc, 't1', { title: '买胰岛素', priority: 'urgent' }));
    must(createTask(lead.doc, { id: 't2', title: '后来的任务', kind: 'other', priority: 'normal' }));
    await lead.save.whenSaved();
    await waitFor(() => readBoard(other.doc).tasks.get('t1')?.title === '买胰岛素', 'the edit on the other lead');

    const res = await api(`/versions/${versionId}/restore`, { method: 'POST' });
    expect(res.status).toBe(201);
    expect(RestoreAnswer.parse(await res.json())).toMatchObject({ versionId, restored: 1, keptNewer: 1 });
    await waitFor(() => readBoard(other.doc).tasks.get('t1')?.slot.assigneeId === 'v1', 'the restored card on the other lead');
    expect(readBoard(other.doc).tasks.get('t1')).toEqual(then);
    expect(readBoard(other.doc).tasks.get('t2')?.title).toBe('后来的任务');
    expect(VersionsAnswer.parse(await (await api('/versions')).json()).versions.length).toBe(versions.length);

    const actor = (await server.app.linli.tokens.resolve(board.leadToken))!.actor;
    const entries = HistoryAnswer.parse(await (await api('/history?limit=50')).json()).entries;
    const restored = entries.find((e) => e.action === 'restored')!;
    expect(restored).toMatchObject({ actor, source: 'lead', map: 'board', detail: { versionId } });
    const moveBack = entries.find((e) => e.action === 'moved' && e.detail.restore === versionId)!;
    expect(moveBack).toMatchObject({ actor, recordId: 't1', fromName: '王芳', toName: '李明' });
    expect(moveBack.id).toBeGreaterThan(restored.id);
  });

  it('refuses unknown versions, bad ids and non-lead tokens, changing nothing', async () => {
    const before = readBoard(lead.doc).tasks;
    expect((await api('/versions/999999/restore', { method: 'POST' })).status).toBe(404);
    const bad = await api('/versions/abc/restore', { method: 'POST' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('invalid');
    expect((await api('/versions/1/restore', { method: 'POST' }, board.displayToken)).status).toBe(403);
    expect((await api('/versions', { method: 'POST' }, board.intakeToken)).status).toBe(403);
    expect(readBoard(lead.doc).tasks).toEqual(before);
  });

  it('the restored board is what a restarted server loads', async () => {
    await lead.save.whenSaved();
    lead.destroy();
    other.destroy();
    await server.close();
    server = await startServer(db);
    lead = connectLead(server.wsUrl, board.id, board.leadToken);
    other = connectLead(server.wsUrl, board.id, board.leadToken);
    await Promise.all([whenSynced(lead), whenSynced(other)]);
    expect(readBoard(lead.doc).tasks.get('t1')).toMatchObject({ title: '买药', slot: { assigneeId: 'v1' } });
    expect(readBoard(lead.doc).tasks.has('t2')).toBe(true);
  });
});
