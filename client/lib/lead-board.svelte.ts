// The lead's live board: a Y.Doc synced over y-websocket and kept in IndexedDB, read
// incrementally into plain data for the views, with presence, undo of one's own changes, and
// the shared mutations as actions.
import { IndexeddbPersistence } from 'y-indexeddb';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { RECORD_MAPS, readMeta, readRecord, recordMap, type RecordMapName, type RecordOf } from '../../shared/doc.js';
import { CLOSE, type Result } from '../../shared/errors.js';
import {
  addBuilding, addVolunteer, createTask, editBuilding, editTask, editVolunteer, moveTask, setTaskStatus,
  type BuildingPatch, type NewBuilding, type NewTask, type NewVolunteer, type Origin, type TaskPatch,
  type VolunteerPatch,
} from '../../shared/mutations.js';
import type { Meta, TaskStatus, WithId } from '../../shared/schema.js';
import {
  callNext, closeBatch, moveBatch, planRound, recordTested, reportAbnormalTube, type PlanInput,
} from '../../shared/testing.js';
import { linkToken } from './link-token.js';
import { SaveTracker, type SaveState } from './save-state.js';

export type BoardProblem = 'linkInvalid' | 'linkWrongRole' | 'boardMissing';

const PROBLEMS: Record<number, BoardProblem> = {
  [CLOSE.badToken]: 'linkInvalid',
  [CLOSE.wrongRole]: 'linkWrongRole',
  [CLOSE.unknownBoard]: 'boardMissing',
};

/** Another lead on the board, from Yjs awareness (never stored in the document). */
export interface Peer {
  clientId: number;
  name: string;
  color: string;
  dragging: string | null;
  editing: string | null;
}

const COLORS = ['#d9480f', '#1971c2', '#2f9e44', '#9c36b5', '#e67700', '#0c8599', '#c2255c', '#5f3dc4'];

/** The lead token of a board, from the link or from this device. */
export function leadToken(boardId: string, fromHash: string): string {
  return linkToken(`linli:lead:${boardId}`, fromHash);
}

type Records = { [N in RecordMapName]: Map<string, WithId<RecordOf[N]>> };

export class LeadBoard {
  meta = $state.raw<Meta | null>(null);
  tasks = $state.raw<Records['tasks']>(new Map());
  volunteers = $state.raw<Records['volunteers']>(new Map());
  buildings = $state.raw<Records['buildings']>(new Map());
  queues = $state.raw<Records['queues']>(new Map());
  cases = $state.raw<Records['cases']>(new Map());
  saveState = $state<SaveState>('offline');
  /** Whether the board has content to show (from the server or from this device's copy). */
  ready = $state(false);
  problem = $state<BoardProblem | null>(null);
  peers = $state.raw<Peer[]>([]);
  canUndo = $state(false);
  canRedo = $state(false);
  lastError = $state<string | null>(null);

  readonly doc = new Y.Doc();
  readonly origin: Origin;
  private readonly provider: WebsocketProvider;
  private readonly save: SaveTracker;
  private readonly local: IndexeddbPersistence;
  private readonly undo: Y.UndoManager;
  private readonly dirty = new Map<RecordMapName, Set<string> | 'all'>(RECORD_MAPS.map((name) => [name, 'all']));
  private metaDirty = true;
  private frame = 0;

