// Pure dispatch rules over plain data. Mutations consult these before they write.
import type { Health, Task, TaskStatus, Volunteer } from './schema.js';

/** Only an eligible volunteer (today's test negative, not isolated, sick, resting or gone) takes work. */
export function isAvailable(health: Health): boolean {
  return health === 'eligible';
}

export function canTakeTasks(volunteer: Pick<Volunteer, 'health'>): boolean {
  return isAvailable(volunteer.health);
}

const CLOSED: ReadonlySet<TaskStatus> = new Set(['done', 'cancelled']);

/** Work still to do: anything not done or cancelled. */
export function isOpenWork(task: { status: unknown }): boolean {
  return !CLOSED.has(task.status as TaskStatus);
}

/** The status a card takes when it moves to another lane (null = Unassigned). */
export function statusAfterMove(task: Pick<Task, 'status' | 'slot'>, to: string | null): TaskStatus {
  if (CLOSED.has(task.status)) return task.status;
  if (to === null) return 'open';
  if (to === task.slot.assigneeId) return task.status === 'open' ? 'assigned' : task.status;
  // A new person starts over: they have not accepted it yet.
  return task.status === 'blocked' ? 'blocked' : 'assigned';
}

/**
 * Status changes a lead may make by hand. A lead may reopen or close anything, but a card
 * that needs an assignee (accepted, in progress) must have one.
 */
export function canSetStatus(task: Pick<Task, 'status' | 'slot'>, to: TaskStatus): boolean {
  if (task.status === to) return true;
  const needsAssignee = to === 'assigned' || to === 'accepted' || to === 'inProgress';
  if (needsAssignee && task.slot.assigneeId === null) return false;
  if (to === 'open' && task.slot.assigneeId !== null) return false;
  return true;
}
