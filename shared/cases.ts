// The special-needs registry (DOMAIN.md §3.8, §4.7) and the recurring cards it generates: a
// daily check-in call, a medicine run and formula before the supply runs out, an escort before
// dialysis (or chemo, or a pregnancy check-up). A case is personal data and stays on the lead
// board; a card carries only what its volunteer needs to do it (docs/document.md "cases").
import type * as Y from 'yjs';
import { z } from 'zod';
import { getRecord, insertRecord, readBoard, readRecord, recordMap, setFields, type Board } from './doc.js';
import { fail, ok, type Result } from './errors.js';
import { newId } from './ids.js';
import { createTask, type Origin } from './mutations.js';
import { canTakeTasks, isOpenWork } from './rules.js';
import { CaseSchema, type Case, type Need, type Priority, type Task, type TaskKind, type WithId } from './schema.js';

const LOCAL: Origin = { source: 'lead', actor: 'local' };
export const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * Days start at midnight China Standard Time (UTC+8, no daylight saving) wherever the code runs,
 * so the server and every lead's browser agree on which day a card is for (its key).
 */
export const BOARD_UTC_OFFSET_MS = 8 * 60 * 60 * 1000;
/** A medicine run or formula card appears this many days before the supply runs out. */
export const SUPPLY_LEAD_DAYS = 3;
/** An escort card appears this many days before the appointment (the day before, and the day). */
export const ESCORT_LEAD_DAYS = 1;
/** Sessions known only from the weekly schedule are taken to start at 07:00. */
const SESSION_HOUR_MS = 7 * 60 * 60 * 1000;

// ---------------------------------------------------------------- the board's days

/** The board day ('YYYY-MM-DD') a moment falls on. */
export function boardDay(ms: number): string {
  return new Date(ms + BOARD_UTC_OFFSET_MS).toISOString().slice(0, 10);
}

/** Midnight (board time) that starts a board day. */
export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) - BOARD_UTC_OFFSET_MS;
}

function daysBetween(fromMs: number, toMs: number): number {
  return Math.round((dayStart(boardDay(toMs)) - dayStart(boardDay(fromMs))) / DAY_MS);
}

function weekday(ms: number): number {
  return new Date(ms + BOARD_UTC_OFFSET_MS).getUTCDay();
}

// ---------------------------------------------------------------- due rules

export type CardType = 'checkIn' | 'medicine' | 'formula' | 'escort';

export interface DueCard {
  /** caseId:type:day — one card per key, however often or wherever it is generated. */
  key: string;
  taskId: string;
  caseId: string;
  type: CardType;
  /** The board day the card is for: today (check-in), the supply's last day, the appointment. */
  day: string;
  kind: TaskKind;
  need: Need | undefined;
  title: string;
  priority: Priority;
  buildingId: string | null;
  room: string;
  /** The volunteer it goes to (the case's 包干 volunteer, else the building's lead), or null. */
  assigneeId: string | null;
  contact: string;
  notes: string;
  dueAt: number | null;
}

const KIND: Record<CardType, TaskKind> = { checkIn: 'checkInCall', medicine: 'medicineRun', formula: 'supplyDelivery', escort: 'escort' };
const NEED: Record<CardType, Need | undefined> = { checkIn: undefined, medicine: 'medicine', formula: 'infantFormula', escort: 'urgentMedical' };
/** Open work that already does what a card would (a resident's request, a hand-made card). */
const SAME_WORK: Record<CardType, (task: Task) => boolean> = {
  checkIn: (task) => task.kind === 'checkInCall',
  medicine: (task) => task.kind === 'medicineRun' || task.need === 'medicine',
  formula: (task) => task.need === 'infantFormula',
  escort: (task) => task.kind === 'escort',
};
const ESCORTED = new Set<Case['category']>(['dialysis', 'chemo', 'pregnant']);

