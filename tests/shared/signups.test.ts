// Volunteer sign-ups on an in-memory Y.Doc: submission, duplicates by phone and by name + room,
// bulk decisions in one transaction, and batches refused whole.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applicantMap, readApplicant, readApplicants, readBoard, readRecord } from '../../shared/doc.js';
import { addBuilding, addVolunteer, type Origin } from '../../shared/mutations.js';
import { decideSignups, phoneKey, submitSignup, type SignupInput } from '../../shared/signups.js';

const ORIGIN: Origin = { source: 'system', actor: 'intake' };
const LEAD: Origin = { source: 'lead', actor: '王书记' };
const T0 = 1_650_000_000_000;

function value<T>(result: { ok: true; value: T } | { ok: false; message: string; code?: string }): T {
  if (!result.ok) throw new Error(`${result.code ?? 'failed'}: ${result.message}`);
  return result.value;
}

function newBoard(): Y.Doc {
  const doc = new Y.Doc();
  value(addBuilding(doc, { id: 'b3', label: '3号' }));
  value(addBuilding(doc, { id: 'b12', label: '12号' }));
  value(addVolunteer(doc, { id: 'v1', name: '李明', phone: '138-0000-0001', health: 'eligible' }));
  return doc;
}

const form = (extra: Partial<SignupInput> = {}): SignupInput => ({
  name: '陈静', building: '3号', room: '502', phone: '139 1234 5678',
  skills: ['medical'], availability: ['morning', 'evening'], note: '护士，夜班可以', ...extra,
});

function submit(doc: Y.Doc, extra: Partial<SignupInput> = {}, now = T0) {
  return value(submitSignup(doc, form(extra), ORIGIN, now));
}

