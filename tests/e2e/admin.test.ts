// The admin page in real Chromium: the admin names a lead link, the lead opens it and shows up
// under that name; the admin revokes it and the lead's board says so within 5 s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { CreatedBoard } from '../../server/boards.js';
import { hasChromium, launchBrowser } from '../helpers/browser.js';
import { freshPglite, type TestDatabase } from '../helpers/databases.js';
import { connectLead, newBoard, startServer, waitFor, whenSynced, type Lead, type TestServer } from '../helpers/server.js';

describe.skipIf(!hasChromium)('admin page in Chromium', () => {
  let db: TestDatabase;
  let server: TestServer;
  let board: CreatedBoard;
  let browser: Browser;
  let watcher: Lead;

  beforeAll(async () => {
    db = freshPglite();
    server = await startServer(db);
    board = await newBoard(server, '梧桐苑', true);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    watcher?.destroy();
    await browser?.close();
    await server?.close();
    await db?.cleanup();
  });

  it('issues a named lead link, shows its name on the board, and revokes it', async () => {
    const adminPage = await (await browser.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
    await adminPage.goto(board.urls.admin);
    await adminPage.locator('[data-link-state="live"]').first().waitFor();
    expect(await adminPage.locator('[data-link-state="live"]').count()).toBe(4);

    await adminPage.getByLabel('给谁（姓名或用途）').fill('王阿姨');
    await adminPage.locator('[data-action="create-link"]').click();
    const url = await adminPage.locator('[data-link-url]').inputValue();
    expect(url).toMatch(new RegExp(`/b/${board.id}#[A-Za-z0-9_-]{16,}$`));
    const row = adminPage.locator('tr[data-link-state="live"]', { hasText: '王阿姨' });
    await row.waitFor();

    // The lead opens the link; another lead sees the name the admin gave, whatever the browser typed.
    watcher = connectLead(server.wsUrl, board.id, board.leadToken);
    await whenSynced(watcher);
    const leadContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await leadContext.addInitScript(`localStorage.setItem('linli:lead-name', '随便填的名字')`);
    const leadPage = await leadContext.newPage();
    await leadPage.goto(url);
    await leadPage.waitForSelector('[data-save-state="saved"]');
    await waitFor(() => [...watcher.provider.awareness.getStates().values()].some((s) => s.user?.name === '王阿姨' && s.user?.verified === true),
      'the named lead in presence');

    adminPage.once('dialog', (dialog) => void dialog.accept());
    const started = Date.now();
    await row.locator('[data-action="revoke-link"]').click();
    await leadPage.getByRole('alert').filter({ hasText: '链接无效或已被撤销' }).waitFor({ timeout: 5_000 });
    expect(Date.now() - started).toBeLessThan(5_000);
    await adminPage.getByLabel('显示已撤销的链接').check();
    await adminPage.locator('tr[data-link-state="revoked"]', { hasText: '王阿姨' }).waitFor();
    await leadContext.close();
  });

  it('a lead link cannot open the admin page', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}/a/${board.id}#${board.leadToken}`);
    await page.locator('[data-problem="adm.forbidden"]').waitFor();
    expect(await page.locator('[data-action="create-link"]').count()).toBe(0);
  });
});
