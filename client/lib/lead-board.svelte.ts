// The lead's live board: a Y.Doc synced over y-websocket and kept in IndexedDB, read
// incrementally into plain data for the views, with presence, undo of one's own changes, and
// the shared mutations as actions.
import { IndexeddbPersistence } from 'y-indexeddb';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { RECORD_MAPS, readMeta, readRecord, recordMap, type RecordMapName, type RecordOf } from '../../shared/doc.js';
import { CLOSE, fail, type Result } from '../../shared/errors.js';
import {
  addBuilding, addVolunteer, createTask, editBuilding, editTask, editVolunteer, moveTask, setTaskStatus,
  type BuildingPatch, type NewBuilding, type NewTask, type NewVolunteer, type Origin, type TaskPatch,
  type VolunteerPatch,
} from '../../shared/mutations.js';
import type { Meta, TaskStatus, WithId } from '../../shared/schema.js';
import {
  callNext, closeBatch, moveBatch, planRound, recordTested, reportAbnormalTube, type PlanInput,
} from '../../shared/testing.js';
import {
  addCase, closeCase, editCase, generateDueCards, reopenCase, type CasePatch, type NewCase,
} from '../../shared/cases.js';
import { linkToken } from './link-token.js';
import { SaveTracker, type SaveState } from './save-state.js';
import { applicantMap } from '../../shared/doc.js';
import type { Applicant } from '../../shared/schema.js';
import { decideSignups, type Decided, type Decision } from '../../shared/signups.js';
import { ApplicantReader } from './applicants.js';
import { HistoryClient } from './history.js';

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
  /** The server wrote the name from the lead's own named link (else it is what they typed). */
  verified: boolean;
  color: string;
  dragging: string | null;
  editing: string | null;
}