describe('submitSignup', () => {
  it('stores a pending applicant with its building resolved by label', () => {
    const doc = newBoard();
    const { signupId, duplicate } = submit(doc, { building: '3号楼' });
    expect(duplicate).toBe(false);
    expect(value(readApplicant(doc, signupId))).toEqual({
      id: signupId, name: '陈静', phone: '139 1234 5678', buildingId: 'b3', room: '502', skills: ['medical'],
      availability: ['morning', 'evening'], note: '护士，夜班可以', status: 'pending',
      createdAt: T0, updatedAt: T0, decidedAt: null, volunteerId: null, duplicateOf: null,
    });
    // Personal data stays out of the board every projection is built from.
    expect(JSON.stringify([...readBoard(doc).volunteers.values(), ...readBoard(doc).tasks.values()])).not.toContain('陈静');
  });

  it('keeps "all day" alone and orders the other times', () => {
    const doc = newBoard();
    const a = submit(doc, { availability: ['evening', 'allDay'] });
    const b = submit(doc, { name: '周强', phone: '13700000000', availability: ['night', 'morning'] });
    expect(value(readApplicant(doc, a.signupId)).availability).toEqual(['allDay']);
    expect(value(readApplicant(doc, b.signupId)).availability).toEqual(['morning', 'night']);
  });

  it('refuses bad input and unknown buildings, writing nothing', () => {
    const doc = newBoard();
    const before = Y.encodeStateVector(doc);
    const bad: [unknown, string][] = [
      [form({ name: '' }), 'invalid'],
      [form({ phone: 'call me' }), 'invalid'],
      [form({ phone: '12345' }), 'invalid'],
      [form({ availability: [] }), 'invalid'],
      [form({ skills: ['cooking' as 'medical'] }), 'invalid'],
      [form({ skills: ['it', 'it'] }), 'invalid'],
      [{ ...form(), status: 'approved' }, 'invalid'],
      [form({ building: '99号' }), 'notFound'],
      [null, 'invalid'],
    ];
    for (const [input, code] of bad) {
      const result = submitSignup(doc, input, ORIGIN, T0);
      expect(result.ok ? 'ok' : result.code, JSON.stringify(input)).toBe(code);
    }
    expect(Y.encodeStateVector(doc)).toEqual(before);
    expect(applicantMap(doc).size).toBe(0);
  });

  it('a repeat from the same phone (any format) updates skills, availability and note, not identity', () => {
    const doc = newBoard();
    const first = submit(doc);
    const again = submit(doc, { name: '陈 静静', room: '601', phone: '+86 139-1234-5678', skills: ['medical', 'driving'], availability: ['allDay'], note: '' }, T0 + 1000);
    expect(again).toEqual({ signupId: first.signupId, duplicate: true });
    expect(applicantMap(doc).size).toBe(1);
    expect(value(readApplicant(doc, first.signupId))).toMatchObject({
      name: '陈静', room: '502', phone: '139 1234 5678', skills: ['medical', 'driving'], availability: ['allDay'],
      note: '护士，夜班可以', updatedAt: T0 + 1000, createdAt: T0,
    });
  });

  it('the same name in the same building and room is a repeat, whatever the phone', () => {
    const doc = newBoard();
    const first = submit(doc);
    const again = submit(doc, { name: ' 陈静 ', building: '3', room: '502室', phone: '13911112222', note: '换了号码' });
    expect(again).toEqual({ signupId: first.signupId, duplicate: true });
    expect(value(readApplicant(doc, first.signupId))).toMatchObject({ phone: '139 1234 5678', note: '换了号码' });
    // Same name in another room is another person.
    expect(submit(doc, { phone: '13911113333', room: '503' }).duplicate).toBe(false);
  });

  it('after a decision a repeat changes nothing', () => {
    const doc = newBoard();
    const { signupId } = submit(doc);
    value(decideSignups(doc, [signupId], 'reject', LEAD, T0 + 1));
    const before = Y.encodeStateAsUpdate(doc);
    expect(submit(doc, { skills: ['it'] })).toEqual({ signupId, duplicate: true });
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
    expect(value(readApplicant(doc, signupId)).status).toBe('rejected');
  });

  it('flags a sign-up whose phone is already a volunteer\'s', () => {
    const doc = newBoard();
    const { signupId, duplicate } = submit(doc, { name: '李明', phone: '13800000001' });
    expect(duplicate).toBe(false);
    expect(value(readApplicant(doc, signupId)).duplicateOf).toBe('v1');
  });

  it('reads full-width digits from a Chinese keyboard as plain ones', () => {
    const doc = newBoard();
    const { signupId } = submit(doc, { building: '３号', room: '５０２', phone: '１３９－１２３４－５６７８' });
    expect(value(readApplicant(doc, signupId))).toMatchObject({ buildingId: 'b3', room: '502', phone: '139-1234-5678' });
    expect(submit(doc, { phone: '13912345678' })).toEqual({ signupId, duplicate: true });
  });

  it('normalises phones to their digits, dropping the country code', () => {
    expect(phoneKey('+86 138-0000-0001')).toBe('13800000001');
    expect(phoneKey('008613800000001')).toBe('13800000001');
    expect(phoneKey('021-6543 2100')).toBe('02165432100');
  });
});

