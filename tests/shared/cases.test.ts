// The special-needs registry and its recurring cards on in-memory Y.Docs: due rules around
// supply and appointment dates, one card per key however often and wherever it is generated,
// who owns a card, and that closed cases and bad input change nothing.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addCase, boardDay, cardTaskId, closeCase, dayStart, dueCards, editCase, generateDueCards, nextDueFor, reopenCase,
  type NewCase,
} from '../../shared/cases.js';
import { readBoard, readRecord } from '../../shared/doc.js';
import { addBuilding, addVolunteer, createTask, type Origin } from '../../shared/mutations.js';

const ORIGIN: Origin = { source: 'lead', actor: 'test' };
/** Friday 2022-04-08, 10:30 in Shanghai. */
const NOW = Date.parse('2022-04-08T10:30:00+08:00');
const at = (day: string, hour = 9) => dayStart(day) + hour * 3_600_000;

function value<T>(result: { ok: true; value: T } | { ok: false; message: string; code?: string }): T {
  if (!result.ok) throw new Error(`${result.code ?? 'failed'}: ${result.message}`);
  return result.value;
}

/** 3号 led by v-lead; v-care a care volunteer; v-off isolated (the lead of 5号). */
function board(clientID = 1): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  value(addVolunteer(doc, { id: 'v-lead', name: '王阿姨', health: 'eligible' }));
  value(addVolunteer(doc, { id: 'v-care', name: '李明', health: 'eligible' }));
  value(addVolunteer(doc, { id: 'v-off', name: '张伟', health: 'isolated' }));
  value(addBuilding(doc, { id: 'b3', label: '3号', leadId: 'v-lead' }));
  value(addBuilding(doc, { id: 'b5', label: '5号', leadId: 'v-off' }));
  return doc;
}

function add(doc: Y.Doc, input: Partial<NewCase> & { id: string }): string {
  return value(addCase(doc, { name: '赵阿姨', category: 'chronicMeds', buildingId: 'b3', room: '502', phone: '139-0000-0001', ...input }, ORIGIN));
}

const due = (doc: Y.Doc, now = NOW) => dueCards(readBoard(doc), now);

describe('board days', () => {
  it('start at midnight in Shanghai, wherever the code runs', () => {
    expect(boardDay(Date.parse('2022-04-07T16:00:00Z'))).toBe('2022-04-08');
    expect(boardDay(Date.parse('2022-04-07T15:59:59Z'))).toBe('2022-04-07');
    expect(dayStart('2022-04-08')).toBe(Date.parse('2022-04-08T00:00:00+08:00'));
  });
});

