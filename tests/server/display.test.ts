// The testing-site display over socket.io /display: call-next reaches it within a second, and
// nothing personal ever does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient, type Socket } from 'socket.io-client';
import { insertRecord } from '../../shared/doc.js';
import type { DisplayView } from '../../shared/display.js';
import { addBuilding, addVolunteer, createTask } from '../../shared/mutations.js';
import { callNext, planRound } from '../../shared/testing.js';
import type { CreatedBoard } from '../../server/boards.js';
import { openBoard, volunteerLink, waitFor, type BoardFixture, type Lead, type TestServer } from '../helpers/server.js';

function display(url: string, token: string): Promise<{ socket: Socket; views: DisplayView[]; bytes: string[] }> {
  const socket = ioClient(`${url}/display`, { auth: { token }, transports: ['websocket'], reconnection: false });
  const views: DisplayView[] = [];
  const bytes: string[] = [];
  socket.io.on('open', () => socket.io.engine.on('packet', (packet: { data?: unknown }) => {
    if (packet.data !== undefined) bytes.push(String(packet.data));
  }));
  socket.on('view', (view: DisplayView) => views.push(view));
  return new Promise((resolve, reject) => {
    socket.once('view', () => resolve({ socket, views, bytes }));
    socket.once('connect_error', reject);
  });
}

describe('display socket', () => {
  let f: BoardFixture;
  let server: TestServer;
  let board: CreatedBoard;
  let lead: Lead;
  let roundId: string;
  const CANARY = 'CANARY5519';

  beforeAll(async () => {
    f = await openBoard();
    ({ server, board, lead } = f);
    for (const [label, residents] of [['1号', 60], ['2号', 60]] as const) {
      addBuilding(lead.doc, { label, area: 'A', floors: 6, households: 24, residents });
    }
    // Personal data everywhere a display must never look.
    const v = addVolunteer(lead.doc, { name: `${CANARY}-name`, phone: `${CANARY}-phone`, health: 'isolated' });
    if (!v.ok) throw new Error(v.message);
    createTask(lead.doc, { title: `${CANARY}-task`, kind: 'request', priority: 'urgent', contact: `${CANARY}-contact`, notes: `${CANARY}-notes`, room: '502' });
    lead.doc.transact(() => insertRecord(lead.doc, 'cases', 'c1', {
      buildingId: null, room: `${CANARY}-room`, name: `${CANARY}-case`, age: 90, phone: `${CANARY}-p`, emergencyContact: `${CANARY}-e`,
      category: 'bedridden', livesAlone: true, hasSmartphone: false, volunteerId: v.value, nextDue: null, notes: `${CANARY}-n`,
    }));
    const round = planRound(lead.doc, { name: '第 3 轮核酸', kind: 'pcr', date: '2022-04-08', batchSize: 20 });
    if (!round.ok) throw new Error(round.message);
    roundId = round.value;
    await lead.save.whenSaved();
  });
  afterAll(async () => f?.close());

  it('call-next on the lead board reaches the display within a second; nothing personal is ever sent', async () => {
    const tv = await display(server.url, board.displayToken);
    expect(tv.views[0]).toMatchObject({ board: '梧桐苑', round: { name: '第 3 轮核酸' }, now: [], expected: 120 });
    const start = Date.now();
    callNext(lead.doc, roundId);
    await waitFor(() => tv.views.at(-1)?.now[0]?.building === '1号', 'now calling on the display', 1_000);
    expect(Date.now() - start).toBeLessThan(1_000);
    expect(tv.views.at(-1)!.next[0]).toEqual({ building: '1号', floors: '3-4层' });
    callNext(lead.doc, roundId);
    await waitFor(() => tv.views.at(-1)?.now[0]?.floors === '3-4层', 'the second call');
    const all = tv.bytes.join('\n');
    expect(all).toContain('1号');
    expect(all).not.toContain(CANARY);
    expect(all).not.toContain('502');
    tv.socket.close();
  });

  it('a building lead\'s phone shows "your building is next", then "now"', async () => {
    const buildings = [...lead.doc.getMap('buildings').keys()];
    const b2 = buildings.find((id) => (lead.doc.getMap('buildings').get(id) as { get(k: string): unknown }).get('label') === '2号')!;
    const v = addVolunteer(lead.doc, { name: '楼组长', health: 'eligible', role: 'buildingLead', buildingIds: [b2] });
    if (!v.ok) throw new Error(v.message);
    await lead.save.whenSaved();
    const { token } = await volunteerLink(server, board, v.value);
    const phone = ioClient(`${server.url}/volunteer`, { auth: { token }, transports: ['websocket'], reconnection: false });
    const views: { testing: { building: string; state: string }[] }[] = [];
    phone.on('view', (view) => views.push(view));
    const stateOf2 = () => views.at(-1)?.testing.find((t) => t.building === '2号')?.state;
    await waitFor(() => stateOf2() === 'waiting', 'waiting');
    callNext(lead.doc, roundId); // 1号 5-6层 called, 2号 1-2层 warned
    await waitFor(() => stateOf2() === 'next', 'next on the lead\'s phone');
    callNext(lead.doc, roundId);
    await waitFor(() => stateOf2() === 'now', 'now on the lead\'s phone');
    phone.close();
  });

  it('refuses lead and volunteer tokens and bad ones', async () => {
    await expect(display(server.url, board.leadToken)).rejects.toMatchObject({ data: { code: 'forbidden' } });
    await expect(display(server.url, 'not-a-token-at-all-xx')).rejects.toMatchObject({ data: { code: 'unauthorized' } });
  });
});