describe('decideSignups', () => {
  function pending(doc: Y.Doc, count: number): string[] {
    return Array.from({ length: count }, (_, i) => submit(doc, {
      name: `志愿者${i}`, phone: `1370000${String(i).padStart(4, '0')}`, room: `${100 + i}`,
      building: i % 2 ? '3号' : '12号', skills: i % 3 ? [] : ['lifting'],
    }).signupId);
  }

  it('approves a selection in one transaction: a volunteer for each, at the end of the order', () => {
    const doc = newBoard();
    const ids = pending(doc, 40);
    let transactions = 0;
    doc.on('afterTransaction', () => transactions++);
    const { volunteerIds } = value(decideSignups(doc, ids, 'approve', LEAD, T0 + 5));
    expect(transactions).toBe(1);
    expect(volunteerIds).toHaveLength(40);
    expect(new Set(volunteerIds).size).toBe(40);
    const board = readBoard(doc);
    expect(board.problems).toEqual([]);
    expect(board.volunteers.size).toBe(41);
    const first = board.volunteers.get(volunteerIds[0]!)!;
    expect(first).toMatchObject({
      name: '志愿者0', phone: '13700000000', team: 'floating', role: 'floating', health: 'untested', onDuty: false,
      skills: ['lifting'], buildingIds: ['b12'],
    });
    // In the order approved, after the volunteers already there.
    const order = [...board.volunteers.values()].sort((a, b) => (a.rank < b.rank ? -1 : 1)).map((v) => v.id);
    expect(order).toEqual(['v1', ...volunteerIds]);
    ids.forEach((id, i) => expect(value(readApplicant(doc, id))).toMatchObject({ status: 'approved', decidedAt: T0 + 5, volunteerId: volunteerIds[i] }));
  });

  it('links an approved sign-up to the volunteer who already has that phone', () => {
    const doc = newBoard();
    const { signupId } = submit(doc, { name: '李明', phone: '13800000001' });
    expect(value(decideSignups(doc, [signupId], 'approve', LEAD))).toEqual({ volunteerIds: ['v1'] });
    expect(readBoard(doc).volunteers.size).toBe(1);
    expect(value(readApplicant(doc, signupId)).volunteerId).toBe('v1');
  });

  it('hold and reject change only the status; a held sign-up can still be approved', () => {
    const doc = newBoard();
    const [a, b] = pending(doc, 2) as [string, string];
    value(decideSignups(doc, [a], 'hold', LEAD, T0 + 1));
    value(decideSignups(doc, [b], 'reject', LEAD, T0 + 2));
    expect(value(readApplicant(doc, a))).toMatchObject({ status: 'held', decidedAt: T0 + 1, volunteerId: null });
    expect(value(readApplicant(doc, b))).toMatchObject({ status: 'rejected', volunteerId: null });
    expect(readBoard(doc).volunteers.size).toBe(1);
    expect(value(decideSignups(doc, [a], 'approve', LEAD)).volunteerIds).toHaveLength(1);
  });

  it('refuses the whole batch when one id is unknown or already decided, writing nothing', () => {
    const doc = newBoard();
    const ids = pending(doc, 5);
    value(decideSignups(doc, [ids[4]!], 'approve', LEAD));
    const before = Y.encodeStateAsUpdate(doc);
    const unknown = decideSignups(doc, [ids[0]!, 'nope', ids[1]!], 'approve', LEAD);
    expect(unknown).toMatchObject({ ok: false, code: 'notFound' });
    expect(!unknown.ok && unknown.message).toContain('nope');
    const decided = decideSignups(doc, [ids[0]!, ids[4]!], 'reject', LEAD);
    expect(decided).toMatchObject({ ok: false, code: 'illegalTransition' });
    expect(!decided.ok && decided.message).toContain(ids[4]);
    expect(decideSignups(doc, [], 'approve', LEAD)).toMatchObject({ ok: false, code: 'invalid' });
    expect(decideSignups(doc, [ids[0]!, ids[0]!], 'approve', LEAD)).toMatchObject({ ok: false, code: 'invalid' });
    expect(decideSignups(doc, [ids[0]!], 'promote' as 'approve', LEAD)).toMatchObject({ ok: false, code: 'invalid' });
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
    expect(readApplicants(doc).get(ids[0]!)!.status).toBe('pending');
    expect(readBoard(doc).volunteers.size).toBe(2);
  });

  it('two leads approving one sign-up offline converge, and it points at a volunteer that exists', () => {
    // Each replica checks its own state, so two offline approvals of one sign-up each create a
    // volunteer (same phone); the documents still agree on the sign-up.
    const a = newBoard();
    const ids = pending(a, 1);
    const b = new Y.Doc();
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    value(decideSignups(a, ids, 'approve', LEAD));
    value(decideSignups(b, ids, 'approve', { source: 'lead', actor: '张主任' }));
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(a.getMap('applicants').toJSON()).toEqual(b.getMap('applicants').toJSON());
    const applicant = value(readApplicant(a, ids[0]!));
    expect(applicant.status).toBe('approved');
    expect(readRecord(a, 'volunteers', applicant.volunteerId!).ok).toBe(true);
  });
});
