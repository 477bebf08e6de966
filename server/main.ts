// Entry point: read config, open the database, listen, create the demo board on an empty
// database, and shut down cleanly (every room saved) on SIGINT/SIGTERM.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import QRCode from 'qrcode';
import { buildApp } from './app.js';
import { createBoard, issueVolunteerLink } from './boards.js';
import { ConfigError, loadConfig } from './config.js';
import { publicBase } from './links.js';
import { newAdminSecret, writeLocalServer } from './local-admin.js';

const DEMO_NAME = '梧桐苑';
const DEMO_VOLUNTEER = 'v001';
// Tokens are stored hashed, so the demo's links are kept beside the data (whoever can read the
// data folder can read the whole database anyway) to print them again on every start.
const DEMO_LINKS_FILE = 'demo-links.json';

type DemoLinks = [label: string, url: string][];

async function printLinks(rows: DemoLinks): Promise<void> {
  for (const [label, url] of rows) {
    const qr = await QRCode.toString(url, { type: 'utf8', margin: 2, errorCorrectionLevel: 'L' });
    console.log(`\n${label}\n${url}\n${qr}`);
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const adminSecret = newAdminSecret();
  const base = publicBase(config.publicUrl, config.host, config.port);
  const app = await buildApp(config, { logger: true, adminSecret, publicUrl: base });
  const address = await app.listen({ host: config.host, port: config.port });
  const port = Number(new URL(address).port);
  const { store } = app.linli;
  console.log(`Linli listening on ${address} (database: ${store.kind})`);
  const removeLocal = config.databaseUrl
    ? () => {}
    : writeLocalServer(config.dataDir, { url: `http://127.0.0.1:${port}`, secret: adminSecret, pid: process.pid });

  mkdirSync(config.dataDir, { recursive: true });
  const linksFile = join(config.dataDir, DEMO_LINKS_FILE);
  if ((await store.listBoards()).length === 0) {
    const board = await createBoard(store, { name: DEMO_NAME, demo: true }, base);
    const link = await issueVolunteerLink(store, board.id, DEMO_VOLUNTEER, base);
    const rows: DemoLinks = [
      ['管理员 Admin (links)', board.urls.admin],
      ['负责人看板 Lead board', board.urls.lead],
      ['大屏 Display', board.urls.display],
      ['居民求助 Request form', board.urls.request],
      ['居民查询 Is my building called', board.urls.status],
    ];
    if (link.ok) rows.push(['志愿者示例 Sample volunteer', link.value.url]);
    writeFileSync(linksFile, JSON.stringify(rows), { mode: 0o600 });
    console.log(`\nCreated the demo board ${DEMO_NAME} (${board.id}).`);
  }
  if (existsSync(linksFile)) await printLinks(JSON.parse(readFileSync(linksFile, 'utf8')) as DemoLinks);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: saving boards and stopping`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app.close().then(() => { removeLocal(); process.exit(0); }, (error) => { console.error(error); process.exit(1); });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
