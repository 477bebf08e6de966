// Roles and links: the admin names, issues, demotes and revokes links; a revoked or demoted
// link's live connections (Yjs and socket.io, in this process and in another) are cut off within
// 5 s and cannot come back; presence names and history actors come from the link, not the
// client; browsers on another origin cannot open sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { io as ioClient, type Socket } from 'socket.io-client';
import * as Y from 'yjs';
import { CLOSE } from '../../shared/errors.js';
import { addVolunteer, createTask } from '../../shared/mutations.js';
import { freshPglite, freshPostgres, realPostgresUrl, type TestDatabase } from '../helpers/databases.js';
import { connectLead, newBoard, startServer, waitFor, whenSynced, type Lead, type TestServer } from '../helpers/server.js';
import type { CreatedBoard } from '../../server/boards.js';

interface IssuedLink { id: string; role: string; name: string; token: string; url: string }

function api(server: TestServer, token: string) {
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; data: any }> => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, data: await res.json() };
  };
}

/** Resolves with the close code and how long after `since()` the server closed the lead's socket. */
function closeOf(lead: Lead): Promise<{ code: number; at: number }> {
  return new Promise((resolve) => {
    lead.provider.on('connection-close', (event: CloseEvent | null) => {
      if (!event || event.code === 1000) return;
      lead.provider.disconnect();
      resolve({ code: event.code, at: Date.now() });
    });
  });
}

function display(server: TestServer, token: string): Promise<Socket> {
  const socket = ioClient(`${server.url}/display`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => { socket.close(); reject(error); });
  });
}

