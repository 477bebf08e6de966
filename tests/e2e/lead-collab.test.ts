// Several leads on one board in real Chromium: drag and drop with mouse and touch, concurrent
// drags of one card, offline edits merged on reconnect, and the demo board's screenshot.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { addVolunteer, createTask } from '../../shared/mutations.js';
import type { CreatedBoard } from '../../server/boards.js';
import { hasChromium, launchBrowser } from '../helpers/browser.js';
import { freshPglite, type TestDatabase } from '../helpers/databases.js';
import { connectLead, newBoard, startServer, whenSynced, type TestServer } from '../helpers/server.js';

const SCREENSHOT_DIR = process.env.UPDATE_SCREENSHOTS ? 'docs/screenshots' : join(tmpdir(), 'linli-screenshots');

async function leadPage(browser: Browser, url: string, name: string, options: Parameters<Browser['newContext']>[0] = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN', ...options });
  await context.addInitScript((n) => localStorage.setItem('linli:lead-name', n), name);
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForSelector('[data-save-state="saved"]');
  await page.waitForSelector('[data-lane="unassigned"]');
  return { context, page };
}

function laneOf(page: Page, taskId: string): Promise<string | null> {
  return page.locator(`[data-task-id="${taskId}"]`).evaluate((el) => el.closest('[data-lane]')?.getAttribute('data-lane') ?? null);
}

async function waitForLane(page: Page, taskId: string, lane: string, timeout = 1_000): Promise<void> {
  await page.waitForFunction(
    ([id, l]) => document.querySelector(`[data-lane="${l}"] [data-task-id="${id}"]`) !== null,
    [taskId, lane] as const, { timeout },
  );
}

/** Mouse drag from a card's centre into a lane (at its bottom, so it lands at the end). */
async function mouseDrag(page: Page, taskId: string, lane: string): Promise<void> {
  const card = await page.locator(`[data-task-id="${taskId}"]`).boundingBox();
  const target = await page.locator(`[data-lane="${lane}"]`).boundingBox();
  if (!card || !target) throw new Error('card or lane not on screen');
  await page.mouse.move(card.x + card.width / 2, card.y + card.height / 2);
  await page.mouse.down();
  await page.mouse.move(card.x + card.width / 2 + 10, card.y + card.height / 2 + 10, { steps: 3 });
  await page.mouse.move(target.x + target.width / 2, target.y + target.height - 8, { steps: 8 });
  await page.mouse.up();
}

