// Loaded boards. A room loads on first join and unloads only after it is idle and saved.
import { CLOSE } from '../../shared/errors.js';
import type { Store } from '../store/store.js';
import type { Relay } from './relay.js';
import { ROOM_DEFAULTS, Room, type RoomOptions } from './room.js';

export interface RoomsOptions extends Partial<Pick<RoomOptions, 'persistDelayMs' | 'compactAfterUpdates'>> {
  merge: RoomOptions['merge'];
  /** How long an empty room stays loaded (a lead reloading the page should not reload the board). */
  idleMs: number;
  log(message: string, error?: unknown): void;
  /** The other processes serving the same boards (REDIS_URL); absent with one process. */
  relay?: Relay;
}

export class Rooms {
  private readonly rooms = new Map<string, Promise<Room>>();
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();
  private closing = false;

  constructor(private readonly store: Store, private readonly options: RoomsOptions) {}

  /** The loaded room, loading it if needed. Rejects if the board cannot be loaded. */
  get(boardId: string): Promise<Room> {
    if (this.closing) return Promise.reject(new Error('shutting down'));
    this.cancelIdle(boardId);
    let room = this.rooms.get(boardId);
    if (!room) {
      room = this.load(boardId);
      this.rooms.set(boardId, room);
      // A failed load is forgotten, so the next join tries again instead of serving an empty board.
      room.catch(() => { if (this.rooms.get(boardId) === room) this.rooms.delete(boardId); });
    }
    return room;
  }

  /**
   * With other processes: subscribe first, then load, then apply what arrived meanwhile, so no
   * commit of theirs falls between what Postgres returned and what the relay brings.
   */
  private async load(boardId: string): Promise<Room> {
    const relay = await this.options.relay?.join(boardId);
    try {
      const room = await Room.load(boardId, this.store, {
        ...ROOM_DEFAULTS,
        persistDelayMs: this.options.persistDelayMs ?? ROOM_DEFAULTS.persistDelayMs,
        compactAfterUpdates: this.options.compactAfterUpdates ?? ROOM_DEFAULTS.compactAfterUpdates,
        merge: this.options.merge,
        onEmpty: (r) => this.scheduleUnload(r),
        log: this.options.log,
        relay,
      });
      relay?.attach(room);
      return room;
    } catch (error) {
      relay?.leave();
      throw error;
    }
  }

  /** Whether the board is in memory (loaded or loading). */
  has(boardId: string): boolean {
    return this.rooms.has(boardId);
  }

  /** Rooms that finished loading. */
  async loaded(): Promise<Room[]> {
    const settled = await Promise.allSettled(this.rooms.values());
    return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  }

  private cancelIdle(boardId: string): void {
    const timer = this.idleTimers.get(boardId);
    if (timer) clearTimeout(timer);
    this.idleTimers.delete(boardId);
  }

  private scheduleUnload(room: Room): void {
    this.cancelIdle(room.id);
    this.idleTimers.set(room.id, setTimeout(() => void this.unload(room), this.options.idleMs));
  }

  private async unload(room: Room): Promise<void> {
    this.idleTimers.delete(room.id);
    const saved = await room.flush();
    if (!room.idle || this.rooms.get(room.id) === undefined) return;
    if (!saved) {
      this.scheduleUnload(room); // keep it in memory until the store takes it
      return;
    }
    this.rooms.delete(room.id);
    room.destroy(CLOSE.shuttingDown, 'unloaded');
  }

  /** Saves every room and closes its peers. Resolves false if something could not be saved in time. */
  async closeAll(timeoutMs: number): Promise<boolean> {
    this.closing = true;
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
    const rooms = await this.loaded();
    const deadline = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
    const results = await Promise.all(rooms.map((room) => Promise.race([this.flushHard(room), deadline])));
    for (const room of rooms) room.destroy(CLOSE.shuttingDown, 'server restarting');
    this.rooms.clear();
    return results.every(Boolean);
  }

  private async flushHard(room: Room): Promise<boolean> {
    for (let attempt = 0; attempt < 50; attempt++) {
      if (await room.flush()) return true;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return false;
  }
}
