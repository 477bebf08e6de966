// Several server processes behind Redis (issue #8), all real: server/main.ts as child processes,
// a redis-server child, Postgres, y-websocket leads, socket.io phones and displays. A small TCP
// proxy stands in for the load balancer, so a lead whose process dies reconnects to the other
// with the same provider and the same save tracker.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, connect, type Server, type Socket as NetSocket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient, type Socket } from 'socket.io-client';
import * as Y from 'yjs';
import type { CommandAck } from '../../shared/commands.js';
import type { DisplayView } from '../../shared/display.js';
import { readBoard } from '../../shared/doc.js';
import { addBuilding, addVolunteer, assignTask, createTask, moveTask } from '../../shared/mutations.js';
import type { VolunteerView } from '../../shared/projections.js';
import { callNext, planRound } from '../../shared/testing.js';
import { createBoard, type CreatedBoard } from '../../server/boards.js';
import { openStore } from '../../server/store/open.js';
import { freshPostgres, realPostgresUrl, type TestDatabase } from '../helpers/databases.js';
import { freePort } from '../helpers/net.js';
import { connectLead, waitFor, whenSynced, type Lead } from '../helpers/server.js';

const REDIS_BIN = process.env.REDIS_SERVER_PATH || '/usr/bin/redis-server';
const hasRedis = existsSync(REDIS_BIN);
const ready = hasRedis && realPostgresUrl !== undefined;
if (!ready) {
  const missing = [!hasRedis && `redis-server (${REDIS_BIN})`, !realPostgresUrl && 'DATABASE_URL (a real Postgres)'].filter(Boolean);
  const message = `\n*** Multi-process tests SKIPPED: no ${missing.join(' and no ')}. ***\n`;
  if (process.env.CI) throw new Error(message);
  console.warn(message);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function killHard(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
  await exited(child);
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(REDIS_BIN, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
    child.stdout!.on('data', (chunk) => {
      out += String(chunk);
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', () => reject(new Error(`redis-server exited: ${out}`)));
  });
  return child;
}

interface ServerChild {
  child: ChildProcess;
  port: number;
  url: string;
  wsUrl: string;
}

async function startServer(db: TestDatabase, redisUrl: string): Promise<ServerChild> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: {
      ...process.env, HOST: '127.0.0.1', PORT: String(port), DATA_DIR: db.dataDir,
      DATABASE_URL: db.databaseUrl ?? '', REDIS_URL: redisUrl,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => { stderr = (stderr + String(chunk)).slice(-4000); });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited: ${stderr}`);
    const health = await fetch(`${url}/healthz`).then((r) => r.json() as Promise<{ ok: boolean; redis: string }>, () => null);
    if (health?.ok && health.redis === 'up') return { child, port, url, wsUrl: `ws://127.0.0.1:${port}` };
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`server did not become healthy: ${stderr}`);
}

async function redisHealth(server: ServerChild): Promise<string | null> {
  const health = await fetch(`${server.url}/healthz`).then((r) => r.json() as Promise<{ redis: string }>, () => null);
  return health?.redis ?? null;
}

/** The load balancer in front of the processes: new connections go to `target`. */
class Proxy {
  private readonly sockets = new Set<NetSocket>();
  private constructor(private readonly server: Server, public target: number) {
    server.on('connection', (client) => {
      const upstream = connect(this.target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => { client.destroy(); upstream.destroy(); });
        s.on('close', () => { this.sockets.delete(s); client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream).pipe(client);
    });
  }

  static async start(target: number): Promise<Proxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new Proxy(server, target);
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  /** Sends new connections elsewhere and cuts the current ones (their clients reconnect). */
  retarget(port: number): void {
    this.target = port;
    for (const s of this.sockets) s.destroy();
  }

  close(): void {
    for (const s of this.sockets) s.destroy();
    this.server.close();
  }
}

/** The board exactly as Postgres holds it (snapshots and log), read with a store of its own. */
async function fromPostgres(db: TestDatabase, boardId: string): Promise<Y.Doc> {
  const store = await openStore(db);
  try {
    const stored = await store.loadDoc(boardId);
    const doc = new Y.Doc();
    for (const part of stored.parts) Y.applyUpdate(doc, part);
    return doc;
  } finally {
    await store.close();
  }
}

const stateVector = (doc: Y.Doc) => Buffer.from(Y.encodeStateVector(doc)).toString('hex');

/** A stream of new cards from one lead, remembering each card's clock to tell which were reported saved. */
class EditStream {
  readonly created: { id: string; clock: number }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private n = 0;

  constructor(private readonly lead: Lead, private readonly name: string) {}

