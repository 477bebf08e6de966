// Volunteers' phones over socket.io /volunteer: each gets its own projection on connect and
// whenever it changes, and sends commands that are applied with the shared mutations.
import type { Namespace, Socket } from 'socket.io';
import { applyVolunteerCommand, VolunteerCommand, type CommandAck } from '../../shared/commands.js';
import { readBoard } from '../../shared/doc.js';
import type { Origin } from '../../shared/mutations.js';
import { volunteerView } from '../../shared/projections.js';
import type { Tokens } from '../auth.js';
import type { Room } from '../sync/room.js';
import type { Rooms } from '../sync/rooms.js';
import type { LiveData } from './namespaces.js';

/** Changes within this window go out as one push (a lead dragging ten cards). */
const PUSH_DELAY_MS = 25;
/** How often live links are re-checked; with the token cache this cuts a revoked phone off within 5 s. */
const REVOCATION_SWEEP_MS = 1_000;
const ACKS_KEPT = 2_000;

interface BoardWatch {
  room: Room;
  sockets: Set<Socket>;
  timer: NodeJS.Timeout | null;
  stop(): void;
}

export class VolunteerHub {
  private readonly boards = new Map<string, BoardWatch>();
  /** Answers already given, by volunteer and commandId, so a resent command is not applied twice. */
  private readonly acks = new Map<string, CommandAck>();
  private readonly sweep: NodeJS.Timeout;

  constructor(
    private readonly namespace: Namespace,
    private readonly rooms: Rooms,
    private readonly tokens: Tokens,
    private readonly log: (message: string, error?: unknown) => void,
  ) {
    namespace.on('connection', (socket) => void this.connect(socket));
    this.sweep = setInterval(() => void this.sweepRevoked(), REVOCATION_SWEEP_MS);
    this.sweep.unref();
  }

  private async connect(socket: Socket): Promise<void> {
    const { principal } = socket.data as LiveData;
    let room: Room;
    try {
      room = await this.rooms.get(principal.boardId);
    } catch (error) {
      this.log(`volunteer: board ${principal.boardId} could not be loaded`, error);
      socket.emit('unavailable');
      socket.disconnect(true);
      return;
    }
    if (!socket.connected) return;
    const release = room.hold();
    const watch = this.watch(room);
    watch.sockets.add(socket);
    this.push(socket, room);
    socket.on('command', (raw: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return;
      (ack as (answer: CommandAck) => void)(this.command(room, principal.volunteerId!, principal.actor, raw));
      this.schedule(watch);
    });
    socket.on('disconnect', () => {
      watch.sockets.delete(socket);
      if (watch.sockets.size === 0) {
        watch.stop();
        this.boards.delete(room.id);
      }
      release();
    });
  }

  private command(room: Room, volunteerId: string, actor: string, raw: unknown): CommandAck {
    const parsed = VolunteerCommand.safeParse(raw);
    if (!parsed.success) return { ok: false, code: 'invalid', message: parsed.error.issues[0]?.message ?? 'invalid command' };
    const key = `${room.id}:${volunteerId}:${parsed.data.commandId}`;
    const seen = this.acks.get(key);
    if (seen) return seen;
    const origin: Origin = { source: 'command', actor, commandId: parsed.data.commandId };
    let answer: CommandAck;
    try {
      const result = applyVolunteerCommand(room.doc, volunteerId, parsed.data, origin);
      answer = result.ok ? { ok: true } : { ok: false, code: result.code, message: result.message };
    } catch (error) {
      this.log('volunteer command failed', error);
      return { ok: false, code: 'internal', message: 'internal error' };
    }
    this.acks.set(key, answer);
    if (this.acks.size > ACKS_KEPT) this.acks.delete(this.acks.keys().next().value!);
    return answer;
  }

  private watch(room: Room): BoardWatch {
    let watch = this.boards.get(room.id);
    if (watch) return watch;
    const onUpdate = () => this.schedule(watch!);
    room.doc.on('update', onUpdate);
    watch = {
      room, sockets: new Set(), timer: null,
      stop: () => {
        room.doc.off('update', onUpdate);
        if (watch!.timer) clearTimeout(watch!.timer);
      },
    };
    this.boards.set(room.id, watch);
    return watch;
  }

  private schedule(watch: BoardWatch): void {
    if (watch.timer) return;
    watch.timer = setTimeout(() => {
      watch.timer = null;
      const board = readBoard(watch.room.doc);
      for (const socket of watch.sockets) this.push(socket, watch.room, board);
    }, PUSH_DELAY_MS);
  }

  /** Sends the volunteer's view if it changed since the last one they got. */
  private push(socket: Socket, room: Room, board = readBoard(room.doc)): void {
    const { principal } = socket.data as LiveData;
    const view = volunteerView(board, principal.volunteerId!);
    if (!view) {
      socket.emit('removed');
      socket.disconnect(true);
      return;
    }
    const json = JSON.stringify(view);
    if (json === (socket.data as { lastView?: string }).lastView) return;
    (socket.data as { lastView?: string }).lastView = json;
    socket.emit('view', view);
  }

  private async sweepRevoked(): Promise<void> {
    for (const socket of this.namespace.sockets.values()) {
      const token: unknown = socket.handshake.auth?.token;
      const principal = await this.tokens.resolve(typeof token === 'string' ? token : null).catch(() => undefined);
      if (principal === null) {
        socket.emit('revoked');
        socket.disconnect(true);
      }
    }
  }

  close(): void {
    clearInterval(this.sweep);
    for (const watch of this.boards.values()) watch.stop();
    this.boards.clear();
  }
}
