// Real Chromium for end-to-end tests (DESIGN.md "Commands": without a browser the suite says so
// loudly and skips, except under CI, where a missing browser fails).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);

if (!hasChromium) {
  const message = `\n*** No Chromium at ${CHROMIUM_PATH}: browser end-to-end tests are SKIPPED. ` +
    'Install it (apt-get install chromium) or set CHROMIUM_PATH. ***\n';
  if (process.env.CI) throw new Error(message);
  console.warn(message);
}

export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}
