// A volunteer's phone page in Chromium at a 360 px phone viewport: the lead's link, a live
// assignment with an alert, one-tap actions that reach the lead, and taps queued while offline.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { readRecord } from '../../shared/doc.js';
import { addVolunteer, assignTask, createTask } from '../../shared/mutations.js';
import { hasChromium, launchBrowser } from '../helpers/browser.js';
import { openBoard, volunteerLink, waitFor, type BoardFixture } from '../helpers/server.js';

const SCREENSHOT_DIR = process.env.UPDATE_SCREENSHOTS ? 'docs/screenshots' : join(tmpdir(), 'linli-screenshots');

describe.skipIf(!hasChromium)('volunteer phone in Chromium', () => {
  let f: BoardFixture;
  let browser: Browser;
  let volunteerId: string;

  beforeAll(async () => {
    f = await openBoard();
    const lead = f.lead;
    const v = addVolunteer(lead.doc, { name: '张阿姨', health: 'eligible' });
    if (!v.ok) throw new Error(v.message);
    volunteerId = v.value;
    await lead.save.whenSaved();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await f?.close();
  });

  it('shows new work live, and taps reach the lead board, also after being offline', async () => {
    const { url } = await volunteerLink(f.server, f.board, volunteerId);
    const lead = f.lead;
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForSelector('[data-connection="online"]');
    expect(await page.textContent('header strong')).toBe('张阿姨');
    expect(page.url()).not.toContain('#');

    const t1 = createTask(lead.doc, { title: '3号楼502 需要胰岛素', kind: 'medicineRun', priority: 'urgent', contact: '139-0000-1234' });
    if (!t1.ok) throw new Error(t1.message);
    assignTask(lead.doc, t1.value, volunteerId);
    const card = page.locator(`[data-task-id="${t1.value}"]`);
    await card.waitFor({ timeout: 2_000 });
    await page.getByRole('alert').filter({ hasText: '新任务' }).waitFor();
    expect(await card.locator('a[href^="tel:"]').textContent()).toContain('139-0000-1234');
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'volunteer-phone.png'), fullPage: true });
    // Nothing wider than the phone: no sideways scrolling.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

    await card.locator('[data-action="accept"]').tap();
    await waitFor(() => {
      const task = readRecord(lead.doc, 'tasks', t1.value);
      return task.ok && task.value.status === 'accepted';
    }, 'accepted on the lead board', 3_000);

    await context.setOffline(true);
    await page.waitForSelector('[data-connection="offline"]');
    await card.locator('[data-action="done"]').tap();
    await page.getByText('待发送').first().waitFor();
    await page.waitForTimeout(300);
    const before = readRecord(lead.doc, 'tasks', t1.value);
    expect(before.ok && before.value.status).toBe('accepted');
    await context.setOffline(false);
    await page.waitForSelector('[data-connection="online"]', { timeout: 10_000 });
    await waitFor(() => {
      const task = readRecord(lead.doc, 'tasks', t1.value);
      return task.ok && task.value.status === 'done';
    }, 'done on the lead board after reconnecting', 10_000);
    await context.close();
  });
});
