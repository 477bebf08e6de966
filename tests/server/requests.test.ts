// The public request form's endpoint against a real server: a submission reaches a connected
// lead within a second, a repeat is merged, and abuse is refused without changing anything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBoard, readRecord } from '../../shared/doc.js';
import { addBuilding } from '../../shared/mutations.js';
import type { CreatedBoard } from '../../server/boards.js';
import { openBoard, waitFor, type BoardFixture, type Lead, type TestServer } from '../helpers/server.js';

describe('public request intake', () => {
  let f: BoardFixture;
  let server: TestServer;
  let board: CreatedBoard;
  let lead: Lead;
  let building: string;
  // Every request here comes from 127.0.0.1, so the suite stays under the per-address limit (12 a
  // minute) and the flood test runs on a server of its own.
  const post = (body: unknown, token = board.intakeToken, raw?: string) => fetch(`${server.url}/api/boards/${board.id}/requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: raw ?? JSON.stringify(body),
  });

  beforeAll(async () => {
    f = await openBoard();
    ({ server, board, lead } = f);
    const b = addBuilding(lead.doc, { label: '3号', area: 'A' });
    if (!b.ok) throw new Error(b.message);
    building = b.value;
    await lead.save.whenSaved();
  });
  afterAll(async () => f?.close());

  it('lands on a connected lead board within a second, urgent on top of Unassigned; a repeat is merged', async () => {
    const start = Date.now();
    const res = await post({ building: '3号', room: '502', need: 'medicine', urgency: 'p1', contact: '139-0000-5555', text: '需要胰岛素' });
    expect(res.status).toBe(201);
    const { taskId } = await res.json() as { taskId: string };
    await waitFor(() => readRecord(lead.doc, 'tasks', taskId).ok, 'the card on the lead board', 1_000);
    expect(Date.now() - start).toBeLessThan(1_000);
    const card = readRecord(lead.doc, 'tasks', taskId);
    expect(card.ok && card.value).toMatchObject({
      buildingId: building, room: '502', need: 'medicine', kind: 'medicineRun', priority: 'high', status: 'open',
      contact: '139-0000-5555', notes: '需要胰岛素', slot: { assigneeId: null },
    });
    // The same household and need again (another family member, "3号楼"): one card, now urgent.
    const again = await post({ building: '3号楼', room: '502', need: 'medicine', urgency: 'p0', text: '快没了' });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ taskId, merged: true });
    await waitFor(() => {
      const merged = readRecord(lead.doc, 'tasks', taskId);
      return merged.ok && merged.value.priority === 'urgent' && merged.value.notes.includes('快没了');
    }, 'the merge on the lead board');
    expect([...readBoard(lead.doc).tasks.values()].filter((t) => t.room === '502').length).toBe(1);
  });

  it('refuses bad bodies, unknown buildings, wrong tokens and 1 MB bodies, changing nothing', async () => {
    const before = JSON.stringify(lead.doc.toJSON());
    const cases: [Promise<Response>, number, string][] = [
      [post({ building: '3号', room: '502', need: 'caviar', urgency: 'p1' }), 400, 'invalid'],
      [post({ building: '3号', room: '', need: 'food', urgency: 'p1' }), 400, 'invalid'],
      [post({ building: '3号', room: '1', need: 'food', urgency: 'p1', admin: true }), 400, 'invalid'],
      [post({ building: '99号', room: '1', need: 'food', urgency: 'p1' }), 404, 'notFound'],
      [post({ building: '3号', room: '1', need: 'food', urgency: 'p1' }, board.leadToken), 401, 'unauthorized'],
      [post(null, board.intakeToken, `{"building":"3号","room":"1","need":"food","urgency":"p1","text":"${'x'.repeat(1024 * 1024)}"}`), 413, 'tooLarge'],
      [post(null, board.intakeToken, '{not json'), 400, 'invalid'],
    ];
    for (const [response, status, code] of cases) {
      const res = await response;
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    expect(JSON.stringify(lead.doc.toJSON())).toBe(before);
  });

  it('keeps script tags as text', async () => {
    const res = await post({ building: '3号', room: '101', need: 'other', urgency: 'p2', text: '<script>alert(1)</script>' });
    const { taskId } = await res.json() as { taskId: string };
    await waitFor(() => readRecord(lead.doc, 'tasks', taskId).ok, 'the card');
    const card = readRecord(lead.doc, 'tasks', taskId);
    expect(card.ok && card.value.notes).toBe('<script>alert(1)</script>');
  });
});

describe('public request intake under a flood', () => {
  it('refuses 100 requests at once from one address with 429 and stays well', async () => {
    const f = await openBoard();
    const { server, board, lead } = f;
    addBuilding(lead.doc, { label: '3号', area: 'A' });
    await lead.save.whenSaved();
    const post = (room: string) => fetch(`${server.url}/api/boards/${board.id}/requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${board.intakeToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ building: '3号', room, need: 'garbage', urgency: 'p2' }),
    });
    const statuses = await Promise.all(Array.from({ length: 100 }, (_, i) => post(`${200 + (i % 5)}`).then((r) => r.status)));
    expect(statuses.filter((s) => s === 429).length).toBe(88);
    const created = statuses.filter((s) => s === 201).length; // one card per household…
    expect(created + statuses.filter((s) => s === 200).length).toBe(12); // …the repeats merged into them
    expect([...readBoard(lead.doc).tasks.values()].filter((t) => t.need === 'garbage').length).toBe(created);
    expect(created).toBeLessThanOrEqual(5);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await f.close();
  });
});