describe('roles and links', () => {
  let db: TestDatabase;
  let server: TestServer;
  let board: CreatedBoard;
  let admin: ReturnType<typeof api>;
  const leads: Lead[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    db = freshPglite();
    server = await startServer(db);
    board = await newBoard(server, '梧桐苑');
    admin = api(server, board.adminToken);
  });
  afterAll(async () => {
    for (const lead of leads) lead.destroy();
    for (const socket of sockets) socket.close();
    await server?.close();
    await db?.cleanup();
  });

  const issue = async (role: string, name: string): Promise<IssuedLink> => {
    const { status, data } = await admin('POST', `/api/boards/${board.id}/links`, { role, name });
    expect(status).toBe(201);
    return data as IssuedLink;
  };
  const lead = (token: string): Lead => {
    const connected = connectLead(server.wsUrl, board.id, token);
    leads.push(connected);
    return connected;
  };

  it('a new board has an admin link; only it manages links', async () => {
    expect(board.urls.admin).toBe(`${server.url}/a/${board.id}#${board.adminToken}`);
    const { status, data } = await admin('GET', `/api/boards/${board.id}/links`);
    expect(status).toBe(200);
    expect(data.links.map((l: { role: string }) => l.role).sort()).toEqual(['admin', 'display', 'intake', 'lead']);
    expect(data.links.find((l: { role: string }) => l.role === 'admin')).toMatchObject({ id: data.you, name: '管理员', revokedAt: null });
    expect(JSON.stringify(data)).not.toContain(board.adminToken);
    expect(JSON.stringify(data)).not.toContain(board.leadToken);

    expect((await api(server, board.leadToken)('GET', `/api/boards/${board.id}/links`)).status).toBe(403);
    expect((await api(server, board.leadToken)('POST', `/api/boards/${board.id}/links`, { role: 'admin', name: 'x' })).status).toBe(403);
    expect((await api(server, 'x'.repeat(24))('GET', `/api/boards/${board.id}/links`)).status).toBe(401);
    const other = await newBoard(server, '别的小区');
    expect((await api(server, other.adminToken)('GET', `/api/boards/${board.id}/links`)).status).toBe(401);
  });

  it('lists a volunteer\'s link under the volunteer\'s name', async () => {
    const writer = lead(board.leadToken);
    await whenSynced(writer);
    const volunteer = addVolunteer(writer.doc, { name: '李明', health: 'eligible' }, { source: 'lead', actor: 't' });
    if (!volunteer.ok) throw new Error(volunteer.message);
    await writer.save.whenSaved();
    const issued = await api(server, board.leadToken)('POST', `/api/boards/${board.id}/volunteers/${volunteer.value}/link`);
    expect(issued.status).toBe(201);
    const { data } = await admin('GET', `/api/boards/${board.id}/links`);
    expect(data.links.find((l: { role: string }) => l.role === 'volunteer')).toMatchObject({ volunteerId: volunteer.value, volunteerName: '李明', name: null });
  });

  it('refuses bad link requests and creates nothing', async () => {
    const before = (await admin('GET', `/api/boards/${board.id}/links`)).data.links.length;
    for (const body of [{ role: 'volunteer', name: '张三' }, { role: 'lead', name: '' }, { role: 'lead', name: 'x'.repeat(41) }, { role: 'lead', name: '张三', extra: 1 }, {}]) {
      const { status, data } = await admin('POST', `/api/boards/${board.id}/links`, body);
      expect(status).toBe(400);
      expect(data.error.code).toBe('invalid');
    }
    expect((await admin('GET', `/api/boards/${board.id}/links`)).data.links.length).toBe(before);
    // The board's last admin link can be neither revoked nor demoted.
    const you = (await admin('GET', `/api/boards/${board.id}/links`)).data.you;
    expect((await admin('DELETE', `/api/boards/${board.id}/links/${you}`)).status).toBe(409);
    expect((await admin('PATCH', `/api/boards/${board.id}/links/${you}`, { role: 'lead' })).status).toBe(409);
    expect((await admin('DELETE', `/api/boards/${board.id}/links/000000000000`)).status).toBe(404);
  });

  it('presence names and history actors come from the link, not from the client', async () => {
    const wang = await issue('lead', '王阿姨');
    expect(wang.url).toBe(`${server.url}/b/${board.id}#${wang.token}`);
    const a = lead(wang.token);
    const b = lead(board.leadToken);
    await Promise.all([whenSynced(a), whenSynced(b)]);
    a.provider.awareness.setLocalStateField('user', { name: '冒充的主任', color: '#123456' });
    b.provider.awareness.setLocalStateField('user', { name: '小李', color: 'red; background: url(x)' });
    const seen = (at: Lead, client: number) => at.provider.awareness.getStates().get(client)?.user as { name: string; color: string; link: string; verified: boolean } | undefined;
    await waitFor(() => seen(b, a.doc.clientID)?.name === '王阿姨', 'the named link\'s name at the other lead');
    expect(seen(b, a.doc.clientID)).toMatchObject({ name: '王阿姨', color: '#123456', link: wang.id, verified: true });
    // An unnamed link keeps the typed name, marked as not verified; a bad colour is replaced.
    await waitFor(() => seen(a, b.doc.clientID)?.name === '小李', 'the unnamed link\'s typed name');
    expect(seen(a, b.doc.clientID)).toMatchObject({ verified: false, color: '#868e96' });

    const task = createTask(a.doc, { title: '3号楼502 送药', kind: 'medicineRun', priority: 'urgent' }, { source: 'lead', actor: '冒充的主任' });
    if (!task.ok) throw new Error(task.message);
    await a.save.whenSaved();
    const history = await api(server, board.leadToken)('GET', `/api/boards/${board.id}/history?record=tasks/${task.value}`);
    expect(history.status).toBe(200);
    expect(history.data.entries[0]).toMatchObject({ action: 'created', actor: wang.id, actorName: '王阿姨' });

    // Renamed by the admin: the live lead's presence carries the new name from its next renewal.
    expect((await admin('PATCH', `/api/boards/${board.id}/links/${wang.id}`, { name: '王阿姨（楼组长）' })).status).toBe(200);
    for (let i = 0; i < 50 && seen(b, a.doc.clientID)?.name !== '王阿姨（楼组长）'; i++) {
      a.provider.awareness.setLocalStateField('editing', i % 2 ? null : 'x'); // a renewal
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(seen(b, a.doc.clientID)?.name).toBe('王阿姨（楼组长）');
  });

  it('revoking a lead link closes its live sockets within 5 s, and it cannot come back', async () => {
    const link = await issue('lead', '临时负责人');
    const connected = lead(link.token);
    await whenSynced(connected);
    const closed = closeOf(connected);
    const started = Date.now();
    expect((await admin('DELETE', `/api/boards/${board.id}/links/${link.id}`)).data).toEqual({ revoked: true });
    const { code, at } = await closed;
    expect(code).toBe(CLOSE.badToken);
    expect(at - started).toBeLessThan(5_000);
    const again = lead(link.token);
    expect((await closeOf(again)).code).toBe(CLOSE.badToken);
    const { data } = await admin('GET', `/api/boards/${board.id}/links`);
    expect(data.links.find((l: { id: string }) => l.id === link.id).revokedAt).not.toBeNull();
  });

  it('demoting a lead link to a display closes its board socket within 5 s', async () => {
    const link = await issue('lead', '降级测试');
    const connected = lead(link.token);
    await whenSynced(connected);
    const closed = closeOf(connected);
    const started = Date.now();
    const patched = await admin('PATCH', `/api/boards/${board.id}/links/${link.id}`, { role: 'display' });
    expect(patched.data).toMatchObject({ id: link.id, role: 'display', name: '降级测试' });
    const { code, at } = await closed;
    expect(code).toBe(CLOSE.wrongRole);
    expect(at - started).toBeLessThan(5_000);
    // As a display link it now opens the display, and nothing more.
    sockets.push(await display(server, link.token));
  });

  it('a revoked display is cut off within 5 s; socket.io reconnection cannot bring it back', async () => {
    const tv = await issue('display', '测试点电视');
    expect(tv.url).toBe(`${server.url}/d/${tv.token}`);
    const socket = await display(server, tv.token);
    sockets.push(socket);
    const revoked = new Promise<number>((resolve) => socket.once('revoked', () => resolve(Date.now())));
    const gone = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
    const started = Date.now();
    expect((await admin('DELETE', `/api/boards/${board.id}/links/${tv.id}`)).status).toBe(200);
    expect((await revoked) - started).toBeLessThan(5_000);
    expect(await gone).toBe('io server disconnect');
    socket.connect(); // the same socket (same session id and offset) tries again
    const error = await new Promise<Error & { data?: { code?: string } }>((resolve) => socket.once('connect_error', resolve));
    expect(error.data?.code).toBe('unauthorized');
    expect(socket.connected).toBe(false);
  });

  it('refuses websocket upgrades and polling from another origin', async () => {
    const foreign = (path: string, origin: string) => new Promise<number>((resolve) => {
      const ws = new WebSocket(`${server.wsUrl}${path}`, { headers: { origin } });
      ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate(); });
      ws.on('open', () => { resolve(101); ws.close(); });
      ws.on('error', () => {});
    });
    expect(await foreign(`/sync/${board.id}?token=${board.leadToken}`, 'https://evil.example')).toBe(403);
    expect(await foreign('/socket.io/?EIO=4&transport=websocket', 'https://evil.example')).toBe(403);
    expect(await foreign(`/sync/${board.id}?token=${board.leadToken}`, server.url)).toBe(101);
    const polling = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://evil.example' } });
    expect(polling.status).toBe(403);
    const same = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: server.url } });
    expect(same.status).toBe(200);
  });
});