describe('due rules', () => {
  it('a daily check-in call for people living alone, elderly alone or in mental-health care; none otherwise', () => {
    const doc = board();
    add(doc, { id: 'alone', category: 'elderlyAlone', room: '101' });
    add(doc, { id: 'meds-alone', category: 'chronicMeds', livesAlone: true, room: '102' });
    add(doc, { id: 'mind', category: 'mentalHealth', room: '103' });
    add(doc, { id: 'infant', category: 'infant', room: '104' });
    add(doc, { id: 'opted-out', category: 'elderlyAlone', checkIn: 'none', room: '105' });
    add(doc, { id: 'opted-in', category: 'bedridden', checkIn: 'daily', room: '106' });
    add(doc, { id: 'auto', category: 'elderlyAlone', checkIn: 'auto', room: '108' });
    const cards = due(doc).filter((c) => c.type === 'checkIn');
    expect(cards.map((c) => c.caseId).sort()).toEqual(['alone', 'auto', 'meds-alone', 'mind', 'opted-in']);
    for (const card of cards) {
      expect(card).toMatchObject({ kind: 'checkInCall', day: '2022-04-08', key: `${card.caseId}:checkIn:2022-04-08`, title: '每日问候电话' });
    }
    // Without a smartphone the check-in is a visit.
    add(doc, { id: 'no-phone', category: 'elderlyAlone', hasSmartphone: false, room: '107' });
    expect(due(doc).find((c) => c.caseId === 'no-phone')!.title).toBe('每日上门问候');
  });

  it('a medicine run from 3 days before the supply runs out, more urgent as the day nears', () => {
    const doc = board();
    add(doc, { id: 'm4', room: '201', medicine: '胰岛素', medicineUntil: at('2022-04-12') });
    add(doc, { id: 'm3', room: '202', medicine: '二甲双胍', medicineUntil: at('2022-04-11') });
    add(doc, { id: 'm1', room: '203', medicineUntil: at('2022-04-09') });
    add(doc, { id: 'm0', room: '204', medicineUntil: at('2022-04-08', 20) });
    add(doc, { id: 'gone', room: '205', medicineUntil: at('2022-04-06') });
    const cards = new Map(due(doc).filter((c) => c.type === 'medicine').map((c) => [c.caseId, c]));
    expect([...cards.keys()].sort()).toEqual(['gone', 'm0', 'm1', 'm3']);
    expect(cards.get('m3')).toMatchObject({ kind: 'medicineRun', need: 'medicine', priority: 'normal', day: '2022-04-11', title: '配药：二甲双胍（4月11日用完）' });
    expect(cards.get('m1')!.priority).toBe('high');
    expect(cards.get('m0')!.priority).toBe('urgent');
    expect(cards.get('gone')!.priority).toBe('urgent');
    // The 12th comes into range on the 9th.
    expect(due(doc, at('2022-04-09', 0)).some((c) => c.caseId === 'm4' && c.type === 'medicine')).toBe(true);
  });

  it('older records kept the supply date of chronic medication in nextDue', () => {
    const doc = board();
    add(doc, { id: 'old', nextDue: at('2022-04-10') });
    add(doc, { id: 'pregnant', category: 'pregnant', room: '301', nextDue: at('2022-04-10') });
    expect(due(doc).filter((c) => c.type === 'medicine').map((c) => c.caseId)).toEqual(['old']);
  });

  it('formula before it runs out', () => {
    const doc = board();
    add(doc, { id: 'baby', category: 'infant', formula: '2段奶粉', formulaUntil: at('2022-04-10') });
    add(doc, { id: 'later', category: 'infant', room: '601', formulaUntil: at('2022-04-20') });
    const cards = due(doc).filter((c) => c.type === 'formula');
    expect(cards).toHaveLength(1);
    expect(cards[0]).toMatchObject({ caseId: 'baby', kind: 'supplyDelivery', need: 'infantFormula', title: '奶粉：2段奶粉（4月10日用完）' });
  });

  it('a dialysis escort the day before and on the day of the next session, from nextDue or the weekly schedule', () => {
    const doc = board();
    add(doc, { id: 'tomorrow', category: 'dialysis', room: '401', nextDue: at('2022-04-09', 13) });
    add(doc, { id: 'far', category: 'dialysis', room: '402', nextDue: at('2022-04-12', 13) });
    add(doc, { id: 'past', category: 'dialysis', room: '403', nextDue: at('2022-04-07', 13) });
    // Mon/Wed/Fri: today, Friday the 8th, is a session day.
    add(doc, { id: 'mwf', category: 'dialysis', room: '404', nextDue: null, dialysisDays: [1, 3, 5] });
    // Tue/Thu/Sat: the next session is Saturday.
    add(doc, { id: 'tts', category: 'dialysis', room: '405', nextDue: null, dialysisDays: [2, 4, 6] });
    add(doc, { id: 'sunday', category: 'dialysis', room: '406', nextDue: null, dialysisDays: [0] });
    const cards = new Map(due(doc).filter((c) => c.type === 'escort').map((c) => [c.caseId, c]));
    expect([...cards.keys()].sort()).toEqual(['mwf', 'tomorrow', 'tts']);
    expect(cards.get('tomorrow')).toMatchObject({ kind: 'escort', priority: 'urgent', day: '2022-04-09', dueAt: at('2022-04-09', 13), title: '血透陪同就医 4月9日' });
    expect(cards.get('mwf')).toMatchObject({ day: '2022-04-08', dueAt: at('2022-04-08', 7) });
    expect(cards.get('tts')!.day).toBe('2022-04-09');
    // A past nextDue gives way to the schedule, and nextDueFor says when the next date is.
    const read = readBoard(doc).cases;
    expect(nextDueFor(read.get('past')!, NOW)).toBeNull();
    expect(nextDueFor(read.get('tts')!, NOW)).toBe(at('2022-04-09', 7));
  });

  it('closed cases generate nothing; reopened ones do again', () => {
    const doc = board();
    add(doc, { id: 'c1', category: 'elderlyAlone', medicineUntil: at('2022-04-08') });
    value(closeCase(doc, 'c1', ORIGIN, NOW));
    expect(due(doc)).toEqual([]);
    expect(generateDueCards(doc, NOW, ORIGIN)).toEqual([]);
    expect(readBoard(doc).tasks.size).toBe(0);
    value(reopenCase(doc, 'c1', ORIGIN));
    expect(due(doc).map((c) => c.type).sort()).toEqual(['checkIn', 'medicine']);
  });
});

