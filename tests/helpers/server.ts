// A real server on a real port for tests, plus real y-websocket clients (the npm provider in Node).
import { WebsocketProvider } from 'y-websocket';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { buildApp, type AppOptions } from '../../server/app.js';
import { createBoard, type CreatedBoard } from '../../server/boards.js';
import { loadConfig, type Config } from '../../server/config.js';
import type { FastifyInstance } from 'fastify';
import { SaveTracker } from '../../client/lib/save-state.js';
import type { TestDatabase } from './databases.js';

export interface TestServer {
  app: FastifyInstance;
  url: string;
  wsUrl: string;
  close(): Promise<void>;
}

export async function startServer(
  db: TestDatabase, options: AppOptions = {}, overrides: Partial<Config> = {},
): Promise<TestServer> {
  const config = {
    ...loadConfig({ HOST: '127.0.0.1', PORT: '0', DATA_DIR: db.dataDir, DATABASE_URL: db.databaseUrl }),
    ...overrides,
  };
  const port = config.port;
  const app = await buildApp(config, options);
  const url = await app.listen({ host: '127.0.0.1', port });
  return { app, url, wsUrl: url.replace(/^http/, 'ws'), close: () => app.close() };
}

export function newBoard(server: TestServer, name = '测试小区', demo = false): Promise<CreatedBoard> {
  return createBoard(server.app.linli.store, { name, demo }, server.url);
}

export interface Lead {
  doc: Y.Doc;
  provider: WebsocketProvider;
  save: SaveTracker;
  destroy(): void;
}

export function connectLead(wsUrl: string, boardId: string, token: string, doc = new Y.Doc()): Lead {
  const provider = new WebsocketProvider(`${wsUrl}/sync`, boardId, doc, {
    params: { token },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    maxBackoffTime: 300,
  });
  const save = new SaveTracker(provider);
  return {
    doc, provider, save,
    destroy: () => {
      save.destroy();
      provider.destroy();
    },
  };
}

export function whenSynced(lead: Lead): Promise<void> {
  if (lead.provider.synced) return Promise.resolve();
  return new Promise((resolve) => lead.provider.once('sync', (synced: boolean) => synced && resolve()));
}

/** Polls until `check` is true; fails with `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A raw websocket that reports how the server closed it. */
export function rawSocket(url: string): Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(url);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  ws.on('error', () => {});
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, closed }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}