/** Whether the case gets a daily check-in call. */
export function wantsCheckIn(c: Case): boolean {
  if (c.checkIn === 'daily' || c.checkIn === 'none') return c.checkIn === 'daily';
  return c.livesAlone || c.category === 'elderlyAlone' || c.category === 'mentalHealth';
}

/** The day the medicine runs out. Older records (before `medicineUntil`) kept it in nextDue. */
export function medicineUntil(c: Case): number | null {
  if (c.medicineUntil !== undefined) return c.medicineUntil;
  return c.category === 'chronicMeds' ? c.nextDue : null;
}

/** The next appointment needing an escort, today or later: nextDue or the dialysis schedule. */
export function nextAppointment(c: Case, now: number): number | null {
  if (!ESCORTED.has(c.category)) return null;
  const today = dayStart(boardDay(now));
  const candidates: number[] = [];
  if (c.nextDue !== null && c.nextDue >= today) candidates.push(c.nextDue);
  if (c.category === 'dialysis' && c.dialysisDays?.length) {
    for (let d = 0; d < 7; d++) {
      const start = today + d * DAY_MS;
      if (c.dialysisDays.includes(weekday(start))) {
        candidates.push(start + SESSION_HOUR_MS);
        break;
      }
    }
  }
  return candidates.length ? Math.min(...candidates) : null;
}

/** The next date that matters for a case (shown in the registry), or null. */
export function nextDueFor(c: Case, now: number): number | null {
  if (c.closed) return null;
  const appointment = ESCORTED.has(c.category) ? nextAppointment(c, now) : c.nextDue;
  const dates = [medicineUntil(c), c.formulaUntil ?? null, appointment].filter((d): d is number => d !== null);
  return dates.length ? Math.min(...dates) : null;
}

/** A task id derived from the key (two 32-bit FNV-1a hashes), so replicas creating the same card write one record. */
export function cardTaskId(key: string): string {
  return `cc${fnv1a(key, 0x811c9dc5)}${fnv1a(key, 0x01000193)}`;
}

function fnv1a(text: string, seed: number): string {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36).padStart(7, '0');
}

function shortDate(ms: number): string {
  const [, month, date] = boardDay(ms).split('-');
  return `${Number(month)}月${Number(date)}日`;
}

function owner(board: Board, c: Case): string | null {
  const building = c.buildingId ? board.buildings.get(c.buildingId) : undefined;
  for (const id of [c.volunteerId, building?.leadId ?? null]) {
    const volunteer = id ? board.volunteers.get(id) : undefined;
    if (volunteer && canTakeTasks(volunteer)) return id;
  }
  return null;
}

