// Volunteers' phones over socket.io against a real server and database, with a lead on Yjs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient, type Socket } from 'socket.io-client';
import { insertRecord, readRecord } from '../../shared/doc.js';
import type { CommandAck } from '../../shared/commands.js';
import { addBuilding, addVolunteer, assignTask, createTask } from '../../shared/mutations.js';
import type { VolunteerView } from '../../shared/projections.js';
import type { CreatedBoard } from '../../server/boards.js';
import { openBoard, volunteerLink, waitFor, type BoardFixture, type Lead, type TestServer } from '../helpers/server.js';

interface Phone {
  socket: Socket;
  views: VolunteerView[];
  /** Every packet payload received, as text: what a canary scan reads. */
  bytes: string[];
  latest(): VolunteerView | undefined;
  send(command: Record<string, unknown>): Promise<CommandAck>;
}

function phone(url: string, token: string): Promise<Phone> {
  const socket = ioClient(`${url}/volunteer`, { auth: { token }, transports: ['websocket'], reconnection: false });
  const views: VolunteerView[] = [];
  const bytes: string[] = [];
  socket.io.on('open', () => socket.io.engine.on('packet', (packet: { data?: unknown }) => {
    if (packet.data !== undefined) bytes.push(typeof packet.data === 'string' ? packet.data : JSON.stringify(packet.data));
  }));
  socket.on('view', (view: VolunteerView) => views.push(view));
  const p: Phone = {
    socket, views, bytes,
    latest: () => views.at(-1),
    send: (command) => socket.timeout(5_000).emitWithAck('command', command),
  };
  return new Promise((resolve, reject) => {
    socket.once('view', () => resolve(p));
    socket.once('connect_error', reject);
  });
}

let n = 0;
const commandId = () => `cmd-${Date.now()}-${n++}`;

async function link(server: TestServer, board: CreatedBoard, volunteerId: string): Promise<string> {
  return (await volunteerLink(server, board, volunteerId)).token;
}

