// The portal's frame, served and used: the shell and its hashed assets over HTTP (CSP, caching, gzip, the page paths
// and nothing else), then in real Chromium the sign-in as a person does it — wrong password, lockout, sign in, reload,
// a deep link kept across the sign-in, the account switcher of an agency user, the phone menu, sign out.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Browser } from 'playwright-core';
import { makeAccount, type TestApp } from '../support/app.ts';
import { GOOD } from '../support/userapi.ts';
import { BROWSER_SKIP, DESKTOP, launchBrowser, openPage, PHONE, portalAccount, portalApp, ready, shoot, signInThroughForm } from '../support/portal.ts';
import { PORTAL_CSP } from '../../src/http/routes/portal/portal.routes.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('portal shell over HTTP (SQLite)', () => {
  it('type-checks for browsers (web/portal/tsconfig.json: DOM and Preact JSX, no Node)', async () => {
    await promisify(execFile)(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'web/portal')], { cwd: ROOT });
  });

  let t: TestApp;
  before(async () => {
    t = await portalApp();
  });
  after(() => t.close());

  it('serves the same shell at / and at each page path, with a strict CSP and no caching of the page', async () => {
    for (const url of ['/', '/login', '/calls', '/calls/ca_123', '/numbers/order', '/deliveries', '/settings']) {
      const res = await fetch(t.url + url);
      assert.equal(res.status, 200, url);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(res.headers.get('content-security-policy'), PORTAL_CSP);
      assert.match(res.headers.get('cache-control') ?? '', /no-cache/);
      const html = await res.text();
      assert.match(html, /<main data-page="boot" data-state="loading">/);
      assert.match(html, /<script type="module" src="\/portal\/app\.[\w-]+\.js"><\/script>/);
    }
  });

  it('serves the hashed script and stylesheet gzip-compressed, cacheable for a year, 304 on If-None-Match', async () => {
    const html = await (await fetch(t.url + '/')).text();
    const assets = [...html.matchAll(/\/portal\/app\.[\w-]+\.(?:js|css)/g)].map((m) => m[0]);
    assert.equal(new Set(assets).size, 2, 'one script and one stylesheet');
    for (const a of new Set(assets)) {
      const res = await t.server.inject({ url: a, headers: { 'accept-encoding': 'gzip' } });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-encoding'], 'gzip');
      assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
      const body = zlib.gunzipSync(res.rawPayload).toString();
      assert.ok(body.length > 1000, `${a} has content`);
      const again = await t.server.inject({ url: a, headers: { 'if-none-match': String(res.headers.etag) } });
      assert.equal(again.statusCode, 304);
    }
    const gone = await t.server.inject({ url: '/portal/app.0000000000000000.js' });
    assert.equal(gone.statusCode, 404);
  });

  it('leaves every other path to the APIs (a JSON 404, not the shell)', async () => {
    const res = await t.server.inject({ url: '/no-such-page' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, 'not_found');
  });

  it('answers a 401 without a Basic challenge to the portal (X-Requested-With), with one to others', async () => {
    const portal = await t.server.inject({ url: '/userapi/v1/session', headers: { 'x-requested-with': 'telltale-portal' } });
    assert.equal(portal.statusCode, 401);
    assert.equal(portal.headers['www-authenticate'], undefined);
    const other = await t.server.inject({ url: '/userapi/v1/session' });
    assert.match(String(other.headers['www-authenticate']), /^Basic/);
  });
});

