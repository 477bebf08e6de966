// The display's live feed over socket.io /display (aggregates only). Built to run all day: the
// view is replaced, never accumulated; it reconnects by itself and says when it may be stale.
import { io, type Socket } from 'socket.io-client';
import type { DisplayView } from '../../shared/display.js';

/** Disconnected this long, the screen says its figures may be out of date. */
const STALE_AFTER_MS = 10_000;

export class DisplayFeed {
  view = $state.raw<DisplayView | null>(null);
  connected = $state(false);
  stale = $state(false);
  refused = $state(false);
  /** When the last view arrived (ms). */
  updatedAt = $state(0);

  private readonly socket: Socket;
  private staleTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(token: string) {
    this.socket = io('/display', { auth: { token }, reconnectionDelayMax: 5_000 });
    this.socket.on('connect', () => {
      this.connected = true;
      this.stale = false;
      if (this.staleTimer) clearTimeout(this.staleTimer);
    });
    this.socket.on('disconnect', () => this.lost());
    this.socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
      if (error.data?.code === 'unauthorized' || error.data?.code === 'forbidden') this.refused = true;
      this.lost();
    });
    // The link was revoked or demoted: the server cut this screen off and will refuse it.
    this.socket.on('revoked', () => { this.refused = true; });
    this.socket.on('view', (view: DisplayView) => {
      this.view = view;
      this.updatedAt = Date.now();
    });
  }

  private lost(): void {
    this.connected = false;
    this.staleTimer ??= setTimeout(() => {
      this.staleTimer = null;
      if (!this.connected) this.stale = true;
    }, STALE_AFTER_MS);
  }

  destroy(): void {
    if (this.staleTimer) clearTimeout(this.staleTimer);
    this.socket.close();
  }
}