/** Cards a case calls for at `now`, whether or not they exist yet. */
function casesCards(c: WithId<Case>, now: number): DueCard[] {
  if (c.closed) return [];
  const today = boardDay(now);
  const out: DueCard[] = [];
  // Only what the volunteer needs: whom to call and where the door is (DOMAIN.md §3.8: call or
  // visit, collect the 医保卡, deliver door to door); never the notes, age or emergency contact.
  const contact = `${c.name} ${c.phone}`.trim().slice(0, 64);
  const card = (type: CardType, day: string, fields: Pick<DueCard, 'title' | 'priority' | 'dueAt'> & { notes?: string }): void => {
    const key = `${c.id}:${type}:${day}`;
    out.push({
      key, taskId: cardTaskId(key), caseId: c.id, type, day, kind: KIND[type], need: NEED[type],
      buildingId: c.buildingId, room: c.room, assigneeId: null, contact, notes: '', ...fields,
    });
  };
  const supplyPriority = (until: number): Priority => {
    const left = daysBetween(now, until);
    return left <= 0 ? 'urgent' : left <= 1 ? 'high' : 'normal';
  };
  // Without a smartphone (or a phone at all) the check-in is a knock on the door (DOMAIN.md §9).
  if (wantsCheckIn(c)) card('checkIn', today, { title: c.hasSmartphone ? '每日问候电话' : '每日上门问候', priority: 'normal', dueAt: null });
  const medicine = medicineUntil(c);
  if (medicine !== null && daysBetween(now, medicine) <= SUPPLY_LEAD_DAYS) {
    card('medicine', boardDay(medicine), {
      title: `配药：${c.medicine || '常用药'}（${shortDate(medicine)}用完）`, priority: supplyPriority(medicine),
      dueAt: medicine, notes: c.hospital ? `医院：${c.hospital}` : '',
    });
  }
  const formula = c.formulaUntil ?? null;
  if (formula !== null && daysBetween(now, formula) <= SUPPLY_LEAD_DAYS) {
    card('formula', boardDay(formula), {
      title: `奶粉：${c.formula || '婴儿奶粉'}（${shortDate(formula)}用完）`, priority: supplyPriority(formula), dueAt: formula,
    });
  }
  const appointment = nextAppointment(c, now);
  if (appointment !== null && daysBetween(now, appointment) <= ESCORT_LEAD_DAYS) {
    const what = c.category === 'dialysis' ? '血透' : c.category === 'chemo' ? '化疗' : '产检';
    card('escort', boardDay(appointment), {
      title: `${what}陪同就医 ${shortDate(appointment)}`, priority: c.category === 'dialysis' ? 'urgent' : 'high',
      dueAt: appointment, notes: c.hospital ? `医院：${c.hospital}` : '',
    });
  }
  return out;
}

/**
 * The recurring cards due at `now` that do not exist yet. A card is skipped when its key's task
 * exists (in any status: a lead who cancelled today's call is not overruled) or when the case,
 * or its household, already has open work of that kind (a request or a hand-made card).
 */
export function dueCards(board: Board, now: number): DueCard[] {
  // Open work indexed once by case and by household: a board holds thousands of cards.
  const openBy = new Map<string, Task[]>();
  for (const task of board.tasks.values()) {
    if (!isOpenWork(task) || task.status === 'failed') continue;
    const key = task.caseId ? `case:${task.caseId}` : `room:${task.buildingId}/${task.room}`;
    const list = openBy.get(key);
    if (list) list.push(task);
    else openBy.set(key, [task]);
  }
  const out: DueCard[] = [];
  for (const c of board.cases.values()) {
    const assigneeId = owner(board, c);
    const related = [...(openBy.get(`case:${c.id}`) ?? []), ...(c.room ? openBy.get(`room:${c.buildingId}/${c.room}`) ?? [] : [])];
    for (const due of casesCards(c, now)) {
      if (board.tasks.has(due.taskId)) continue;
      if (!related.some(SAME_WORK[due.type])) out.push({ ...due, assigneeId });
    }
  }
  return out;
}

/**
 * Creates the due cards (at most `max`) in one transaction; returns the new task ids. `board` is
 * the doc, read (the server passes its cached copy).
 */
export function generateDueCards(
  doc: Y.Doc, now: number, origin: Origin = LOCAL, board: Board = readBoard(doc), max = Infinity,
): string[] {
  const cards = dueCards(board, now).slice(0, max);
  const created: string[] = [];
  if (cards.length === 0) return created;
  doc.transact(() => {
    for (const due of cards) {
      // A record under the key that does not parse (so `board` left it out) is not overwritten:
      // it is a lead's to repair, and rewriting it would hide what happened.
      if (recordMap(doc, 'tasks').has(due.taskId)) continue;
      const result = createTask(doc, {
        id: due.taskId, title: due.title, kind: due.kind, priority: due.priority, buildingId: due.buildingId,
        room: due.room, notes: due.notes, assigneeId: due.assigneeId, need: due.need, contact: due.contact,
        dueAt: due.dueAt,
      }, origin, now);
      if (!result.ok) continue; // e.g. the building was removed meanwhile: nothing half-written
      getRecord(doc, 'tasks', due.taskId)?.set('caseId', due.caseId);
      created.push(due.taskId);
    }
  }, origin);
  return created;
}

