// Volunteer sign-up (志愿者招募, DOMAIN.md §3.10): residents answer the call through the /j/ link,
// leads screen the pending list and decide many at once. A sign-up is personal data: it lives in
// the document's `applicants` map, which no projection reads.
//
// Duplicates: a second sign-up with the same phone (digits only, +86 dropped), or the same name in
// the same building and room, is the same person. While the first is pending or held, the newer
// skills, availability and note replace the older ones (people correct themselves); name, phone
// and address stay as first given. Once approved or rejected, a repeat changes nothing.
// A sign-up whose phone belongs to a volunteer already on the board is kept, flagged duplicateOf.
import * as Y from 'yjs';
import { z } from 'zod';
import { applicantMap, insertRecord, readApplicant, readMap, recordMap, type YRecord } from './doc.js';
import { fail, ok, type Result } from './errors.js';
import { newId } from './ids.js';
import { keyBetween, sortByRank, type Ranked } from './lanes.js';
import type { Origin } from './mutations.js';
import { normalise as buildingKey } from './requests.js';
import {
  ApplicantSchema, AVAILABILITY, SKILLS, VolunteerSchema,
  type Applicant, type ApplicantStatus, type Volunteer, type WithId,
} from './schema.js';

const unique = <T>(items: T[]) => new Set(items).size === items.length;

/** Full-width digits, letters and signs (a Chinese IME's "１３９－…", "５０２") as plain ASCII. */
function halfWidth(text: string): string {
  return text.replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ');
}
const plain = (max: number) => z.string().transform(halfWidth).pipe(z.string().trim().min(1).max(max));

export const SignupInput = z.object({
  name: z.string().trim().min(1).max(32),
  /** The building's label as the form shows it ("12号"). */
  building: plain(16),
  room: plain(16),
  phone: plain(32).refine((p) => /^[\d\s()+-]+$/.test(p) && /^\d{7,15}$/.test(phoneKey(p)), 'a phone number'),
  skills: z.array(z.enum(SKILLS)).max(SKILLS.length).refine(unique, 'each skill once').default([]),
  availability: z.array(z.enum(AVAILABILITY)).min(1).max(AVAILABILITY.length).refine(unique, 'each time once'),
  note: z.string().trim().max(300).default(''),
}).strict();
export type SignupInput = z.input<typeof SignupInput>;

/** A phone compared by its digits: "+86 138-0000-0001" and "13800000001" are one phone. */
export function phoneKey(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.replace(/^(?:00)?86(?=1\d{10}$)/, '');
}

/** Name and home compared without spaces, case or a trailing 室. */
function personKey(name: string, buildingId: string, room: string): string {
  const squeeze = (s: string) => s.replace(/\s/g, '').toLowerCase();
  return `${squeeze(name)}|${buildingId}|${squeeze(room).replace(/室$/, '')}`;
}

