// Lead board in Chromium: time to the first rendered card and frame rate while dragging,
// on the demo board and on a 5,000-task board. Run: npm run bench:ui (needs a built client).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import * as Y from 'yjs';
import { setMeta } from '../shared/doc.js';
import { addVolunteer, createTask } from '../shared/mutations.js';
import { TASK_KINDS, PRIORITIES } from '../shared/schema.js';
import { buildApp } from '../server/app.js';
import { hashToken, newToken } from '../server/auth.js';
import { boardLinks, createBoard } from '../server/boards.js';
import { loadConfig } from '../server/config.js';

const RUNS = 3;
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

function bigBoard(tasks: number, volunteers: number): Uint8Array {
  const doc = new Y.Doc();
  doc.transact(() => {
    setMeta(doc, { name: '大型测试小区', address: '', zone: 'normal' });
    const ids: string[] = [];
    for (let i = 0; i < volunteers; i++) {
      const v = addVolunteer(doc, { name: `志愿者${i}`, health: 'eligible', onDuty: i % 2 === 0, team: 'supply' });
      if (v.ok) ids.push(v.value);
    }
    for (let i = 0; i < tasks; i++) {
      createTask(doc, {
        title: `${(i % 30) + 1}号楼${100 + (i % 600)} 任务 ${i}`,
        kind: TASK_KINDS[i % TASK_KINDS.length]!,
        priority: PRIORITIES[i % PRIORITIES.length]!,
        assigneeId: i % 3 === 0 ? null : ids[i % ids.length]!,
      });
    }
  });
  return Y.encodeStateAsUpdate(doc);
}

async function firstCardMs(page: Page, url: string, name: string): Promise<{ paint: number; cards: number }> {
  await page.context().addInitScript((n) => localStorage.setItem('linli:lead-name', n), name);
  // Element Timing: when the browser actually painted the first card's title (not when the test
  // got to look, which waits for every long task after it).
  await page.context().addInitScript(`window.__cardPaint = 0;
    new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.identifier === 'card' && !window.__cardPaint) window.__cardPaint = e.renderTime || e.startTime; })
      .observe({ type: 'element', buffered: true });`);
  await page.goto(url);
  await page.waitForSelector('[data-task-id]', { timeout: 60_000 });
  await page.waitForFunction('window.__cardPaint > 0', undefined, { timeout: 10_000 }).catch(() => {});
  const paint = await page.evaluate('window.__cardPaint || performance.now()') as number;
  if (process.env.BENCH_MARKS) {
    const marks = await page.evaluate(() => performance.getEntries().filter((e) => e.entryType === 'mark' || e.entryType === 'navigation').map((e) => `${e.name.slice(-14)}@${e.startTime.toFixed(0)}+${e.duration.toFixed(0)}`));
    console.log(marks.slice(0, 6).join(' '), 'paint', paint.toFixed(0));
  }
  return { paint, cards: await page.locator('[data-task-id]').count() };
}

/** Frames per second while a card is dragged across the board for about a second. */
async function dragFps(page: Page): Promise<{ fps: number; longestFrameMs: number }> {
  const card = await page.locator('[data-lane="unassigned"] [data-task-id]').first().boundingBox();
  if (!card) throw new Error('no card');
  // A string, not a function: tsx's name-keeping helpers do not exist in the page.
  await page.evaluate(`(() => {
    window.__frames = [];
    window.__stop = false;
    const tick = (t) => { window.__frames.push(t); if (!window.__stop) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  })()`);
  await page.mouse.move(card.x + 20, card.y + 10);
  await page.mouse.down();
  const steps = 60;
  for (let i = 1; i <= steps; i++) {
    await page.mouse.move(card.x + 20 + i * 12, card.y + 10 + (i % 20) * 8);
    await page.waitForTimeout(16);
  }
  await page.keyboard.press('Escape');
  await page.mouse.up();
  const frames = await page.evaluate('window.__stop = true, window.__frames') as number[];
  const span = frames.at(-1)! - frames[0]!;
  let longest = 0;
  for (let i = 1; i < frames.length; i++) longest = Math.max(longest, frames[i]! - frames[i - 1]!);
  return { fps: ((frames.length - 1) / span) * 1000, longestFrameMs: longest };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'linli-bench-ui-'));
  const app = await buildApp(loadConfig({ HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir }));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const { store } = app.linli;
    const demo = await createBoard(store, { name: '梧桐苑', demo: true }, url);
    const big = { id: 'bench5000', adminToken: newToken(), leadToken: newToken(), displayToken: newToken(), intakeToken: newToken() };
    await store.createBoard({ id: big.id, name: '大型测试小区' }, [
      { hash: hashToken(big.leadToken), boardId: big.id, role: 'lead', volunteerId: null },
    ], { data: bigBoard(5_000, 120), actor: 'bench' });
    const boards = [
      { label: 'demo 梧桐苑 (~90 cards incl. recurring check-ins, 120 volunteers)', url: demo.urls.lead },
      { label: '5,000 tasks, 120 volunteers', url: boardLinks(url, big.id, big).lead },
    ];
    console.log(`Chromium lead board — ${RUNS} fresh page loads each, viewport 1600x1000, warm server room after the first`);
    console.log('| board | first card painted (ms from navigation, median) | cards in DOM | drag fps (median) | longest frame during drag (ms) |');
    console.log('|---|---|---|---|---|');
    for (const board of boards) {
      const paints: number[] = [];
      const fps: number[] = [];
      const longest: number[] = [];
      let cards = 0;
      for (let run = 0; run < RUNS; run++) {
        const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
        const page = await context.newPage();
        const first = await firstCardMs(page, board.url, `bench${run}`);
        paints.push(first.paint);
        cards = first.cards;
        await page.waitForTimeout(300);
        const drag = await dragFps(page);
        fps.push(drag.fps);
        longest.push(drag.longestFrameMs);
        await context.close();
      }
      console.log(`| ${board.label} | ${median(paints).toFixed(0)} (${paints.map((p) => p.toFixed(0)).join(', ')}) | ${cards} | ${median(fps).toFixed(1)} | ${median(longest).toFixed(0)} |`);
    }
  } finally {
    await browser.close();
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