describe.skipIf(!hasChromium)('leads together in Chromium', () => {
  let db: TestDatabase;
  let server: TestServer;
  let board: CreatedBoard;
  let browser: Browser;
  const volunteers: string[] = [];
  const tasks: string[] = [];

  beforeAll(async () => {
    db = freshPglite();
    server = await startServer(db);
    board = await newBoard(server, '测试小区');
    const setup = connectLead(server.wsUrl, board.id, board.leadToken);
    await whenSynced(setup);
    for (const name of ['李明', '王芳', '张伟']) {
      const v = addVolunteer(setup.doc, { name, health: 'eligible', onDuty: true, team: 'supply' });
      if (v.ok) volunteers.push(v.value);
    }
    for (let i = 1; i <= 8; i++) {
      const t = createTask(setup.doc, { title: `任务${i}`, kind: 'supplyDelivery', priority: 'normal' });
      if (t.ok) tasks.push(t.value);
    }
    await setup.save.whenSaved();
    setup.destroy();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await db?.cleanup();
  });

  it('A drags a card to a volunteer; B sees it move within a second', async () => {
    const a = await leadPage(browser, board.urls.lead, '王阿姨');
    const b = await leadPage(browser, board.urls.lead, '李书记');
    await b.page.waitForSelector('[data-peer="王阿姨"]');
    await mouseDrag(a.page, tasks[0]!, volunteers[0]!);
    await waitForLane(a.page, tasks[0]!, volunteers[0]!);
    const start = Date.now();
    await waitForLane(b.page, tasks[0]!, volunteers[0]!, 1_000);
    expect(Date.now() - start).toBeLessThan(1_000);
    await a.context.close();
    await b.context.close();
  });

  it('both drag the same card at once to different volunteers: one card, one lane, on both', async () => {
    const a = await leadPage(browser, board.urls.lead, '王阿姨');
    const b = await leadPage(browser, board.urls.lead, '李书记');
    const id = tasks[1]!;
    await Promise.all([mouseDrag(a.page, id, volunteers[1]!), mouseDrag(b.page, id, volunteers[2]!)]);
    for (const page of [a.page, b.page]) {
      await page.waitForFunction((taskId) => document.querySelectorAll(`[data-task-id="${taskId}"]`).length === 1, id);
    }
    await expect.poll(async () => [await laneOf(a.page, id), await laneOf(b.page, id)], { timeout: 3_000 })
      .toSatisfy(([la, lb]) => la === lb && (la === volunteers[1] || la === volunteers[2]));
    await a.context.close();
    await b.context.close();
  });

  it('a lead offline moves three cards; back online, the other lead sees all three', async () => {
    const a = await leadPage(browser, board.urls.lead, '王阿姨');
    const b = await leadPage(browser, board.urls.lead, '李书记');
    await a.context.setOffline(true);
    await a.page.waitForSelector('[data-save-state="offline"]');
    const moved = [tasks[2]!, tasks[3]!, tasks[4]!];
    for (const id of moved) await mouseDrag(a.page, id, volunteers[0]!);
    for (const id of moved) await waitForLane(a.page, id, volunteers[0]!);
    await b.page.waitForTimeout(300);
    for (const id of moved) expect(await laneOf(b.page, id)).toBe('unassigned');
    await a.context.setOffline(false);
    await a.page.waitForSelector('[data-save-state="saved"]', { timeout: 10_000 });
    for (const id of moved) await waitForLane(b.page, id, volunteers[0]!, 5_000);
    await a.context.close();
    await b.context.close();
  });

  it('touch drag works on a tablet-sized screen', async () => {
    const { context, page } = await leadPage(browser, board.urls.lead, '平板', {
      viewport: { width: 1024, height: 768 }, hasTouch: true, isMobile: false,
    });
    const id = tasks[5]!;
    const card = await page.locator(`[data-task-id="${id}"]`).boundingBox();
    const lane = await page.locator(`[data-lane="${volunteers[2]}"]`).boundingBox();
    if (!card || !lane) throw new Error('not on screen');
    const cdp = await context.newCDPSession(page);
    const at = (x: number, y: number) => [{ x: Math.round(x), y: Math.round(y) }];
    const from = { x: card.x + card.width / 2, y: card.y + card.height / 2 };
    const to = { x: lane.x + lane.width / 2, y: lane.y + lane.height - 8 };
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: at(from.x, from.y) });
    await page.waitForTimeout(400); // press and hold: a drag, not a scroll
    for (let i = 1; i <= 10; i++) {
      await cdp.send('Input.dispatchTouchEvent', {
        type: 'touchMove', touchPoints: at(from.x + ((to.x - from.x) * i) / 10, from.y + ((to.y - from.y) * i) / 10),
      });
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await waitForLane(page, id, volunteers[2]!, 2_000);
    await context.close();
  });

  it('the keyboard "move to…" menu moves a card', async () => {
    const { context, page } = await leadPage(browser, board.urls.lead, '键盘');
    const id = tasks[6]!;
    await page.locator(`[data-task-id="${id}"]`).focus();
    await page.keyboard.press('m');
    await page.locator(`[data-move-to="${volunteers[1]}"]`).click();
    await waitForLane(page, id, volunteers[1]!);
    await page.keyboard.press('Control+z');
    await waitForLane(page, id, 'unassigned');
    await context.close();
  });

  it('renders the demo board in Chinese (screenshot for the README)', async () => {
    const demo = await newBoard(server, '梧桐苑', true);
    const { context, page } = await leadPage(browser, demo.urls.lead, '王阿姨', { viewport: { width: 1600, height: 1000 } });
    await page.waitForSelector('[data-lane="unassigned"] [data-task-id]');
    expect(await page.textContent('h1')).toBe('梧桐苑');
    expect(await page.locator('[data-task-id]').count()).toBeGreaterThan(40);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const png = await page.screenshot({ path: join(SCREENSHOT_DIR, 'lead-board.png') });
    expect(png.byteLength).toBeGreaterThan(50_000);
    await context.close();
  });
});