describe('owners and contents', () => {
  it('go to the case\'s volunteer, else the building lead, else Unassigned when both are off', () => {
    const doc = board();
    add(doc, { id: 'own', category: 'elderlyAlone', room: '101', volunteerId: 'v-care' });
    add(doc, { id: 'lead', category: 'elderlyAlone', room: '102' });
    add(doc, { id: 'off', category: 'elderlyAlone', buildingId: 'b5', room: '103', volunteerId: 'v-off' });
    const owners = Object.fromEntries(due(doc).map((c) => [c.caseId, c.assigneeId]));
    expect(owners).toEqual({ own: 'v-care', lead: 'v-lead', off: null });
    generateDueCards(doc, NOW, ORIGIN);
    const tasks = readBoard(doc).tasks;
    expect(tasks.get(cardTaskId('own:checkIn:2022-04-08'))).toMatchObject({ status: 'assigned', slot: { assigneeId: 'v-care' }, caseId: 'own' });
    expect(tasks.get(cardTaskId('off:checkIn:2022-04-08'))).toMatchObject({ status: 'open', slot: { assigneeId: null } });
  });

  it('carry whom to call and where, never notes, age, emergency contact or hospital-free health details', () => {
    const doc = board();
    add(doc, {
      id: 'p', category: 'dialysis', livesAlone: true, nextDue: at('2022-04-09', 13), age: 77, name: '钱伯伯', phone: '139-0000-0077',
      emergencyContact: '女儿 137-0000-1234', notes: '肾衰竭 糖尿病', hospital: '瑞金医院',
    });
    generateDueCards(doc, NOW, ORIGIN);
    const cards = [...readBoard(doc).tasks.values()];
    expect(cards.map((c) => c.kind).sort()).toEqual(['checkInCall', 'escort']);
    for (const card of cards) {
      expect(card).toMatchObject({ buildingId: 'b3', room: '502', contact: '钱伯伯 139-0000-0077' });
      const text = JSON.stringify(card);
      for (const secret of ['137-0000-1234', '女儿', '肾衰竭']) expect(text).not.toContain(secret);
    }
    expect(cards.find((c) => c.kind === 'escort')!.notes).toBe('医院：瑞金医院');
  });
});

