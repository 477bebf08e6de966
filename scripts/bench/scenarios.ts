// The measurements, each against a running ServerProcess. Every loop is bounded in count and
// time, and every client a scenario opens is destroyed before it returns.
import { connect, connectMany, synced, totalReceived, type Client, type Received } from './clients.js';
import type { BenchBoard } from './fixtures.js';
import { machineCpuMs } from './machine.js';
import { EditMeter } from './meters.js';
import { ClockLog, match, type Sample } from './observe.js';
import type { ProbeReply, Span } from './probe-protocol.js';
import { ReceiverPool } from './receivers.js';
import type { ServerProcess } from './server-process.js';
import { max, percentile } from './stats.js';

const WRITERS = 2;
const RECEIVER_THREADS = 2;
const SYNC_TIMEOUT_MS = 60_000;
const DRAIN_TIMEOUT_MS = 10_000;
const SETTLE_MS = 500;
const WARM_UP_MS = 2_000;
/** After a join storm, let its messages drain before measuring. */
const SETTLE_PER_CLIENT_MS = 4;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Distribution {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function distribution(samples: number[]): Distribution {
  return { n: samples.length, p50: percentile(samples, 50), p99: percentile(samples, 99), max: max(samples) };
}

function destroyAll(clients: Client[]): void {
  for (const client of clients) client.destroy();
}

function sum(a: Received, b: Received): Received {
  return { sync: a.sync + b.sync, awareness: a.awareness + b.awareness, saved: a.saved + b.saved };
}

// ---------------------------------------------------------------- an edit stream

interface EditRun {
  edits: number;
  delivery: Sample[];
  expected: number;
  saved: Sample[];
  received: Received;
  serverCpuMs: number;
  benchCpuMs: number;
  /** Busy CPU time of the whole machine: beyond the server and the bench, that is other work. */
  machineBusyMs: number;
  wallMs: number;
  /** The busiest receiver thread's share of busy time (0–1) and its event-loop delay p99. */
  receiverBusy: number;
  receiverLoopP99Ms: number;
  probe: ProbeReply;
}

/**
 * The writers edit at `ratePerS` for `durationMs` (after a short unmeasured warm-up); then waits
 * (bounded) until every client has every edit and the writers report saved. Server CPU covers the
 * measured edits and that drain.
 */
async function editRun(
  server: ServerProcess, writers: Client[], pool: ReceiverPool, clients: number, ratePerS: number, durationMs: number,
): Promise<EditRun> {
  // Unmeasured edits first: they warm up the JIT on both sides and drain what the joins left queued.
  const warmUp = new EditMeter(writers);
  await warmUp.run(ratePerS, WARM_UP_MS);
  warmUp.stop();
  await sleep(SETTLE_MS);

  const meter = new EditMeter(writers);
  const writerLog = new ClockLog();
  writers.forEach((writer, i) => writerLog.watch(writer, i, meter.writerIds));
  const writerReceived = totalReceived(writers);
  await pool.watch(meter.writerIds);
  await server.probe({ reset: true });
  const cpu0 = server.cpuMs();
  const bench0 = process.cpuUsage();
  const machine0 = machineCpuMs().busy;
  const wall0 = performance.now();
  try {
    await meter.run(ratePerS, durationMs);
    const target = meter.finalClocks;
    const deadline = performance.now() + DRAIN_TIMEOUT_MS;
    while (performance.now() < deadline) {
      const [receivers, others] = [await pool.reached(WRITERS), writerLog.reached(WRITERS)];
      if (meter.allSaved && target.every((clock, w) => receivers[w]! >= clock && others[w]! >= clock)) break;
      await sleep(20);
    }
  } finally {
    meter.stop();
  }
  const wallMs = performance.now() - wall0;
  const serverCpuMs = server.cpuMs() - cpu0;
  const bench = process.cpuUsage(bench0);
  const machineBusyMs = machineCpuMs().busy - machine0;
  const probe = await server.probe({ reset: true });
  const collected = await pool.collect();
  const writersGot = totalReceived(writers);
  return {
    edits: meter.edits,
    delivery: match(meter.sent, [writerLog.stop(), ...collected.map((c) => c.log)]),
    expected: meter.edits * (clients - 1),
    saved: meter.saved,
    received: collected.reduce((total, c) => sum(total, c.received), {
      sync: writersGot.sync - writerReceived.sync,
      awareness: writersGot.awareness - writerReceived.awareness,
      saved: writersGot.saved - writerReceived.saved,
    }),
    serverCpuMs,
    benchCpuMs: (bench.user + bench.system) / 1000,
    machineBusyMs,
    wallMs,
    receiverBusy: Math.max(...collected.map((c) => c.utilization)),
    receiverLoopP99Ms: Math.max(...collected.map((c) => c.loopP99Ms)),
    probe,
  };
}

/** The writers run on the main thread: they edit, and their SaveTrackers time the saves. */
function joinWriters(server: ServerProcess, board: BenchBoard, awareness: boolean): Promise<Client[]> {
  return connectMany(WRITERS, WRITERS, () => connect(server.wsUrl, board.id, board.token, { awareness }), SYNC_TIMEOUT_MS);
}

/** Everyone else is a receiver, in the worker threads. */
function joinReceivers(server: ServerProcess, board: BenchBoard, count: number, awareness: boolean): Promise<ReceiverPool> {
  return ReceiverPool.open(RECEIVER_THREADS, {
    wsUrl: server.wsUrl, boardId: board.id, token: board.token, count, awareness, firstIndex: WRITERS,
  });
}

// ---------------------------------------------------------------- fan-out

export interface FanOutOptions {
  clients: number;
  ratePerS: number;
  durationMs: number;
  awareness: boolean;
  /** Also measure RSS per connection while the clients join. */
  measureMemory: boolean;
}

export interface FanOutResult {
  clients: number;
  awareness: boolean;
  connectMs: number;
  edits: number;
  delivered: number;
  expected: number;
  latency: Distribution;
  saved: Distribution;
  commitMs: Distribution;
  serverCpuMs: number;
  wallMs: number;
  cpuUsPerDelivery: number;
  cpuMsPerEdit: number;
  /** Messages each receiver got per edit, by type. */
  messagesPerDelivery: Received;
  benchCpuPct: number;
  /** CPU used by anything else on the machine (kernel work for the sockets included), % of one core. */
  otherCpuPct: number;
  receiverBusyPct: number;
  receiverLoopP99Ms: number;
  serverLoopMaxMs: number;
  memory: { connections: number; rssPerConnection: number; heapPerConnection: number } | null;
}

export async function fanOut(server: ServerProcess, board: BenchBoard, options: FanOutOptions): Promise<FanOutResult> {
  let writers: Client[] = [];
  let pool: ReceiverPool | null = null;
  try {
    const joinStart = performance.now();
    writers = await joinWriters(server, board, options.awareness);
    // The writers have loaded the room, so the memory delta is the receivers' connections alone.
    const before = options.measureMemory ? await server.settledMemory() : null;
    pool = await joinReceivers(server, board, options.clients - WRITERS, options.awareness);
    const connectMs = performance.now() - joinStart;
    const after = options.measureMemory ? await server.settledMemory() : null;
    await sleep(Math.max(SETTLE_MS, options.clients * SETTLE_PER_CLIENT_MS));

    const run = await editRun(server, writers, pool, options.clients, options.ratePerS, options.durationMs);
    const delivered = run.delivery.length;
    const per = (count: number) => count / run.expected;
    return {
      clients: options.clients,
      awareness: options.awareness,
      connectMs,
      edits: run.edits,
      delivered,
      expected: run.expected,
      latency: distribution(run.delivery.map((s) => s.ms)),
      saved: distribution(run.saved.map((s) => s.ms)),
      commitMs: distribution(run.probe.commits.map((s) => s.end - s.start)),
      serverCpuMs: run.serverCpuMs,
      wallMs: run.wallMs,
      cpuUsPerDelivery: (run.serverCpuMs * 1000) / delivered,
      cpuMsPerEdit: run.serverCpuMs / run.edits,
      messagesPerDelivery: { sync: per(run.received.sync), saved: per(run.received.saved), awareness: per(run.received.awareness) },
      benchCpuPct: (run.benchCpuMs / run.wallMs) * 100,
      otherCpuPct: (Math.max(0, run.machineBusyMs - run.serverCpuMs - run.benchCpuMs) / run.wallMs) * 100,
      receiverBusyPct: run.receiverBusy * 100,
      receiverLoopP99Ms: run.receiverLoopP99Ms,
      serverLoopMaxMs: run.probe.loopMaxMs,
      memory: before && after ? {
        connections: options.clients - WRITERS,
        rssPerConnection: (after.rss - before.rss) / (options.clients - WRITERS),
        heapPerConnection: (after.heap + after.external - before.heap - before.external) / (options.clients - WRITERS),
      } : null,
    };
  } finally {
    destroyAll(writers);
    await pool?.close();
    await sleep(SETTLE_MS);
  }
}

// ---------------------------------------------------------------- joins and board memory

export interface JoinResult {
  boardTasks: number;
  cold: Distribution;
  warm: Distribution;
  boards: number;
  rssPerBoard: number;
  heapPerBoard: number;
  /** The longest the server's event loop was blocked during the cold joins, and during the warm ones. */
  coldLoopMaxMs: number;
  warmLoopMaxMs: number;
}

async function timedJoin(server: ServerProcess, board: BenchBoard): Promise<{ client: Client; ms: number }> {
  const start = performance.now();
  const client = connect(server.wsUrl, board.id, board.token);
  try {
    await synced(client, SYNC_TIMEOUT_MS);
  } catch (error) {
    client.destroy();
    throw error;
  }
  return { client, ms: performance.now() - start };
}

/**
 * Cold joins load each board (nothing else loads them first); the server's memory is read before
 * and after, with one client still on each board. Warm joins then go to the loaded boards.
 */
export async function joins(server: ServerProcess, boards: BenchBoard[], boardTasks: number, warmJoins: number): Promise<JoinResult> {
  const clients: Client[] = [];
  try {
    const before = await server.settledMemory();
    await server.probe({ reset: true });
    const cold: number[] = [];
    for (const board of boards) {
      const join = await timedJoin(server, board);
      clients.push(join.client);
      cold.push(join.ms);
    }
    const after = await server.settledMemory();
    const coldProbe = await server.probe({ reset: true });
    const warm: number[] = [];
    for (let i = 0; i < warmJoins; i++) {
      const join = await timedJoin(server, boards[i % boards.length]!);
      join.client.destroy();
      warm.push(join.ms);
    }
    const warmProbe = await server.probe({ reset: true });
    return {
      boardTasks,
      cold: distribution(cold),
      warm: distribution(warm),
      boards: boards.length,
      rssPerBoard: (after.rss - before.rss) / boards.length,
      heapPerBoard: (after.heap + after.external - before.heap - before.external) / boards.length,
      coldLoopMaxMs: coldProbe.loopMaxMs,
      warmLoopMaxMs: warmProbe.loopMaxMs,
    };
  } finally {
    destroyAll(clients);
  }
}

// ---------------------------------------------------------------- compaction

export interface CompactionResult {
  clients: number;
  edits: number;
  compactions: Span[];
  during: Distribution;
  outside: Distribution;
  savedDuring: Distribution;
  savedOutside: Distribution;
  serverLoopMaxMs: number;
  otherCpuPct: number;
}

/** Samples whose edit was in flight (made, not yet seen) while any span ran. */
function split(samples: Sample[], spans: Span[]): { during: number[]; outside: number[] } {
  const during: number[] = [];
  const outside: number[] = [];
  for (const s of samples) {
    const inFlight = spans.some((span) => s.sentAt <= span.end && s.sentAt + s.ms >= span.start);
    (inFlight ? during : outside).push(s.ms);
  }
  return { during, outside };
}

export async function compaction(
  server: ServerProcess, board: BenchBoard, options: { clients: number; ratePerS: number; durationMs: number },
): Promise<CompactionResult> {
  let writers: Client[] = [];
  let pool: ReceiverPool | null = null;
  try {
    writers = await joinWriters(server, board, false);
    pool = await joinReceivers(server, board, options.clients - WRITERS, false);
    await sleep(SETTLE_MS);
    const run = await editRun(server, writers, pool, options.clients, options.ratePerS, options.durationMs);
    const delivery = split(run.delivery, run.probe.compactions);
    const saved = split(run.saved, run.probe.compactions);
    return {
      clients: options.clients,
      edits: run.edits,
      compactions: run.probe.compactions,
      during: distribution(delivery.during),
      outside: distribution(delivery.outside),
      savedDuring: distribution(saved.during),
      savedOutside: distribution(saved.outside),
      serverLoopMaxMs: run.probe.loopMaxMs,
      otherCpuPct: (Math.max(0, run.machineBusyMs - run.serverCpuMs - run.benchCpuMs) / run.wallMs) * 100,
    };
  } finally {
    destroyAll(writers);
    await pool?.close();
  }
}