describe.runIf(realPostgresUrl)('revocation across processes', () => {
  let db: TestDatabase;
  let one: TestServer;
  let two: TestServer;
  const leads: Lead[] = [];

  beforeAll(async () => {
    db = await freshPostgres();
    one = await startServer(db);
    two = await startServer(db);
  });
  afterAll(async () => {
    for (const lead of leads) lead.destroy();
    await one?.close();
    await two?.close();
    await db?.cleanup();
  });

  it('a link revoked on one process is cut off on another within 5 s', async () => {
    const board = await newBoard(one, '梧桐苑');
    const created = await api(one, board.adminToken)('POST', `/api/boards/${board.id}/links`, { role: 'lead', name: '王阿姨' });
    const link = created.data as IssuedLink;
    // Process two has seen the link and cached it.
    const connected = connectLead(two.wsUrl, board.id, link.token, new Y.Doc());
    leads.push(connected);
    await whenSynced(connected);
    const closed = closeOf(connected);
    const started = Date.now();
    expect((await api(one, board.adminToken)('DELETE', `/api/boards/${board.id}/links/${link.id}`)).status).toBe(200);
    const { code, at } = await closed;
    expect(code).toBe(CLOSE.badToken);
    expect(at - started).toBeLessThan(5_000);
    // Its cache forgot the link too: a new connection there is refused.
    const again = connectLead(two.wsUrl, board.id, link.token, new Y.Doc());
    leads.push(again);
    expect((await closeOf(again)).code).toBe(CLOSE.badToken);
  });
});

describe('socket.io and REST size limits', () => {
  let db: TestDatabase;
  let server: TestServer;
  let board: CreatedBoard;

  beforeAll(async () => {
    db = freshPglite();
    server = await startServer(db);
    board = await newBoard(server, '梧桐苑');
  });
  afterAll(async () => {
    await server?.close();
    await db?.cleanup();
  });

  it('closes a socket.io connection that sends a packet over 64 KiB; another screen carries on', async () => {
    const big = await display(server, board.displayToken);
    const other = await display(server, board.displayToken);
    const gone = new Promise<string>((resolve) => big.once('disconnect', (reason) => resolve(reason)));
    big.emit('command', { type: 'task.done', commandId: 'x', note: 'x'.repeat(70 * 1024) });
    expect(await gone).toMatch(/transport (close|error)/);
    expect(other.connected).toBe(true);
    // The other screen still gets pushes: a lead edit reaches its view.
    const seen = new Promise<void>((resolve) => other.once('view', () => resolve()));
    const lead = connectLead(server.wsUrl, board.id, board.leadToken);
    await whenSynced(lead);
    lead.doc.getMap('meta').set('name', '梧桐苑（新）');
    await seen;
    lead.destroy();
    other.close();
  });

  it('answers 413 to a REST body over 256 KiB and changes nothing', async () => {
    const admin = api(server, board.adminToken);
    const before = (await admin('GET', `/api/boards/${board.id}/links`)).data.links.length;
    const { status, data } = await admin('POST', `/api/boards/${board.id}/links`, { role: 'lead', name: '王', pad: 'x'.repeat(300 * 1024) });
    expect(status).toBe(413);
    expect(data.error.code).toBe('tooLarge');
    expect((await admin('GET', `/api/boards/${board.id}/links`)).data.links.length).toBe(before);
  });
});
