// The app factory: everything wired, nothing listening. server/main.ts listens; tests use port 0.
import { timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { Server as Engine } from 'engine.io';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { Server as SocketServer } from 'socket.io';
import { z } from 'zod';
import type { ErrorCode } from '../shared/errors.js';
import { Tokens } from './auth.js';
import { createBoard, issueVolunteerLink } from './boards.js';
import type { Config } from './config.js';
import { sendError } from './errors.js';
import { setupLive } from './live/namespaces.js';
import { volunteerHub } from './live/volunteers.js';
import { ProjectionHub } from './live/hub.js';
import { displayView } from '../shared/display.js';
import { registerBoardRoutes } from './routes/board.js';
import { registerAdminLinkRoutes, registerLinkRoutes } from './routes/links.js';
import { registerRequestRoutes } from './routes/requests.js';
import { registerDataRoutes } from './routes/data.js';
import { registerSignupRoutes } from './routes/signups.js';
import { registerHistoryRoutes } from './routes/history.js';
import { MergeWorker } from './store/merge-worker.js';
import { openStore } from './store/open.js';
import type { Store } from './store/store.js';
import { RedisRelay } from './sync/relay.js';
import { Rooms } from './sync/rooms.js';
import { YjsEndpoint } from './sync/yjs-endpoint.js';
import { SOCKET_IO_PATH, originAllowed, routeUpgrades } from './upgrade.js';

export interface AppOptions {
  /** Use this store instead of opening the configured one (the caller closes it). */
  store?: Store;
  /** Bearer secret for the local admin endpoints the board CLI uses; unset = those are off. */
  adminSecret?: string;
  /** Base of links in admin answers; defaults to the request's own host. */
  publicUrl?: string;
  logger?: boolean;
  persistDelayMs?: number;
  compactAfterUpdates?: number;
  /** Rejected lead updates per link a minute before the link waits (the fuzz test lifts it). */
  rejectionsPerMinute?: number;
}

export interface Linli {
  config: Config;
  store: Store;
  rooms: Rooms;
  io: SocketServer;
  tokens: Tokens;
}

declare module 'fastify' {
  interface FastifyInstance {
    linli: Linli;
  }
}

const CLIENT_DIR = fileURLToPath(new URL('../dist/client/', import.meta.url));
const CLIENT_DIR_FROM_DIST = fileURLToPath(new URL('../client/', import.meta.url));
const SHUTDOWN_FLUSH_MS = 8_000;

export async function buildApp(config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ? { level: 'info' } : false,
    bodyLimit: 256 * 1024,
    forceCloseConnections: true,
  });
  const log = (message: string, error?: unknown) => app.log.error({ err: error }, message);
  const store = options.store ?? await openStore(config);
  const tokens = new Tokens(store, log);
  const merger = new MergeWorker();
  // Several processes serve the same boards through Redis (docs/multi-process.md).
  const relay = config.redisUrl ? await RedisRelay.connect(config.redisUrl, store, log) : undefined;
  const rooms = new Rooms(store, {
    idleMs: config.roomIdleMs, log, merge: (parts) => merger.merge(parts),
    persistDelayMs: options.persistDelayMs, compactAfterUpdates: options.compactAfterUpdates, relay,
  });
  const yjs = new YjsEndpoint({ rooms, tokens, store, maxFrameBytes: config.maxFrameBytes, rejectionsPerMinute: options.rejectionsPerMinute, log });
  const engine = new Engine({
    maxHttpBufferSize: 64 * 1024, pingInterval: 20_000,
    // Long-polling requests from another site's page are refused like its websocket upgrades.
    allowRequest: (req, callback) => callback(originAllowed(req, options.publicUrl) ? null : 'foreign origin', originAllowed(req, options.publicUrl)),
  });
  const io = new SocketServer({ path: SOCKET_IO_PATH, serveClient: false });
  if (relay) io.adapter(relay.socketIoAdapter());
  io.bind(engine);
  const live = setupLive(io, tokens);
  const volunteers = volunteerHub(live.volunteer, rooms, tokens, log);
  // The testing-site TV and residents' status page: aggregates only; the clock alone is no change.
  const displays = new ProjectionHub(live.display, rooms, tokens, log, {
    view: (board) => displayView(board),
    key: ({ at: _at, ...rest }) => rest,
  });
  routeUpgrades(app.server, yjs, engine, options.publicUrl);
  app.decorate('linli', { config, store, rooms, io, tokens });

  // engine.io's long-polling requests bypass Fastify's router.
  app.addHook('onRequest', async (req, reply) => {
    if (req.raw.url?.startsWith(SOCKET_IO_PATH)) {
      reply.hijack();
      engine.handleRequest(req.raw, reply.raw);
    }
  });

  app.setErrorHandler((error: { statusCode?: number; validation?: unknown; message: string }, _req, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) log('request failed', error);
    const code: ErrorCode = status === 413 ? 'tooLarge' : status === 500 ? 'internal' : 'invalid';
    return sendError(reply, status, code, status === 500 ? 'internal error' : error.message);
  });

  app.get('/healthz', async (_req, reply) => {
    const db = await Promise.race([
      store.ping().then(() => 'up' as const, () => 'down' as const),
      new Promise<'down'>((resolve) => setTimeout(() => resolve('down'), 2_000).unref()),
    ]);
    const redis = relay ? await relay.status() : 'off';
    return reply.status(db === 'up' ? 200 : 503).send({ ok: db === 'up', db, redis });
  });

  const base = (req: FastifyRequest) => options.publicUrl ?? `${req.protocol}://${req.headers.host ?? 'localhost'}`;
  registerLinkRoutes(app, base);
  registerAdminLinkRoutes(app, base);
  registerRequestRoutes(app);
  registerDataRoutes(app);
  registerSignupRoutes(app);
  registerHistoryRoutes(app);
  registerBoardRoutes(app);
  registerAdmin(app, store, options);
  await registerClient(app);

  // Before the server stops listening: save every board and close the websockets, which the
  // HTTP server would otherwise wait for forever.
  app.addHook('preClose', async () => {
    const saved = await rooms.closeAll(SHUTDOWN_FLUSH_MS);
    if (!saved) log('shutdown: some boards could not be saved (their leads will resend on reconnect)');
    yjs.close();
    volunteers.close();
    displays.close();
    io.local.disconnectSockets(true); // this process's sockets only, not every process's
    engine.close();
  });
  app.addHook('onClose', async () => {
    tokens.close();
    await merger.close();
    await relay?.close();
    if (!options.store) await store.close();
  });
  return app;
}

