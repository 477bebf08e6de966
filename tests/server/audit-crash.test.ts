// kill -9 during a stream of edits: every change the server reported saved has its history
// entry after the crash (entries commit in the same statement as their update).
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createTask } from '../../shared/mutations.js';
import { createBoard } from '../../server/boards.js';
import { openStore } from '../../server/store/open.js';
import { BACKENDS, type TestDatabase } from '../helpers/databases.js';
import { freePort } from '../helpers/net.js';
import { connectLead, waitFor, whenSynced, type Lead } from '../helpers/server.js';

async function spawnServer(db: TestDatabase, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), DATA_DIR: db.dataDir, DATABASE_URL: db.databaseUrl ?? '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => { stderr += String(chunk); });
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${stderr}`);
    if (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false)) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not become healthy: ${stderr}`);
}

describe.each(BACKENDS)('history through a crash on $name', ({ open }) => {
  let db: TestDatabase;
  let child: ChildProcess | null = null;
  let lead: Lead | null = null;
  afterAll(async () => {
    lead?.destroy();
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await db?.cleanup();
  });

  it('keeps the entry of every change reported saved', async () => {
    db = await open();
    const setup = await openStore(db);
    const board = await createBoard(setup, { name: '崩溃测试', demo: false }, 'http://localhost');
    await setup.close();
    const port = await freePort();
    child = await spawnServer(db, port);
    lead = connectLead(`ws://127.0.0.1:${port}`, board.id, board.leadToken);
    await whenSynced(lead);
    const l = lead;
    const created: { id: string; clock: number }[] = [];
    const saved = () => created.filter((c) => c.clock <= l.save.savedClock(l.doc.clientID)).map((c) => c.id);
    let n = 0;
    const stream = setInterval(() => {
      const t = createTask(l.doc, { title: `崩溃-${n++}`, kind: 'other', priority: 'normal' });
      if (t.ok) created.push({ id: t.value, clock: Y.getState(l.doc.store, l.doc.clientID) });
    }, 5);
    await waitFor(() => saved().length > 40, 'saved edits', 20_000);
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const reported = saved();
    clearInterval(stream);
    lead.provider.disconnect();

    const store = await openStore(db);
    try {
      const entries = await store.listAudit(board.id, { limit: 10_000 });
      const logged = new Set(entries.filter((e) => e.map === 'tasks' && e.action === 'created').map((e) => e.recordId));
      expect(reported.length).toBeGreaterThan(40);
      expect(reported.filter((id) => !logged.has(id))).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
