// While a server owns the embedded database, the board CLI cannot open it: the server leaves
// its loopback address and a per-process secret in DATA_DIR for the CLI (readable by owner only).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const FILE = 'server.json';
const LocalServer = z.object({ url: z.string().url(), secret: z.string().min(16), pid: z.number().int() });
export type LocalServer = z.infer<typeof LocalServer>;

export function newAdminSecret(): string {
  return randomBytes(24).toString('base64url');
}

export function writeLocalServer(dataDir: string, server: LocalServer): () => void {
  const file = join(dataDir, FILE);
  writeFileSync(file, JSON.stringify(server), { mode: 0o600 });
  return () => rmSync(file, { force: true });
}

export function readLocalServer(dataDir: string): LocalServer | null {
  const file = join(dataDir, FILE);
  if (!existsSync(file)) return null;
  const parsed = LocalServer.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  return parsed.success ? parsed.data : null;
}
