// Several server processes serving the same boards, behind Redis (REDIS_URL; docs/multi-process.md).
//
// Each process commits its own clients' updates and its own server-made changes to Postgres, and
// only then publishes them on the board's Redis channel. The others apply them with the relay
// origin: fanned out to their clients, never logged or published again. Publishing only what is
// committed keeps one invariant — whatever a process holds that did not come from its own clients
// is already in Postgres — so a SAVED notice stays true whichever process sends it, and whenever
// Redis may have dropped a message (a reconnect, a failed publish) a process catches up by reading
// the board again from Postgres. Updates are idempotent and commute, so overlaps are harmless.
// Awareness (who is looking at what) is ephemeral: relayed at once, never stored.
import { randomBytes } from 'node:crypto';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import type { Store } from '../store/store.js';
import type { Room, RoomRelay } from './room.js';

type RedisClient = ReturnType<typeof createClient>;

const UPDATE = 0;
const AWARENESS = 1;
/** "Some of my commits on this board may not have reached you: read it again from Postgres." */
const RESYNC = 2;
/** A process that just loaded a board asks the others for their leads' awareness states. */
const QUERY_AWARENESS = 3;
const SENDER_BYTES = 8;
const HEADER_BYTES = 1 + SENDER_BYTES;

/** How long a join waits for Redis to confirm the subscription before loading anyway. */
const SUBSCRIBE_WAIT_MS = 2_000;
const CONNECT_WAIT_MS = 3_000;
const RELOAD_RETRY_MS = 1_000;
/** Boards read again from Postgres at once after a Redis outage (1,000 boards must not flood it). */
const RELOAD_CONCURRENCY = 4;
const CLOSE_WAIT_MS = 1_000;

const channelOf = (boardId: string) => `linli:board:${boardId}`;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** A board's subscription as its room sees it: messages buffered until the room is loaded. */
export interface RelayLink extends RoomRelay {
  attach(room: Room): void;
}

export interface Relay {
  /** Subscribes to the board first; the caller loads it from Postgres afterwards, then attaches. */
  join(boardId: string): Promise<RelayLink>;
}

class BoardLink implements RelayLink {
  room: Room | null = null;
  left = false;
  reloading = false;
  reloadAgain = false;
  private buffered: [number, Uint8Array][] = [];
  readonly listener = (message: Buffer) => this.relay.receive(this, message);

  constructor(readonly boardId: string, private readonly relay: RedisRelay) {}

  committed(update: Uint8Array): void {
    this.relay.publish(this.boardId, UPDATE, update);
  }

  awareness(update: Uint8Array): void {
    this.relay.publish(this.boardId, AWARENESS, update);
  }

  attach(room: Room): void {
    this.room = room;
    const buffered = this.buffered;
    this.buffered = [];
    for (const [kind, payload] of buffered) this.relay.deliver(this, kind, payload);
    this.relay.publish(this.boardId, QUERY_AWARENESS, new Uint8Array(0));
  }

  /** Messages that arrive while the board loads wait for it: they may be newer than what it reads. */
  hold(kind: number, payload: Uint8Array): void {
    this.buffered.push([kind, payload]);
  }

  leave(): void {
    if (this.left) return;
    this.left = true;
    this.room = null;
    this.buffered = [];
    this.relay.leave(this);
  }
}

export class RedisRelay implements Relay {
  /** Tells this process's own messages apart (Redis delivers them to its subscriber too). */
  private readonly sender = randomBytes(SENDER_BYTES);
  private readonly links = new Set<BoardLink>();
  /** Boards with a commit whose publish may have failed: announced with RESYNC once Redis is back. */
  private readonly missed = new Set<string>();
  private readonly pub: RedisClient;
  private readonly sub: RedisClient;
  private readonly adapterPub: RedisClient;
  private readonly adapterSub: RedisClient;
  private down = false;
  private closed = false;