  edit(): void {
    const t = createTask(this.lead.doc, { title: `${this.name}-${this.n++}`, kind: 'other', priority: 'normal' });
    if (!t.ok) throw new Error(t.message);
    if (this.n % 3 === 0) moveTask(this.lead.doc, { taskId: t.value, to: null, beforeId: null });
    this.created.push({ id: t.value, clock: Y.getState(this.lead.doc.store, this.lead.doc.clientID) });
  }

  start(everyMs = 10): void {
    this.timer = setInterval(() => this.edit(), everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Cards whose clock the lead's process has confirmed as committed. */
  saved(): string[] {
    const clock = this.lead.save.savedClock(this.lead.doc.clientID);
    return this.created.filter((c) => c.clock <= clock).map((c) => c.id);
  }

  all(): string[] {
    return this.created.map((c) => c.id);
  }
}

function missingFrom(doc: Y.Doc, ids: string[]): string[] {
  const tasks = readBoard(doc).tasks;
  return ids.filter((id) => !tasks.has(id));
}

describe.skipIf(!ready)('several processes behind Redis', () => {
  let db: TestDatabase;
  let board: CreatedBoard;
  let redisPort: number;
  let redis: ChildProcess | undefined;
  let p1: ServerChild;
  let p2: ServerChild;
  let proxy: Proxy;
  /** Lead A reaches its process through the proxy (p1 until it dies); lead B is on p2. */
  let a: Lead;
  let b: Lead;
  const sockets: Socket[] = [];
  const children: ChildProcess[] = [];

  const start = async () => {
    const server = await startServer(db, `redis://127.0.0.1:${redisPort}`);
    children.push(server.child);
    return server;
  };

  beforeAll(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    db = await freshPostgres();
    const setup = await openStore(db);
    // Created before the processes start, so neither seeds the demo board.
    board = await createBoard(setup, { name: '多进程小区', demo: false }, 'http://localhost');
    await setup.close();
    [p1, p2] = await Promise.all([start(), start()]);
    proxy = await Proxy.start(p1.port);
    a = connectLead(proxy.wsUrl, board.id, board.leadToken);
    b = connectLead(p2.wsUrl, board.id, board.leadToken);
    await Promise.all([whenSynced(a), whenSynced(b)]);
  }, 120_000);

  afterAll(async () => {
    a?.destroy();
    b?.destroy();
    for (const socket of sockets) socket.close();
    proxy?.close();
    await Promise.all(children.map(killHard));
    if (redis) {
      redis.kill('SIGTERM');
      await exited(redis);
    }
    await db?.cleanup();
  });

  it('leads on two processes, a volunteer on one and a display on the other all see each other\'s changes', async () => {
    const building = addBuilding(a.doc, { label: '1号', area: 'A', floors: 6, households: 24, residents: 60 });
    const volunteer = addVolunteer(a.doc, { name: '李明', health: 'eligible' });
    if (!building.ok || !volunteer.ok) throw new Error('setup');
    await waitFor(() => readBoard(b.doc).volunteers.has(volunteer.value), 'lead A\'s volunteer on lead B');

    const task = createTask(b.doc, { title: '1号502 需要胰岛素', kind: 'medicineRun', priority: 'urgent', buildingId: building.value, room: '502' });
    if (!task.ok) throw new Error(task.message);
    await waitFor(() => readBoard(a.doc).tasks.has(task.value), 'lead B\'s card on lead A');

    // Presence crosses processes too.
    a.provider.awareness.setLocalStateField('user', { name: 'A 在 1 号进程' });
    await waitFor(() => [...b.provider.awareness.getStates().values()].some((s) => s.user?.name === 'A 在 1 号进程'), 'lead A\'s presence on lead B');

    // A volunteer's phone on process 2 gets the card lead A (process 1) assigns…
    const res = await fetch(`${p2.url}/api/boards/${board.id}/volunteers/${volunteer.value}/link`, {
      method: 'POST', headers: { authorization: `Bearer ${board.leadToken}` },
    });
    expect(res.status).toBe(201);
    const { token } = await res.json() as { token: string };
    const phone = ioClient(`${p2.url}/volunteer`, { auth: { token }, transports: ['websocket'], reconnection: false });
    sockets.push(phone);
    const views: VolunteerView[] = [];
    phone.on('view', (view: VolunteerView) => views.push(view));
    await waitFor(() => views.length > 0, 'the phone\'s first view');
    assignTask(a.doc, task.value, volunteer.value);
    await waitFor(() => views.at(-1)?.tasks.some((t) => t.id === task.value) ?? false, 'the assignment on the phone');

    // …and its accept, applied on process 2, shows on lead A's board on process 1.
    const ack = await phone.timeout(5_000).emitWithAck('command', { type: 'task.accept', commandId: 'mp-accept-1', taskId: task.value }) as CommandAck;
    expect(ack).toEqual({ ok: true });
    await waitFor(() => readBoard(a.doc).tasks.get(task.value)?.status === 'accepted', 'the accept on lead A');

    // The testing-site TV on process 1 follows lead B calling the next batch on process 2.
    const tv = ioClient(`${p1.url}/display`, { auth: { token: board.displayToken }, transports: ['websocket'], reconnection: false });
    sockets.push(tv);
    const screens: DisplayView[] = [];
    tv.on('view', (view: DisplayView) => screens.push(view));
    await waitFor(() => screens.length > 0, 'the display\'s first view');
    await waitFor(() => readBoard(b.doc).buildings.has(building.value), 'the building on lead B');
    const round = planRound(b.doc, { name: '第 1 轮核酸', kind: 'pcr', date: '2022-04-08', batchSize: 20 });
    if (!round.ok) throw new Error(round.message);
    callNext(b.doc, round.value);
    await waitFor(() => screens.at(-1)?.now[0]?.building === '1号', 'now calling on the display');

    await Promise.all([a.save.whenSaved(), b.save.whenSaved()]);
    const stored = readBoard(await fromPostgres(db, board.id));
    expect(stored.tasks.get(task.value)?.status).toBe('accepted');
    expect(stored.queues.has(round.value)).toBe(true);
    phone.close();
    tv.close();
  }, 60_000);

  it('kill -9 of a process loses nothing saved; its lead reconnects to the other process and converges', async () => {
    const streamA = new EditStream(a, 'a');
    const streamB = new EditStream(b, 'b');
    streamA.start();
    streamB.start();
    await waitFor(() => streamA.saved().length > 30 && streamB.saved().length > 30, 'saved edits on both processes', 45_000);

    await killHard(p1.child);
    const savedBeforeKill = [...streamA.saved(), ...streamB.saved()];
    // What process 1 confirmed is in Postgres before anyone resends anything.
    expect(missingFrom(await fromPostgres(db, board.id), savedBeforeKill)).toEqual([]);

    proxy.retarget(p2.port);
    await sleep(300); // lead A keeps editing while it finds process 2
    streamA.stop();
    streamB.stop();
    expect(savedBeforeKill.length).toBeLessThan(streamA.all().length + streamB.all().length);

    await Promise.all([a.save.whenSaved(), b.save.whenSaved()]);
    const all = [...streamA.all(), ...streamB.all()];
    await waitFor(() => stateVector(a.doc) === stateVector(b.doc), 'lead A and lead B converged', 15_000);
    const stored = await fromPostgres(db, board.id);
    expect(missingFrom(stored, all)).toEqual([]);
    expect(stateVector(stored)).toBe(stateVector(a.doc));
    expect(readBoard(b.doc).problems).toEqual([]);

    // Process 1 comes back for the next cases; lead A moves back to it.
    p1 = await start();
    proxy.retarget(p1.port);
    await waitFor(() => a.provider.wsconnected && a.provider.synced, 'lead A on the new process 1');
  }, 90_000);

  it('SIGTERM saves everything and exits within 10 s; the lead moves to the other process and converges', async () => {
    const streamA = new EditStream(a, 'ta');
    const streamB = new EditStream(b, 'tb');
    streamA.start();
    streamB.start();
    await waitFor(() => streamA.saved().length > 20 && streamB.saved().length > 20, 'saved edits', 45_000);

    const stopping = Date.now();
    p1.child.kill('SIGTERM');
    await exited(p1.child);
    const tookMs = Date.now() - stopping;
    expect(p1.child.exitCode).toBe(0);
    expect(tookMs).toBeLessThan(10_000);
    // Includes the notices of the shutdown's last commits.
    const savedAtExit = streamA.saved();
    expect(savedAtExit.length).toBeGreaterThan(20);
    const savedNow = [...savedAtExit, ...streamB.saved()]; // before reading: lead B goes on saving
    expect(missingFrom(await fromPostgres(db, board.id), savedNow)).toEqual([]);

    proxy.retarget(p2.port);
    await sleep(200);
    streamA.stop();
    streamB.stop();
    await Promise.all([a.save.whenSaved(), b.save.whenSaved()]);
    await waitFor(() => stateVector(a.doc) === stateVector(b.doc), 'convergence', 15_000);
    const stored = await fromPostgres(db, board.id);
    expect(missingFrom(stored, [...streamA.all(), ...streamB.all()])).toEqual([]);
    expect(stateVector(stored)).toBe(stateVector(a.doc));

    p1 = await start();
    proxy.retarget(p1.port);
    await waitFor(() => a.provider.wsconnected && a.provider.synced, 'lead A on the new process 1');
  }, 90_000);

  it('Redis restarting under load loses nothing saved; afterwards both processes and Postgres agree', async () => {
    const streamA = new EditStream(a, 'ra');
    const streamB = new EditStream(b, 'rb');
    streamA.start(15);
    streamB.start(15);
    await waitFor(() => streamA.saved().length > 10 && streamB.saved().length > 10, 'saved edits', 45_000);

    redis!.kill('SIGKILL');
    await exited(redis!);
    await until(async () => (await redisHealth(p1)) === 'down' && (await redisHealth(p2)) === 'down', 'healthz saying redis is down');
    // Each process goes on saving its own clients' edits while Redis is away.
    const aBefore = streamA.saved().length;
    const bBefore = streamB.saved().length;
    await waitFor(() => streamA.saved().length > aBefore + 10 && streamB.saved().length > bBefore + 10, 'saves during the outage', 15_000);
    // Both leads' edits in the outage are in Postgres even though neither process has heard of the other's.
    const savedInOutage = [...streamA.saved(), ...streamB.saved()];
    expect(missingFrom(await fromPostgres(db, board.id), savedInOutage)).toEqual([]);

    redis = await startRedis(redisPort);
    await until(async () => (await redisHealth(p1)) === 'up' && (await redisHealth(p2)) === 'up', 'healthz saying redis is up');
    await sleep(300);
    streamA.stop();
    streamB.stop();

    await Promise.all([a.save.whenSaved(), b.save.whenSaved()]);
    await waitFor(() => stateVector(a.doc) === stateVector(b.doc), 'the processes agreeing after Redis came back', 15_000);
    const all = [...streamA.all(), ...streamB.all()];
    expect(missingFrom(a.doc, all)).toEqual([]);
    expect(missingFrom(b.doc, all)).toEqual([]);
    const stored = await fromPostgres(db, board.id);
    expect(stateVector(stored)).toBe(stateVector(a.doc));
    expect(missingFrom(stored, all)).toEqual([]);
  }, 90_000);
});

describe.skipIf(!realPostgresUrl)('compaction under the advisory lock', () => {
  let db: TestDatabase;
  afterAll(async () => db?.cleanup());

  it('two processes compacting one board at once: one goes through, the other is told busy, nothing is lost', async () => {
    db = await freshPostgres();
    // Two stores = two connection pools, as two server processes would have.
    const [first, second] = await Promise.all([openStore(db), openStore(db)]);
    try {
      const created = await createBoard(first, { name: '压缩', demo: false }, 'http://localhost');
      const writer = new Y.Doc();
      const ids: string[] = [];
      const append = async (store: typeof first, count: number) => {
        for (let i = 0; i < count; i++) {
          let update: Uint8Array | null = null;
          const capture = (u: Uint8Array) => { update = u; };
          writer.once('update', capture);
          const t = createTask(writer, { title: `c-${ids.length}`, kind: 'other', priority: 'normal' });
          if (!t.ok || !update) throw new Error('edit');
          ids.push(t.value);
          await store.appendUpdates(created.id, [{ data: update, actor: 'test' }]);
        }
      };
      await append(first, 30);
      const before = await first.logSize(created.id);

      let entered!: () => void;
      const inMerge = new Promise<void>((resolve) => { entered = resolve; });
      let release!: () => void;
      const gate = new Promise<void>((resolve) => { release = resolve; });
      const slow = first.compact(created.id, async (parts) => {
        entered();
        await gate;
        return Y.mergeUpdates(parts);
      });
      await inMerge;
      let secondMerged = false;
      const refused = await second.compact(created.id, (parts) => { secondMerged = true; return Y.mergeUpdates(parts); });
      expect(refused).toEqual({ merged: 0, bytes: 0, busy: true });
      expect(secondMerged).toBe(false);
      // Edits committed by the other process while the first one merges stay in the log.
      await append(second, 10);
      release();
      const done = await slow;
      expect(done.merged).toBe(before);
      expect(await second.logSize(created.id)).toBe(10);

      // The lock is free again: the other process can now compact what is left.
      const next = await second.compact(created.id, (parts) => Y.mergeUpdates(parts));
      expect(next.busy).toBeUndefined();
      expect(next.merged).toBe(10);
      const stored = await second.loadDoc(created.id);
      expect(stored).toMatchObject({ snapshots: 1, updates: 0 });
      const doc = new Y.Doc();
      for (const part of stored.parts) Y.applyUpdate(doc, part);
      expect(missingFrom(doc, ids)).toEqual([]);
      expect(readBoard(doc).tasks.size).toBe(ids.length);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  }, 60_000);
});
