// What a volunteer's phone may ask for. Each command is zod-checked on arrival, carries a
// commandId (the phone resends until acknowledged; a repeat is answered, never re-applied) and
// is applied with the same shared mutations the lead board uses.
import type * as Y from 'yjs';
import { z } from 'zod';
import { getRecord, readRecord } from './doc.js';
import { fail, ok, type ErrorCode, type Result } from './errors.js';
import { editVolunteer, type Origin } from './mutations.js';
import { isAvailable } from './rules.js';
import { HEALTH_STATES, type TaskStatus } from './schema.js';

export const CANT_DO_REASONS = ['noAnswer', 'notHome', 'needsPass', 'needsVehicle', 'unsafe', 'other'] as const;

const commandId = z.string().min(8).max(64).regex(/^[A-Za-z0-9_-]+$/);
const taskId = z.string().min(1).max(64);

export const VolunteerCommand = z.discriminatedUnion('type', [
  z.object({ type: z.literal('task.accept'), commandId, taskId }).strict(),
  z.object({ type: z.literal('task.start'), commandId, taskId }).strict(),
  z.object({ type: z.literal('task.done'), commandId, taskId, note: z.string().max(500).optional() }).strict(),
  z.object({
    type: z.literal('task.cantDo'), commandId, taskId, reason: z.enum(CANT_DO_REASONS), note: z.string().max(500).optional(),
  }).strict(),
  z.object({ type: z.literal('shift.checkIn'), commandId }).strict(),
  z.object({ type: z.literal('shift.checkOut'), commandId }).strict(),
  z.object({ type: z.literal('health.report'), commandId, health: z.enum(HEALTH_STATES) }).strict(),
]);
export type VolunteerCommand = z.infer<typeof VolunteerCommand>;

export type CommandAck = { ok: true } | { ok: false; code: ErrorCode; message: string };

const TASK_TARGET: Record<'task.accept' | 'task.start' | 'task.done' | 'task.cantDo', { to: TaskStatus; from: TaskStatus[] }> = {
  'task.accept': { to: 'accepted', from: ['assigned'] },
  'task.start': { to: 'inProgress', from: ['assigned', 'accepted'] },
  'task.done': { to: 'done', from: ['assigned', 'accepted', 'inProgress'] },
  'task.cantDo': { to: 'failed', from: ['assigned', 'accepted', 'inProgress'] },
};

const REASON_LABEL: Record<(typeof CANT_DO_REASONS)[number], string> = {
  noAnswer: '无人应答', notHome: '不在家', needsPass: '需要通行证', needsVehicle: '需要车辆', unsafe: '不安全', other: '其他',
};

/**
 * Applies a volunteer's command to the board. Only the volunteer a card is assigned to may act
 * on it; a card already in the asked-for state (a resend) answers ok without writing.
 */
export function applyVolunteerCommand(
  doc: Y.Doc, volunteerId: string, command: VolunteerCommand, origin: Origin, now = Date.now(),
): Result {
  const volunteer = readRecord(doc, 'volunteers', volunteerId);
  if (!volunteer.ok) return fail('notFound', `volunteer ${volunteerId}`);
  switch (command.type) {
    case 'shift.checkIn':
      if (!isAvailable(volunteer.value.health)) return fail('volunteerUnavailable', `health is ${volunteer.value.health}`);
      return asResult(editVolunteer(doc, volunteerId, { onDuty: true }, origin, now));
    case 'shift.checkOut':
      return asResult(editVolunteer(doc, volunteerId, { onDuty: false }, origin, now));
    case 'health.report':
      return asResult(editVolunteer(doc, volunteerId, { health: command.health }, origin, now));
    default: {
      const task = readRecord(doc, 'tasks', command.taskId);
      if (!task.ok) return fail('notFound', `task ${command.taskId}`);
      if (task.value.slot.assigneeId !== volunteerId) return fail('notAssignee', 'this task is no longer yours');
      const { to, from } = TASK_TARGET[command.type];
      if (task.value.status === to) return ok();
      if (!from.includes(task.value.status)) return fail('illegalTransition', `${task.value.status} → ${to}`);
      const ymap = getRecord(doc, 'tasks', command.taskId)!;
      const note = command.type === 'task.cantDo'
        ? `✗ ${REASON_LABEL[command.reason]}${command.note ? `：${command.note}` : ''}`
        : command.type === 'task.done' && command.note ? `✓ ${command.note}` : '';
      doc.transact(() => {
        ymap.set('status', to);
        ymap.set('updatedAt', now);
        if (note) ymap.set('notes', `${task.value.notes ? `${task.value.notes}\n` : ''}${note}`.slice(-2000));
      }, origin);
      return ok();
    }
  }
}

function asResult(result: Result<unknown>): Result {
  return result.ok ? ok() : result;
}