describe('portal sign-in in Chromium (SQLite)', { skip: BROWSER_SKIP }, () => {
  let t: TestApp;
  let browser: Browser;
  before(async () => {
    t = await portalApp();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it('says why a sign-in failed: wrong password, then locked out with the right one', async () => {
    const u = await makeAccount(t.app, 8301, { username: 'lockme', password: GOOD(8301) });
    const { page, context, errors } = await openPage(browser);
    await page.goto(t.url + '/');
    await ready(page, 'login');
    await shoot(page, 'login');
    await page.getByLabel('Username').fill(u.username);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'The username or password is not right' }).waitFor();
    // Default policy: locked after 5 failures in a row.
    for (let i = 0; i < 4; i++) {
      await Promise.all([page.waitForResponse((r) => r.url().endsWith('/userapi/v1/session') && r.request().method() === 'POST'), page.getByRole('button', { name: 'Sign in' }).click()]);
    }
    await page.getByLabel('Password').fill(u.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Locked out' });
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /locked out until/i);
    await shoot(page, 'login-locked');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('signs in, survives a reload, keeps a deep link across the sign-in, and signs out', async () => {
    const u = await portalAccount(t, 8302, 'owner', { name: 'Harbour Plumbing' });
    const { page, context, errors } = await openPage(browser);
    await page.goto(t.url + '/deliveries?state=failed');
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel('Username').fill(u.username);
    await page.getByLabel('Password').fill(u.password);
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname === '/deliveries' && url.search === '?state=failed');
    await page.locator('main[data-state="ready"]').waitFor();
    assert.match((await page.locator('header').textContent()) ?? '', /Harbour Plumbing/);
    await page.reload();
    await page.locator('main[data-state="ready"]:not([data-page="login"])').waitFor();
    // A change after the reload still has its CSRF token (kept for this tab): switching to the same account is a PUT.
    const put = await page.evaluate(async () => {
      const r = await fetch('/userapi/v1/session/account', { method: 'PUT', headers: { 'content-type': 'application/json', 'x-requested-with': 'x', 'x-csrf-token': sessionStorage.getItem('tt_csrf') ?? '' }, body: JSON.stringify({ client_id: 8302 }) });
      return r.status;
    });
    assert.equal(put, 200);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await ready(page, 'login');
    await page.getByText('You are signed out.').waitFor();
    const after = await page.evaluate(async () => (await fetch('/userapi/v1/session', { headers: { 'x-requested-with': 'x' } })).status);
    assert.equal(after, 401, 'the session ended on the server');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('lets an agency user switch accounts from the header', async () => {
    await t.app.accounts.createAccount({ clientId: 8303, name: 'North Clinic' });
    await t.app.accounts.createAccount({ clientId: 8304, name: 'South Clinic' });
    await t.app.accounts.createUser({ username: 'agency', password: GOOD('agency'), clientIds: [8303, 8304] });
    const { page, context, errors } = await openPage(browser);
    await signInThroughForm(page, t.url, { username: 'agency', password: GOOD('agency') });
    const select = page.getByLabel('Account');
    assert.equal(await select.inputValue(), '8303');
    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/userapi/v1/session/account') && r.status() === 200), select.selectOption('8304')]);
    const current = await page.evaluate(async () => (await (await fetch('/userapi/v1/session', { headers: { 'x-requested-with': 'x' } })).json()).current_client_id);
    assert.equal(current, 8304);
    await shoot(page, 'frame');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('folds the navigation behind a Menu button on a phone', async () => {
    const u = await portalAccount(t, 8305);
    const { page, context, errors } = await openPage(browser, PHONE);
    await signInThroughForm(page, t.url, u);
    const nav = page.getByRole('navigation', { name: 'Sections' });
    assert.equal(await nav.isVisible(), false);
    const menu = page.getByRole('button', { name: 'Menu' });
    await menu.click();
    assert.equal(await menu.getAttribute('aria-expanded'), 'true');
    assert.equal(await nav.isVisible(), true);
    await shoot(page, 'frame-menu');
    assert.deepEqual(errors, []);
    await context.close();
    const desk = await openPage(browser, DESKTOP);
    await signInThroughForm(desk.page, t.url, u);
    assert.equal(await desk.page.getByRole('button', { name: 'Menu' }).isVisible(), false);
    await desk.context.close();
  });
});