  private constructor(url: string, private readonly store: Store, private readonly log: (message: string, error?: unknown) => void) {
    const socket = { connectTimeout: 2_000, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1_000) };
    // Publishing fails at once while Redis is down (instead of queueing without bound): the board
    // is marked missed and the others read it from Postgres when Redis is back.
    this.pub = createClient({ url, socket, disableOfflineQueue: true });
    this.sub = createClient({ url, socket });
    // socket.io's adapter gets its own pair: it publishes without catching, so it must queue.
    this.adapterPub = createClient({ url, socket });
    this.adapterSub = createClient({ url, socket });
    for (const client of this.clients) client.on('error', (error: Error) => this.wentDown(error));
    // 'ready' comes again after every reconnect (node-redis has resubscribed every channel by then).
    let pubReady = false;
    this.pub.on('ready', () => {
      if (pubReady) this.announceMissed();
      pubReady = true;
      this.down = false;
    });
    let subReady = false;
    this.sub.on('ready', () => {
      // Whatever was published while this subscriber was away is in Postgres.
      if (subReady) void this.reloadAll();
      subReady = true;
    });
  }

  /** Connects (waiting a few seconds at most: with Redis down the process still serves its own clients). */
  static async connect(url: string, store: Store, log: (message: string, error?: unknown) => void): Promise<RedisRelay> {
    const relay = new RedisRelay(url, store, log);
    const connecting = Promise.allSettled(relay.clients.map((client) => client.connect()));
    await Promise.race([connecting, sleep(CONNECT_WAIT_MS)]);
    if (!relay.pub.isReady) log('redis: not reachable yet, serving this process\'s own clients until it is');
    return relay;
  }

  private get clients(): RedisClient[] {
    return [this.pub, this.sub, this.adapterPub, this.adapterSub];
  }

  private wentDown(error: Error): void {
    if (this.down || this.closed) return;
    this.down = true;
    this.log(`redis: ${error.message}; boards go on in this process and catch up when it is back`);
  }

  /** socket.io's Redis adapter, so rooms and broadcasts span the processes. */
  socketIoAdapter(): ReturnType<typeof createAdapter> {
    return createAdapter(this.adapterPub, this.adapterSub);
  }

  async status(): Promise<'up' | 'down'> {
    if (!this.pub.isReady) return 'down';
    const pong = this.pub.ping().then(() => 'up' as const, () => 'down' as const);
    return Promise.race([pong, sleep(1_000).then(() => 'down' as const)]);
  }

  async join(boardId: string): Promise<RelayLink> {
    const link = new BoardLink(boardId, this);
    this.links.add(link);
    const subscribed = this.sub.subscribe(channelOf(boardId), link.listener, true);
    // With Redis down the subscription waits in the client's queue; the board loads meanwhile and
    // is read again from Postgres once the subscriber is back.
    if (this.sub.isReady) await Promise.race([subscribed.catch(() => {}), sleep(SUBSCRIBE_WAIT_MS)]);
    else subscribed.catch(() => {});
    return link;
  }

  leave(link: BoardLink): void {
    this.links.delete(link);
    if (!this.sub.isOpen) return;
    this.sub.unsubscribe(channelOf(link.boardId), link.listener, true).catch(() => {});
  }

  publish(boardId: string, kind: number, payload: Uint8Array): void {
    if (this.closed) return;
    const message = Buffer.allocUnsafe(HEADER_BYTES + payload.byteLength);
    message[0] = kind;
    this.sender.copy(message, 1);
    message.set(payload, HEADER_BYTES);
    const lost = () => { if (kind === UPDATE || kind === RESYNC) this.missed.add(boardId); };
    if (!this.pub.isReady) return lost();
    this.pub.publish(channelOf(boardId), message).catch(lost);
  }

  receive(link: BoardLink, message: Buffer): void {
    if (link.left || message.length < HEADER_BYTES || message.compare(this.sender, 0, SENDER_BYTES, 1, HEADER_BYTES) === 0) return;
    const kind = message[0]!;
    const payload = new Uint8Array(message.buffer, message.byteOffset + HEADER_BYTES, message.length - HEADER_BYTES);
    if (link.room) this.deliver(link, kind, payload);
    else link.hold(kind, payload);
  }

  deliver(link: BoardLink, kind: number, payload: Uint8Array): void {
    const room = link.room;
    if (!room) return;
    try {
      switch (kind) {
        case UPDATE:
          room.applyRelayed([payload]);
          break;
        case AWARENESS:
          room.applyRelayedAwareness(payload);
          break;
        case RESYNC:
          void this.reload(link);
          break;
        case QUERY_AWARENESS: {
          const own = room.localAwareness();
          if (own) this.publish(link.boardId, AWARENESS, own);
          break;
        }
        default:
          // A newer process speaking a kind this one does not know: nothing to do with it.
      }
    } catch (error) {
      this.log(`relay: a message for board ${link.boardId} could not be applied`, error);
      void this.reload(link);
    }
  }

  private announceMissed(): void {
    const boards = [...this.missed];
    this.missed.clear();
    for (const boardId of boards) this.publish(boardId, RESYNC, new Uint8Array(0));
  }

  /** Reads the board again from Postgres and merges it in (what is already known changes nothing). */
  private async reload(link: BoardLink): Promise<void> {
    if (link.reloading) {
      link.reloadAgain = true;
      return;
    }
    link.reloading = true;
    try {
      do {
        link.reloadAgain = false;
        const stored = await this.store.loadDoc(link.boardId);
        if (link.left || !link.room) return;
        link.room.applyRelayed(stored.parts);
      } while (link.reloadAgain);
    } catch (error) {
      this.log(`relay: board ${link.boardId} could not be read again, retrying`, error);
      setTimeout(() => void this.reload(link), RELOAD_RETRY_MS).unref();
    } finally {
      link.reloading = false;
    }
  }

  private async reloadAll(): Promise<void> {
    const queue = [...this.links].filter((link) => link.room);
    const worker = async () => {
      for (let link = queue.shift(); link; link = queue.shift()) await this.reload(link);
    };
    await Promise.all(Array.from({ length: RELOAD_CONCURRENCY }, worker));
  }

  async close(): Promise<void> {
    this.closed = true;
    // close() lets queued commands (the last commits' publishes) go out first.
    await Promise.race([Promise.allSettled(this.clients.map((client) => client.close())), sleep(CLOSE_WAIT_MS)]);
    for (const client of this.clients) if (client.isOpen) client.destroy();
  }
}