describe('volunteer phones', () => {
  let f: BoardFixture;
  let server: TestServer;
  let board: CreatedBoard;
  let lead: Lead;
  const ids: Record<string, string> = {};
  const phones: Phone[] = [];

  beforeAll(async () => {
    f = await openBoard();
    ({ server, board, lead } = f);
    const b = addBuilding(lead.doc, { label: '3号', area: 'A' });
    const a = addVolunteer(lead.doc, { name: '李明', health: 'eligible', phone: '138-0000-0001' });
    const c = addVolunteer(lead.doc, { name: '王芳', health: 'eligible', phone: '138-0000-0002' });
    if (!b.ok || !a.ok || !c.ok) throw new Error('setup');
    Object.assign(ids, { building: b.value, a: a.value, b: c.value });
    await lead.save.whenSaved();
  });
  afterAll(async () => {
    for (const p of phones) p.socket.close();
    await f?.close();
  });

  it('gets an assignment within a second of the lead\'s move, and done shows on the lead board', async () => {
    const mine = await phone(server.url, await link(server, board, ids.a!));
    phones.push(mine);
    expect(mine.latest()).toMatchObject({ me: { name: '李明', health: 'eligible' }, tasks: [] });
    const t = createTask(lead.doc, { title: '3号502 需要胰岛素', kind: 'medicineRun', priority: 'urgent', buildingId: ids.building!, room: '502', contact: '139-1111-2222' });
    if (!t.ok) throw new Error(t.message);
    const start = Date.now();
    assignTask(lead.doc, t.value, ids.a!);
    await waitFor(() => mine.latest()?.tasks.some((task) => task.id === t.value) ?? false, 'the assignment on the phone', 1_000);
    expect(Date.now() - start).toBeLessThan(1_000);
    expect(mine.latest()!.tasks[0]).toMatchObject({ building: '3号', room: '502', status: 'assigned', contact: '139-1111-2222' });

    expect(await mine.send({ type: 'task.accept', commandId: commandId(), taskId: t.value })).toEqual({ ok: true });
    const doneId = commandId();
    expect(await mine.send({ type: 'task.done', commandId: doneId, taskId: t.value, note: '已送到' })).toEqual({ ok: true });
    await waitFor(() => {
      const task = readRecord(lead.doc, 'tasks', t.value);
      return task.ok && task.value.status === 'done';
    }, 'done on the lead board');
    // A resend of the same command is answered, not applied again.
    expect(await mine.send({ type: 'task.done', commandId: doneId, taskId: t.value, note: '已送到' })).toEqual({ ok: true });
    const task = readRecord(lead.doc, 'tasks', t.value);
    expect(task.ok && task.value.notes.match(/已送到/g)?.length).toBe(1);
  });

  it('two phones race for one task: the one it belongs to wins, the other gets an explicit error', async () => {
    const first = await phone(server.url, await link(server, board, ids.a!));
    const second = await phone(server.url, await link(server, board, ids.b!));
    phones.push(first, second);
    const t = createTask(lead.doc, { title: '送菜', kind: 'supplyDelivery', priority: 'normal', assigneeId: ids.a! });
    if (!t.ok) throw new Error(t.message);
    await waitFor(() => first.latest()?.tasks.some((task) => task.id === t.value) ?? false, 'task on the first phone');
    assignTask(lead.doc, t.value, ids.b!); // the lead gives it to someone else
    await waitFor(() => second.latest()?.tasks.some((task) => task.id === t.value) ?? false, 'task on the second phone');
    const [fromFirst, fromSecond] = await Promise.all([
      first.send({ type: 'task.accept', commandId: commandId(), taskId: t.value }),
      second.send({ type: 'task.accept', commandId: commandId(), taskId: t.value }),
    ]);
    expect(fromSecond).toEqual({ ok: true });
    expect(fromFirst).toMatchObject({ ok: false, code: 'notAssignee' });
    await waitFor(() => !(first.latest()?.tasks.some((task) => task.id === t.value) ?? true), 'the task gone from the first phone');
  });

  it('refuses invalid commands with a clear code and changes nothing', async () => {
    const p = await phone(server.url, await link(server, board, ids.a!));
    phones.push(p);
    const before = JSON.stringify(lead.doc.toJSON());
    expect(await p.send({ type: 'task.delete', commandId: commandId(), taskId: 'x' })).toMatchObject({ ok: false, code: 'invalid' });
    expect(await p.send({ type: 'task.done', commandId: 'short' })).toMatchObject({ ok: false, code: 'invalid' });
    expect(await p.send({ type: 'task.done', commandId: commandId(), taskId: 'no-such-task' })).toMatchObject({ ok: false, code: 'notFound' });
    await new Promise((r) => setTimeout(r, 100));
    expect(JSON.stringify(lead.doc.toJSON())).toBe(before);
  });

  it('reporting isolation takes the volunteer off the board and returns their open work', async () => {
    const p = await phone(server.url, await link(server, board, ids.b!));
    phones.push(p);
    const t = createTask(lead.doc, { title: '取快递', kind: 'parcelRun', priority: 'normal', assigneeId: ids.b! });
    if (!t.ok) throw new Error(t.message);
    await waitFor(() => p.latest()?.tasks.some((task) => task.id === t.value) ?? false, 'task on the phone');
    expect(await p.send({ type: 'health.report', commandId: commandId(), health: 'isolated' })).toEqual({ ok: true });
    await waitFor(() => {
      const task = readRecord(lead.doc, 'tasks', t.value);
      return task.ok && task.value.slot.assigneeId === null;
    }, 'the task back in Unassigned');
    await waitFor(() => p.latest()?.me.health === 'isolated' && !p.latest()!.tasks.some((task) => task.id === t.value), 'the phone updated');
    expect(await p.send({ type: 'shift.checkIn', commandId: commandId() })).toMatchObject({ ok: false, code: 'volunteerUnavailable' });
    expect(await p.send({ type: 'health.report', commandId: commandId(), health: 'eligible' })).toEqual({ ok: true });
  });

  it('a revoked link is cut off within 5 s and cannot reconnect', async () => {
    const token = await link(server, board, ids.a!);
    const p = await phone(server.url, token);
    const disconnected = new Promise<number>((resolve) => p.socket.once('disconnect', () => resolve(Date.now())));
    const res = await fetch(`${server.url}/api/boards/${board.id}/volunteers/${ids.a}/link`, {
      method: 'DELETE', headers: { authorization: `Bearer ${board.leadToken}` },
    });
    const revokedAt = Date.now();
    expect(res.status).toBe(200);
    expect(((await res.json()) as { revoked: number }).revoked).toBeGreaterThanOrEqual(1);
    expect((await disconnected) - revokedAt).toBeLessThan(5_000);
    await expect(phone(server.url, token)).rejects.toMatchObject({ data: { code: 'unauthorized' } });
  });

  it('never sends a byte of other volunteers\' or the registry\'s personal data to a phone', async () => {
    const CANARY = 'CANARY7731';
    const other = addVolunteer(lead.doc, { name: `${CANARY}-name`, phone: `${CANARY}-phone`, health: 'eligible' });
    if (!other.ok) throw new Error(other.message);
    lead.doc.transact(() => insertRecord(lead.doc, 'cases', 'case-canary', {
      buildingId: ids.building!, room: `${CANARY}-room`, name: `${CANARY}-case`, age: 81, phone: `${CANARY}-case-phone`,
      emergencyContact: `${CANARY}-emergency`, category: 'elderlyAlone', livesAlone: true, hasSmartphone: false,
      volunteerId: ids.b!, nextDue: null, notes: `${CANARY}-case-notes`,
    }));
    const foreign = createTask(lead.doc, {
      title: `${CANARY}-title`, kind: 'request', priority: 'high', assigneeId: other.value,
      contact: `${CANARY}-contact`, notes: `${CANARY}-notes`, room: '9',
    });
    const open = createTask(lead.doc, { title: `${CANARY}-unassigned`, kind: 'request', priority: 'high', contact: `${CANARY}-c2` });
    if (!foreign.ok || !open.ok) throw new Error('setup');
    const p = await phone(server.url, await link(server, board, ids.b!));
    phones.push(p);
    // Changes after connecting are pushed too: scan those as well.
    const own = createTask(lead.doc, { title: '自己的任务', kind: 'request', priority: 'high', assigneeId: ids.b!, contact: 'OWN-CONTACT-OK' });
    if (!own.ok) throw new Error(own.message);
    await waitFor(() => p.bytes.some((b) => b.includes('OWN-CONTACT-OK')), 'own task with its contact');
    lead.doc.transact(() => { assignTask(lead.doc, foreign.value, null); });
    await new Promise((r) => setTimeout(r, 200));
    const all = p.bytes.join('\n');
    expect(all.length).toBeGreaterThan(100);
    expect(all).not.toContain(CANARY);
  });
});
