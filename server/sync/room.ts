// One board in memory: its Y.Doc, awareness and connected lead peers; the y-websocket
// protocol loop; batched fan-out; group-committed persistence; and "saved" notices.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { Origin } from '../../shared/mutations.js';
import {
  MESSAGE_AWARENESS, MESSAGE_QUERY_AWARENESS, MESSAGE_SYNC, encodeSaved,
} from '../../shared/sync-protocol.js';
import type { LogEntry, Store } from '../store/store.js';
import { BoardCache } from '../../shared/board-cache.js';
import type { Board } from '../../shared/doc.js';
import { enforceBoardRules } from './board-rules.js';
import { RejectedUpdate, UpdateGuard } from './update-guard.js';
import { AwarenessTooLarge, LIMITS } from '../limits.js';
import { logShifts } from './shift-log.js';
import { scheduleCaseCards } from './case-cards.js';
import { AuditTrail } from './audit.js';
import { keepVersions } from './versions.js';

/** A lead's connection as the room sees it; the websocket layer implements it. */
export interface Peer {
  readonly actor: string;
  /** The name the admin gave the peer's link; null for an unnamed link (the client's own name is shown). */
  name?: string | null;
  send(message: Uint8Array): void;
  close(code: number, reason: string): void;
}

export interface RoomOptions {
  /** Merges updates for compaction (off the main thread in the server). */
  merge(parts: Uint8Array[]): Promise<Uint8Array>;
  /** Wait this long after the first unsaved update so one commit carries a burst. */
  persistDelayMs: number;
  /** Fold the log into a snapshot once it holds this many rows. */
  compactAfterUpdates: number;
  onEmpty(room: Room): void;
  log(message: string, error?: unknown): void;
  /** The other server processes (server/sync/relay.ts); absent with one process. */
  relay?: RoomRelay;
}

/** What a room tells the other processes serving its board. */
export interface RoomRelay {
  /** An update this process has committed (its own peers' and its own server-made changes). */
  committed(update: Uint8Array): void;
  /** Awareness changes of this process's own peers. */
  awareness(update: Uint8Array): void;
  leave(): void;
}

export const ROOM_DEFAULTS = { persistDelayMs: 5, compactAfterUpdates: 1000 };

const LOAD: Origin = { source: 'load' };
/** Updates another process committed, and Postgres read again: fanned out, never logged or relayed. */
const RELAY: Origin = { source: 'relay' };
/** A relayed update that may also complete a peer's structs waiting in the doc: logged here too. */
const RELAY_COMPLETING: Origin = { source: 'system', actor: 'relay' };
const MAX_RETRY_MS = 5_000;

export class MalformedMessage extends Error {}

const COLOR = /^#[0-9a-fA-F]{6}$/;

/**
 * Presence says who a lead is, so the server writes it: the link's name (or, for an unnamed
 * link, the name the lead typed, marked as unverified) and the link's id. The rest of the state
 * (dragging, editing) is the client's.
 */
function stamp(peer: Peer, state: string): string {
  let value: unknown;
  try {
    value = JSON.parse(state);
  } catch {
    throw new MalformedMessage('presence state is not JSON');
  }
  if (value === null) return state; // the peer went away
  if (typeof value !== 'object' || Array.isArray(value)) throw new MalformedMessage('presence state is not an object');
  const claimed = (value as { user?: { name?: unknown; color?: unknown } }).user;
  const typed = typeof claimed?.name === 'string' ? claimed.name.trim().slice(0, 40) : '';
  const color = typeof claimed?.color === 'string' && COLOR.test(claimed.color) ? claimed.color : '#868e96';
  const name = peer.name ?? null;
  return JSON.stringify({ ...value, user: { name: name ?? typed, color, link: peer.actor, verified: name !== null } });
}

function isPeer(origin: unknown): origin is Peer {
  return typeof origin === 'object' && origin !== null && 'send' in origin && 'actor' in origin;
}

function actorOf(origin: unknown): string | null {
  if (isPeer(origin)) return origin.actor;
  if (typeof origin === 'object' && origin !== null && 'actor' in origin) return String((origin as { actor: unknown }).actor);
  return null;
}

function syncUpdateMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

function awarenessMessage(awareness: awarenessProtocol.Awareness, clients: number[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, clients));
  return encoding.toUint8Array(encoder);
}

export class Room {
  readonly doc = new Y.Doc();
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  /** Checks every lead update against the schema and limits before the board keeps it. */
  private readonly guard = new UpdateGuard(this.doc);
  /** Per peer: its updates that build on changes it has not sent yet (see handleSync). */
  private readonly held = new Map<Peer, Uint8Array>();
  readonly peers = new Map<Peer, Set<number>>();
  /** Accepted updates not yet committed, with the peer each came from. */
  private pending: (LogEntry & { from: Peer | null })[] = [];
  /** Peers that joined since the last commit: they learn its outcome even if they wrote nothing new. */
  private joined = new Set<Peer>();
  /** Awareness clients changed this event-loop turn, sent together. */
  private awarenessChanged = new Set<number>();
  /** The part of awarenessChanged that this process's own peers made: relayed to the others. */
  private awarenessOwn = new Set<number>();
  /** Updates of this event-loop turn, fanned out together. */
  private outbox: { update: Uint8Array; from: Peer | null }[] = [];
  private saved = new Map<number, number>();
  private persistTimer: NodeJS.Timeout | null = null;
  private persisting: Promise<void> | null = null;
  private compacting: Promise<void> | null = null;
  private retryMs = 0;
  private logRows = 0;
  private destroyed = false;
  /** The whole board encoded, for joiners with an empty state vector; dropped on every change. */
  private fullState: Uint8Array | null = null;
  /** Non-Yjs users of the room (volunteers' and displays' sockets) that keep it loaded. */
  private holds = 0;
  /** History entries of each transaction, committed with its update (audit.ts). */
  private audit: AuditTrail | null = null;
  saveError: unknown = null;

  private constructor(readonly id: string, private readonly store: Store, private readonly options: RoomOptions) {
    this.awareness.setLocalState(null);
  }

  /** Loads the board from the store. Throws if that fails: a room never starts empty by mistake. */
  static async load(id: string, store: Store, options: RoomOptions): Promise<Room> {
    const stored = await store.loadDoc(id);
    const room = new Room(id, store, options);
    room.doc.transact(() => {
      for (const part of stored.parts) Y.applyUpdate(room.doc, part);
    }, LOAD);
    room.saved = Y.decodeStateVector(Y.encodeStateVector(room.doc));
    room.logRows = stored.updates;
    room.doc.on('update', room.onUpdate);
    room.awareness.on('update', room.onAwareness);
    room.audit = new AuditTrail(room.doc);
    keepVersions(room.doc, id, store, options.log);
    enforceBoardRules(room.doc);
    logShifts(room.doc, id, store, options.log);
    scheduleCaseCards(room.doc, () => room.board(), options.log);
    return room;
  }

  get unsaved(): number {
    return this.pending.length;
  }

  /** Whether everything accepted so far is committed. */
  get isSaved(): boolean {
    return this.pending.length === 0 && this.persisting === null;
  }

  addPeer(peer: Peer): void {
    this.peers.set(peer, new Set());
    this.joined.add(peer);
    const step1 = encoding.createEncoder();
    encoding.writeVarUint(step1, MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(step1, this.doc);
    peer.send(encoding.toUint8Array(step1));
    peer.send(encodeSaved(this.saved));
    const states = [...this.awareness.getStates().keys()];
    if (states.length > 0) peer.send(awarenessMessage(this.awareness, states));
  }

  private cache: BoardCache | null = null;

  /** The board as plain data, parsed again only where it changed (for the phone and display views). */
  board(): Board {
    this.cache ??= new BoardCache(this.doc);
    return this.cache.read();
  }

  /** Nobody is connected: the room may be unloaded once saved. */
  get idle(): boolean {
    return this.peers.size === 0 && this.holds === 0;
  }

  /** Keeps the room loaded until the returned release is called. */
  hold(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      if (this.idle) this.options.onEmpty(this);
    };
  }

