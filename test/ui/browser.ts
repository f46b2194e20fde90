import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/**
 * Every run saves a screenshot of each screen to test/.artifacts/screenshots (git-ignored) for a look;
 * UPDATE_DOC_SCREENSHOTS=1 writes them to docs/images instead, where the README shows them.
 */
export const SCREENSHOTS = process.env.UPDATE_DOC_SCREENSHOTS
  ? path.resolve(__dirname, '..', '..', 'docs', 'images')
  : path.resolve(__dirname, '..', '.artifacts', 'screenshots');

/**
 * The page globals used by callbacks that run in the browser, typed here because the project compiles
 * without the DOM lib: `(globalThis as unknown as PageGlobals).document…` (the cast vanishes when compiled,
 * so the serialized callback reads the page's own globals).
 */
export interface PageGlobals {
  document: { querySelector<T>(selector: string): T | null; documentElement: { scrollWidth: number } };
  innerWidth: number;
}

/** Debian's Chromium, headless (never a Playwright-downloaded browser). */
export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page that records every console error and uncaught exception, for the "no console errors" check. */
export async function openPage(
  browser: Browser,
  baseUrl: string,
  viewport = { width: 1280, height: 900 },
): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport, acceptDownloads: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (msg: ConsoleMessage) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  return { page, errors };
}

export async function screenshot(page: Page, screen: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `ui-${screen}.png`), fullPage: true });
}
