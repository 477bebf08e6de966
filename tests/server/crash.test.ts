// kill -9 of the server process during a stream of edits: everything it reported saved
// survives the restart, and the still-connected leads resend the rest and converge.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readBoard } from '../../shared/doc.js';
import { addVolunteer, createTask, moveTask } from '../../shared/mutations.js';
import { createBoard } from '../../server/boards.js';
import { openStore } from '../../server/store/open.js';
import { BACKENDS, type TestDatabase } from '../helpers/databases.js';
import { connectLead, waitFor, whenSynced, type Lead } from '../helpers/server.js';
import { freePort } from '../helpers/net.js';

async function spawnServer(db: TestDatabase, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: {
      ...process.env, HOST: '127.0.0.1', PORT: String(port), DATA_DIR: db.dataDir,
      DATABASE_URL: db.databaseUrl ?? '',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => { stderr += String(chunk); });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited: ${stderr}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not become healthy: ${stderr}`);
}

function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Task ids this lead created whose clock the server has confirmed as saved. */
function savedIds(lead: Lead, created: { id: string; clock: number }[]): string[] {
  const saved = lead.save.savedClock(lead.doc.clientID);
  return created.filter((c) => c.clock <= saved).map((c) => c.id);
}

describe.each(BACKENDS)('crash safety on $name', ({ open }) => {
  let db: TestDatabase;
  let child: ChildProcess | null = null;
  const leads: Lead[] = [];
  afterAll(async () => {
    for (const l of leads) l.destroy();
    if (child && child.exitCode === null) await killHard(child);
    await db?.cleanup();
  });

  it('loses nothing it reported saved, and converges after the leads resend', async () => {
    db = await open();
    const setup = await openStore(db);
    const board = await createBoard(setup, { name: '崩溃测试', demo: false }, 'http://localhost');
    await setup.close();
    const port = await freePort();
    child = await spawnServer(db, port);

    const wsUrl = `ws://127.0.0.1:${port}`;
    const a = connectLead(wsUrl, board.id, board.leadToken);
    const b = connectLead(wsUrl, board.id, board.leadToken);
    leads.push(a, b);
    await Promise.all([whenSynced(a), whenSynced(b)]);
    const v = addVolunteer(a.doc, { name: '张三', health: 'eligible' });
    if (!v.ok) throw new Error(v.message);

    const created: Record<'a' | 'b', { id: string; clock: number }[]> = { a: [], b: [] };
    let n = 0;
    const edit = (who: 'a' | 'b', lead: Lead) => {
      const t = createTask(lead.doc, { title: `${who}-${n++}`, kind: 'other', priority: 'normal' });
      if (!t.ok) throw new Error(t.message);
      if (n % 3 === 0) moveTask(lead.doc, { taskId: t.value, to: null, beforeId: null });
      created[who].push({ id: t.value, clock: Y.getState(lead.doc.store, lead.doc.clientID) });
    };
    const stream = setInterval(() => { edit('a', a); edit('b', b); }, 5);
    await waitFor(() => savedIds(a, created.a).length > 50 && savedIds(b, created.b).length > 50, 'saved edits', 20_000);

    await killHard(child);
    const reportedSaved = [...savedIds(a, created.a), ...savedIds(b, created.b)];
    // Keep editing while the server is down; these live only in the leads' docs for now.
    await new Promise((r) => setTimeout(r, 100));
    clearInterval(stream);
    edit('a', a);
    edit('b', b);
    a.provider.disconnect();
    b.provider.disconnect();
    const all = [...created.a, ...created.b].map((c) => c.id);
    expect(reportedSaved.length).toBeGreaterThan(100);
    expect(reportedSaved.length).toBeLessThan(all.length);

    child = await spawnServer(db, port);
    // A fresh lead sees exactly what was stored: at least everything reported saved.
    const fresh = connectLead(wsUrl, board.id, board.leadToken);
    leads.push(fresh);
    await whenSynced(fresh);
    const afterRestart = readBoard(fresh.doc).tasks;
    const missing = reportedSaved.filter((id) => !afterRestart.has(id));
    expect(missing).toEqual([]);

    // The old leads reconnect and resend what the server never stored; everyone converges.
    a.provider.connect();
    b.provider.connect();
    await waitFor(() => all.every((id) => readBoard(fresh.doc).tasks.has(id)), 'the resent edits', 20_000);
    await Promise.all([a.save.whenSaved(), b.save.whenSaved()]);
    await waitFor(() => {
      const sv = (l: Lead) => Buffer.from(Y.encodeStateVector(l.doc)).toString('hex');
      return sv(a) === sv(fresh) && sv(b) === sv(fresh);
    }, 'convergence', 10_000);
    expect(readBoard(a.doc).tasks.size).toBe(all.length);
    expect(readBoard(fresh.doc).problems).toEqual([]);
  }, 90_000);
});
