// The lead's pending list of volunteer sign-ups: which rows a filter shows, which are possible
// duplicates of volunteers already on the board, and a selection with shift-click ranges.
import { isUndecided, phoneKey } from '../../shared/signups.js';
import type { Applicant, ApplicantStatus, SKILLS, Volunteer, WithId } from '../../shared/schema.js';

export interface SignupFilters {
  status: ApplicantStatus | 'all';
  buildingId: string;
  skill: (typeof SKILLS)[number] | '';
  duplicatesOnly: boolean;
}

export const DEFAULT_FILTERS: SignupFilters = { status: 'pending', buildingId: '', skill: '', duplicatesOnly: false };

export interface SignupRow extends WithId<Applicant> {
  /** A volunteer already on the board this sign-up may be (same phone), while undecided. */
  duplicate: WithId<Volunteer> | null;
}

/** The rows a filter shows, first come first served. */
export function signupRows(
  applicants: Iterable<WithId<Applicant>>, volunteers: Iterable<WithId<Volunteer>>, filters: SignupFilters,
): SignupRow[] {
  const byPhone = new Map<string, WithId<Volunteer>>();
  for (const v of volunteers) {
    const key = phoneKey(v.phone);
    if (key && !byPhone.has(key)) byPhone.set(key, v);
  }
  const rows: SignupRow[] = [];
  for (const a of applicants) {
    if (filters.status !== 'all' && a.status !== filters.status) continue;
    if (filters.buildingId && a.buildingId !== filters.buildingId) continue;
    if (filters.skill && !a.skills.includes(filters.skill)) continue;
    const duplicate = isUndecided(a.status) ? byPhone.get(phoneKey(a.phone)) ?? null : null;
    if (filters.duplicatesOnly && !duplicate) continue;
    rows.push({ ...a, duplicate });
  }
  return rows.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
}

export function pendingCount(applicants: Iterable<WithId<Applicant>>): number {
  let count = 0;
  for (const a of applicants) if (a.status === 'pending') count++;
  return count;
}

/**
 * The selection after a click on `id`. `order`: the selectable ids as the list shows them (across
 * pages). A shift-click sets the whole range from the last click to this one the way the last
 * clicked one is; a plain click toggles one.
 */
export function clickSelection(
  selected: ReadonlySet<string>, anchor: string | null, id: string, order: string[], shift: boolean,
): Set<string> {
  const next = new Set(selected);
  const from = shift && anchor !== null ? order.indexOf(anchor) : -1;
  const to = order.indexOf(id);
  if (from === -1 || to === -1) {
    if (next.has(id)) next.delete(id);
    else next.add(id);
    return next;
  }
  const on = selected.has(anchor!);
  for (const between of order.slice(Math.min(from, to), Math.max(from, to) + 1)) {
    if (on) next.add(between);
    else next.delete(between);
  }
  return next;
}

/** Which sign-ups are ticked. Only undecided ones can be (the caller's `order`). */
export class SignupSelection {
  ids = $state.raw<ReadonlySet<string>>(new Set());
  private anchor: string | null = null;

  click(id: string, order: string[], shift: boolean): void {
    this.ids = clickSelection(this.ids, this.anchor, id, order, shift);
    this.anchor = id;
  }

  set(ids: Iterable<string>): void {
    this.ids = new Set(ids);
    this.anchor = null;
  }

  clear(): void {
    this.set([]);
  }
}
