// The lead page in real Chromium against a real server: it shows the demo board, its save
// state, and edits made by another lead arrive live.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { readBoard } from '../../shared/doc.js';
import { createTask } from '../../shared/mutations.js';
import type { CreatedBoard } from '../../server/boards.js';
import { hasChromium, launchBrowser } from '../helpers/browser.js';
import { freshPglite, type TestDatabase } from '../helpers/databases.js';
import { connectLead, newBoard, startServer, waitFor, whenSynced, type TestServer } from '../helpers/server.js';

describe.skipIf(!hasChromium)('lead board in Chromium', () => {
  let db: TestDatabase;
  let server: TestServer;
  let board: CreatedBoard;
  let browser: Browser;

  beforeAll(async () => {
    db = freshPglite();
    server = await startServer(db);
    board = await newBoard(server, '梧桐苑', true);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await db?.cleanup();
  });

  it('shows the demo board in Chinese, saved, and live edits from another lead', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}/`);
    // First visit asks for the lead's name (shown to other leads).
    await page.goto(board.urls.lead);
    await page.fill('#lead-name', '王阿姨');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-lane="unassigned"] [data-task-id]');
    expect(await page.textContent('h1')).toBe('梧桐苑');
    await page.waitForSelector('[data-save-state="saved"]');
    // The token leaves the address bar once read.
    expect(page.url()).not.toContain(board.leadToken);

    const other = connectLead(server.wsUrl, board.id, board.leadToken);
    await whenSynced(other);
    const volunteers = readBoard(other.doc).volunteers.size;
    expect(await page.locator('[data-lane]').count()).toBe(volunteers + 1);
    const t = createTask(other.doc, { title: '新任务：9号楼送药', kind: 'medicineRun', priority: 'urgent' });
    if (!t.ok) throw new Error(t.message);
    const card = page.locator(`[data-lane="unassigned"] [data-task-id="${t.value}"]`);
    await card.waitFor({ timeout: 5_000 });
    expect(await card.textContent()).toContain('紧急');
    // Urgent work is on top of its lane.
    expect(await page.locator('[data-lane="unassigned"] [data-task-id]').first().getAttribute('data-task-id')).toBe(t.value);

    // Quick add understands a line pasted from WeChat.
    await page.fill('.quick-add input.title', '3号楼502 需要胰岛素，快没了');
    await page.keyboard.press('Enter');
    const pasted = () => [...readBoard(other.doc).tasks.values()].find((task) => task.title === '3号楼502 需要胰岛素，快没了');
    await waitFor(() => pasted() !== undefined, 'the parsed card');
    const parsed = pasted()!;
    expect(readBoard(other.doc).buildings.get(parsed.buildingId!)?.label).toBe('3号');
    expect(parsed).toMatchObject({ kind: 'medicineRun', priority: 'urgent', status: 'open' });
    other.destroy();
    await page.close();
  });
});
