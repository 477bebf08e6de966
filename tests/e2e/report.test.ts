// The daily report page and the registry tab in real Chromium against a real server with the
// demo compound: the charts show the board's totals, and a case registered in the lead UI puts
// its first check-in call in the building lead's lane.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { boardDay, cardTaskId } from '../../shared/cases.js';
import { readBoard } from '../../shared/doc.js';
import { dailyReport } from '../../shared/report.js';
import { hasChromium, launchBrowser } from '../helpers/browser.js';
import { openBoard, waitFor, type BoardFixture } from '../helpers/server.js';

const SCREENSHOT_DIR = process.env.UPDATE_SCREENSHOTS ? 'docs/screenshots' : join(tmpdir(), 'linli-screenshots');

describe.skipIf(!hasChromium)('daily report and registry in Chromium', () => {
  let f: BoardFixture;
  let browser: Browser;

  beforeAll(async () => {
    f = await openBoard('梧桐苑', true);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await f?.close();
  });

  it('the report page of the demo board shows the charts with the board\'s totals', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 1400 } });
    const page = await context.newPage();
    await page.goto(`${f.server.url}/b/${f.board.id}/report#${f.board.leadToken}`);
    await page.waitForSelector('[data-chart="needs"] [data-row="medicine"]', { timeout: 8_000 });
    expect(page.url()).not.toContain(f.board.leadToken);
    const now = Date.now();
    const expected = dailyReport(readBoard(f.lead.doc), boardDay(now), now);
    // The page settles on the live board (first-paint records, then the document).
    await expect.poll(() => page.textContent('[data-summary="requests"] strong'), { timeout: 8_000 }).toBe(String(expected.requests.total));
    await expect.poll(() => page.textContent('[data-summary="cases"] strong'), { timeout: 8_000 }).toBe('60');

    // The day's figures depend on the clock (a request done yesterday leaves today's report), so
    // they are compared with the shared report of the same board, not with fixed numbers.
    const total = (chart: string, row: string) => page.getAttribute(`[data-chart="${chart}"] [data-row="${row}"]`, 'data-total');
    const medicine = expected.requests.byNeed.find((row) => row.need === 'medicine')!;
    expect(medicine.total).toBeGreaterThan(5);
    for (const row of expected.requests.byNeed) expect(await total('needs', row.need)).toBe(String(row.total));
    const rows = await page.$$eval('[data-chart="needs"] [data-row]', (els) => els.map((el) => Number(el.getAttribute('data-total'))));
    expect(rows.reduce((a, b) => a + b, 0)).toBe(expected.requests.total);
    expect(await page.textContent('[data-summary="requests"] strong')).toBe(String(expected.requests.total));
    // Done segments are drawn: the medicine row has one done run.
    if (medicine.byStatus.done > 0) {
      expect(await page.getAttribute('[data-chart="needs"] [data-row="medicine"] [data-segment="done"]', 'data-value')).toBe(String(medicine.byStatus.done));
    }

    // 30 buildings in the coverage chart; area A done, C not started.
    expect(await page.locator('[data-chart="coverage"] [data-row]').count()).toBe(30);
    expect(await page.locator('[data-chart="coverage"] [data-row="b30"] [data-segment="tested"]').count()).toBe(0);
    expect(await page.getAttribute('[data-chart="coverage"] [data-row="b30"] [data-segment="missing"]', 'data-value')).toBe(await total('coverage', 'b30'));
    expect(Number(await page.getAttribute('[data-chart="coverage"] [data-row="b02"] [data-segment="tested"]', 'data-value'))).toBeGreaterThan(50);
    expect(await page.textContent('[data-summary="coverage"] strong'))
      .toBe(`${Math.round((100 * expected.testing.tested) / expected.testing.expected)}%`);

    expect(await page.textContent('[data-summary="cases"] strong')).toBe('60');
    expect(await total('cases', 'elderlyAlone')).toBe('25');
    expect(await page.textContent('[data-summary="onDuty"] strong')).toBe(String(expected.volunteers.onDuty));

    // Another day: a week before the seeded lockdown day there was no round and no request.
    await page.fill('[data-report-date]', boardDay(now - 7 * 24 * 3_600_000));
    await page.waitForFunction(() => document.querySelector('[data-summary="coverage"] strong')?.textContent === '—', null, { timeout: 5_000 });
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.fill('[data-report-date]', boardDay(now));
    await page.waitForSelector('[data-chart="coverage"]');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'report.png'), fullPage: true });
    // Printable: the A4 print layout hides the controls.
    await page.emulateMedia({ media: 'print' });
    expect(await page.isVisible('[data-report-date]')).toBe(false);
    const pdf = (await page.pdf({ format: 'A4', printBackground: true })).toString('latin1');
    const pages = pdf.match(/\/Type\s*\/Page[^s]/g)?.length ?? 0;
    expect(pages).toBeGreaterThanOrEqual(1);
    expect(pages).toBeLessThanOrEqual(3);
    await context.close();
  });

  it('a case registered in the lead UI puts its first check-in call in the building lead\'s lane', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.addInitScript(() => localStorage.setItem('linli:lead-name', '居委书记'));
    const page = await context.newPage();
    await page.goto(f.board.urls.lead);
    await page.click('[data-view="cases"]');
    await page.waitForSelector('[data-case-id]');
    expect(await page.locator('[data-case-id]').count()).toBe(60);
    await page.click('[data-action="add-case"]');
    await page.fill('[data-case-dialog] input[name="name"]', '新登记 周阿婆');
    await page.selectOption('[data-case-dialog] select[name="building"]', { label: '3号' });
    await page.fill('[data-case-dialog] input[name="room"]', '602');
    await page.check('[data-case-dialog] input[name="livesAlone"]');
    await page.click('[data-case-dialog] button[type="submit"]');
    await page.waitForSelector('[data-case-dialog]', { state: 'detached' });

    const added = () => [...readBoard(f.lead.doc).cases.values()].find((c) => c.name === '新登记 周阿婆');
    await waitFor(() => added() !== undefined, 'the case on the other lead\'s board');
    const c = added()!;
    expect(c).toMatchObject({ buildingId: 'b03', room: '602', category: 'elderlyAlone', livesAlone: true });
    const cardId = cardTaskId(`${c.id}:checkIn:${boardDay(Date.now())}`);
    await waitFor(() => readBoard(f.lead.doc).tasks.has(cardId), 'the check-in card');
    const lead = readBoard(f.lead.doc).buildings.get('b03')!.leadId!;
    expect(readBoard(f.lead.doc).tasks.get(cardId)).toMatchObject({ kind: 'checkInCall', caseId: c.id, slot: { assigneeId: lead } });
    // Its row lists the card; on the lanes it sits in the lead's lane.
    await page.waitForSelector(`[data-case-id="${c.id}"] [data-card-id="${cardId}"]`);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'lead-cases.png') });
    await page.click('[role="tab"]:first-child');
    await page.locator(`[data-lane="${lead}"] [data-task-id="${cardId}"]`).waitFor({ timeout: 5_000 });
    await context.close();
  });
});