// ---------------------------------------------------------------- registry mutations

function invalid(error: z.ZodError): { ok: false; code: 'invalid'; message: string } {
  const issue = error.issues[0];
  return { ok: false, code: 'invalid', message: issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid' };
}

export const NewCaseInput = CaseSchema.partial({
  room: true, age: true, phone: true, emergencyContact: true, livesAlone: true, hasSmartphone: true,
  volunteerId: true, nextDue: true, notes: true, buildingId: true,
}).omit({ closed: true, closedAt: true }).extend({ id: z.string().min(1).max(64).optional() });
export type NewCase = z.input<typeof NewCaseInput>;

function checkLinks(doc: Y.Doc, c: { buildingId?: string | null; volunteerId?: string | null }): Result {
  if (c.buildingId && !getRecord(doc, 'buildings', c.buildingId)) return fail('notFound', `building ${c.buildingId}`);
  if (c.volunteerId && !getRecord(doc, 'volunteers', c.volunteerId)) return fail('notFound', `volunteer ${c.volunteerId}`);
  return ok();
}

export function addCase(doc: Y.Doc, input: NewCase, origin: Origin = LOCAL): Result<string> {
  const parsed = NewCaseInput.safeParse(input);
  if (!parsed.success) return invalid(parsed.error);
  const { id = newId('c'), ...fields } = parsed.data;
  if (getRecord(doc, 'cases', id)) return fail('invalid', `case ${id} exists`);
  const links = checkLinks(doc, fields);
  if (!links.ok) return links;
  const record: Case = {
    buildingId: null, room: '', age: null, phone: '', emergencyContact: '', livesAlone: false, hasSmartphone: true,
    volunteerId: null, nextDue: null, notes: '', ...fields,
  };
  const checked = CaseSchema.safeParse(record);
  if (!checked.success) return invalid(checked.error);
  doc.transact(() => insertRecord(doc, 'cases', id, checked.data), origin);
  return ok(id);
}

export const CasePatchInput = CaseSchema.omit({ closed: true, closedAt: true }).partial();
export type CasePatch = z.input<typeof CasePatchInput>;

/** Edits the fields given (only those: another lead's edit of other fields stays). */
export function editCase(doc: Y.Doc, id: string, patch: CasePatch, origin: Origin = LOCAL): Result {
  const ymap = getRecord(doc, 'cases', id);
  if (!ymap) return fail('notFound', `case ${id}`);
  const parsed = CasePatchInput.strict().safeParse(patch);
  if (!parsed.success) return invalid(parsed.error);
  const links = checkLinks(doc, parsed.data);
  if (!links.ok) return links;
  const checked = CaseSchema.safeParse({ ...ymap.toJSON(), ...parsed.data });
  if (!checked.success) return invalid(checked.error);
  doc.transact(() => setFields(ymap, parsed.data), origin);
  return ok();
}

/** Closes a case (need met, or the lockdown ended): it stays in the registry, generating nothing. */
export function closeCase(doc: Y.Doc, id: string, origin: Origin = LOCAL, now = Date.now()): Result {
  const ymap = getRecord(doc, 'cases', id);
  const current = readRecord(doc, 'cases', id);
  if (!ymap || !current.ok) return fail('notFound', `case ${id}`);
  if (current.value.closed) return ok();
  doc.transact(() => setFields(ymap, { closed: true, closedAt: now }), origin);
  return ok();
}

/** Reopens a closed case. */
export function reopenCase(doc: Y.Doc, id: string, origin: Origin = LOCAL): Result {
  const ymap = getRecord(doc, 'cases', id);
  if (!ymap) return fail('notFound', `case ${id}`);
  doc.transact(() => setFields(ymap, { closed: false, closedAt: null }), origin);
  return ok();
}
