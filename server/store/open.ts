// Opens the configured database: Postgres at DATABASE_URL, or PGlite in DATA_DIR behind
// pglite-socket, so postgres.js is the one client either way (ECOSYSTEM.md §4).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres, { type Sql } from 'postgres';
import { migrate } from './migrations.js';
import { PostgresStore } from './postgres-store.js';
import type { Store } from './store.js';

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
}

// PGlite is one process's: a second opener would corrupt it. A lock file with the owner's pid
// guards the folder; the board CLI, finding it held by a live server, talks to that server instead.
const LOCK_FILE = 'pglite.lock';

export class DataDirBusyError extends Error {
  constructor(readonly dataDir: string, readonly pid: number) {
    super(`The data folder ${dataDir} is in use by process ${pid}`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function takeLock(dataDir: string): string {
  const lockFile = join(dataDir, LOCK_FILE);
  if (existsSync(lockFile)) {
    const pid = Number(readFileSync(lockFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw new DataDirBusyError(dataDir, pid);
  }
  writeFileSync(lockFile, String(process.pid));
  return lockFile;
}

function client(url: string, max: number): Sql {
  return postgres(url, { max, onnotice: () => {}, connect_timeout: 10, idle_timeout: 0 });
}

export async function openStore(options: DatabaseOptions): Promise<Store> {
  if (options.databaseUrl) {
    const sql = client(options.databaseUrl, 10);
    await migrate(sql);
    return new PostgresStore('postgres', sql);
  }
  return openEmbedded(options.dataDir);
}

async function openEmbedded(dataDir: string): Promise<Store> {
  mkdirSync(dataDir, { recursive: true });
  const lockFile = takeLock(dataDir);
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    const db = await PGlite.create(join(dataDir, 'pglite'));
    // One connection: pglite-socket interleaves concurrent clients' protocol messages (G10).
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
    await server.start();
    const sql = client(`postgres://postgres:postgres@${server.getServerConn()}/postgres`, 1);
    await migrate(sql);
    return new PostgresStore('pglite', sql, async () => {
      await server.stop();
      await db.close();
      rmSync(lockFile, { force: true });
    });
  } catch (error) {
    rmSync(lockFile, { force: true });
    throw error;
  }
}
