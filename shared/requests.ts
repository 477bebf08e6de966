// A resident's request from the public form (DESIGN.md "Public intake"): checked, de-duplicated
// per household and need, and turned into a card in Unassigned (urgent ones on top).
import type * as Y from 'yjs';
import { z } from 'zod';
import { readMap, getRecord } from './doc.js';
import { fail, ok, type Result } from './errors.js';
import { createTask, type Origin } from './mutations.js';
import { NEEDS, URGENCIES, type Need, type Priority, type TaskKind } from './schema.js';

export const RequestInput = z.object({
  building: z.string().trim().min(1).max(16),
  room: z.string().trim().min(1).max(16),
  need: z.enum(NEEDS),
  urgency: z.enum(URGENCIES),
  contact: z.string().trim().max(64).default(''),
  text: z.string().trim().max(500).default(''),
}).strict();
export type RequestInput = z.input<typeof RequestInput>;

const KIND: Record<Need, TaskKind> = {
  medicine: 'medicineRun', urgentMedical: 'escort', food: 'supplyDelivery', infantFormula: 'supplyDelivery',
  parcel: 'parcelRun', testing: 'doorSampling', garbage: 'garbageRound', translation: 'translation', psych: 'checkInCall',
  other: 'request',
};
const NEED_LABEL: Record<Need, string> = {
  medicine: '需要配药', urgentMedical: '紧急就医', food: '缺少食物', infantFormula: '需要婴儿奶粉', parcel: '快递查询',
  testing: '核酸/抗原', garbage: '垃圾未收', translation: '需要翻译', psych: '心理疏导', other: '其他求助',
};
const PRIORITY: Record<(typeof URGENCIES)[number], Priority> = { p0: 'urgent', p1: 'high', p2: 'normal' };

/** "12号" and "12" and "12号楼" name the same building. */
export function normalise(label: string): string {
  return label.replace(/\s/g, '').replace(/号楼?$|栋$|幢$/, '');
}

export interface Submitted {
  taskId: string;
  /** True when an open card for the same household and need already existed and was updated. */
  merged: boolean;
}

export function submitRequest(doc: Y.Doc, raw: unknown, origin: Origin, now = Date.now()): Result<Submitted> {
  const parsed = RequestInput.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail('invalid', issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid request');
  }
  const input = parsed.data;
  const building = [...readMap(doc, 'buildings').values()].find((b) => normalise(b.label) === normalise(input.building));
  if (!building) return fail('notFound', `building ${input.building}`);
  const note = input.text;
  // The same household asking again for the same thing: one card, with the newest words and urgency.
  const open = [...readMap(doc, 'tasks').values()].find((t) => t.buildingId === building.id && t.room === input.room
    && t.need === input.need && t.status !== 'done' && t.status !== 'cancelled');
  if (open) {
    const ymap = getRecord(doc, 'tasks', open.id)!;
    doc.transact(() => {
      if (note && !open.notes.includes(note)) ymap.set('notes', `${open.notes ? `${open.notes}\n` : ''}${note}`.slice(-2000));
      if (PRIORITY[input.urgency] === 'urgent' && open.priority !== 'urgent') ymap.set('priority', 'urgent');
      if (input.contact && !open.contact) ymap.set('contact', input.contact);
      ymap.set('updatedAt', now);
    }, origin);
    return ok({ taskId: open.id, merged: true });
  }
  const created = createTask(doc, {
    title: `${building.label}${input.room} ${NEED_LABEL[input.need]}`,
    kind: KIND[input.need], priority: PRIORITY[input.urgency], buildingId: building.id, room: input.room,
    need: input.need, contact: input.contact, notes: note,
  }, origin, now);
  return created.ok ? ok({ taskId: created.value, merged: false }) : created;
}
