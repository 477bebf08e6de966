// npm run bench:multi: two server processes behind one redis-server and one Postgres, 1,000
// boards, 10,000 lead connections (raw y-websocket protocol, from two load-generator processes),
// every board served by both processes. Measures how long an edit takes to reach the other leads
// of its board on the same process and on the other one, server memory per board and per
// connection, and the CPU, Redis and Postgres load. Needs DATABASE_URL (a real Postgres) and
// redis-server. Writes .bench/multi.md. BENCH_BOARDS / BENCH_PER_BOARD make a smaller run.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { openStore } from '../server/store/open.js';
import type { Store } from '../server/store/store.js';
import { freshPostgres, realPostgresUrl, type TestDatabase } from '../tests/helpers/databases.js';
import { freePort } from '../tests/helpers/net.js';
import { boardState, seedBoard, type BenchBoard } from './bench/fixtures.js';
import { machineCpuMs } from './bench/machine.js';
import type { GeneratorBoard, GeneratorRequest, RunResult } from './bench/multi-generator.js';
import { ServerProcess } from './bench/server-process.js';
import { fmt, kib, max, mib, percentile, table } from './bench/stats.js';

const BOARDS = Number(process.env.BENCH_BOARDS ?? 1_000);
const PER_BOARD = Number(process.env.BENCH_PER_BOARD ?? 10);
/** A demo-sized compound board (梧桐苑 has 54 cards and 120 volunteers). */
const BOARD_TASKS = 60;
const BOARD_VOLUNTEERS = 120;
const GENERATORS = 2;
/** One edit every 5 s on every board at once: a whole district in a busy testing round. */
const RATE_PER_BOARD_PER_S = 0.2;
const WARM_UP_MS = 5_000;
const RUN_MS = 30_000;
const DRAIN_MS = 3_000;
const SETTLE_MS = 3_000;
const SEED_CONCURRENCY = 8;
const WATCHDOG_MS = 15 * 60_000;
const REQUEST_TIMEOUT_MS = 5 * 60_000;
/** The measured window waits (this long at most) until other work uses less than QUIET_SHARE of the cores. */
const QUIET_WAIT_MS = 5 * 60_000;
const QUIET_SHARE = 0.2;
const QUIET_PROBE_MS = 2_000;
const REDIS_BIN = process.env.REDIS_SERVER_PATH || '/usr/bin/redis-server';
const CLOCK_TICKS_PER_S = 100;
const REPO = fileURLToPath(new URL('../', import.meta.url));
const GENERATOR = fileURLToPath(new URL('./bench/multi-generator.ts', import.meta.url));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (step: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${step}`);

function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
}

function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line?.match(/(\d+)/)?.[1] ?? 0) * 1024;
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(REDIS_BIN, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'inherit'],
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

class Generator {
  private readonly child = spawn(process.execPath, ['--import', 'tsx', GENERATOR], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: { ok: boolean; value?: unknown; error?: string }) => void>();

  constructor() {
    this.child.on('message', (reply: { id: number; ok: boolean; value?: unknown; error?: string }) => {
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  request<T>(request: GeneratorRequest): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`generator: no answer to ${request.type}`)), REQUEST_TIMEOUT_MS);
      this.waiting.set(id, (reply) => {
        clearTimeout(timer);
        if (reply.ok) resolve(reply.value as T);
        else reject(new Error(`generator: ${reply.error}`));
      });
      this.child.send({ ...request, id });
    });
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

async function seed(store: Store, state: Uint8Array): Promise<BenchBoard[]> {
  const boards: BenchBoard[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < BOARDS; i = next++) boards[i] = await seedBoard(store, `bench 小区 #${i + 1}`, state);
  };
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker));
  return boards;
}

interface Memory {
  heap: number;
  rss: number;
}

async function memory(servers: ServerProcess[]): Promise<Memory[]> {
  return Promise.all(servers.map(async (s) => {
    const m = await s.settledMemory();
    return { heap: m.heap + m.external, rss: m.rss };
  }));
}

