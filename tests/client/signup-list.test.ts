// The pending list's pure parts: which rows a filter shows, duplicate flags, and shift-click ranges.
import { describe, expect, it } from 'vitest';
import { DEFAULT_FILTERS, clickSelection, pendingCount, signupRows } from '../../client/lib/signup-list.svelte.js';
import type { Applicant, Volunteer, WithId } from '../../shared/schema.js';

const applicant = (id: string, over: Partial<Applicant> = {}): WithId<Applicant> => ({
  id, name: `报名${id}`, phone: `1370000000${id.length}`, buildingId: 'b3', room: '502', skills: [], availability: ['allDay'],
  note: '', status: 'pending', createdAt: 0, updatedAt: 0, decidedAt: null, volunteerId: null, ...over,
});
const volunteer = (id: string, phone: string): WithId<Volunteer> => ({
  id, name: `志愿者${id}`, phone, team: 'floating', skills: [], buildingIds: [], role: 'floating', health: 'eligible', onDuty: false, rank: 'a0',
});

describe('signupRows', () => {
  const list = [
    applicant('c', { createdAt: 3, phone: '139 0000 0003', skills: ['medical'] }),
    applicant('a', { createdAt: 1, phone: '139-0000-0001', buildingId: 'b12' }),
    applicant('b', { createdAt: 2, phone: '13900000002', status: 'held' }),
    applicant('d', { createdAt: 4, phone: '13900000004', status: 'approved', volunteerId: 'v4' }),
  ];
  const volunteers = [volunteer('v1', '+86 13900000001'), volunteer('v4', '13900000004')];
  const ids = (rows: { id: string }[]) => rows.map((r) => r.id);

  it('shows pending first come first served, by default', () => {
    expect(ids(signupRows(list, volunteers, DEFAULT_FILTERS))).toEqual(['a', 'c']);
    expect(ids(signupRows(list, volunteers, { ...DEFAULT_FILTERS, status: 'all' }))).toEqual(['a', 'b', 'c', 'd']);
    expect(ids(signupRows(list, volunteers, { ...DEFAULT_FILTERS, status: 'held' }))).toEqual(['b']);
    expect(pendingCount(list)).toBe(2);
  });

  it('filters by building and skill', () => {
    expect(ids(signupRows(list, volunteers, { ...DEFAULT_FILTERS, buildingId: 'b12' }))).toEqual(['a']);
    expect(ids(signupRows(list, volunteers, { ...DEFAULT_FILTERS, skill: 'medical' }))).toEqual(['c']);
  });

  it('flags an undecided sign-up whose phone a volunteer already has; the approved one is not its own duplicate', () => {
    const rows = signupRows(list, volunteers, { ...DEFAULT_FILTERS, status: 'all' });
    expect(rows.find((r) => r.id === 'a')!.duplicate?.id).toBe('v1');
    expect(rows.find((r) => r.id === 'd')!.duplicate).toBeNull();
    expect(ids(signupRows(list, volunteers, { ...DEFAULT_FILTERS, status: 'all', duplicatesOnly: true }))).toEqual(['a']);
  });
});

describe('clickSelection', () => {
  const order = ['a', 'b', 'c', 'd', 'e'];

  it('a click toggles one', () => {
    expect([...clickSelection(new Set(), null, 'b', order, false)]).toEqual(['b']);
    expect([...clickSelection(new Set(['b']), 'b', 'b', order, false)]).toEqual([]);
  });

  it('a shift-click sets the range from the last click the way the last click left it, either direction', () => {
    expect([...clickSelection(new Set(['b']), 'b', 'd', order, true)].sort()).toEqual(['b', 'c', 'd']);
    expect([...clickSelection(new Set(['d']), 'd', 'a', order, true)].sort()).toEqual(['a', 'b', 'c', 'd']);
    // The last click unticked b: the range is unticked, the rest stays.
    expect([...clickSelection(new Set(['a', 'c', 'd', 'e']), 'b', 'd', order, true)].sort()).toEqual(['a', 'e']);
  });

  it('a shift-click without a last click, or with it gone from the list, toggles one', () => {
    expect([...clickSelection(new Set(), null, 'c', order, true)]).toEqual(['c']);
    expect([...clickSelection(new Set(['x']), 'x', 'c', order, true)].sort()).toEqual(['c', 'x']);
  });
});
