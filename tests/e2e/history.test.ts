// History (#7) in real Chromium against a real server: a lead moves a card and reads who moved
// it, to whom and when in the card's drawer; then restores the board's version from the history
// panel and the card goes back to its lane.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import * as Y from 'yjs';
import { readBoard } from '../../shared/doc.js';
import type { CreatedBoard } from '../../server/boards.js';
import { hasChromium, launchBrowser } from '../helpers/browser.js';
import { freshPglite, type TestDatabase } from '../helpers/databases.js';
import { connectLead, newBoard, startServer, waitFor, whenSynced, type Lead, type TestServer } from '../helpers/server.js';

describe.skipIf(!hasChromium)('history and restore in Chromium', () => {
  let db: TestDatabase;
  let server: TestServer;
  let board: CreatedBoard;
  let browser: Browser;
  let other: Lead;

  beforeAll(async () => {
    db = freshPglite();
    server = await startServer(db);
    board = await newBoard(server, '梧桐苑', true);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    other?.destroy();
    await browser?.close();
    await server?.close();
    await db?.cleanup();
  });

  it('shows "<lead> 把任务移给 <volunteer>" with the time, and a restored version puts the card back', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(`localStorage.setItem('linli:lead-name', '王阿姨')`);
    const page = await context.newPage();
    await page.goto(board.urls.lead);
    await page.waitForSelector('[data-save-state="saved"]');
    // The board loaded: its load-time version is the demo board as seeded.
    const store = server.app.linli.store;
    for (let i = 0; i < 200 && (await store.listVersions(board.id)).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    const versions = await store.listVersions(board.id);
    expect(versions.length).toBe(1);
    const kept = new Y.Doc();
    Y.applyUpdate(kept, (await store.loadVersion(board.id, versions[0]!.id))!.data);
    const inVersion = readBoard(kept).tasks;

    other = connectLead(server.wsUrl, board.id, board.leadToken);
    await whenSynced(other);
    const demo = readBoard(other.doc);
    const eligible = [...demo.volunteers.values()].filter((v) => v.health === 'eligible');
    // A card the version holds, in the same lane now (cards the server made since are not in it).
    const card = [...demo.tasks.values()].find((task) => task.slot.assigneeId !== null
      && inVersion.get(task.id)?.slot.assigneeId === task.slot.assigneeId
      && eligible.some((v) => v.id === task.slot.assigneeId) && !['done', 'cancelled'].includes(task.status))!;
    const from = card.slot.assigneeId!;
    const to = eligible.find((v) => v.id !== from)!;
    const actor = (await server.app.linli.tokens.resolve(board.leadToken))!.actor;

    await page.locator(`[data-task-id="${card.id}"] button.title`).click();
    const drawer = page.locator(`[data-drawer-task="${card.id}"]`);
    await drawer.locator('label', { hasText: '负责人' }).locator('select').selectOption(to.id);
    await page.locator(`[data-lane="${to.id}"] [data-task-id="${card.id}"]`).waitFor({ timeout: 5_000 });

    const line = drawer.locator('[data-card-history] [data-action="moved"]').first();
    await line.waitFor({ timeout: 10_000 });
    const text = (await line.textContent())!;
    expect(text).toContain(`#${actor.slice(0, 6)} 把任务移给 ${to.name}`);
    expect(text).toMatch(/· \d{2}:\d{2}/);
    await drawer.getByRole('button', { name: '关闭' }).click();

    await page.locator('[data-open-history]').click();
    const panel = page.locator('[data-board-history]');
    await panel.locator('[data-action="moved"]').first().waitFor({ timeout: 10_000 });
    expect(await panel.locator('[data-action="moved"]').first().textContent()).toContain(card.title);
    await panel.locator('[data-version-id]').last().getByRole('button', { name: '恢复到此版本' }).click();
    await panel.locator('[data-confirm-restore]').getByRole('button', { name: '确认恢复' }).click();
    await panel.locator('[data-restore-notice]').waitFor({ timeout: 5_000 });
    expect(await panel.locator('[data-restore-notice]').textContent()).toContain('已恢复');

    await page.locator(`[data-lane="${from}"] [data-task-id="${card.id}"]`).waitFor({ timeout: 5_000 });
    await waitFor(() => readBoard(other.doc).tasks.get(card.id)?.slot.assigneeId === from, 'the restore on the other lead');
    await panel.locator('[data-action="restored"]').first().waitFor({ timeout: 10_000 });
    expect(await panel.locator('[data-action="restored"]').first().textContent()).toContain(`#${actor.slice(0, 6)} 把看板恢复到`);
    await context.close();
  });
});
