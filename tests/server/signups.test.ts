// The volunteer sign-up endpoint against a real server on PGlite and on real Postgres: a sign-up
// reaches a connected lead, is committed before it is acknowledged, repeats are recognised,
// abuse changes nothing, and no applicant's data ever reaches a display or a volunteer's phone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient, type Socket } from 'socket.io-client';
import * as Y from 'yjs';
import { applicantMap, readApplicant, readApplicants } from '../../shared/doc.js';
import { addBuilding, addVolunteer } from '../../shared/mutations.js';
import { decideSignups } from '../../shared/signups.js';
import { callNext, planRound } from '../../shared/testing.js';
import { loadStoredDoc, type CreatedBoard } from '../../server/boards.js';
import { BACKENDS } from '../helpers/databases.js';
import { address, postFrom } from '../helpers/post-from.js';
import { openBoard, volunteerLink, waitFor, type BoardFixture, type Lead, type TestServer } from '../helpers/server.js';

const form = (extra: Record<string, unknown> = {}) => ({
  name: '陈静', building: '3号', room: '502', phone: '139-1234-5678', skills: ['medical', 'driving'],
  availability: ['morning', 'night'], note: '护士', ...extra,
});

/** Every payload a socket.io client receives, as text: what a canary scan reads. */
function listen(url: string, namespace: '/display' | '/volunteer', token: string): Promise<{ socket: Socket; bytes: string[]; views: unknown[] }> {
  const socket = ioClient(`${url}${namespace}`, { auth: { token }, transports: ['websocket'], reconnection: false });
  const bytes: string[] = [];
  const views: unknown[] = [];
  socket.io.on('open', () => socket.io.engine.on('packet', (packet: { data?: unknown }) => {
    if (packet.data !== undefined) bytes.push(typeof packet.data === 'string' ? packet.data : JSON.stringify(packet.data));
  }));
  socket.on('view', (view: unknown) => views.push(view));
  return new Promise((resolve, reject) => {
    socket.once('view', () => resolve({ socket, bytes, views }));
    socket.once('connect_error', reject);
  });
}

