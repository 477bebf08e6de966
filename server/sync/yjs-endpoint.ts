// The Yjs endpoint /sync/:boardId?token=LEAD_TOKEN, speaking the y-websocket protocol.
// Only lead tokens may connect; refusals are websocket close codes the client can read.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { CLOSE } from '../../shared/errors.js';
import type { Principal, Tokens } from '../auth.js';
import type { Store } from '../store/store.js';
import { AwarenessTooLarge, LIMITS } from '../limits.js';
import { RejectedUpdate } from './update-guard.js';
import type { Peer, Room } from './room.js';
import type { Rooms } from './rooms.js';

const HEARTBEAT_MS = 30_000;
/** A peer this far behind (a frozen tab, a dead link) is dropped; it resyncs on reconnect. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
const BOARD_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface YjsEndpointOptions {
  rooms: Rooms;
  tokens: Tokens;
  store: Store;
  maxFrameBytes: number;
  /** Rejected updates per link a minute before it is refused (default LIMITS.yjsRejectionsPerMinute). */
  rejectionsPerMinute?: number;
  log(message: string, error?: unknown): void;
}

type Admission = { ok: true; room: Room; principal: Principal } | { ok: false; code: number; reason: string };

const LEADS = new Set(['lead', 'admin']);

/** A close reason fits 123 bytes of UTF-8. */
function reasonOf(text: string): string {
  let reason = text.slice(0, 120);
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}

/** Messages per second per socket: a token bucket, so a burst of real edits passes. */
class Bucket {
  private tokens: number = LIMITS.yjsMessageBurst;
  private at = Date.now();

  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(LIMITS.yjsMessageBurst, this.tokens + ((now - this.at) / 1000) * LIMITS.yjsMessagesPerSecond);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export class YjsEndpoint {
  private readonly wss: WebSocketServer;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly alive = new WeakSet<WebSocket>();
  /** Live sockets by the hash of the link they came in with: a revocation closes them. */
  private readonly byLink = new Map<string, Set<WebSocket>>();
  private readonly peerOf = new WeakMap<WebSocket, Peer>();
  private readonly unwatch: () => void;
  /** Rejected updates per link hash in the current minute: a link over the limit waits it out. */
  private rejections = new Map<string, number>();
  private rejectionsSince = Date.now();

  constructor(private readonly options: YjsEndpointOptions) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes, perMessageDeflate: false });
    this.heartbeat = setInterval(() => this.ping(), HEARTBEAT_MS);
    this.heartbeat.unref();
    this.unwatch = options.tokens.onChange((hash) => void this.recheck(hash));
  }

  /** A link changed: its sockets stay only if it is still a lead link of the same board. */
  private async recheck(hash: string): Promise<void> {
    if (!this.byLink.has(hash)) return;
    const principal = await this.options.tokens.resolveHash(hash).catch(() => undefined);
    const sockets = this.byLink.get(hash) ?? [];
    if (principal === undefined) return; // the database did not answer: the next poll tries again
    for (const ws of sockets) {
      if (!principal) ws.close(CLOSE.badToken, 'link revoked');
      else if (!LEADS.has(principal.role)) ws.close(CLOSE.wrongRole, 'lead link required');
      else {
        // Renamed: presence carries the new name from the lead's next renewal (every 15 s).
        const peer = this.peerOf.get(ws);
        if (peer) peer.name = principal.name;
      }
    }
  }

  private rejected(hash: string): void {
    this.rejections.set(hash, (this.rejections.get(hash) ?? 0) + 1);
  }

  private overRejections(hash: string): boolean {
    if (Date.now() - this.rejectionsSince > 60_000) {
      this.rejections = new Map();
      this.rejectionsSince = Date.now();
    }
    return (this.rejections.get(hash) ?? 0) >= (this.options.rejectionsPerMinute ?? LIMITS.yjsRejectionsPerMinute);
  }

  /** Admits first (token, board, load), then completes the upgrade and closes with a code if refused. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    void this.admit(req).then((admission) => {
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        if (!admission.ok) ws.close(admission.code, admission.reason);
        else this.accept(ws, admission.room, admission.principal);
      });
    });
  }

  private async admit(req: IncomingMessage): Promise<Admission> {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const boardId = decodeURIComponent(url.pathname.slice('/sync/'.length));
      const principal = await this.options.tokens.resolve(url.searchParams.get('token'));
      if (!principal || !BOARD_ID.test(boardId) || principal.boardId !== boardId) {
        return { ok: false, code: CLOSE.badToken, reason: 'bad token' };
      }
      if (!LEADS.has(principal.role)) {
        return { ok: false, code: CLOSE.wrongRole, reason: 'lead token required' };
      }
      if (this.overRejections(principal.hash)) {
        return { ok: false, code: CLOSE.rateLimited, reason: 'too many rejected updates: wait a minute' };
      }
      // A loaded room is a board that exists: a reconnect storm does not ask the database again.
      if (!this.options.rooms.has(boardId) && !(await this.options.store.getBoard(boardId))) return { ok: false, code: CLOSE.unknownBoard, reason: 'no such board' };
      return { ok: true, room: await this.options.rooms.get(boardId), principal };
    } catch (error) {
      this.options.log('yjs: could not admit a connection', error);
      return { ok: false, code: CLOSE.loadFailed, reason: 'board unavailable, retrying' };
    }
  }

  private accept(ws: WebSocket, room: Room, principal: Principal): void {
    const peer: Peer = {
      actor: principal.actor,
      name: principal.name,
      send: (message) => {
        if (ws.readyState !== ws.OPEN) return;
        if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
          ws.terminate();
          return;
        }
        ws.send(message);
      },
      close: (code, reason) => ws.close(code, reason),
    };
    this.alive.add(ws);
    ws.on('pong', () => this.alive.add(ws));
    const bucket = new Bucket();
    ws.on('message', (data, isBinary) => {
      if (ws.readyState !== ws.OPEN) return; // closing: what it still sends is not read
      if (!isBinary) return ws.close(CLOSE.malformed, 'binary frames only');
      if (!bucket.take()) return ws.close(CLOSE.rateLimited, `over ${LIMITS.yjsMessagesPerSecond} messages a second`);
      try {
        room.handleMessage(peer, toBytes(data));
      } catch (error) {
        // Bad input from one socket closes that socket; the room and its other peers go on.
        if (error instanceof RejectedUpdate) {
          this.rejected(principal.hash);
          ws.close(CLOSE.rejected, reasonOf(`rejected: ${error.message}`));
        }
        else if (error instanceof AwarenessTooLarge) ws.close(CLOSE.tooLarge, reasonOf(error.message));
        else ws.close(CLOSE.malformed, 'malformed message');
      }
    });
    // ws closes the socket itself on protocol errors (1009 for an oversized frame, 1002…).
    ws.on('error', () => {});
    ws.on('close', () => {
      room.removePeer(peer);
      const sockets = this.byLink.get(principal.hash);
      sockets?.delete(ws);
      if (sockets?.size === 0) this.byLink.delete(principal.hash);
    });
    const sockets = this.byLink.get(principal.hash) ?? new Set<WebSocket>();
    sockets.add(ws);
    this.byLink.set(principal.hash, sockets);
    this.peerOf.set(ws, peer);
    room.addPeer(peer);
  }

  private ping(): void {
    for (const ws of this.wss.clients) {
      if (!this.alive.has(ws)) {
        ws.terminate();
        continue;
      }
      this.alive.delete(ws);
      ws.ping();
    }
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.unwatch();
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}
