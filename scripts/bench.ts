// npm run bench: lead fan-out, server CPU and memory, joins, saves and compaction against the real
// server process on 127.0.0.1, on PGlite and (when DATABASE_URL is set) on Postgres. Prints the
// results and writes them to .bench/results.md. Takes 1.5–2 minutes per database on 2 cores.
// With --multi: several server processes behind Redis instead (scripts/bench-multi.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { openStore } from '../server/store/open.js';
import { freshPglite, freshPostgres, type TestDatabase } from '../tests/helpers/databases.js';
import { boardState, fillLog, seedBoard, type BenchBoard } from './bench/fixtures.js';
import { idleShare } from './bench/machine.js';
import { render, type BackendResults } from './bench/report.js';
import { compaction, fanOut, joins, type FanOutResult } from './bench/scenarios.js';
import { ServerProcess } from './bench/server-process.js';

const RATE_PER_S = 20;
const FAN_OUT_MS = 10_000;
const FAN_OUT_CLIENTS = [500, 10, 100];
/** Server memory per connection is measured at this many clients, and one more run with awareness on. */
const MEMORY_CLIENTS = 500;
const BIG_BOARD_TASKS = 5_000;
const COLD_BOARDS = 5;
const WARM_JOINS = 10;
const COMPACTION_CLIENTS = 10;
const COMPACTION_MS = 15_000;
/** The room compacts at 1,000 log rows (ROOM_DEFAULTS); start close, so it does a few seconds into the edits. */
const PREFILLED_LOG_ROWS = 900;
/** The whole run is stopped (servers killed by pid) past this. */
const WATCHDOG_MS = 9 * 60_000;
const OUT_DIR = '.bench';
/** Less idle than this before the run means something else is using the cores. */
const QUIET_IDLE = 0.9;
const IDLE_PROBE_MS = 1_000;

const servers = new Set<ServerProcess>();

interface Fixtures {
  fanOut: BenchBoard;
  cold: BenchBoard[];
  compaction: BenchBoard;
}

async function seed(db: TestDatabase, big: Uint8Array, small: Uint8Array): Promise<Fixtures> {
  const store = await openStore(db);
  try {
    const fanOutBoard = await seedBoard(store, 'bench fan-out', small);
    const cold: BenchBoard[] = [];
    for (let i = 0; i < COLD_BOARDS; i++) cold.push(await seedBoard(store, `bench 5k #${i + 1}`, big));
    const compactionBoard = await seedBoard(store, 'bench compaction', big);
    await fillLog(store, compactionBoard.id, big, PREFILLED_LOG_ROWS);
    return { fanOut: fanOutBoard, cold, compaction: compactionBoard };
  } finally {
    await store.close();
  }
}

async function runBackend(
  name: string, db: TestDatabase, big: Uint8Array, small: Uint8Array, withAwareness: boolean,
): Promise<BackendResults> {
  const started = performance.now();
  const log = (step: string) => console.log(`[${name} ${((performance.now() - started) / 1000).toFixed(0)}s] ${step}`);
  log('seeding boards');
  const boards = await seed(db, big, small);
  log('starting the server');
  const server = await ServerProcess.start(db);
  servers.add(server);
  try {
    const idleRss = server.rssBytes();
    const fan: FanOutResult[] = [];
    // The largest run first, on a fresh server, so its RSS delta is growth rather than reuse of freed pages.
    for (const clients of FAN_OUT_CLIENTS) {
      log(`fan-out to ${clients} clients`);
      fan.push(await fanOut(server, boards.fanOut, {
        clients, ratePerS: RATE_PER_S, durationMs: FAN_OUT_MS, awareness: false, measureMemory: clients === MEMORY_CLIENTS,
      }));
    }
    if (withAwareness) {
      log(`fan-out to ${MEMORY_CLIENTS} clients with awareness on`);
      fan.push(await fanOut(server, boards.fanOut, {
        clients: MEMORY_CLIENTS, ratePerS: RATE_PER_S, durationMs: FAN_OUT_MS, awareness: true, measureMemory: false,
      }));
    }
    // After the fan-out runs: these rooms stay loaded for 30 s after their last client leaves.
    log(`${COLD_BOARDS} cold + ${WARM_JOINS} warm joins of ${BIG_BOARD_TASKS}-task boards`);
    const join = await joins(server, boards.cold, BIG_BOARD_TASKS, WARM_JOINS);
    log('compaction under edits');
    const compact = await compaction(server, boards.compaction, {
      clients: COMPACTION_CLIENTS, ratePerS: RATE_PER_S, durationMs: COMPACTION_MS,
    });
    return { name, idleRss, join, fanOut: fan, compaction: compact, seconds: (performance.now() - started) / 1000 };
  } finally {
    log('stopping the server');
    await server.stop();
    servers.delete(server);
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const idleBefore = await idleShare(IDLE_PROBE_MS);
  if (idleBefore < QUIET_IDLE) console.warn(`warning: the cores were only ${(idleBefore * 100).toFixed(0)}% idle before the bench; other work will skew it`);
  process.setMaxListeners(2_000); // every y-websocket provider adds a process 'exit' listener
  console.log(`building a ${BIG_BOARD_TASKS}-task board through the shared mutations…`);
  const big = boardState(BIG_BOARD_TASKS, 20);
  const small = boardState(200, 8);
  const backends: [string, () => Promise<TestDatabase>][] = [['pglite', async () => freshPglite()]];
  if (process.env.DATABASE_URL) backends.push(['postgres', () => freshPostgres(process.env.DATABASE_URL)]);

  const results: BackendResults[] = [];
  for (const [name, open] of backends) {
    const db = await open();
    try {
      // Awareness does not touch the database: its run (~1 min) is done on the first one only.
      results.push(await runBackend(name, db, big, small, results.length === 0));
    } finally {
      await db.cleanup();
    }
  }
  const markdown = render({
    date: new Date().toISOString(),
    node: process.version,
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memory: totalmem(),
    idleBefore,
    seconds: (performance.now() - started) / 1000,
    ratePerS: RATE_PER_S,
    fanOutSeconds: FAN_OUT_MS / 1000,
    bigBoardBytes: big.byteLength,
    results,
  });
  console.log(`\n${markdown}`);
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(`${OUT_DIR}/results.md`, markdown);
  console.log(`written to ${OUT_DIR}/results.md`);
}

const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${WATCHDOG_MS / 1000} s, stopping`);
  for (const server of servers) process.kill(server.pid, 'SIGKILL');
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const server of servers) process.kill(server.pid, 'SIGKILL');
    process.exit(130);
  });
}

// `npm run bench -- --multi` is the multi-process mode (the same as `npm run bench:multi`).
if (process.argv.includes('--multi')) {
  await import('./bench-multi.js');
} else {
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
