// A real server on a real port for tests, plus real y-websocket clients (the npm provider in Node).
import { WebsocketProvider } from 'y-websocket';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { buildApp, type AppOptions } from '../../server/app.js';
import { createBoard, type CreatedBoard } from '../../server/boards.js';
import { loadConfig, type Config } from '../../server/config.js';
import type { FastifyInstance } from 'fastify';
import { SaveTracker } from '../../client/lib/save-state.js';
import { freshPglite, type TestDatabase } from './databases.js';

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

/** A running server with one board and a lead connected to it: the common start of a suite. */
export interface BoardFixture {
  db: TestDatabase;
  server: TestServer;
  board: CreatedBoard;
  lead: Lead;
  close(): Promise<void>;
}

export async function openBoard(name = '梧桐苑', demo = false, db: TestDatabase = freshPglite()): Promise<BoardFixture> {
  const server = await startServer(db);
  const board = await newBoard(server, name, demo);
  const lead = connectLead(server.wsUrl, board.id, board.leadToken);
  await whenSynced(lead);
  return {
    db, server, board, lead,
    close: async () => {
      lead.destroy();
      await server.close();
      await db.cleanup();
    },
  };
}

/** A volunteer's personal link, issued the way a lead does it (REST with the lead token). */
export async function volunteerLink(server: TestServer, board: CreatedBoard, volunteerId: string): Promise<{ token: string; url: string }> {
  const res = await fetch(`${server.url}/api/boards/${board.id}/volunteers/${volunteerId}/link`, {
    method: 'POST', headers: { authorization: `Bearer ${board.leadToken}` },
  });
  if (res.status !== 201) throw new Error(`link: HTTP ${res.status}`);
  return await res.json() as { token: string; url: string };
}