const CreateBoardBody = z.object({ name: z.string().trim().min(1).max(100), demo: z.boolean().default(false) }).strict();
const LinkBody = z.object({ volunteerId: z.string().min(1).max(64) }).strict();

/** Endpoints the board CLI uses while a server owns the embedded database. */
function registerAdmin(app: FastifyInstance, store: Store, options: AppOptions): void {
  const secret = options.adminSecret;
  if (!secret) return;
  const allowed = (header: string | undefined): boolean => {
    const given = Buffer.from(header?.replace(/^Bearer /, '') ?? '');
    const expected = Buffer.from(secret);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const base = (host: string | undefined) => options.publicUrl ?? `http://${host ?? 'localhost'}`;

  app.post('/api/admin/boards', async (req, reply) => {
    if (!allowed(req.headers.authorization)) return sendError(reply, 401, 'unauthorized', 'admin secret required');
    const body = CreateBoardBody.safeParse(req.body);
    if (!body.success) return sendError(reply, 400, 'invalid', body.error.issues[0]?.message ?? 'invalid body');
    return reply.status(201).send(await createBoard(store, body.data, base(req.headers.host)));
  });

  app.post<{ Params: { boardId: string } }>('/api/admin/boards/:boardId/volunteer-links', async (req, reply) => {
    if (!allowed(req.headers.authorization)) return sendError(reply, 401, 'unauthorized', 'admin secret required');
    const body = LinkBody.safeParse(req.body);
    if (!body.success) return sendError(reply, 400, 'invalid', body.error.issues[0]?.message ?? 'invalid body');
    const link = await issueVolunteerLink(store, req.params.boardId, body.data.volunteerId, base(req.headers.host));
    if (!link.ok) return sendError(reply, 404, link.code, link.message);
    return reply.status(201).send(link.value);
  });
}

/** Serves the built client; every page path gets index.html (the client routes by path). */
async function registerClient(app: FastifyInstance): Promise<void> {
  const root = [CLIENT_DIR, CLIENT_DIR_FROM_DIST].find((dir) => existsSync(`${dir}/index.html`));
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!;
    if (root && req.method === 'GET' && !path.startsWith('/api/') && !path.includes('.')) {
      return reply.type('text/html').sendFile('index.html', root);
    }
    return sendError(reply, 404, 'notFound', `${req.method} ${path}`);
  });
  if (!root) return;
  await app.register(fastifyStatic, { root, wildcard: false, maxAge: '1h', index: ['index.html'] });
}
