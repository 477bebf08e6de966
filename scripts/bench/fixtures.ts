// Boards for the bench, written to the store before the server starts (PGlite has one owner).
// Every record goes through the shared mutations, like a lead's edits would.
import * as Y from 'yjs';
import { createBoard } from '../../server/boards.js';
import type { Store } from '../../server/store/store.js';
import type { Result } from '../../shared/errors.js';
import { addVolunteer, createTask, editTask, type Origin } from '../../shared/mutations.js';
import { TASK_KINDS } from '../../shared/schema.js';

const SEED: Origin = { source: 'system', actor: 'bench' };
const BASE = 'http://127.0.0.1';
const APPEND_CHUNK = 100;

export interface BenchBoard {
  id: string;
  token: string;
}

function must<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

/** A board state with `tasks` cards spread over `volunteers` lanes and Unassigned. */
export function boardState(tasks: number, volunteers: number): Uint8Array {
  const doc = new Y.Doc();
  const lanes: (string | null)[] = [null];
  for (let i = 0; i < volunteers; i++) {
    lanes.push(must(addVolunteer(doc, { name: `志愿者${i + 1}`, health: 'eligible', onDuty: true }, SEED)));
  }
  for (let i = 0; i < tasks; i++) {
    must(createTask(doc, {
      title: `${i + 1}号任务 · 3号楼${100 + (i % 600)}室`,
      kind: TASK_KINDS[i % TASK_KINDS.length]!,
      priority: i % 17 === 0 ? 'high' : 'normal',
      assigneeId: lanes[i % lanes.length] ?? null,
      notes: '需要上门，电话联系家属后再出发。',
    }, SEED));
  }
  return Y.encodeStateAsUpdate(doc);
}

/** Creates a board and stores `state` as one log row (what a loaded board looks like to the room). */
export async function seedBoard(store: Store, name: string, state: Uint8Array): Promise<BenchBoard> {
  const board = await createBoard(store, { name, demo: false }, BASE);
  await store.appendUpdates(board.id, [{ data: state, actor: 'bench' }]);
  return { id: board.id, token: board.leadToken };
}

/**
 * Appends `rows` single-edit updates to a board's log, as if leads had edited it since the last
 * compaction, so the room compacts after a few more live edits.
 */
export async function fillLog(store: Store, boardId: string, state: Uint8Array, rows: number): Promise<void> {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  const taskIds = [...doc.getMap('tasks').keys()];
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  for (let i = 0; i < rows; i++) must(editTask(doc, taskIds[i % taskIds.length]!, { notes: `备注 ${i}` }, SEED));
  for (let i = 0; i < updates.length; i += APPEND_CHUNK) {
    await store.appendUpdates(boardId, updates.slice(i, i + APPEND_CHUNK).map((data) => ({ data, actor: 'bench' })));
  }
  doc.destroy();
}
