// The lead board's save state. The server sends, after every commit, the clock up to which each
// Yjs client's changes are in Postgres (MESSAGE_SAVED). Local changes are "saved" once every
// client clock they reached is covered; "offline" while the websocket is down.
import type { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { MESSAGE_SAVED, readSaved } from '../../shared/sync-protocol.js';

export type SaveState = 'saved' | 'saving' | 'offline';

export class SaveTracker {
  private readonly saved = new Map<number, number>();
  private readonly local = new Map<number, number>();
  /** A delete-only change carries no clock; it counts as saved at the next commit notice. */
  private deleteOnlyPending = false;
  private listeners = new Set<(state: SaveState) => void>();
  state: SaveState = 'offline';

  constructor(private readonly provider: WebsocketProvider) {
    provider.messageHandlers[MESSAGE_SAVED] = (_encoder, decoder) => {
      for (const [client, clock] of readSaved(decoder)) {
        if ((this.saved.get(client) ?? 0) < clock) this.saved.set(client, clock);
      }
      this.deleteOnlyPending = false;
      this.recompute();
    };
    provider.doc.on('update', this.onUpdate);
    provider.on('status', this.recompute);
    this.recompute();
  }

  private onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this.provider) return;
    const clocks = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(update));
    if (clocks.size === 0) this.deleteOnlyPending = true;
    for (const [client, clock] of clocks) {
      if ((this.local.get(client) ?? 0) < clock) this.local.set(client, clock);
    }
    this.recompute();
  };

  /** Whether every local change made so far is committed on the server. */
  get allSaved(): boolean {
    if (this.deleteOnlyPending) return false;
    for (const [client, clock] of this.local) if ((this.saved.get(client) ?? 0) < clock) return false;
    return true;
  }

  private recompute = (): void => {
    const next: SaveState = !this.provider.wsconnected ? 'offline' : this.allSaved ? 'saved' : 'saving';
    if (next === this.state) return;
    this.state = next;
    for (const listener of this.listeners) listener(next);
  };

  onChange(listener: (state: SaveState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once everything edited here so far is saved (and connected). */
  whenSaved(): Promise<void> {
    if (this.state === 'saved') return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.onChange((state) => {
        if (state === 'saved') {
          off();
          resolve();
        }
      });
    });
  }

  /** The server-confirmed clock of one client (for tests and diagnostics). */
  savedClock(client: number): number {
    return this.saved.get(client) ?? 0;
  }

  destroy(): void {
    this.provider.doc.off('update', this.onUpdate);
    this.provider.off('status', this.recompute);
    this.listeners.clear();
  }
}
