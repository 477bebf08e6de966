// The lead page in real Chromium against a real server: it shows the demo board, its save
// state, and edits made by another lead arrive live.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import * as Y from 'yjs';
import { readBoard, recordMap } from '../../shared/doc.js';
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

  it('paints the board from the server\'s records while the document is held back, read-only until it syncs', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(`localStorage.setItem('linli:lead-name', '李书记')`);
    const page = await context.newPage();
    // Hold the live document back: the sync socket waits until released.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await page.routeWebSocket(/\/sync\//, async (ws) => {
      await released;
      ws.connectToServer();
    });
    await page.goto(board.urls.lead);
    await page.waitForSelector('[data-lane="unassigned"] [data-task-id]');
    const other = connectLead(server.wsUrl, board.id, board.leadToken);
    await whenSynced(other);
    const truth = readBoard(other.doc);
    expect(await page.locator('[data-task-id]').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-lane]').count()).toBe(truth.volunteers.size + 1);
    // Never "saved" before the live document is here (the socket is held: offline).
    expect(await page.getAttribute('[data-save-state]', 'data-save-state')).not.toBe('saved');
    // A change before the document is here is refused with a clear reason, not lost silently.
    await page.fill('.quick-add input.title', '预览时添加');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: '看板正在同步' }).first().waitFor({ timeout: 5_000 });

    release();
    await page.waitForSelector('[data-save-state="saved"]', { timeout: 10_000 });
    const card = page.locator('[data-lane="unassigned"] [data-task-id]').first();
    const id = await card.getAttribute('data-task-id');
    const lane = [...truth.volunteers.keys()][0]!;
    await card.dragTo(page.locator(`[data-lane="${lane}"]`));
    await waitFor(() => readBoard(other.doc).tasks.get(id!)?.slot.assigneeId === lane, 'the move after sync');
    other.destroy();
    await context.close();
  });
  it('a change the server refuses is dropped from this device and the page shows the server\'s board', async () => {
    const other = connectLead(server.wsUrl, board.id, board.leadToken);
    await whenSynced(other);
    const taskId = [...readBoard(other.doc).tasks.keys()][1]!;
    const before = readBoard(other.doc).tasks.get(taskId)!;
    // This device's stored copy holds a change that would break the board (a stale or broken
    // client): written into the page's IndexedDB the way y-indexeddb keeps it.
    const bad = new Y.Doc();
    Y.applyUpdate(bad, Y.encodeStateAsUpdate(other.doc));
    recordMap(bad, 'tasks').get(taskId)!.set('priority', 'super-urgent');
    const bytes = Array.from(Y.encodeStateAsUpdate(bad));
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(`localStorage.setItem('linli:lead-name', '张主任')`);
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.evaluate(`new Promise((resolve, reject) => {
      const open = indexedDB.open('linli-board-${board.id}');
      open.onupgradeneeded = () => { open.result.createObjectStore('updates', { autoIncrement: true }); open.result.createObjectStore('custom'); };
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const tx = open.result.transaction('updates', 'readwrite');
        tx.objectStore('updates').add(new Uint8Array(${JSON.stringify(bytes)}));
        tx.oncomplete = () => { open.result.close(); resolve(); };
      };
    })`);
    await page.goto(board.urls.lead);
    await page.locator('[data-notice="rejected"]').waitFor({ timeout: 15_000 });
    await page.waitForSelector('[data-save-state="saved"]');
    await page.locator(`[data-task-id="${taskId}"]`).waitFor();
    expect(readBoard(other.doc).tasks.get(taskId)).toEqual(before);
    // Working normally again: a move from this page reaches the other lead.
    const lane = [...readBoard(other.doc).volunteers.keys()][2]!;
    await page.locator(`[data-task-id="${taskId}"]`).dragTo(page.locator(`[data-lane="${lane}"]`));
    await waitFor(() => readBoard(other.doc).tasks.get(taskId)?.slot.assigneeId === lane, 'the move after starting over');
    other.destroy();
    await context.close();
  });
});
