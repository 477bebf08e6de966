// A resident's request from the form in Chromium on a phone: it lands on the lead board.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { readBoard } from '../../shared/doc.js';
import { hasChromium, launchBrowser } from '../helpers/browser.js';
import { openBoard, waitFor, type BoardFixture } from '../helpers/server.js';

describe.skipIf(!hasChromium)('request form in Chromium', () => {
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

  it('a resident asks for formula; the card appears on the lead board', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.goto(f.board.urls.request);
    await page.waitForSelector('option[value="12号"]', { state: 'attached' });
    await page.selectOption('select', '12号');
    await page.fill('input[inputmode="numeric"]', '302');
    await page.tap('[data-need="infantFormula"]');
    await page.fill('textarea', '宝宝奶粉只剩一天 <b>急</b>');
    await page.tap('button[type="submit"]');
    await page.waitForSelector('[data-result="sent"]');
    await waitFor(() => [...readBoard(f.lead.doc).tasks.values()].some((t) => t.room === '302' && t.need === 'infantFormula'), 'the card on the lead board', 2_000);
    const card = [...readBoard(f.lead.doc).tasks.values()].find((t) => t.room === '302' && t.need === 'infantFormula')!;
    expect(card).toMatchObject({ status: 'open', slot: { assigneeId: null }, notes: '宝宝奶粉只剩一天 <b>急</b>' });
    await context.close();
  });
});
