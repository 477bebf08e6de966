// Card order inside a lane. A card's place is its slot { assigneeId, rank }; ranks are
// fractional-index keys compared by code unit, ties broken by id so every replica agrees.
import { generateKeyBetween } from 'fractional-indexing';
import type { Task, WithId } from './schema.js';

/** Anything ordered by a fractional rank: a card in its lane, a volunteer, a building. */
export interface Ranked {
  id: string;
  rank: string;
}

export function compareRank(a: Ranked, b: Ranked): number {
  if (a.rank !== b.rank) return a.rank < b.rank ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function sortByRank<T extends Ranked>(items: T[]): T[] {
  return items.sort(compareRank);
}

/** The order a lane shows: urgent cards always on top, then the lane's own order. */
export function compareForDisplay(a: WithId<Task>, b: WithId<Task>): number {
  const urgentA = a.priority === 'urgent' ? 0 : 1;
  const urgentB = b.priority === 'urgent' ? 0 : 1;
  if (urgentA !== urgentB) return urgentA - urgentB;
  return compareRank({ id: a.id, rank: a.slot.rank }, { id: b.id, rank: b.slot.rank });
}

/** The cards of one lane (null = Unassigned) in the order the board shows them. */
export function laneTasks(tasks: Iterable<WithId<Task>>, assigneeId: string | null): WithId<Task>[] {
  const lane: WithId<Task>[] = [];
  for (const task of tasks) if (task.slot.assigneeId === assigneeId) lane.push(task);
  return lane.sort(compareForDisplay);
}

/**
 * A rank that places an item just before `beforeId` in `sorted` (rank order), or at the end.
 * Equal neighbour ranks (two leads inserted at one spot at once) are stepped over.
 */
export function rankBefore(sorted: Ranked[], beforeId: string | null, movingId?: string): string {
  const others = movingId === undefined ? sorted : sorted.filter((item) => item.id !== movingId);
  const index = beforeId === null ? -1 : others.findIndex((item) => item.id === beforeId);
  if (index === -1) return rankAtEnd(others);
  const hi = others[index]!.rank;
  const lo = index > 0 ? others[index - 1]!.rank : null;
  if (lo !== null && lo >= hi) {
    const next = others.slice(index).find((item) => item.rank > lo);
    return keyBetween(lo, next?.rank ?? null);
  }
  return keyBetween(lo, hi);
}

export function rankAtEnd(sorted: Ranked[]): string {
  return keyBetween(sorted.at(-1)?.rank ?? null, null);
}

export function rankAtStart(sorted: Ranked[]): string {
  return keyBetween(null, sorted[0]?.rank ?? null);
}

/** generateKeyBetween that survives a malformed stored key by ignoring it. */
export function keyBetween(lo: string | null, hi: string | null): string {
  try {
    return generateKeyBetween(lo, hi);
  } catch {
    try {
      return generateKeyBetween(lo, null);
    } catch {
      return generateKeyBetween(null, null);
    }
  }
}