/** "All day" covers the rest, so it is kept alone. */
function availabilityOf(slots: Applicant['availability']): Applicant['availability'] {
  return slots.includes('allDay') ? ['allDay'] : AVAILABILITY.filter((slot) => slots.includes(slot));
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Volunteer ids by phone key, read from raw fields (this runs on every sign-up of a surge). */
function volunteersByPhone(doc: Y.Doc): Map<string, string> {
  const out = new Map<string, string>();
  recordMap(doc, 'volunteers').forEach((ymap, id) => {
    const key = ymap instanceof Y.Map ? phoneKey(text(ymap.get('phone'))) : '';
    if (key && !out.has(key)) out.set(key, id);
  });
  return out;
}

/** The earlier sign-up of this person: same phone, else same name and home. Raw fields, cheapest test first. */
function findApplicant(doc: Y.Doc, phone: string, buildingId: string, person: string): string | null {
  let byPhone: string | null = null;
  let byPerson: string | null = null;
  applicantMap(doc).forEach((ymap, id) => {
    if (byPhone !== null || !(ymap instanceof Y.Map)) return;
    const stored = text(ymap.get('phone'));
    if (stored === phone || phoneKey(stored) === phone) byPhone = id;
    else if (byPerson === null && ymap.get('buildingId') === buildingId
      && personKey(text(ymap.get('name')), buildingId, text(ymap.get('room'))) === person) byPerson = id;
  });
  return byPhone ?? byPerson;
}

export interface Submitted {
  signupId: string;
  /** True when this person had signed up before (see the top of this file for what changes). */
  duplicate: boolean;
}

export function submitSignup(doc: Y.Doc, raw: unknown, origin: Origin, now = Date.now()): Result<Submitted> {
  const parsed = SignupInput.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail('invalid', issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid sign-up');
  }
  const input = parsed.data;
  const building = [...readMap(doc, 'buildings').values()].find((b) => buildingKey(b.label) === buildingKey(input.building));
  if (!building) return fail('notFound', `building ${input.building}`);
  const phone = phoneKey(input.phone);
  const availability = availabilityOf(input.availability);

  const existingId = findApplicant(doc, phone, building.id, personKey(input.name, building.id, input.room));
  if (existingId) {
    const existing = readApplicant(doc, existingId);
    if (existing.ok && (existing.value.status === 'pending' || existing.value.status === 'held')) {
      const ymap = applicantMap(doc).get(existingId)!;
      doc.transact(() => {
        ymap.set('skills', input.skills);
        ymap.set('availability', availability);
        if (input.note) ymap.set('note', input.note);
        ymap.set('updatedAt', now);
      }, origin);
    }
    return ok({ signupId: existingId, duplicate: true });
  }

  const applicant: Applicant = {
    name: input.name, phone: input.phone, buildingId: building.id, room: input.room,
    skills: input.skills, availability, note: input.note,
    status: 'pending', createdAt: now, updatedAt: now, decidedAt: null, volunteerId: null,
    duplicateOf: volunteersByPhone(doc).get(phone) ?? null,
  };
  const checked = ApplicantSchema.safeParse(applicant);
  if (!checked.success) return fail('invalid', checked.error.issues[0]?.message ?? 'invalid sign-up');
  const signupId = newId('s');
  doc.transact(() => insertApplicant(doc, signupId, checked.data), origin);
  return ok({ signupId, duplicate: false });
}

function insertApplicant(doc: Y.Doc, id: string, applicant: Applicant): void {
  const ymap = new Y.Map<unknown>();
  for (const [key, value] of Object.entries(applicant)) if (value !== undefined) ymap.set(key, value);
  applicantMap(doc).set(id, ymap);
}

export const DECISIONS = ['approve', 'hold', 'reject'] as const;
export type Decision = (typeof DECISIONS)[number];
const STATUS_AFTER: Record<Decision, ApplicantStatus> = { approve: 'approved', hold: 'held', reject: 'rejected' };

/** A lead may still decide a pending or held sign-up; approved and rejected are final. */
export function isUndecided(status: ApplicantStatus): boolean {
  return status === 'pending' || status === 'held';
}

const DecideInput = z.object({
  ids: z.array(z.string().min(1).max(64)).min(1).max(5_000).refine(unique, 'each id once'),
  decision: z.enum(DECISIONS),
});

export interface Decided {
  /** Volunteer ids approved sign-ups became, in the order of `ids` (approve only). */
  volunteerIds: string[];
}

/**
 * Decides a whole selection in one transaction. Any unknown or already-decided id refuses the
 * batch (its ids named in the message) and writes nothing. Approving creates each volunteer:
 * floating team and role, their own building (a sealed building's residents cannot leave it),
 * health untested, off duty, at the end of the volunteer order. A sign-up whose phone is already a
 * volunteer's is linked to that volunteer instead of creating a second one.
 */
export function decideSignups(
  doc: Y.Doc, ids: string[], decision: Decision, origin: Origin, now = Date.now(),
): Result<Decided> {
  const parsed = DecideInput.safeParse({ ids, decision });
  if (!parsed.success) return fail('invalid', parsed.error.issues[0]?.message ?? 'invalid decision');
  const applicants: WithId<Applicant>[] = [];
  const missing: string[] = [];
  const decided: string[] = [];
  for (const id of ids) {
    const result = readApplicant(doc, id);
    if (!result.ok) missing.push(id);
    else if (!isUndecided(result.value.status)) decided.push(id);
    else applicants.push(result.value);
  }
  const list = (some: string[]) => some.slice(0, 10).join(', ') + (some.length > 10 ? ` … (${some.length})` : '');
  if (missing.length > 0) return fail('notFound', `sign-ups not found: ${list(missing)}`);
  if (decided.length > 0) return fail('illegalTransition', `already decided: ${list(decided)}`);

  const volunteers = new Map<string, { id: string; record: Volunteer | null }>();
  if (decision === 'approve') {
    const phones = volunteersByPhone(doc);
    let rank = lastVolunteerRank(doc);
    for (const a of applicants) {
      const existing = phones.get(phoneKey(a.phone));
      if (existing) {
        volunteers.set(a.id, { id: existing, record: null });
        continue;
      }
      const record = VolunteerSchema.safeParse({
        name: a.name, phone: a.phone, team: 'floating', skills: a.skills,
        buildingIds: recordMap(doc, 'buildings').has(a.buildingId) ? [a.buildingId] : [],
        role: 'floating', health: 'untested', onDuty: false, rank: (rank = keyBetween(rank, null)),
      });
      if (!record.success) return fail('invalid', `sign-up ${a.id}: ${record.error.issues[0]?.message}`);
      volunteers.set(a.id, { id: newId('v'), record: record.data });
    }
  }

  doc.transact(() => {
    for (const a of applicants) {
      const ymap = applicantMap(doc).get(a.id) as YRecord;
      ymap.set('status', STATUS_AFTER[decision]);
      ymap.set('decidedAt', now);
      ymap.set('updatedAt', now);
      const volunteer = volunteers.get(a.id);
      if (!volunteer) continue;
      if (volunteer.record) insertRecord(doc, 'volunteers', volunteer.id, volunteer.record);
      ymap.set('volunteerId', volunteer.id);
    }
  }, origin);
  return ok({ volunteerIds: applicants.flatMap((a) => volunteers.get(a.id)?.id ?? []) });
}

function lastVolunteerRank(doc: Y.Doc): string | null {
  const ranked: Ranked[] = [];
  recordMap(doc, 'volunteers').forEach((ymap, id) => {
    const rank = ymap instanceof Y.Map ? ymap.get('rank') : undefined;
    if (typeof rank === 'string') ranked.push({ id, rank });
  });
  return sortByRank(ranked).at(-1)?.rank ?? null;
}
