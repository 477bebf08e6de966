// The board CLI (DESIGN.md "Commands"):
//   npm run board -- create --name NAME [--demo] [--json]
//   npm run board -- link --board ID --volunteer VOLUNTEER_ID [--json]
// Works with or without a running server: with DATABASE_URL it writes to Postgres directly; on
// the embedded database it opens it, or, if a running server holds it, asks that server.
import { parseArgs } from 'node:util';
import { createBoard, issueVolunteerLink } from '../server/boards.js';
import { ConfigError, loadConfig } from '../server/config.js';
import { publicBase } from '../server/links.js';
import { readLocalServer } from '../server/local-admin.js';
import { DataDirBusyError, openStore } from '../server/store/open.js';
import type { Store } from '../server/store/store.js';

const USAGE = `usage:
  npm run board -- create --name NAME [--demo] [--json]
  npm run board -- link --board ID --volunteer VOLUNTEER_ID [--json]`;

class UsageError extends Error {}

type Command =
  | { kind: 'create'; name: string; demo: boolean }
  | { kind: 'link'; board: string; volunteer: string };

function parse(argv: string[]): { command: Command; json: boolean } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' }, demo: { type: 'boolean', default: false }, json: { type: 'boolean', default: false },
      board: { type: 'string' }, volunteer: { type: 'string' },
    },
  });
  const json = values.json ?? false;
  if (positionals[0] === 'create') {
    const name = values.name?.trim();
    if (!name) throw new UsageError('create needs --name');
    return { command: { kind: 'create', name, demo: values.demo ?? false }, json };
  }
  if (positionals[0] === 'link') {
    if (!values.board || !values.volunteer) throw new UsageError('link needs --board and --volunteer');
    return { command: { kind: 'link', board: values.board, volunteer: values.volunteer }, json };
  }
  throw new UsageError(positionals[0] ? `unknown command ${positionals[0]}` : 'no command');
}

async function direct(store: Store, command: Command, base: string): Promise<unknown> {
  if (command.kind === 'create') return createBoard(store, { name: command.name, demo: command.demo }, base);
  const link = await issueVolunteerLink(store, command.board, command.volunteer, base);
  if (!link.ok) throw new Error(link.message);
  return link.value;
}

async function viaServer(server: { url: string; secret: string }, command: Command): Promise<unknown> {
  const [path, body] = command.kind === 'create'
    ? ['/api/admin/boards', { name: command.name, demo: command.demo }]
    : [`/api/admin/boards/${encodeURIComponent(command.board)}/volunteer-links`, { volunteerId: command.volunteer }];
  const res = await fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.secret}` },
    body: JSON.stringify(body),
  });
  const answer = await res.json() as { error?: { message: string } };
  if (!res.ok) throw new Error(answer.error?.message ?? `HTTP ${res.status}`);
  return answer;
}

async function run(command: Command): Promise<unknown> {
  const config = loadConfig();
  const base = publicBase(config.publicUrl, config.host, config.port);
  let store: Store;
  try {
    store = await openStore(config);
  } catch (error) {
    if (!(error instanceof DataDirBusyError)) throw error;
    const server = readLocalServer(config.dataDir);
    if (!server) throw new Error(`${error.message}, and it left no address to reach it`);
    return viaServer(server, command);
  }
  try {
    return await direct(store, command, base);
  } finally {
    await store.close();
  }
}

function print(result: unknown, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(result));
    return;
  }
  for (const [key, value] of Object.entries(result as Record<string, unknown>)) {
    if (typeof value === 'object' && value) for (const [k, v] of Object.entries(value)) console.log(`${key}.${k}: ${v}`);
    else console.log(`${key}: ${value}`);
  }
}

try {
  const { command, json } = parse(process.argv.slice(2));
  print(await run(command), json);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(error instanceof UsageError ? `${message}\n${USAGE}` : error instanceof ConfigError ? message : `error: ${message}`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
