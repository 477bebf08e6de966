// Lead clients as the lead page runs them: the npm y-websocket provider (with the ws polyfill and
// no BroadcastChannel, ECOSYSTEM.md G8), one Y.Doc and one SaveTracker each.
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { SaveTracker } from '../../client/lib/save-state.js';
import { MESSAGE_AWARENESS, MESSAGE_SAVED, MESSAGE_SYNC } from '../../shared/sync-protocol.js';

/** Messages a client received, by y-websocket message type. */
export type Received = Record<'sync' | 'awareness' | 'saved', number>;

export interface Client {
  doc: Y.Doc;
  provider: WebsocketProvider;
  save: SaveTracker;
  received: Received;
  destroy(): void;
}

export interface ClientOptions {
  /**
   * Publish an awareness state like the lead page does (a `user` field, renewed every 15 s by
   * y-protocols). Off = local state null: the provider then sends no awareness at all.
   */
  awareness?: boolean;
}

const COUNTED: [keyof Received, number][] = [['sync', MESSAGE_SYNC], ['awareness', MESSAGE_AWARENESS], ['saved', MESSAGE_SAVED]];

function countMessages(provider: WebsocketProvider): Received {
  const received: Received = { sync: 0, awareness: 0, saved: 0 };
  for (const [name, type] of COUNTED) {
    const handle = provider.messageHandlers[type]!;
    provider.messageHandlers[type] = (...args) => {
      received[name]++;
      handle(...args);
    };
  }
  return received;
}

export function connect(wsUrl: string, boardId: string, token: string, options: ClientOptions = {}): Client {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${wsUrl}/sync`, boardId, doc, {
    params: { token },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    connect: false,
  });
  if (options.awareness) provider.awareness.setLocalStateField('user', { name: `bench-${doc.clientID}`, color: '#888' });
  else provider.awareness.setLocalState(null);
  const save = new SaveTracker(provider);
  const received = countMessages(provider);
  provider.connect();
  return {
    doc, provider, save, received,
    destroy: () => {
      save.destroy();
      provider.destroy();
      doc.destroy();
    },
  };
}

export function synced(client: Client, timeoutMs: number): Promise<void> {
  if (client.provider.synced) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.provider.off('sync', onSync);
      reject(new Error(`not synced after ${timeoutMs} ms`));
    }, timeoutMs);
    const onSync = (isSynced: boolean) => {
      if (!isSynced) return;
      clearTimeout(timer);
      client.provider.off('sync', onSync);
      resolve();
    };
    client.provider.on('sync', onSync);
  });
}

/** Connects `count` clients, `wave` at a time, each wave synced before the next starts. */
export async function connectMany(
  count: number, wave: number, make: () => Client, timeoutMs: number,
): Promise<Client[]> {
  const clients: Client[] = [];
  try {
    for (let done = 0; done < count; done += wave) {
      const batch = Array.from({ length: Math.min(wave, count - done) }, make);
      clients.push(...batch);
      await Promise.all(batch.map((client) => synced(client, timeoutMs)));
    }
  } catch (error) {
    for (const client of clients) client.destroy();
    throw error;
  }
  return clients;
}

export function totalReceived(clients: Client[]): Received {
  const total: Received = { sync: 0, awareness: 0, saved: 0 };
  for (const { received } of clients) {
    total.sync += received.sync;
    total.awareness += received.awareness;
    total.saved += received.saved;
  }
  return total;
}