const sumOf = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** CPU (ms) of the bench's own processes: this one, the servers, the generators, redis-server. */
function ownCpuMs(pids: number[]): number {
  const self = process.cpuUsage();
  return (self.user + self.system) / 1000 + sumOf(pids.map(cpuMsOf));
}

/** Share of all cores used by anything else on the machine (other work, and Postgres) over `ms`. */
async function othersShare(pids: number[], ms: number): Promise<number> {
  const m0 = machineCpuMs();
  const own0 = ownCpuMs(pids);
  await sleep(ms);
  const m1 = machineCpuMs();
  return Math.max(0, (m1.busy - m0.busy - (ownCpuMs(pids) - own0)) / Math.max(1, m1.total - m0.total));
}

async function main(): Promise<void> {
  if (!realPostgresUrl) throw new Error('bench:multi needs DATABASE_URL (a real Postgres; PGlite belongs to one process)');
  const started = Date.now();
  let db: TestDatabase | undefined;
  let redis: ChildProcess | undefined;
  const servers: ServerProcess[] = [];
  const generators: Generator[] = [];
  const cleanup = async () => {
    for (const g of generators) g.kill();
    await Promise.all(servers.map((s) => s.stop()));
    redis?.kill('SIGTERM');
    await db?.cleanup();
  };
  const watchdog = setTimeout(() => {
    console.error('bench:multi: watchdog, stopping everything');
    for (const g of generators) g.kill();
    for (const s of servers) process.kill(s.pid, 'SIGKILL');
    redis?.kill('SIGKILL');
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();

  try {
    const redisPort = await freePort();
    redis = await startRedis(redisPort);
    db = await freshPostgres();
    const state = boardState(BOARD_TASKS, BOARD_VOLUNTEERS);
    log(`seeding ${BOARDS} boards (${kib(state.byteLength)} KiB each)`);
    const store = await openStore(db);
    const boards = await seed(store, state).finally(() => store.close());

    process.env.REDIS_URL = `redis://127.0.0.1:${redisPort}`;
    log('starting 2 server processes');
    servers.push(...await Promise.all([ServerProcess.start(db), ServerProcess.start(db)]));
    const urls = servers.map((s) => s.wsUrl);
    const idle = await memory(servers);

    for (let g = 0; g < GENERATORS; g++) generators.push(new Generator());
    const share = (g: number): GeneratorBoard[] => boards.flatMap((b, i) => (i % GENERATORS === g
      ? [{ id: b.id, token: b.token, writerProcess: Math.floor(i / GENERATORS) % 2 }] : []));

    log(`connecting 2 leads per board (one on each process): ${BOARDS * 2} connections`);
    let t0 = performance.now();
    await Promise.all(generators.map((g, i) => g.request({ type: 'connect', boards: share(i), urls, from: 0, to: 2, awareness: true })));
    const loadMs = performance.now() - t0;
    await sleep(SETTLE_MS);
    const loaded = await memory(servers);

    log(`connecting the rest: ${BOARDS * PER_BOARD} connections`);
    t0 = performance.now();
    await Promise.all(generators.map((g, i) => g.request({ type: 'connect', boards: share(i), urls, from: 2, to: PER_BOARD, awareness: true })));
    const joinMs = performance.now() - t0;
    await sleep(SETTLE_MS);
    const full = await memory(servers);

    const pids = [...servers.map((s) => s.pid), ...generators.map((g) => g.pid), redis.pid!];
    const quietUntil = Date.now() + QUIET_WAIT_MS;
    let others = await othersShare(pids, QUIET_PROBE_MS);
    while (others > QUIET_SHARE && Date.now() < quietUntil) {
      log(`other work uses ${fmt(100 * others, 0)} % of the cores; waiting for a quieter moment`);
      others = await othersShare(pids, QUIET_PROBE_MS);
    }
    log(`warm-up: ${WARM_UP_MS / 1000} s of edits`);
    await Promise.all(generators.map((g) => g.request({ type: 'run', ratePerBoardPerS: RATE_PER_BOARD_PER_S, durationMs: WARM_UP_MS, drainMs: 1_000 })));
    await Promise.all(servers.map((s) => s.probe({ reset: true })));
    const redisInfo = createClient({ url: process.env.REDIS_URL });
    await redisInfo.connect();
    const redisCommands = async () => Number((await redisInfo.info('stats')).match(/total_commands_processed:(\d+)/)?.[1] ?? NaN);
    const commands0 = await redisCommands();
    const machine0 = machineCpuMs();
    const own0 = ownCpuMs(pids);
    const cpu0 = { servers: servers.map((s) => s.cpuMs()), redis: cpuMsOf(redis.pid!), generators: generators.map((g) => cpuMsOf(g.pid)) };
    log(`measuring: ${RUN_MS / 1000} s at ${RATE_PER_BOARD_PER_S} edits/s per board (${fmt(BOARDS * RATE_PER_BOARD_PER_S, 0)} edits/s)`);
    const results = await Promise.all(generators.map((g) => g.request<RunResult>({
      type: 'run', ratePerBoardPerS: RATE_PER_BOARD_PER_S, durationMs: RUN_MS, drainMs: DRAIN_MS,
    })));
    const windowS = (RUN_MS + DRAIN_MS) / 1000;
    const machine1 = machineCpuMs();
    const othersInWindow = Math.max(0, (machine1.busy - machine0.busy - (ownCpuMs(pids) - own0)) / Math.max(1, machine1.total - machine0.total));
    const cpu = {
      servers: servers.map((s, i) => (s.cpuMs() - cpu0.servers[i]!) / (windowS * 10)),
      redis: (cpuMsOf(redis.pid!) - cpu0.redis) / (windowS * 10),
      generators: generators.map((g, i) => (cpuMsOf(g.pid) - cpu0.generators[i]!) / (windowS * 10)),
    };
    const commandsPerS = (await redisCommands() - commands0) / windowS;
    const channels = (await redisInfo.pubSubChannels()).length;
    await redisInfo.close();
    const probes = await Promise.all(servers.map((s) => s.probe()));
    const commits = sumOf(probes.map((p) => p.commits.length));
    const commitMs = probes.flatMap((p) => p.commits.map((c) => c.end - c.start));
    const rss = servers.map((s) => s.rssBytes());
    const redisRss = rssOf(redis.pid!);

    const local = results.flatMap((r) => r.local);
    const cross = results.flatMap((r) => r.cross);
    const edits = sumOf(results.map((r) => r.edits));
    const expectedLocal = sumOf(results.map((r) => r.expectedLocal));
    const expectedCross = sumOf(results.map((r) => r.expectedCross));
    const perProcessBoards = BOARDS;
    const perProcessAdded = (BOARDS * (PER_BOARD - 2)) / 2;
    const boardHeap = sumOf(loaded.map((m, i) => m.heap - idle[i]!.heap)) / 2 / perProcessBoards;
    const boardRss = sumOf(loaded.map((m, i) => m.rss - idle[i]!.rss)) / 2 / perProcessBoards;
    const connHeap = sumOf(full.map((m, i) => m.heap - loaded[i]!.heap)) / 2 / perProcessAdded;
    const connRss = sumOf(full.map((m, i) => m.rss - loaded[i]!.rss)) / 2 / perProcessAdded;

    const row = (name: string, samples: number[], expected: number) => [
      name, String(samples.length), `${fmt((100 * samples.length) / Math.max(1, expected), 2)} %`,
      fmt(percentile(samples, 50)), fmt(percentile(samples, 99)), fmt(max(samples)),
    ];
    const report = [
      `# bench:multi — ${new Date().toISOString().slice(0, 10)}`,
      '',
      `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${fmt(totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}. ` +
      `2 server processes + 1 redis-server + ${GENERATORS} load generators + Postgres on the same machine.`,
      `${BOARDS} boards (${BOARD_TASKS} cards, ${BOARD_VOLUNTEERS} volunteers, ${kib(state.byteLength)} KiB encoded), ` +
      `${BOARDS * PER_BOARD} lead connections (${PER_BOARD} per board, half on each process, awareness renewed every 15 s), ` +
      `${fmt(BOARDS * RATE_PER_BOARD_PER_S, 0)} edits/s for ${RUN_MS / 1000} s.`,
      '',
      '## Edit → other leads of the board',
      '',
      table(['receiver on', 'deliveries', 'of expected', 'p50 ms', 'p99 ms', 'max ms'], [
        row('the writer\'s process', local, expectedLocal),
        row('the other process (via Postgres commit + Redis)', cross, expectedCross),
      ]),
      '',
      `${edits} edits. Loading the boards (first 2 leads each, ${BOARDS * 2} joins): ${fmt(loadMs / 1000)} s; ` +
      `the other ${BOARDS * (PER_BOARD - 2)} joins: ${fmt(joinMs / 1000)} s.`,
      '',
      '## Memory (per server process; every board is loaded in both)',
      '',
      table(['', 'heap + external', 'RSS'], [
        ['idle process', `${mib(sumOf(idle.map((m) => m.heap)) / 2)} MiB`, `${mib(sumOf(idle.map((m) => m.rss)) / 2)} MiB`],
        [`${BOARDS} boards, 1 lead each`, `${mib(sumOf(loaded.map((m) => m.heap)) / 2)} MiB`, `${mib(sumOf(loaded.map((m) => m.rss)) / 2)} MiB`],
        [`${BOARDS} boards, ${PER_BOARD / 2} leads each`, `${mib(sumOf(full.map((m) => m.heap)) / 2)} MiB`, `${mib(sumOf(full.map((m) => m.rss)) / 2)} MiB`],
        ['**per board** (with its first lead)', `${kib(boardHeap)} KiB`, `${kib(boardRss)} KiB`],
        ['**per further connection**', `${kib(connHeap)} KiB`, `${kib(connRss)} KiB`],
        ['after the run', '', `${rss.map((r) => mib(r)).join(' / ')} MiB`],
      ]),
      '',
      '## Load during the measured window',
      '',
      table(['', 'value'], [
        ['server CPU (process 1 / 2)', cpu.servers.map((c) => `${fmt(c, 0)} %`).join(' / ')],
        ['redis-server CPU / RSS', `${fmt(cpu.redis, 1)} % / ${mib(redisRss)} MiB`],
        ['everything else on the machine (other work, Postgres)', `${fmt(100 * othersInWindow, 0)} % of the cores (before: ${fmt(100 * others, 0)} %)`],
        ['load generators CPU', cpu.generators.map((c) => `${fmt(c, 0)} %`).join(' / ')],
        ['generator event loops busy', results.map((r) => `${fmt(100 * r.utilization, 0)} %`).join(' / ')],
        ['Postgres commits/s (both processes)', fmt(commits / windowS, 0)],
        ['commit p50 / p99 ms', `${fmt(percentile(commitMs, 50))} / ${fmt(percentile(commitMs, 99))}`],
        ['Redis commands/s (publishes: commits + awareness changes)', fmt(commandsPerS, 0)],
        ['Redis pub/sub channels', String(channels)],
      ]),
      '',
      `Wall time ${fmt((Date.now() - started) / 1000, 0)} s.`,
    ].join('\n');
    console.log(`\n${report}\n`);
    mkdirSync('.bench', { recursive: true });
    writeFileSync('.bench/multi.md', `${report}\n`);
    await Promise.all(generators.map((g) => g.request({ type: 'close' }).catch(() => {})));
  } finally {
    await cleanup();
    clearTimeout(watchdog);
  }
}

main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
