// Environment, read once and validated here (DESIGN.md "Environment"). Nothing else reads process.env.
import { resolve } from 'node:path';
import { z } from 'zod';

const url = (protocols: string[]) => z.string().url().refine(
  (value) => protocols.some((p) => value.startsWith(`${p}://`)),
  { message: `must start with ${protocols.map((p) => `${p}://`).join(' or ')}` },
);

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: url(['postgres', 'postgresql']).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  REDIS_URL: url(['redis', 'rediss']).optional(),
  PUBLIC_URL: url(['http', 'https']).optional(),
});

export interface Config {
  port: number;
  host: string;
  /** Unset = the embedded database (PGlite) in dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  redisUrl: string | undefined;
  /** Base of printed links; unset = derived from host and port. */
  publicUrl: string | undefined;
  /** How long a room with no connections stays in memory after it is saved. */
  roomIdleMs: number;
  /** The longest a Yjs websocket frame may be. */
  maxFrameBytes: number;
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const blank = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === '' ? undefined : v]));
  const parsed = EnvSchema.safeParse(blank);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: resolve(e.DATA_DIR),
    redisUrl: e.REDIS_URL,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    // A board stays loaded 10 minutes after its last lead, phone or display left: the next lead
    // to open it (a shift change, a reload) paints from memory instead of waiting for a cold load
    // (1.4–1.6 s for the demo board on PGlite). A demo-sized board costs ~1 MiB while loaded.
    roomIdleMs: 10 * 60_000,
    maxFrameBytes: 2 * 1024 * 1024,
  };
}
