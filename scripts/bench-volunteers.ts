// 300 volunteer phones (socket.io) on one board while a lead (Yjs) assigns cards: time from the
// lead's edit to the assignee's phone showing it (p50/p95), bytes per push, pushes per edit.
// Run: npm run bench:volunteers. Server in-process on 127.0.0.1 with the embedded database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { addVolunteer, assignTask, createTask } from '../shared/mutations.js';
import { buildApp } from '../server/app.js';
import { createBoard } from '../server/boards.js';
import { loadConfig } from '../server/config.js';
import { hashToken, newToken } from '../server/auth.js';
import { connectLead, whenSynced } from '../tests/helpers/server.js';

const PHONES = 300;
const EDITS = 200;
const EDIT_INTERVAL_MS = 50; // 20 edits/s
const TIMEOUT_MS = 120_000;

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'linli-bench-v-'));
  const app = await buildApp(loadConfig({ HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir }));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const phones: Socket[] = [];
  const watchdog = setTimeout(() => { console.error('bench timed out'); process.exit(1); }, TIMEOUT_MS);
  try {
    const board = await createBoard(app.linli.store, { name: '梧桐苑', demo: true }, url);
    const lead = connectLead(url.replace('http', 'ws'), board.id, board.leadToken);
    await whenSynced(lead);
    const ids: string[] = [];
    lead.doc.transact(() => {
      for (let i = 0; i < PHONES; i++) {
        const v = addVolunteer(lead.doc, { name: `手机${i}`, health: 'eligible', onDuty: true });
        if (v.ok) ids.push(v.value);
      }
    });
    await lead.save.whenSaved();
    const seen = new Map<string, number>(); // taskId -> when its assignee's phone showed it
    let pushes = 0;
    let pushBytes = 0;
    for (const volunteerId of ids) {
      const token = newToken();
      await app.linli.store.addToken({ hash: hashToken(token), boardId: board.id, role: 'volunteer', volunteerId });
      const socket = io(`${url}/volunteer`, { auth: { token }, transports: ['websocket'], reconnection: false });
      socket.io.on('open', () => socket.io.engine.on('packet', (packet: { data?: unknown }) => {
        if (typeof packet.data === 'string' && packet.data.includes('"view"')) {
          pushes++;
          pushBytes += Buffer.byteLength(packet.data);
        }
      }));
      socket.on('view', (view: { tasks: { id: string }[] }) => {
        for (const task of view.tasks) if (!seen.has(task.id)) seen.set(task.id, performance.now());
      });
      phones.push(socket);
    }
    await new Promise<void>((resolve) => {
      const check = setInterval(() => { if (pushes >= PHONES) { clearInterval(check); resolve(); } }, 20);
    });
    const firstPushes = pushes;
    const firstBytes = pushBytes;
    pushes = 0;
    pushBytes = 0;
    const sent = new Map<string, number>();
    for (let i = 0; i < EDITS; i++) {
      const t = createTask(lead.doc, { title: `3号楼${500 + i} 送药`, kind: 'medicineRun', priority: 'high' });
      if (!t.ok) throw new Error(t.message);
      sent.set(t.value, performance.now());
      assignTask(lead.doc, t.value, ids[i % ids.length]!);
      await new Promise((r) => setTimeout(r, EDIT_INTERVAL_MS));
    }
    await new Promise((r) => setTimeout(r, 1_000));
    const latencies = [...sent].flatMap(([id, at]) => (seen.has(id) ? [seen.get(id)! - at] : []));
    console.log(`Volunteer phones: ${PHONES} sockets on one board (demo 梧桐苑 + ${PHONES} volunteers), ${EDITS} assignments at ${1000 / EDIT_INTERVAL_MS}/s by a lead over Yjs`);
    console.log('| phones | assignments seen | push p50 ms | push p95 ms | push max ms | pushes per edit | bytes per push | first view bytes |');
    console.log('|---|---|---|---|---|---|---|---|');
    console.log(`| ${PHONES} | ${latencies.length} / ${EDITS} | ${percentile(latencies, 0.5).toFixed(1)} | ${percentile(latencies, 0.95).toFixed(1)} | ${Math.max(...latencies).toFixed(1)} | ${(pushes / EDITS).toFixed(2)} | ${(pushBytes / Math.max(1, pushes)).toFixed(0)} | ${(firstBytes / firstPushes).toFixed(0)} |`);
    lead.destroy();
  } finally {
    clearTimeout(watchdog);
    for (const socket of phones) socket.close();
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
