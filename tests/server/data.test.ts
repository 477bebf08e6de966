// Imports and exports over REST against a real server on PGlite and Postgres: CSV and XLSX
// uploads previewed and applied, a bad file refused whole, lead tokens only, and service hours
// from real check-ins (socket.io) and recorded shifts, read back with SheetJS.
import { readFileSync } from 'node:fs';
import * as XLSX from '@e965/xlsx';
import { io as ioClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readBoard } from '../../shared/doc.js';
import { weekOf, weekRange } from '../../shared/hours.js';
import { addBuilding, addVolunteer, assignTask, createTask, editVolunteer, setTaskStatus } from '../../shared/mutations.js';
import { readSheet, toXlsx } from '../../server/spreadsheets.js';
import { BACKENDS } from '../helpers/databases.js';
import { openBoard, volunteerLink, waitFor, type BoardFixture } from '../helpers/server.js';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

describe.each(BACKENDS)('imports and exports on $name', ({ open }) => {
  let f: BoardFixture;
  const ids: Record<string, string> = {};

  const upload = (kind: string, body: string | Buffer, { dryRun = false, type = 'text/csv', token = f.board.leadToken } = {}) =>
    fetch(`${f.server.url}/api/boards/${f.board.id}/imports?kind=${kind}${dryRun ? '&dryRun=1' : ''}`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': type }, body: typeof body === 'string' ? body : new Uint8Array(body),
    });
  const download = (file: string, token = f.board.leadToken) =>
    fetch(`${f.server.url}/api/boards/${f.board.id}/exports/${file}`, { headers: { authorization: `Bearer ${token}` } });
  const serverDoc = async () => (await f.server.app.linli.rooms.get(f.board.id)).doc;
  const encoded = async () => Buffer.from(Y.encodeStateAsUpdate(await serverDoc())).toString('base64');

  beforeAll(async () => {
    f = await open().then((db) => openBoard('梧桐苑', false, db));
    for (const n of [3, 5, 12, 27]) {
      const made = addBuilding(f.lead.doc, { id: `b${n}`, label: `${n}号`, area: 'A' });
      if (!made.ok) throw new Error(made.message);
    }
    for (const [key, name] of [['a', '李明'], ['b', '王芳']] as const) {
      const made = addVolunteer(f.lead.doc, { name, phone: `138-0000-000${key === 'a' ? 1 : 2}`, health: 'eligible', team: 'supply' });
      if (!made.ok) throw new Error(made.message);
      ids[key] = made.value;
    }
    await f.lead.save.whenSaved();
  });
  afterAll(async () => f?.close());

  it('previews a CSV without changing the board, then applies it and the lead sees it', async () => {
    const csv = '楼号,片区,层数,户数,人数\n12号,B,6,24,66\n31号,C,18,72,180\n';
    const before = await encoded();
    const dry = await upload('buildings', csv, { dryRun: true });
    expect(dry.status).toBe(200);
    expect(await dry.json()).toMatchObject({
      kind: 'buildings', errors: [], summary: { create: 1, update: 1 },
      preview: [{ line: 2, action: 'update', label: '12号', residents: 66 }, { line: 3, action: 'create', label: '31号' }],
    });
    expect(await encoded()).toBe(before);

    const res = await upload('buildings', csv);
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ created: 1, updated: 1 });
    await waitFor(() => [...readBoard(f.lead.doc).buildings.values()].some((b) => b.label === '31号'), 'the new building on the lead board');
    expect(readBoard(f.lead.doc).buildings.get('b12')).toMatchObject({ area: 'B', households: 24, residents: 66 });
  });

  it('takes a 快团团 export as XLSX bytes: one delivery card per building, committed before the answer', async () => {
    const rows = readSheet(fixture('kuaituantuan.csv'))!;
    const xlsx = toXlsx(rows, 'Sheet1');
    const dry = await upload('groupbuy', xlsx, { dryRun: true, type: XLSX_TYPE });
    expect(dry.status).toBe(200);
    const preview = await dry.json() as { cards: { title: string; households: number }[]; errors: unknown[] };
    expect(preview.errors).toEqual([]);
    expect(preview.cards.map((c) => c.title)).toEqual([
      '团购配送：蔬菜包 · 3号 · 1户', '团购配送：蔬菜包 · 12号 · 2户', '团购配送：蔬菜包 · 27号 · 2户',
    ]);
    const res = await upload('groupbuy', xlsx, { type: XLSX_TYPE });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ created: 3, updated: 0 });
    // Answered only once committed: the stored log already holds the cards.
    const stored = new Y.Doc();
    for (const part of (await f.server.app.linli.store.loadDoc(f.board.id)).parts) Y.applyUpdate(stored, part);
    expect([...readBoard(stored).tasks.values()].filter((t) => t.kind === 'supplyDelivery').length).toBe(3);
    await waitFor(() => [...readBoard(f.lead.doc).tasks.values()].filter((t) => t.kind === 'supplyDelivery').length === 3, 'the cards on the lead board');

    const sheet = await fetch(`${f.server.url}/api/boards/${f.board.id}/delivery-sheet?building=b12`, { headers: { authorization: `Bearer ${f.board.leadToken}` } });
    const body = await sheet.json() as { buildings: { label: string; cards: { households: number; orders: { room: string; phone: string }[] }[] }[] };
    expect(body.buildings.map((b) => b.label)).toEqual(['12号']);
    expect(body.buildings[0]!.cards[0]).toMatchObject({ households: 2, orders: [{ room: '502', phone: '138-0000-1001' }, { room: '502' }, { room: '601' }] });
  });

  it('a delivery card given to a volunteer shows rooms, never the households\' names or phones', async () => {
    const card = [...readBoard(f.lead.doc).tasks.values()].find((t) => t.kind === 'supplyDelivery' && t.buildingId === 'b12')!;
    assignTask(f.lead.doc, card.id, ids.a!);
    await f.lead.save.whenSaved();
    const token = (await volunteerLink(f.server, f.board, ids.a!)).token;
    const socket = ioClient(`${f.server.url}/volunteer`, { auth: { token }, transports: ['websocket'], reconnection: false });
    const bytes: string[] = [];
    socket.io.on('open', () => socket.io.engine.on('packet', (packet: { data?: unknown }) => { bytes.push(JSON.stringify(packet.data ?? '')); }));
    try {
      const view = await new Promise<{ tasks: { id: string; notes: string }[] }>((resolve, reject) => {
        socket.once('view', resolve);
        socket.once('connect_error', reject);
      });
      expect(view.tasks.find((t) => t.id === card.id)?.notes).toBe('2户 · 共4份\n房号：502、601');
      const seen = bytes.join('\n');
      for (const secret of ['138-0000-1001', '138-0000-1003', '张阿姨', '王芳', 'orders']) expect(seen).not.toContain(secret);
    } finally {
      socket.close();
      assignTask(f.lead.doc, card.id, null);
      await f.lead.save.whenSaved();
    }
  });

  it('refuses a 50-row file with 2 bad rows whole: 422 naming both lines, the board unchanged', async () => {
    const lines = ['楼号,户数,人数'];
    for (let i = 0; i < 50; i++) lines.push(`${100 + i}号,${i},${i * 3}`);
    lines[16] = '115号,很多,45'; // line 17
    lines[41] = ',40,120'; // line 42
    const before = await encoded();
    const buildings = readBoard(await serverDoc()).buildings.size;
    for (const [type, body] of [['text/csv', lines.join('\n')], [XLSX_TYPE, toXlsx(lines.map((l) => l.split(',')), 'Sheet1')]] as const) {
      const res = await upload('buildings', body, { type });
      expect(res.status).toBe(422);
      const answer = await res.json() as { error: { code: string }; errors: { line: number; column: string; code: string }[] };
      expect(answer.error.code).toBe('invalid');
      expect(answer.errors.map(({ line, column, code }) => ({ line, column, code }))).toEqual([
        { line: 17, column: '户数', code: 'number' },
        { line: 42, column: '楼号', code: 'required' },
      ]);
    }
    expect(await encoded()).toBe(before);
    expect(readBoard(await serverDoc()).buildings.size).toBe(buildings);
  });

  it('lets leads only, and refuses what is not a spreadsheet', async () => {
    const volunteer = await volunteerLink(f.server, f.board, ids.a!);
    const before = await encoded();
    const cases: [Promise<Response>, number, string][] = [
      [upload('buildings', '楼号\n40号', { token: 'x'.repeat(24) }), 401, 'unauthorized'],
      [upload('buildings', '楼号\n40号', { token: f.board.intakeToken }), 403, 'forbidden'],
      [upload('buildings', '楼号\n40号', { token: volunteer.token }), 403, 'forbidden'],
      [download('tasks.csv', f.board.displayToken), 403, 'forbidden'],
      [download('hours.xlsx', ''), 401, 'unauthorized'],
      [upload('parcels', '楼号\n40号'), 400, 'invalid'],
      [upload('buildings', JSON.stringify({ rows: [['楼号'], ['40号']] }), { type: 'application/json' }), 415, 'invalid'],
      [upload('buildings', '楼号\n40号', { type: 'image/png' }), 415, 'invalid'],
      [upload('buildings', Buffer.alloc(6 * 1024 * 1024, 0x41)), 413, 'tooLarge'],
      [download('hours.csv?week=2026-W60'), 400, 'invalid'],
      [download('secrets.csv'), 404, 'notFound'],
    ];
    for (const [response, status, code] of cases) {
      const res = await response;
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    expect(await encoded()).toBe(before);
  });

  it('exports tasks as CSV (BOM, formulas defused) and XLSX', async () => {
    const t = createTask(f.lead.doc, { title: '=HYPERLINK("x") 3号楼', kind: 'request', priority: 'normal', buildingId: 'b3', room: '201' });
    if (!t.ok) throw new Error(t.message);
    await f.lead.save.whenSaved();
    const csv = await download('tasks.csv');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="linli-tasks.csv"');
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    expect(text).toContain('"\'=HYPERLINK(""x"") 3号楼"');
    expect(text.split('\r\n')[0]).toBe('\uFEFF编号,标题,类型,楼栋,房号,优先级,状态,负责志愿者,创建时间,更新时间,备注');

    const xlsx = await download('tasks.xlsx');
    const rows = readSheet(Buffer.from(await xlsx.arrayBuffer()))!;
    const row = rows.find((r) => r[0] === t.value)!;
    expect(row.slice(1, 7)).toEqual(['=HYPERLINK("x") 3号楼', '求助', '3号', '201', '普通', '待处理']);
    expect(rows.length).toBe(1 + readBoard(f.lead.doc).tasks.size);
  });

  it('hours: check-in/out from a phone and a lead\'s toggle are recorded as shifts, and the export adds up', async () => {
    const store = f.server.app.linli.store;
    const token = (await volunteerLink(f.server, f.board, ids.a!)).token;
    const socket = ioClient(`${f.server.url}/volunteer`, { auth: { token }, transports: ['websocket'], reconnection: false });
    try {
      await new Promise((resolve, reject) => { socket.once('view', resolve); socket.once('connect_error', reject); });
      const send = (type: string) => socket.timeout(5_000).emitWithAck('command', { type, commandId: `cmd-${type.replace('.', '_')}-${Date.now()}` });
      const range = weekRange(weekOf(Date.now()))!;
      const shifts = () => store.listShifts(f.board.id, new Date(range.start), new Date(range.end + 7 * 86_400_000));

      expect(await send('shift.checkIn')).toEqual({ ok: true });
      await poll(async () => (await shifts()).some((s) => s.volunteerId === ids.a && s.endedAt === null), 'the open shift');
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(await send('shift.checkOut')).toEqual({ ok: true });
      await poll(async () => (await shifts()).some((s) => s.volunteerId === ids.a && s.endedAt !== null), 'the closed shift');
      // A lead toggles the other volunteer on duty from the board.
      editVolunteer(f.lead.doc, ids.b!, { onDuty: true });
      await poll(async () => (await shifts()).some((s) => s.volunteerId === ids.b && s.endedAt === null), 'the lead-made shift');

      const recorded = (await shifts()).filter((s) => s.volunteerId === ids.a);
      expect(recorded.length).toBe(1);
      const ms = recorded[0]!.endedAt!.getTime() - recorded[0]!.startedAt.getTime();
      expect(ms).toBeGreaterThanOrEqual(0);
      const res = await download(`hours.xlsx?week=${weekOf(recorded[0]!.startedAt.getTime())}`);
      expect(res.status).toBe(200);
      const rows = xlsxRows(Buffer.from(await res.arrayBuffer()));
      expect(rows.find((r) => r[1] === '李明')!.slice(3, 5)).toEqual([1, Math.round(ms / 36_000) / 100]);
    } finally {
      socket.close();
    }
  });

  it('hours per week: shifts clipped to the week, open shifts to now, tasks done; CSV and XLSX re-read with the right totals', async () => {
    const store = f.server.app.linli.store;
    const week = '2026-W10'; // Monday 2 March – Sunday 8 March 2026, China Standard Time
    const at = (iso: string) => new Date(`${iso}+08:00`);
    // 李明: 08:00–11:30 on Monday, and a night shift from the Sunday before (only 00:00–02:00 counts).
    await store.openShift(f.board.id, ids.a!, at('2026-03-01T22:00:00'));
    await store.closeShift(f.board.id, ids.a!, at('2026-03-02T02:00:00'));
    await store.openShift(f.board.id, ids.a!, at('2026-03-02T08:00:00'));
    await store.closeShift(f.board.id, ids.a!, at('2026-03-02T11:30:00'));
    // 王芳 is still on duty from the lead's toggle (now, long after W10): nothing in W10.
    const b = (await store.listShifts(f.board.id, new Date(0), new Date(Date.now() + 60_000))).find((s) => s.volunteerId === ids.b && !s.endedAt);
    expect(b).toBeDefined();
    // A removed volunteer's shift still counts, under their id: Sunday 20:00 to the week's end = 4 h.
    await store.openShift(f.board.id, 'v-gone', at('2026-03-08T20:00:00'));
    await store.closeShift(f.board.id, 'v-gone', at('2026-03-09T00:15:00'));
    // One card done by 李明 in W10, one after it.
    const inWeek = Date.parse('2026-03-04T10:00:00+08:00');
    for (const when of [inWeek, Date.parse('2026-03-10T10:00:00+08:00')]) {
      const t = createTask(f.lead.doc, { title: '送菜', kind: 'supplyDelivery', priority: 'normal' }, undefined, when);
      if (!t.ok) throw new Error(t.message);
      assignTask(f.lead.doc, t.value, ids.a!, undefined, when);
      setTaskStatus(f.lead.doc, t.value, 'done', undefined, when);
    }
    await f.lead.save.whenSaved();

    const expected = [['李明', 1 + 1, 5.5, 1], ['王芳', 0, 0, 0], ['v-gone', 1, 4, 0]];
    const csv = await download(`hours.csv?week=${week}`);
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="linli-hours-${week}.csv"`);
    const xlsx = await download(`hours.xlsx?week=${week}`);
    expect(xlsx.headers.get('content-type')).toBe(XLSX_TYPE);
    for (const rows of [xlsxRows(Buffer.from(await csv.arrayBuffer())), xlsxRows(Buffer.from(await xlsx.arrayBuffer()))]) {
      expect(rows[0]).toEqual(['周', '志愿者', '组别', '班次', '服务时长（小时）', '完成任务']);
      const body = rows.slice(1, -1);
      expect(body.map((r) => [r[1], r[3], r[4], r[5]])).toEqual(expected);
      expect(body.every((r) => r[0] === week)).toBe(true);
      const total = rows.at(-1)!;
      expect(total[1]).toBe('合计');
      expect(total.slice(3)).toEqual([3, 9.5, 1]);
      // The totals row is the sum of the rows as a spreadsheet reads them.
      expect(body.reduce((sum, r) => sum + Number(r[4]), 0)).toBe(total[4]);
    }
  });
});

/** A downloaded CSV or XLSX as SheetJS reads it, numbers as numbers. */
function xlsxRows(data: Buffer): unknown[][] {
  const book = XLSX.read(data, { type: 'buffer' });
  return XLSX.utils.sheet_to_json<unknown[]>(book.Sheets[book.SheetNames[0]!]!, { header: 1, raw: true });
}

async function poll(check: () => Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