  constructor(readonly boardId: string, private readonly token: string, name: string) {
    this.origin = { source: 'lead', actor: name || 'lead' };
    this.local = new IndexeddbPersistence(`linli-board-${boardId}`, this.doc);
    // This device's copy counts only if it holds a board: a first visit waits for the server.
    this.local.once('synced', () => { if (this.doc.getMap('meta').size > 0) this.markReady(); });
    const base = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/sync`;
    this.provider = new WebsocketProvider(base, boardId, this.doc, { params: { token } });
    this.save = new SaveTracker(this.provider);
    this.save.onChange((state) => { this.saveState = state; });
    this.provider.on('sync', (synced: boolean) => {
      if (!synced) return;
      performance.mark('linli:synced');
      this.markReady();
    });
    this.provider.on('connection-close', (event) => {
      const problem = event ? PROBLEMS[event.code] : undefined;
      if (problem) this.problem = problem;
    });
    // A phone or laptop that knows it is offline stops retrying until it is back.
    addEventListener('offline', this.goOffline);
    addEventListener('online', this.goOnline);

    for (const name of RECORD_MAPS) recordMap(this.doc, name).observeDeep((events) => this.onChange(name, events));
    this.doc.getMap('meta').observe(() => { this.metaDirty = true; this.schedule(); });

    this.undo = new Y.UndoManager(RECORD_MAPS.map((name) => recordMap(this.doc, name)), {
      trackedOrigins: new Set([this.origin]),
      captureTimeout: 400,
    });
    const undoState = () => {
      this.canUndo = this.undo.canUndo();
      this.canRedo = this.undo.canRedo();
    };
    this.undo.on('stack-item-added', undoState);
    this.undo.on('stack-item-popped', undoState);

    const awareness = this.provider.awareness;
    awareness.setLocalStateField('user', { name: this.origin.actor, color: COLORS[this.doc.clientID % COLORS.length] });
    awareness.on('change', () => this.readPeers());
  }

  private markReady(): void {
    this.ready = true;
    this.schedule();
  }

  private onChange(name: RecordMapName, events: Y.YEvent<any>[]): void {
    let ids = this.dirty.get(name);
    if (ids !== 'all') {
      ids ??= new Set();
      for (const event of events) {
        if (event.path.length === 0) for (const key of (event as Y.YMapEvent<unknown>).keysChanged) ids.add(key);
        else ids.add(String(event.path[0]));
      }
      this.dirty.set(name, ids);
    }
    this.schedule();
  }

  /** Applies what changed at most once a frame, however many updates arrive. */
  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.flush();
    });
  }

  private flush(): void {
    performance.mark('linli:flush');
    if (this.metaDirty) {
      this.meta = readMeta(this.doc);
      this.metaDirty = false;
    }
    for (const [name, ids] of this.dirty) this.refreshMap(name, ids);
    this.dirty.clear();
  }

  private refreshMap<N extends RecordMapName>(name: N, ids: Set<string> | 'all'): void {
    const current = (this as unknown as Records)[name] as unknown as Map<string, WithId<RecordOf[N]>>;
    const next = ids === 'all' ? new Map<string, WithId<RecordOf[N]>>() : new Map(current);
    const keys = ids === 'all' ? recordMap(this.doc, name).keys() : ids;
    for (const id of keys) {
      const result = readRecord(this.doc, name, id);
      if (result.ok) next.set(id, result.value);
      else next.delete(id);
    }
    (this as unknown as Records)[name] = next as never;
  }

  private readPeers(): void {
    const peers: Peer[] = [];
    this.provider.awareness.getStates().forEach((state, clientId) => {
      if (clientId === this.doc.clientID || !state.user) return;
      peers.push({
        clientId,
        name: String(state.user.name ?? '?').slice(0, 32),
        color: String(state.user.color ?? '#888'),
        dragging: typeof state.dragging === 'string' ? state.dragging : null,
        editing: typeof state.editing === 'string' ? state.editing : null,
      });
    });
    this.peers = peers;
  }

  setDragging(taskId: string | null): void {
    this.provider.awareness.setLocalStateField('dragging', taskId);
  }

  setEditing(taskId: string | null): void {
    this.provider.awareness.setLocalStateField('editing', taskId);
  }

  private report<T>(result: Result<T>): Result<T> {
    this.lastError = result.ok ? null : result.code;
    return result;
  }

  move(taskId: string, to: string | null, beforeId: string | null = null): Result<unknown> {
    return this.report(moveTask(this.doc, { taskId, to, beforeId }, this.origin));
  }

  createTask(input: NewTask): Result<string> {
    return this.report(createTask(this.doc, input, this.origin));
  }

  editTask(id: string, patch: TaskPatch): Result {
    return this.report(editTask(this.doc, id, patch, this.origin));
  }

  setStatus(id: string, status: TaskStatus): Result {
    return this.report(setTaskStatus(this.doc, id, status, this.origin));
  }

  addVolunteer(input: NewVolunteer): Result<string> {
    return this.report(addVolunteer(this.doc, input, this.origin));
  }

  editVolunteer(id: string, patch: VolunteerPatch): Result<{ returned: string[] }> {
    return this.report(editVolunteer(this.doc, id, patch, this.origin));
  }

  addBuilding(input: NewBuilding): Result<string> {
    return this.report(addBuilding(this.doc, input, this.origin));
  }

  editBuilding(id: string, patch: BuildingPatch): Result {
    return this.report(editBuilding(this.doc, id, patch, this.origin));
  }

  planRound(input: PlanInput): Result<string> {
    return this.report(planRound(this.doc, input, this.origin));
  }

  callNext(queueId: string): Result<string | null> {
    return this.report(callNext(this.doc, queueId, this.origin));
  }

  recordTested(queueId: string, batchId: string, tested: number): Result {
    return this.report(recordTested(this.doc, queueId, batchId, tested, this.origin));
  }

  closeBatch(queueId: string, batchId: string, tested: number, absentRooms: string[]): Result<string | null> {
    return this.report(closeBatch(this.doc, queueId, batchId, { tested, absentRooms }, this.origin));
  }

  reportAbnormalTube(buildingId: string, rooms: string[], tube: string): Result<string[]> {
    return this.report(reportAbnormalTube(this.doc, { buildingId, rooms, tube }, this.origin));
  }

  moveBatch(queueId: string, batchId: string, beforeId: string | null): Result {
    return this.report(moveBatch(this.doc, queueId, batchId, beforeId, this.origin));
  }

  /** Issues a volunteer's personal link (a new token; earlier links stay valid until revoked). */
  async createVolunteerLink(volunteerId: string): Promise<{ url: string } | { error: string }> {
    return this.linkRequest(volunteerId, 'POST');
  }

  /** Revokes every link of a volunteer: their phone is cut off within seconds. */
  async revokeVolunteerLinks(volunteerId: string): Promise<{ revoked: number } | { error: string }> {
    return this.linkRequest(volunteerId, 'DELETE');
  }

  private async linkRequest<T>(volunteerId: string, method: 'POST' | 'DELETE'): Promise<T | { error: string }> {
    try {
      const res = await fetch(`/api/boards/${this.boardId}/volunteers/${encodeURIComponent(volunteerId)}/link`, {
        method, headers: { authorization: `Bearer ${this.token}` },
      });
      const body = await res.json();
      return res.ok ? body as T : { error: body?.error?.code ?? 'internal' };
    } catch {
      return { error: 'offline' };
    }
  }

  undoLast(): void {
    this.undo.undo();
  }

  redoLast(): void {
    this.undo.redo();
  }

  private goOffline = (): void => this.provider.disconnect();
  private goOnline = (): void => this.provider.connect();

  destroy(): void {
    cancelAnimationFrame(this.frame);
    removeEventListener('offline', this.goOffline);
    removeEventListener('online', this.goOnline);
    this.undo.destroy();
    this.save.destroy();
    this.provider.destroy();
    void this.local.destroy();
    this.doc.destroy();
  }
}
