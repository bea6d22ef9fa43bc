// The shared helper of the browser tests (and bench/portal.bench.ts): Debian's Chromium through playwright-core, the
// viewports the portal is checked at, full-page screenshots under test-artifacts/<area>/<name>.png, and a page that
// records console errors and uncaught page errors so a test can assert that none happened.
//
//   describe('…', { skip: BROWSER_SKIP }, () => { … const browser = await launchBrowser(); … });
//
// BROWSER_SKIP is false when the binary is there, else the reason: tests pass it to `{ skip }` so a machine without
// Chromium reports them as skipped (with the reason), never as silently passing.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** false when Chromium is installed; otherwise why the browser tests cannot run (for `{ skip: BROWSER_SKIP }`). */
export const BROWSER_SKIP: false | string = fs.existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install chromium): the browser tests cannot run here`;

/** The flags every browser test runs Chromium with (headless in a container, no GPU, no background traffic). */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** Desktop and phone viewports the portal is checked at. */
export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Where screenshots go: test-artifacts/<area>/<name>.png (git-ignored). */
export const ARTIFACTS_DIR = path.join(ROOT, 'test-artifacts');

/** Chromium (headless) through playwright-core; close it in the suite's `after`. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** A full-page PNG of the page at test-artifacts/<area>/<name>.png; returns its path. */
export async function shoot(page: Page, area: string, name: string): Promise<string> {
  const dir = path.join(ARTIFACTS_DIR, area);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** A page and what went wrong in it: console messages of type error and uncaught exceptions (pageerror). */
export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** `console.error: …` and `pageerror: …` lines, in order. */
  errors: string[];
  /** Throws (listing them) when any console error or page error was recorded; `ignore` drops expected ones. */
  assertNoErrors(ignore?: RegExp): void;
  close(): Promise<void>;
}

/** Starts recording console errors and uncaught errors of an existing page. */
export function watchPage(page: Page): WatchedPage {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
  return {
    page,
    context: page.context(),
    errors,
    assertNoErrors(ignore?: RegExp) {
      const left = ignore ? errors.filter((e) => !ignore.test(e)) : errors;
      if (left.length) throw new Error(`the page had ${left.length} error(s):\n${left.join('\n')}`);
    },
    close: () => page.context().close(),
  };
}

/**
 * A new page in its own context (cookies, storage), at a viewport (DESKTOP by default), recording its errors. Pass
 * `baseURL` to goto relative paths; cookies can be added to `context` before the first goto.
 */
export async function openPage(browser: Browser, opts: { viewport?: { width: number; height: number } } & Omit<BrowserContextOptions, 'viewport'> = {}): Promise<WatchedPage> {
  const { viewport = DESKTOP, ...rest } = opts;
  const context = await browser.newContext({ viewport, ...rest });
  return watchPage(await context.newPage());
}