  removePeer(peer: Peer): void {
    const clients = this.peers.get(peer);
    if (!clients) return;
    this.peers.delete(peer);
    this.joined.delete(peer);
    this.held.delete(peer);
    if (clients.size > 0) awarenessProtocol.removeAwarenessStates(this.awareness, [...clients], null);
    if (this.idle) this.options.onEmpty(this);
  }

  /** One y-websocket message from a peer. Throws MalformedMessage (or a decoding error) on garbage. */
  handleMessage(peer: Peer, message: Uint8Array): void {
    const decoder = decoding.createDecoder(message);
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case MESSAGE_SYNC:
        this.handleSync(peer, decoder);
        break;
      case MESSAGE_AWARENESS: {
        const update = this.ownAwareness(peer, decoding.readVarUint8Array(decoder));
        if (update) awarenessProtocol.applyAwarenessUpdate(this.awareness, update, peer);
        break;
      }
      case MESSAGE_QUERY_AWARENESS:
        peer.send(awarenessMessage(this.awareness, [...this.awareness.getStates().keys()]));
        break;
      default:
        throw new MalformedMessage(`unknown message type ${type}`);
    }
  }

  private handleSync(peer: Peer, decoder: decoding.Decoder): void {
    const step = decoding.readVarUint(decoder);
    if (step === syncProtocol.messageYjsSyncStep1) {
      const stateVector = decoding.readVarUint8Array(decoder);
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep2);
      // A first-time joiner (empty state vector) gets the whole board: encoded once per change,
      // not once per joiner (after a restart every lead rejoins at once).
      const empty = stateVector.length === 1 && stateVector[0] === 0;
      const diff = empty ? (this.fullState ??= Y.encodeStateAsUpdate(this.doc)) : Y.encodeStateAsUpdate(this.doc, stateVector);
      encoding.writeVarUint8Array(encoder, diff);
      peer.send(encoding.toUint8Array(encoder));
      return;
    }
    if (step !== syncProtocol.messageYjsSyncStep2 && step !== syncProtocol.messageYjsUpdate) {
      throw new MalformedMessage(`unknown sync step ${step}`);
    }
    const update = decoding.readVarUint8Array(decoder);
    // Decode fully before applying: a garbage update must fail here, not halfway into the doc.
    try {
      Y.decodeUpdate(update);
    } catch {
      throw new MalformedMessage('undecodable update');
    }
    // A lead's edit can arrive before the offline changes it builds on (they come in its sync
    // step 2, one round trip later): it is held, unapplied, and checked again merged with what
    // the lead sends next. It is not acknowledged meanwhile, so a lead that leaves resends it.
    const held = this.held.get(peer);
    const candidate = held ? Y.mergeUpdates([held, update]) : update;
    if (this.guard.check(candidate, this.peers.get(peer)) === 'pending') {
      if (candidate.byteLength > LIMITS.heldUpdateBytes) {
        this.held.delete(peer);
        throw new RejectedUpdate('depends on changes the server does not have');
      }
      this.held.set(peer, candidate);
      return;
    }
    this.held.delete(peer);
    Y.applyUpdate(this.doc, candidate, peer);
  }

  /**
   * Keeps only the entries of an awareness update that are the peer's own: its first client id
   * is its own, ids of other peers are dropped. y-websocket clients echo every state they receive
   * back to the server (N echoes per change with N leads), and a peer must not speak for another.
   */
  private ownAwareness(peer: Peer, update: Uint8Array): Uint8Array | null {
    const own = this.peers.get(peer);
    if (!own) return null;
    const decoder = decoding.createDecoder(update);
    const count = decoding.readVarUint(decoder);
    const kept: [number, number, string][] = [];
    for (let i = 0; i < count; i++) {
      const client = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      const state = decoding.readVarString(decoder);
      if (state.length > LIMITS.awarenessStateChars) throw new AwarenessTooLarge(`presence state over ${LIMITS.awarenessStateChars} characters`);
      if (own.has(client) || (own.size === 0 && !this.claimed(client))) {
        own.add(client);
        kept.push([client, clock, stamp(peer, state)]);
      }
    }
    if (kept.length === 0) return null;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, kept.length);
    for (const [client, clock, state] of kept) {
      encoding.writeVarUint(encoder, client);
      encoding.writeVarUint(encoder, clock);
      encoding.writeVarString(encoder, state);
    }
    return encoding.toUint8Array(encoder);
  }

  private claimed(client: number): boolean {
    for (const clients of this.peers.values()) if (clients.has(client)) return true;
    return false;
  }

  private onUpdate = (update: Uint8Array, origin: unknown): void => {
    this.fullState = null;
    if (origin === LOAD) return;
    if (origin === RELAY) {
      // Already in Postgres (relay.ts publishes only commits): with nothing of our own pending,
      // all of the doc is saved. Nobody is told; joiners learn it in their first SAVED notice.
      if (this.isSaved) this.catchUpSaved();
      this.outbox.push({ update, from: null });
      if (this.outbox.length === 1) setImmediate(this.fanOut);
      return;
    }
    const from = isPeer(origin) ? origin : null;
    this.pending.push({ data: update, actor: actorOf(origin), from, audit: this.audit?.take() });
    this.schedulePersist(this.options.persistDelayMs);
    this.outbox.push({ update, from });
    if (this.outbox.length === 1) setImmediate(this.fanOut);
  };

  /** Sends the turn's updates as one merged message, encoded once for every peer. */
  private fanOut = (): void => {
    const batch = this.outbox;
    this.outbox = [];
    if (batch.length === 0 || this.peers.size === 0) return;
    const update = batch.length === 1 ? batch[0]!.update : Y.mergeUpdates(batch.map((entry) => entry.update));
    const message = syncUpdateMessage(update);
    const first = batch[0]!.from;
    // The only sender already has it all; anyone else gets the merged update.
    const skip = first !== null && batch.every((entry) => entry.from === first) ? first : null;
    for (const peer of this.peers.keys()) if (peer !== skip) peer.send(message);
  };

  private onAwareness = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown,
  ): void => {
    if (isPeer(origin)) {
      const clients = this.peers.get(origin);
      if (clients) {
        for (const id of added) clients.add(id);
        for (const id of removed) clients.delete(id);
      }
    }
    const first = this.awarenessChanged.size === 0;
    // Only our peers' own changes go to the other processes (a 'timeout' removal is a local guess).
    const own = isPeer(origin) || origin === null;
    for (const id of [...added, ...updated, ...removed]) {
      this.awarenessChanged.add(id);
      if (own) this.awarenessOwn.add(id);
    }
    if (first && this.awarenessChanged.size > 0) setImmediate(this.sendAwareness);
  };

  /** One awareness message per turn for every change in it (500 leads renew every 15 s). */
  private sendAwareness = (): void => {
    const changed = [...this.awarenessChanged];
    const own = [...this.awarenessOwn];
    this.awarenessChanged.clear();
    this.awarenessOwn.clear();
    if (this.destroyed) return;
    if (own.length > 0) this.options.relay?.awareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, own));
    if (changed.length === 0 || this.peers.size === 0) return;
    const message = awarenessMessage(this.awareness, changed);
    for (const peer of this.peers.keys()) peer.send(message);
  };

  private schedulePersist(delayMs: number): void {
    if (this.persistTimer || this.persisting || this.destroyed) return;
    this.persistTimer = setTimeout(() => {
      this.persistTimer = null;
      void this.persist();
    }, delayMs);
  }

  /** Commits what is pending in one statement; on failure keeps it and retries with backoff. */
  private persist(): Promise<void> {
    if (this.persisting) return this.persisting;
    if (this.pending.length === 0) return Promise.resolve();
    const batch = this.pending;
    this.pending = [];
    // Every update applied so far is in `batch` or already saved, so this is what the commit covers.
    const covered = Y.decodeStateVector(Y.encodeStateVector(this.doc));
    this.persisting = (async () => {
      try {
        await this.store.appendUpdates(this.id, batch.map(({ data, actor, audit }) => ({ data, actor, audit })));
        this.saveError = null;
        this.retryMs = 0;
        this.logRows += batch.length;
        this.markSaved(covered, batch);
        this.options.relay?.committed(batch.length === 1 ? batch[0]!.data : Y.mergeUpdates(batch.map((entry) => entry.data)));
      } catch (error) {
        this.pending = batch.concat(this.pending);
        if (!this.saveError) this.options.log(`board ${this.id}: save failed, retrying`, error);
        this.saveError = error;
        this.retryMs = Math.min(Math.max(this.retryMs * 2, 100), MAX_RETRY_MS);
      } finally {
        this.persisting = null;
      }
      if (this.pending.length > 0) this.schedulePersist(this.saveError ? this.retryMs : this.options.persistDelayMs);
      else if (this.logRows >= this.options.compactAfterUpdates) void this.compact();
    })();
    return this.persisting;
  }

  /**
   * Records what a commit covered and tells the peers that care: those whose updates it held,
   * and those that joined since (their resent edits may have been known already).
   */
  private markSaved(covered: Map<number, number>, batch: { from: Peer | null }[]): void {
    const delta: [number, number][] = [];
    for (const [client, clock] of covered) {
      if ((this.saved.get(client) ?? 0) < clock) {
        this.saved.set(client, clock);
        delta.push([client, clock]);
      }
    }
    const told = new Set(this.joined);
    this.joined.clear();
    for (const entry of batch) if (entry.from) told.add(entry.from);
    const message = encodeSaved(delta);
    for (const peer of told) if (this.peers.has(peer)) peer.send(message);
  }

  /** Advances the saved clocks to the whole doc (only while nothing of this process is pending). */
  private catchUpSaved(): void {
    for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(this.doc))) {
      if ((this.saved.get(client) ?? 0) < clock) this.saved.set(client, clock);
    }
  }

  /** Applies updates another process committed, or the board read again from Postgres. */
  applyRelayed(updates: Uint8Array[]): void {
    if (this.destroyed) return;
    // A peer's update that arrived ahead of what it depends on waits in the doc; if the relayed
    // update completes it, this transaction's update carries the peer's structs as well, which
    // only this process has: then it is logged (a duplicate in the log is harmless).
    const { pendingStructs, pendingDs } = this.doc.store;
    this.doc.transact(() => {
      for (const update of updates) Y.applyUpdate(this.doc, update);
    }, pendingStructs || pendingDs ? RELAY_COMPLETING : RELAY);
  }

  applyRelayedAwareness(update: Uint8Array): void {
    if (!this.destroyed) awarenessProtocol.applyAwarenessUpdate(this.awareness, update, RELAY);
  }

  /** The awareness states of this process's own peers (for a process that just loaded the board). */
  localAwareness(): Uint8Array | null {
    const meta = this.awareness.meta;
    const clients = [...this.peers.values()].flatMap((ids) => [...ids]).filter((id) => meta.has(id));
    return clients.length > 0 ? awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients) : null;
  }

  /** Folds the log into a snapshot in the background. Failure only leaves the log longer. */
  compact(): Promise<void> {
    if (this.compacting) return this.compacting;
    this.compacting = (async () => {
      try {
        const result = await this.store.compact(this.id, this.options.merge);
        this.logRows = Math.max(0, this.logRows - result.merged);
      } catch (error) {
        this.options.log(`board ${this.id}: compaction failed`, error);
      } finally {
        this.compacting = null;
      }
    })();
    return this.compacting;
  }

  /**
   * Commits everything pending now. Resolves true when all is saved, false if the store failed
   * (the updates stay pending and the room keeps retrying).
   */
  async flush(): Promise<boolean> {
    if (this.persistTimer) {
      clearTimeout(this.persistTimer);
      this.persistTimer = null;
    }
    while (this.persisting || this.pending.length > 0) {
      await (this.persisting ?? this.persist());
      if (this.saveError) return false;
    }
    if (this.compacting) await this.compacting;
    return true;
  }

  /** Closes every peer and frees the doc. Only called once the room is saved. */
  destroy(code: number, reason: string): void {
    this.destroyed = true;
    this.options.relay?.leave();
    if (this.persistTimer) clearTimeout(this.persistTimer);
    for (const peer of [...this.peers.keys()]) peer.close(code, reason);
    this.peers.clear();
    this.cache?.destroy();
    this.guard.destroy();
    this.awareness.destroy();
    this.doc.destroy();
  }
}
