// What a volunteer's phone receives: their own record and their own open cards, with what is
// needed to do them. Built from allow-listed fields only and checked by a strict schema on the
// way out, so nothing of other volunteers or of the case registry can slip in.
import { z } from 'zod';
import type { Board } from './doc.js';
import { displayView } from './display.js';
import { compareForDisplay } from './lanes.js';
import {
  HEALTH_STATES, NEEDS, PRIORITIES, TASK_KINDS, TASK_STATUSES, TEAMS,
} from './schema.js';

const RECENT_DONE_MS = 12 * 60 * 60 * 1000;

export const VolunteerTaskView = z.object({
  id: z.string(),
  title: z.string(),
  kind: z.enum(TASK_KINDS),
  building: z.string(),
  room: z.string(),
  priority: z.enum(PRIORITIES),
  status: z.enum(TASK_STATUSES),
  notes: z.string(),
  need: z.enum(NEEDS).nullable(),
  /** The requester's contact: present only on the volunteer's own cards. */
  contact: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
}).strict();

export const VolunteerView = z.object({
  board: z.object({ name: z.string() }).strict(),
  me: z.object({
    id: z.string(),
    name: z.string(),
    team: z.enum(TEAMS),
    health: z.enum(HEALTH_STATES),
    onDuty: z.boolean(),
    buildings: z.array(z.string()),
  }).strict(),
  tasks: z.array(VolunteerTaskView),
  /** Where the volunteer's own buildings stand in today's testing round (building leads). */
  testing: z.array(z.object({
    building: z.string(),
    state: z.enum(['done', 'now', 'next', 'waiting', 'door']),
    waitMinutes: z.number().nullable(),
  }).strict()),
}).strict();
export type VolunteerView = z.infer<typeof VolunteerView>;
export type VolunteerTaskView = z.infer<typeof VolunteerTaskView>;

/** The volunteer's view of the board, or null if they are not on it any more. */
export function volunteerView(board: Board, volunteerId: string, now = Date.now()): VolunteerView | null {
  const me = board.volunteers.get(volunteerId);
  if (!me) return null;
  const label = (buildingId: string | null) => (buildingId ? board.buildings.get(buildingId)?.label ?? '' : '');
  const mine = [...board.tasks.values()]
    .filter((task) => task.slot.assigneeId === volunteerId)
    .filter((task) => task.status !== 'cancelled' && (task.status !== 'done' || now - task.updatedAt < RECENT_DONE_MS))
    .sort(compareForDisplay);
  return VolunteerView.parse({
    board: { name: board.meta?.name ?? '' },
    me: {
      id: volunteerId, name: me.name, team: me.team, health: me.health, onDuty: me.onDuty,
      buildings: me.buildingIds.map(label).filter(Boolean),
    },
    testing: me.buildingIds.length === 0 ? [] : displayView(board, now).buildings
      .filter((b) => me.buildingIds.includes(b.id))
      .map((b) => ({ building: b.label, state: b.state, waitMinutes: b.waitMinutes })),
    tasks: mine.map((task) => ({
      id: task.id, title: task.title, kind: task.kind, building: label(task.buildingId), room: task.room,
      priority: task.priority, status: task.status, notes: task.notes, need: task.need ?? null,
      contact: task.contact ?? '', createdAt: task.createdAt, updatedAt: task.updatedAt,
    })),
  });
}
