// The portal in real Chromium (Debian's /usr/bin/chromium through playwright-core): a real Telltale listening on
// 127.0.0.1 (SQLite: browser suites run once, not per dialect) whose public URL is its own address, so the links
// the APIs give (recordings, feeds) open in the browser; an account with a user of the role asked; a page signed in
// through the sign-in form; screenshots at desktop and phone widths saved under test-artifacts/portal/.
import net from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Role } from '../../src/domain/accounts/roles.ts';
import type { AppOptions } from '../../src/app.ts';
import { buildTestApp, makeAccount, type TestApp } from './app.ts';
import { DIALECTS } from './dialects.ts';
import { GOOD, lockoutOff } from './userapi.ts';
import { ARTIFACTS_DIR, DESKTOP, openPage as openBrowserPage, PHONE, shoot as shootIn, type WatchedPage } from './browser.ts';

export { BROWSER_SKIP, CHROMIUM, DESKTOP, launchBrowser, PHONE, type WatchedPage } from './browser.ts';
export const ARTIFACTS = path.join(ARTIFACTS_DIR, 'portal');

/** A port nobody listens on now (for a server that must know its own URL before it listens). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A Telltale listening on its own public URL (SQLite). */
export async function portalApp(opts: AppOptions & { env?: Record<string, string> } = {}): Promise<TestApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t = await buildTestApp(DIALECTS[0], { ...opts, env: { TT_PUBLIC_URL: url, ...opts.env } });
  await t.server.listen({ host: '127.0.0.1', port });
  return { ...t, url };
}

export interface PortalUser {
  clientId: number;
  username: string;
  password: string;
  role: Role;
}

/** An account and a user with `role` in it (an owner first when the role is another, as accounts always have one). */
export async function portalAccount(t: TestApp, clientId: number, role: Role = 'owner', opts: { name?: string; timezone?: string } = {}): Promise<PortalUser> {
  const owner = await makeAccount(t.app, clientId, { name: opts.name ?? `Account ${clientId}`, timezone: opts.timezone, username: `owner${clientId}`, password: GOOD(clientId) });
  await lockoutOff(t.app, [clientId]);
  if (role === 'owner') return { clientId, username: owner.username, password: owner.password, role };
  const username = `${role.replace('_', '')}${clientId}`;
  const password = GOOD(`${role}-${clientId}`);
  await t.app.accounts.createUser({ username, password, clientIds: [clientId], role });
  return { clientId, username, password, role };
}

/**
 * A page in its own context recording console errors and uncaught exceptions (a test asserts `errors` is empty);
 * a failed request the page handles (a 4xx it shows) is logged by Chromium as well and is not counted.
 */
export async function openPage(browser: Browser, viewport: { readonly width: number; readonly height: number } = DESKTOP): Promise<WatchedPage> {
  const w = await openBrowserPage(browser, { viewport });
  const errors: string[] = [];
  w.page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  w.page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  return { ...w, errors };
}

/** Signs in through the form, as a person does, and waits for the first signed-in page to be ready. */
export async function signInThroughForm(page: Page, baseUrl: string, user: { username: string; password: string }, path = '/'): Promise<void> {
  await page.goto(baseUrl + path);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('main[data-state="ready"]:not([data-page="login"])').waitFor({ timeout: 20_000 });
}

/** Waits for the page `name` to show its first data. */
export async function ready(page: Page, name: string): Promise<void> {
  await page.locator(`main[data-page="${name}"][data-state="ready"]`).waitFor({ timeout: 20_000 });
}

/** Saves a full-page screenshot as test-artifacts/portal/<name>-<desktop|phone>.png. */
export async function shoot(page: Page, name: string): Promise<string> {
  const w = page.viewportSize()?.width ?? DESKTOP.width;
  return shootIn(page, 'portal', `${name}-${w <= PHONE.width ? 'phone' : 'desktop'}`);
}
