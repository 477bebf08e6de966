// The registry's recurring cards made by a real server with no lead connected, and what the
// registry lets out: the owning volunteer's card carries whom to call and where, nothing else of
// the case; other volunteers and displays receive no byte of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient, type Socket } from 'socket.io-client';
import * as Y from 'yjs';
import { addCase, boardDay, cardTaskId, dueCards, generateDueCards, wantsCheckIn } from '../../shared/cases.js';
import { readBoard } from '../../shared/doc.js';
import { addBuilding, addVolunteer } from '../../shared/mutations.js';
import type { VolunteerView } from '../../shared/projections.js';
import { loadStoredDoc, type CreatedBoard } from '../../server/boards.js';
import { freshPglite, freshPostgres, realPostgresUrl, type TestDatabase } from '../helpers/databases.js';
import { newBoard, startServer, volunteerLink, waitFor, type TestServer } from '../helpers/server.js';

interface Client {
  socket: Socket;
  views: unknown[];
  /** Every packet payload received, as text: what the canary scan reads. */
  bytes: string[];
}

function connect(url: string, namespace: '/volunteer' | '/display', token: string): Promise<Client> {
  const socket = ioClient(`${url}${namespace}`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  const views: unknown[] = [];
  const bytes: string[] = [];
  socket.io.on('open', () => socket.io.engine.on('packet', (packet: { data?: unknown }) => {
    if (packet.data !== undefined) bytes.push(typeof packet.data === 'string' ? packet.data : JSON.stringify(packet.data));
  }));
  socket.on('view', (view: unknown) => views.push(view));
  return new Promise((resolve, reject) => {
    socket.once('view', () => resolve({ socket, views, bytes }));
    socket.once('connect_error', reject);
  });
}

/** Writes a change to a stored board the way a lead's edit would have been saved, without loading it. */
async function writeStored(server: TestServer, board: CreatedBoard, change: (doc: Y.Doc) => void): Promise<void> {
  const store = server.app.linli.store;
  const doc = await loadStoredDoc(store, board.id);
  const before = Y.encodeStateVector(doc);
  change(doc);
  await store.appendUpdates(board.id, [{ data: Y.encodeStateAsUpdate(doc, before), actor: 'test' }]);
}

const must = <T>(r: { ok: true; value: T } | { ok: false; message: string }): T => {
  if (!r.ok) throw new Error(r.message);
  return r.value;
};

const databases: [string, () => Promise<TestDatabase> | TestDatabase][] = [['PGlite', freshPglite]];
if (realPostgresUrl) databases.push(['Postgres', () => freshPostgres()]);

describe.each(databases)('recurring case cards on the server (%s)', (_name, makeDb) => {
  let db: TestDatabase;
  let server: TestServer;
  const clients: Client[] = [];

  beforeAll(async () => {
    db = await makeDb();
    server = await startServer(db);
  });
  afterAll(async () => {
    for (const c of clients) c.socket.close();
    await server?.close();
    await db?.cleanup();
  });

  it('a board loaded with no lead connected gets its due cards; canaries reach only what the owner needs', async () => {
    const board = await newBoard(server, '测试小区');
    const C = 'CANARY4417';
    const ids = { lead: 'v-lead', other: 'v-other' };
    await writeStored(server, board, (doc) => {
      must(addVolunteer(doc, { id: ids.lead, name: '楼组长王', health: 'eligible', role: 'buildingLead' }));
      must(addVolunteer(doc, { id: ids.other, name: '志愿者李', health: 'eligible' }));
      must(addBuilding(doc, { id: 'b3', label: '3号', leadId: ids.lead }));
      // Personal data in every field of the case.
      must(addCase(doc, {
        id: 'case-1', buildingId: 'b3', room: 'R4417', name: `${C}-name`, age: 83, phone: `${C}-phone`,
        emergencyContact: `${C}-emergency`, category: 'elderlyAlone', livesAlone: true, hasSmartphone: false,
        volunteerId: null, nextDue: null, notes: `${C}-notes`, medicine: `${C}-medicine`, hospital: `${C}-hospital`,
        formula: `${C}-formula`, needs: ['grocery'], insuranceCardHeld: true, canFetchMeals: false,
      }));
    });
    const links = {
      lead: (await volunteerLink(server, board, ids.lead)).token,
      other: (await volunteerLink(server, board, ids.other)).token,
    };

    // No lead has connected: the server made the check-in card, in the owner's very first view.
    const owner = await connect(server.url, '/volunteer', links.lead);
    const other = await connect(server.url, '/volunteer', links.other);
    const tv = await connect(server.url, '/display', board.displayToken);
    clients.push(owner, other, tv);
    const cardId = cardTaskId(`case-1:checkIn:${boardDay(Date.now())}`);
    const first = owner.views[0] as VolunteerView;
    expect(first.tasks).toEqual([expect.objectContaining({
      id: cardId, kind: 'checkInCall', building: '3号', room: 'R4417', status: 'assigned', contact: `${C}-name ${C}-phone`,
    })]);

    // Saved, with nobody but phones and a TV connected.
    const room = await server.app.linli.rooms.get(board.id);
    expect(await room.flush()).toBe(true);
    const stored = readBoard(await loadStoredDoc(server.app.linli.store, board.id));
    expect(stored.tasks.get(cardId)).toMatchObject({ caseId: 'case-1', slot: { assigneeId: ids.lead } });

    // The owner needs whom to call and which door; nothing else of the case.
    const ownerBytes = owner.bytes.join('\n');
    for (const field of ['emergency', 'notes', 'medicine', 'hospital', 'formula', 'case-1']) {
      expect(ownerBytes).not.toContain(field === 'case-1' ? field : `${C}-${field}`);
    }
    expect(ownerBytes).not.toContain('"age"');
    // Nobody else gets anything of it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const client of [other, tv]) {
      const all = client.bytes.join('\n');
      expect(all.length, client === tv ? "tv" : "other").toBeGreaterThan(50);
      expect(all).not.toContain(C);
      expect(all).not.toContain('R4417');
    }
  });

  it('the demo board gets one check-in call per case that needs one, once, however often it loads', async () => {
    const board = await newBoard(server, '梧桐苑', true);
    const expected = readBoard(await loadStoredDoc(server.app.linli.store, board.id));
    const calls = [...expected.cases.values()].filter(wantsCheckIn);
    expect(calls.length).toBeGreaterThanOrEqual(25);
    const room = await server.app.linli.rooms.get(board.id);
    // Made a few per event-loop turn, so the leads' updates are not held up.
    const checkIns = () => [...readBoard(room.doc).tasks.values()].filter((t) => t.caseId && t.kind === 'checkInCall');
    await waitFor(() => dueCards(readBoard(room.doc), Date.now()).length === 0, 'every due card');
    const loaded = readBoard(room.doc);
    const made = checkIns();
    expect(made.map((t) => t.caseId).sort()).toEqual(calls.map((c) => c.id).sort());
    for (const card of made) {
      const c = loaded.cases.get(card.caseId!)!;
      const lead = loaded.buildings.get(c.buildingId!)!.leadId!;
      const available = loaded.volunteers.get(lead)!.health === 'eligible';
      // The building's lead, or Unassigned when they are off today (14号's is isolated).
      expect(card.slot.assigneeId).toBe(available ? lead : null);
    }
    // What a restart (or another server process) would load generates nothing new.
    expect(await room.flush()).toBe(true);
    const stored = await loadStoredDoc(server.app.linli.store, board.id);
    expect(readBoard(stored).tasks.size).toBe(loaded.tasks.size);
    expect(generateDueCards(stored, Date.now(), { source: 'system', actor: 'test' })).toEqual([]);
  });
});
