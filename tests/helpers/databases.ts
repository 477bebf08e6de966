// Real databases for tests: a fresh PGlite folder, and (when DATABASE_URL is set) a fresh
// database on that Postgres server, dropped afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';

export interface TestDatabase {
  /** The options openStore takes. */
  databaseUrl: string | undefined;
  dataDir: string;
  cleanup(): Promise<void>;
}

export const realPostgresUrl = process.env.DATABASE_URL || undefined;

export function freshPglite(): TestDatabase {
  const dataDir = mkdtempSync(join(tmpdir(), 'linli-pglite-'));
  return { databaseUrl: undefined, dataDir, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
}

export async function freshPostgres(baseUrl = realPostgresUrl): Promise<TestDatabase> {
  if (!baseUrl) throw new Error('DATABASE_URL is not set');
  const name = `linli_t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'linli-pg-'));
  return {
    databaseUrl: url.toString(),
    dataDir,
    cleanup: async () => {
      const again = postgres(baseUrl, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop database if exists ${name} with (force)`);
      await again.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The backends a storage suite runs against: always PGlite, and Postgres when DATABASE_URL is set. */
export const BACKENDS: { name: string; open: () => Promise<TestDatabase> }[] = [
  { name: 'pglite', open: async () => freshPglite() },
  ...(realPostgresUrl ? [{ name: 'postgres', open: () => freshPostgres() }] : []),
];