const REJECTED_KEY = 'linli:rejected';

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
  /** Volunteer sign-ups (their own map: no projection reads it). */
  applicants = $state.raw<Map<string, WithId<Applicant>>>(new Map());
  saveState = $state<SaveState>('offline');
  /** Whether the board has content to show (from the server or from this device's copy). */
  ready = $state(false);
  problem = $state<BoardProblem | null>(null);
  peers = $state.raw<Peer[]>([]);
  canUndo = $state(false);
  canRedo = $state(false);
  lastError = $state<string | null>(null);
  /** The server refused a change made here before this page loaded (shown once, then cleared). */
  rejected = $state<string | null>(null);
  /** Whether the views show the document (not yet: the server's first-paint records, read-only). */
  live = $state(false);

  readonly doc = new Y.Doc();
  readonly origin: Origin;
  private readonly provider: WebsocketProvider;
  private readonly save: SaveTracker;
  private readonly local: IndexeddbPersistence;
  private readonly undo: Y.UndoManager;
  private readonly dirty = new Map<RecordMapName, Set<string> | 'all'>(RECORD_MAPS.map((name) => [name, 'all']));
  private metaDirty = true;
  private frame = 0;
  private readonly applicantReader: ApplicantReader;

  constructor(readonly boardId: string, private readonly token: string, name: string) {
    this.origin = { source: 'lead', actor: name || 'lead' };
    this.rejected = sessionStorage.getItem(REJECTED_KEY);
    sessionStorage.removeItem(REJECTED_KEY);
    this.local = new IndexeddbPersistence(`linli-board-${boardId}`, this.doc);
    // This device's copy counts only if it holds a board: a first visit waits for the server.
    this.local.once('synced', () => { if (this.doc.getMap('meta').size > 0) this.markReady(); });
    const base = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/sync`;
    this.provider = new WebsocketProvider(base, boardId, this.doc, { params: { token } });
    this.save = new SaveTracker(this.provider);
    this.save.onChange((state) => { this.saveState = state; });
    void this.firstPaint();
    this.provider.on('sync', (synced: boolean) => {
      if (!synced) return;
      performance.mark('linli:synced');
      this.markReady();
    });
    this.provider.on('connection-close', (event) => {
      if (event?.code === CLOSE.rejected) return void this.startOver(event.reason);
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
    // A decision is undone together with the volunteers an approval created.
    this.undo.addToScope(applicantMap(this.doc));
    this.applicantReader = new ApplicantReader(this.doc, () => this.schedule());

    const awareness = this.provider.awareness;
    awareness.setLocalStateField('user', { name: this.origin.actor, color: COLORS[this.doc.clientID % COLORS.length] });
    awareness.on('change', () => this.readPeers());
  }

  /**
   * The server refused a change made here (it would break the board): this device's copy holds
   * it and would send it again on every reconnect, so the copy is dropped and the page reloads
   * the server's board.
   */
  private async startOver(reason: string): Promise<void> {
    this.provider.disconnect();
    sessionStorage.setItem(REJECTED_KEY, reason || 'rejected');
    await this.local.clearData();
    location.reload();
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

  /**
   * A first visit to a big board: the server's plain records paint the lanes while the document
   * (a few hundred ms to apply at 5,000 cards) still syncs; the first flush of the document
   * replaces them. They come from records the server has already parsed, so only their shape is
   * checked here.
   */
  private async firstPaint(): Promise<void> {
    try {
      const res = await fetch(`/api/boards/${encodeURIComponent(this.boardId)}/board`, {
        headers: { authorization: `Bearer ${this.token}` },
      });
      if (!res.ok || this.live) return;
      const body = await res.json() as Record<string, unknown>;
      if (this.live || !RECORD_MAPS.every((name) => Array.isArray(body[name]))) return;
      this.meta = (body.meta ?? null) as Meta | null;
      for (const name of RECORD_MAPS) {
        const records = body[name] as { id: string }[];
        (this as unknown as Records)[name] = new Map(records.map((record) => [record.id, record])) as never;
      }
      performance.mark('linli:first-paint-data');
      this.ready = true;
    } catch {
      // Offline or refused: the document (or this device's copy) brings the board instead.
    }
  }

  private flush(): void {
    performance.mark('linli:flush');
    this.live = true;
    if (this.metaDirty) {
      this.meta = readMeta(this.doc);
      this.metaDirty = false;
    }
    for (const [name, ids] of this.dirty) this.refreshMap(name, ids);
    this.dirty.clear();
    this.applicants = this.applicantReader.read(this.applicants);
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
        verified: state.user.verified === true,
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

  /** Runs a change on the document; before the document has synced there is nothing to change. */
  private act<T>(change: () => Result<T>): Result<T> {
    return this.report(this.live ? change() : fail('notReady', 'the board is still syncing'));
  }

  /** Shows a refused action's reason (or clears the last one). */
  private report<T>(result: Result<T>): Result<T> {
    this.lastError = result.ok ? null : result.code;
    return result;
  }

  move(taskId: string, to: string | null, beforeId: string | null = null): Result<unknown> {
    return this.act(() => moveTask(this.doc, { taskId, to, beforeId }, this.origin));
  }

  createTask(input: NewTask): Result<string> {
    return this.act(() => createTask(this.doc, input, this.origin));
  }

  editTask(id: string, patch: TaskPatch): Result {
    return this.act(() => editTask(this.doc, id, patch, this.origin));
  }

  setStatus(id: string, status: TaskStatus): Result {
    return this.act(() => setTaskStatus(this.doc, id, status, this.origin));
  }

  addVolunteer(input: NewVolunteer): Result<string> {
    return this.act(() => addVolunteer(this.doc, input, this.origin));
  }

  editVolunteer(id: string, patch: VolunteerPatch): Result<{ returned: string[] }> {
    return this.act(() => editVolunteer(this.doc, id, patch, this.origin));
  }

  addBuilding(input: NewBuilding): Result<string> {
    return this.act(() => addBuilding(this.doc, input, this.origin));
  }

  editBuilding(id: string, patch: BuildingPatch): Result {
    return this.act(() => editBuilding(this.doc, id, patch, this.origin));
  }

  planRound(input: PlanInput): Result<string> {
    return this.act(() => planRound(this.doc, input, this.origin));
  }

  callNext(queueId: string): Result<string | null> {
    return this.act(() => callNext(this.doc, queueId, this.origin));
  }

  recordTested(queueId: string, batchId: string, tested: number): Result {
    return this.act(() => recordTested(this.doc, queueId, batchId, tested, this.origin));
  }

  closeBatch(queueId: string, batchId: string, tested: number, absentRooms: string[]): Result<string | null> {
    return this.act(() => closeBatch(this.doc, queueId, batchId, { tested, absentRooms }, this.origin));
  }

  reportAbnormalTube(buildingId: string, rooms: string[], tube: string): Result<string[]> {
    return this.act(() => reportAbnormalTube(this.doc, { buildingId, rooms, tube }, this.origin));
  }

  moveBatch(queueId: string, batchId: string, beforeId: string | null): Result {
    return this.act(() => moveBatch(this.doc, queueId, batchId, beforeId, this.origin));
  }

  /** Approves, holds or rejects a selection of sign-ups in one change (all or nothing). */
  decideSignups(ids: string[], decision: Decision): Result<Decided> {
    return this.act(() => decideSignups(this.doc, ids, decision, this.origin));
  }

  // The registry: after a change the due cards are made at once (the server makes them too,
  // every few minutes; their ids come from their keys, so nothing is made twice).
  addCase(input: NewCase): Result<string> {
    return this.act(() => this.withCards(addCase(this.doc, input, this.origin)));
  }

  editCase(id: string, patch: CasePatch): Result {
    return this.act(() => this.withCards(editCase(this.doc, id, patch, this.origin)));
  }

  closeCase(id: string): Result {
    return this.act(() => closeCase(this.doc, id, this.origin));
  }

  reopenCase(id: string): Result {
    return this.act(() => this.withCards(reopenCase(this.doc, id, this.origin)));
  }

  private withCards<T>(result: Result<T>): Result<T> {
    if (result.ok) generateDueCards(this.doc, Date.now(), this.origin);
    return result;
  }

  /** Issues a volunteer's personal link (a new token; earlier links stay valid until revoked). */
  async createVolunteerLink(volunteerId: string): Promise<{ url: string } | { error: string }> {
    return this.linkRequest(volunteerId, 'POST');
  }

  /** Revokes every link of a volunteer: their phone is cut off within seconds. */
  async revokeVolunteerLinks(volunteerId: string): Promise<{ revoked: number } | { error: string }> {
    return this.linkRequest(volunteerId, 'DELETE');
  }

  /** The board's history and versions over REST (lead token): client/lib/history.ts. */
  history(): HistoryClient {
    return new HistoryClient(this.boardId, this.token);
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
