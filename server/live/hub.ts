// Server-built views over socket.io: each socket of a namespace gets its view of the board on
// connect and again whenever it changes (compared as JSON, so unchanged views are not resent).
// The sockets keep their board's room loaded; revoked links are cut off within 5 s.
import type { Namespace, Socket } from 'socket.io';
import type { Board } from '../../shared/doc.js';
import type { Principal, Tokens } from '../auth.js';
import type { Room } from '../sync/room.js';
import type { Rooms } from '../sync/rooms.js';
import type { LiveData } from './namespaces.js';

/** Changes within this window go out as one push (a lead dragging ten cards). */
const PUSH_DELAY_MS = 25;

export interface HubOptions<V> {
  /** The socket's view, or null if it has nothing left to see (it is then disconnected). */
  view(board: Board, principal: Principal): V | null;
  /** What must differ for a view to be resent (default: the whole view). */
  key?(view: V): unknown;
  /** Extra per-socket handlers (commands); `changed` asks for a push after a write. */
  onSocket?(socket: Socket, room: Room, principal: Principal, changed: () => void): void;
}

interface BoardWatch {
  room: Room;
  sockets: Set<Socket>;
  timer: NodeJS.Timeout | null;
  stop(): void;
}

export class ProjectionHub<V> {
  private readonly boards = new Map<string, BoardWatch>();
  private readonly last = new WeakMap<Socket, string>();
  private readonly unwatch: () => void;

  constructor(
    private readonly namespace: Namespace,
    private readonly rooms: Rooms,
    private readonly tokens: Tokens,
    private readonly log: (message: string, error?: unknown) => void,
    private readonly options: HubOptions<V>,
  ) {
    namespace.on('connection', (socket) => void this.connect(socket));
    // Every process hears of a revoked or changed link within seconds (server/auth.ts).
    this.unwatch = tokens.onChange((hash) => void this.recheck(hash));
  }

  private async connect(socket: Socket): Promise<void> {
    const { principal } = socket.data as LiveData;
    let room: Room;
    try {
      room = await this.rooms.get(principal.boardId);
    } catch (error) {
      this.log(`${this.namespace.name}: board ${principal.boardId} could not be loaded`, error);
      socket.emit('unavailable');
      socket.disconnect(true);
      return;
    }
    if (!socket.connected) return;
    const release = room.hold();
    const watch = this.watch(room);
    watch.sockets.add(socket);
    this.push(socket, room.board());
    this.options.onSocket?.(socket, room, principal, () => this.schedule(watch));
    socket.on('disconnect', () => {
      watch.sockets.delete(socket);
      if (watch.sockets.size === 0) {
        watch.stop();
        this.boards.delete(room.id);
      }
      release();
    });
  }

  private watch(room: Room): BoardWatch {
    const existing = this.boards.get(room.id);
    if (existing) return existing;
    const watch: BoardWatch = {
      room, sockets: new Set(), timer: null,
      stop: () => {
        room.doc.off('update', onUpdate);
        if (watch.timer) clearTimeout(watch.timer);
      },
    };
    const onUpdate = () => this.schedule(watch);
    room.doc.on('update', onUpdate);
    this.boards.set(room.id, watch);
    return watch;
  }

  private schedule(watch: BoardWatch): void {
    if (watch.timer) return;
    watch.timer = setTimeout(() => {
      watch.timer = null;
      const board = watch.room.board();
      for (const socket of watch.sockets) this.push(socket, board);
    }, PUSH_DELAY_MS);
  }

  private push(socket: Socket, board: Board): void {
    const { principal } = socket.data as LiveData;
    const view = this.options.view(board, principal);
    if (!view) {
      socket.emit('removed');
      socket.disconnect(true);
      return;
    }
    const key = JSON.stringify(this.options.key ? this.options.key(view) : view);
    if (key === this.last.get(socket)) return;
    this.last.set(socket, key);
    socket.emit('view', view);
  }

  /** A link changed: its sockets here are cut off unless it still has the same role. */
  private async recheck(hash: string): Promise<void> {
    const sockets = [...this.namespace.sockets.values()].filter((socket) => (socket.data as LiveData).principal?.hash === hash);
    if (sockets.length === 0) return;
    const principal = await this.tokens.resolveHash(hash).catch(() => undefined);
    if (principal === undefined) return; // the database did not answer: the next poll tries again
    for (const socket of sockets) {
      if (principal && principal.role === (socket.data as LiveData).principal.role) continue;
      socket.emit('revoked');
      socket.disconnect(true);
    }
  }

  close(): void {
    this.unwatch();
    for (const watch of this.boards.values()) watch.stop();
    this.boards.clear();
  }
}