describe('generation is idempotent', () => {
  it('generating twice creates each card once', () => {
    const doc = board();
    add(doc, { id: 'c1', category: 'elderlyAlone', room: '101' });
    add(doc, { id: 'c2', room: '102', medicineUntil: at('2022-04-09') });
    expect(generateDueCards(doc, NOW, ORIGIN)).toHaveLength(2);
    const size = readBoard(doc).tasks.size;
    expect(generateDueCards(doc, NOW + 60_000, ORIGIN)).toEqual([]);
    expect(generateDueCards(doc, NOW + 3_600_000, ORIGIN)).toEqual([]);
    expect(readBoard(doc).tasks.size).toBe(size);
    // The next day brings the next check-in call (yesterday's was done).
    const first = cardTaskId('c1:checkIn:2022-04-08');
    doc.getMap('tasks').get(first) instanceof Y.Map && (doc.getMap('tasks').get(first) as Y.Map<unknown>).set('status', 'done');
    expect(generateDueCards(doc, at('2022-04-09', 8), ORIGIN)).toEqual([cardTaskId('c1:checkIn:2022-04-09')]);
  });

  it('a record under a card\'s key that no longer parses is left for a lead, not overwritten', () => {
    const doc = board();
    add(doc, { id: 'c1', category: 'elderlyAlone', room: '101' });
    const key = cardTaskId('c1:checkIn:2022-04-08');
    const broken = new Y.Map<unknown>([['title', '坏掉的卡片'], ['contact', '原来的联系人']]);
    doc.getMap('tasks').set(key, broken);
    expect(readBoard(doc).problems.map((p) => p.id)).toContain(key);
    expect(generateDueCards(doc, NOW, ORIGIN)).toEqual([]);
    expect((doc.getMap('tasks').get(key) as Y.Map<unknown>).toJSON()).toEqual({ title: '坏掉的卡片', contact: '原来的联系人' });
  });

  it('two lead browsers generating at once converge on one card per key', () => {
    const a = board(1);
    add(a, { id: 'c1', category: 'elderlyAlone', room: '101' });
    add(a, { id: 'c2', category: 'dialysis', room: '102', nextDue: at('2022-04-08', 13) });
    const b = new Y.Doc();
    b.clientID = 2;
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    // Offline from each other, both generate (b a minute later), then they sync.
    const fromA = generateDueCards(a, NOW, ORIGIN);
    const fromB = generateDueCards(b, NOW + 60_000, ORIGIN);
    expect(fromA.sort()).toEqual(fromB.sort());
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    for (const doc of [a, b]) {
      const tasks = [...readBoard(doc).tasks.values()];
      expect(tasks).toHaveLength(2);
      expect(new Set(tasks.map((t) => `${t.caseId}:${t.kind}`)).size).toBe(2);
    }
    expect(JSON.stringify(a.getMap('tasks').toJSON())).toBe(JSON.stringify(b.getMap('tasks').toJSON()));
    expect(generateDueCards(a, NOW, ORIGIN)).toEqual([]);
  });

  it('open work for the household already covers it; a cancelled card is not made again', () => {
    const doc = board();
    add(doc, { id: 'c1', room: '502', medicineUntil: at('2022-04-09') });
    // A resident's request for that household's medicine, made by hand before the registry.
    value(createTask(doc, { title: '3号502 需要药', kind: 'request', need: 'medicine', priority: 'high', buildingId: 'b3', room: '502' }, ORIGIN, NOW));
    expect(due(doc)).toEqual([]);
    const doc2 = board();
    add(doc2, { id: 'c1', category: 'elderlyAlone' });
    const [id] = generateDueCards(doc2, NOW, ORIGIN);
    (doc2.getMap('tasks').get(id!) as Y.Map<unknown>).set('status', 'cancelled');
    expect(generateDueCards(doc2, NOW + 60_000, ORIGIN)).toEqual([]);
  });
});

describe('registry mutations', () => {
  it('add, edit and close write one transaction each and keep other fields', () => {
    const doc = board();
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    const id = value(addCase(doc, { name: '孙阿姨', category: 'elderlyAlone', buildingId: 'b3', room: '302', livesAlone: true }, ORIGIN));
    value(editCase(doc, id, { phone: '139-0000-0302', medicine: '降压药', medicineUntil: at('2022-04-10') }, ORIGIN));
    value(closeCase(doc, id, ORIGIN, NOW));
    expect(updates).toHaveLength(3);
    expect(value(readRecord(doc, 'cases', id))).toMatchObject({
      name: '孙阿姨', room: '302', livesAlone: true, phone: '139-0000-0302', medicine: '降压药', closed: true, closedAt: NOW,
    });
  });

  it('refuses bad input and unknown links, writing nothing', () => {
    const doc = board();
    const before = Y.encodeStateAsUpdate(doc);
    expect(addCase(doc, { name: '', category: 'elderlyAlone' }, ORIGIN)).toMatchObject({ ok: false, code: 'invalid' });
    expect(addCase(doc, { name: '甲', category: 'astronaut' as never }, ORIGIN)).toMatchObject({ ok: false, code: 'invalid' });
    expect(addCase(doc, { name: '甲', category: 'infant', buildingId: 'nope' }, ORIGIN)).toMatchObject({ ok: false, code: 'notFound' });
    expect(addCase(doc, { name: '甲', category: 'infant', volunteerId: 'nope' }, ORIGIN)).toMatchObject({ ok: false, code: 'notFound' });
    const id = value(addCase(doc, { name: '甲', category: 'infant' }, ORIGIN));
    const after = Y.encodeStateAsUpdate(doc);
    expect(editCase(doc, id, { dialysisDays: [9] }, ORIGIN)).toMatchObject({ ok: false, code: 'invalid' });
    expect(editCase(doc, id, { closed: true } as never, ORIGIN)).toMatchObject({ ok: false, code: 'invalid' });
    expect(editCase(doc, 'nope', { notes: 'x' }, ORIGIN)).toMatchObject({ ok: false, code: 'notFound' });
    expect(Y.encodeStateAsUpdate(doc)).toEqual(after);
    expect(after.length).toBeGreaterThan(before.length);
  });
});
