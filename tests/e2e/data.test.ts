// The lead's import tab in Chromium: a group-buy file with a bad row shows its line and keeps the
// import button disabled; the fixed file imports, and the delivery cards appear on the board and
// on the printable sheet, phones masked until the lead shows them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { readBoard } from '../../shared/doc.js';
import { addBuilding } from '../../shared/mutations.js';
import { hasChromium, launchBrowser } from '../helpers/browser.js';
import { openBoard, waitFor, type BoardFixture } from '../helpers/server.js';

const HEADER = '收货人,联系电话,订单总金额,支付状态,收货地址,订购数量';
const ORDERS = [
  '周阿姨,13800002001,36.00,已支付,梧桐苑88弄12号楼502室,1',
  '吴先生,13800002002,72.00,已支付,梧桐苑88弄12号楼302室,2',
  '郑奶奶,13800002003,36.00,已支付,梧桐苑88弄3号楼101室,1',
];

describe.skipIf(!hasChromium)('imports in Chromium', () => {
  let f: BoardFixture;
  let browser: Browser;

  beforeAll(async () => {
    f = await openBoard('梧桐苑');
    for (const n of [3, 12]) addBuilding(f.lead.doc, { id: `b${n}`, label: `${n}号`, area: 'A' });
    await f.lead.save.whenSaved();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await f?.close();
  });

  it('shows a bad row\'s line, imports the fixed file, and the delivery cards appear', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(f.board.urls.lead);
    await page.fill('#lead-name', '陈书记');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-save-state="saved"]');
    await page.click('[data-view="data"]');
    await page.click('[data-kind="groupbuy"]');

    // Line 3 names a building the compound does not have.
    const bad = [HEADER, ORDERS[0], '王先生,13800002009,36.00,已支付,梧桐苑88弄99号楼101室,1', ...ORDERS.slice(1)].join('\n');
    await page.setInputFiles('[data-input="import-file"]', { name: '鸡蛋团购.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    const error = page.locator('[data-error-line="3"]');
    await error.waitFor();
    expect(await error.textContent()).toContain('第 3 行');
    expect(await error.textContent()).toContain('99号楼');
    expect(await page.locator('[data-action="import"]').isDisabled()).toBe(true);
    expect([...readBoard(f.lead.doc).tasks.values()].length).toBe(0);

    await page.setInputFiles('[data-input="import-file"]', { name: '鸡蛋团购.csv', mimeType: 'text/csv', buffer: Buffer.from([HEADER, ...ORDERS].join('\n')) });
    await page.waitForSelector('[data-preview-rows="3"]');
    expect(await page.locator('[data-import-errors]').count()).toBe(0);
    expect(await page.locator('[data-card-preview]').count()).toBe(2);
    const button = page.locator('[data-action="import"]');
    expect(await button.isDisabled()).toBe(false);
    await button.click();
    await page.waitForSelector('[data-notice="data.imported"]');

    const cards = () => [...readBoard(f.lead.doc).tasks.values()].filter((t) => t.kind === 'supplyDelivery');
    await waitFor(() => cards().length === 2, 'two delivery cards on the board');
    const b12 = cards().find((t) => t.buildingId === 'b12')!;
    // No product column: the file's name names the group buy.
    expect(b12.title).toBe('团购配送：鸡蛋团购 · 12号 · 2户');
    await page.click('[role="tab"]:first-child');
    const card = page.locator(`[data-lane="unassigned"] [data-task-id="${b12.id}"]`);
    await card.waitFor();
    expect(await card.textContent()).toContain('12号 · 2户');

    // The printable sheet opens with the same lead token, phones masked until asked for.
    await page.goto(`${f.server.url}/b/${f.board.id}/sheet`);
    const building = page.locator('[data-sheet-building="12号"]');
    await building.waitFor();
    const phones = () => building.locator('[data-phone]').allTextContents();
    expect(await phones()).toEqual(['138****2002', '138****2001']);
    await page.click('[data-toggle="hide-phones"]');
    expect(await phones()).toEqual(['13800002002', '13800002001']);
    expect(await page.locator('[data-sheet-building]').count()).toBe(2);
    // A building lead prints only their building.
    await page.selectOption('[data-select="building"]', 'b3');
    expect(await page.locator('[data-sheet-building]').allTextContents()).toEqual([expect.stringContaining('郑奶奶')]);
    await page.goto(`${f.server.url}/b/${f.board.id}/sheet?building=b12`);
    await page.waitForSelector('[data-sheet-building="12号"]');
    expect(await page.locator('[data-sheet-building]').count()).toBe(1);
    await page.close();
  });
});