describe.each(BACKENDS)('volunteer sign-up on $name', ({ open }) => {
  let f: BoardFixture;
  let server: TestServer;
  let board: CreatedBoard;
  let lead: Lead;
  let building: string;
  let sender = 0;
  // Each test speaks from its own addresses, so the per-address limit (12 a minute) is met only
  // where a test means to meet it.
  const post = (body: unknown, token = board.intakeToken, from = address(sender++)) =>
    postFrom(`${server.url}/api/boards/${board.id}/signups`, token, body, from);

  beforeAll(async () => {
    f = await openBoard('梧桐苑', false, await open());
    ({ server, board, lead } = f);
    const b = addBuilding(lead.doc, { label: '3号', area: 'A' });
    if (!b.ok) throw new Error(b.message);
    building = b.value;
    await lead.save.whenSaved();
  });
  afterAll(async () => f?.close());

  it('201 once committed, on a connected lead board within a second; a repeat by phone is 200 duplicate', async () => {
    const start = Date.now();
    const res = await post(form());
    expect(res.status).toBe(201);
    const { signupId } = res.body as { signupId: string };
    expect(Object.keys(res.body)).toEqual(['signupId']);
    // Acknowledged means in the database: read back from the store, not from the room.
    const stored = readApplicant(await loadStoredDoc(server.app.linli.store, board.id), signupId);
    expect(stored.ok && stored.value).toMatchObject({ name: '陈静', buildingId: building, status: 'pending' });
    await waitFor(() => readApplicant(lead.doc, signupId).ok, 'the sign-up on the lead board', 1_000);
    expect(Date.now() - start).toBeLessThan(1_000);
    expect(readApplicant(lead.doc, signupId)).toMatchObject({ ok: true, value: { phone: '139-1234-5678', skills: ['medical', 'driving'], availability: ['morning', 'night'] } });

    const again = await post(form({ name: '陈静', phone: '+86 13912345678', availability: ['allDay'], note: '全天都行' }));
    expect(again).toEqual({ status: 200, body: { signupId, duplicate: true } });
    await waitFor(() => {
      const a = readApplicant(lead.doc, signupId);
      return a.ok && a.value.note === '全天都行';
    }, 'the newer fields on the lead board');
    expect(readApplicant(lead.doc, signupId)).toMatchObject({ value: { availability: ['allDay'], phone: '139-1234-5678' } });
    // Same name, building and room with another phone: the same person.
    expect(await post(form({ phone: '13700000000', room: '502室' }))).toEqual({ status: 200, body: { signupId, duplicate: true } });
    expect(applicantMap(lead.doc).size).toBe(1);
  });

  it('refuses bad bodies, unknown buildings, wrong tokens and 1 MB bodies, changing nothing', async () => {
    await lead.save.whenSaved();
    const before = Y.encodeStateAsUpdate(lead.doc);
    const cases: [Promise<{ status: number; body: any }>, number, string][] = [
      [post(form({ name: '' })), 400, 'invalid'],
      [post(form({ phone: 'abc' })), 400, 'invalid'],
      [post(form({ availability: [] })), 400, 'invalid'],
      [post(form({ skills: ['hacking'] })), 400, 'invalid'],
      [post({ ...form(), status: 'approved' }), 400, 'invalid'],
      [post({ ...form(), volunteerId: 'v1' }), 400, 'invalid'],
      [post('{not json'), 400, 'invalid'],
      [post(form({ building: '99号' })), 404, 'notFound'],
      [post(form(), board.leadToken), 401, 'unauthorized'],
      [post(form(), board.displayToken), 401, 'unauthorized'],
      [post(form(), 'not-a-token'), 401, 'unauthorized'],
      [post(JSON.stringify(form({ note: 'x'.repeat(1024 * 1024) }))), 413, 'tooLarge'],
    ];
    for (const [response, status, code] of cases) {
      const res = await response;
      expect(res.status).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect(typeof res.body.error.message).toBe('string');
    }
    // Nothing reached the board (given the server time to have sent anything it wrote).
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(Y.encodeStateAsUpdate(lead.doc)).toEqual(before);
    const stored = await loadStoredDoc(server.app.linli.store, board.id);
    expect(readApplicants(stored).size).toBe(1);
  });

  it('keeps script tags as text', async () => {
    const res = await post(form({ name: '<script>alert(1)</script>', phone: '13600000001', note: '<img src=x onerror=alert(2)>' }));
    expect(res.status).toBe(201);
    await waitFor(() => readApplicant(lead.doc, res.body.signupId).ok, 'the sign-up');
    expect(readApplicant(lead.doc, res.body.signupId)).toMatchObject({
      value: { name: '<script>alert(1)</script>', note: '<img src=x onerror=alert(2)>' },
    });
  });

  it('answers 429 past 12 sign-ups a minute from one address, and keeps serving others', async () => {
    const from = '127.0.9.9';
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) {
      statuses.push((await post(form({ name: `邻居${i}`, phone: `1350000${String(i).padStart(4, '0')}` }), board.intakeToken, from)).status);
    }
    expect(statuses).toEqual([...Array(12).fill(201), 429, 429, 429]);
    expect((await post(form({ name: '另一户', phone: '13500009999', room: '101' }))).status).toBe(201);
  });

  it('never sends an applicant\'s name, phone or note to a display or a volunteer\'s phone', async () => {
    const CANARY = 'CANARY4471';
    const b5 = addBuilding(lead.doc, { label: '5号', floors: 6, households: 24, residents: 60 });
    if (!b5.ok) throw new Error(b5.message);
    const v = addVolunteer(lead.doc, { name: '李明', phone: '138-0000-0001', health: 'eligible', buildingIds: [b5.value] });
    const round = planRound(lead.doc, { name: '第 4 轮核酸', kind: 'pcr', date: '2022-04-09', batchSize: 20 });
    if (!v.ok || !round.ok) throw new Error('setup');
    await lead.save.whenSaved();
    const tv = await listen(server.url, '/display', board.displayToken);
    const phone = await listen(server.url, '/volunteer', (await volunteerLink(server, board, v.value)).token);
    // Sign-ups arrive while both are connected; one is approved (and so becomes a volunteer).
    const ids: string[] = [];
    for (const i of [0, 1, 2]) {
      const res = await post(form({ name: `${CANARY}-name${i}`, phone: `1390000444${i}`, note: `${CANARY}-note${i}`, room: `${CANARY}${i}` }));
      ids.push(res.body.signupId);
    }
    await waitFor(() => ids.every((id) => readApplicant(lead.doc, id).ok), 'the sign-ups on the lead board');
    const approved = decideSignups(lead.doc, [ids[0]!], 'approve', { source: 'lead', actor: 'test' });
    const held = decideSignups(lead.doc, [ids[1]!], 'hold', { source: 'lead', actor: 'test' });
    if (!approved.ok || !held.ok) throw new Error('decide');
    // The server keeps the lead's decision (its update guard knows the applicants map).
    const room = await server.app.linli.rooms.get(board.id);
    await waitFor(() => {
      const a = readApplicant(room.doc, ids[0]!);
      return a.ok && a.value.status === 'approved' && a.value.volunteerId === approved.value.volunteerIds[0];
    }, 'the approval on the server');
    expect(lead.provider.wsconnected).toBe(true);
    // A change both show, so both have been sent fresh views since the sign-ups.
    const seen = { tv: tv.views.length, phone: phone.views.length };
    callNext(lead.doc, round.value);
    await waitFor(() => tv.views.length > seen.tv && phone.views.length > seen.phone, 'new views on the display and the phone');
    const all = [...tv.bytes, ...phone.bytes].join('\n');
    expect(all).toContain('李明'); // the scan reads real traffic
    expect(all).toContain('5号');
    expect(all).not.toContain(CANARY);
    expect(all).not.toContain('1390000444');
    tv.socket.close();
    phone.socket.close();
  });
});
