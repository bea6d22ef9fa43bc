// What a new user does with the portal, start to end, on `telltale serve` as `npm start` runs it (a fresh data
// folder, the demo account it seeds, the sandbox carrier), in real Chromium: sign in with the printed demo
// credentials, order a number with a callback to a real receiver, place a sandbox call that ends in a voicemail,
// find it in the call log, play its recording, add a note and a label, see the dashboard count it, redeliver its
// callback, sign out. Then a read_only user: no order button, and the API refuses the order. Its screenshots of the
// dashboard and the call page are the README's: with TT_UPDATE_DOCS_IMAGES=1 it writes them to docs/images/ too.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { BIN, cleanEnv, ROOT } from '../support/cli.ts';
import { Receiver } from '../support/receiver.ts';
import { GOOD } from '../support/userapi.ts';
import { BROWSER_SKIP, DESKTOP, freePort, launchBrowser, openPage, PHONE, ready, shoot, signInThroughForm } from '../support/portal.ts';

/** `telltale serve` on a fresh data folder; resolves with its URL and the demo credentials it printed. */
function serve(dataDir: string, port: number): Promise<{ child: ChildProcess; url: string; username: string; password: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve'], { cwd: ROOT, env: cleanEnv({ TT_DATA_DIR: dataDir, TT_PORT: String(port), TT_HOST: '127.0.0.1', TT_LOG_LEVEL: 'warn' }), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const running = /Telltale is running on (http:\/\/[\d.:]+)/.exec(out);
      const user = /user:\s+(\S+)/.exec(out);
      const pass = /password:\s+(\S+)/.exec(out);
      if (running && user && pass) resolve({ child, url: running[1], username: user[1], password: pass[1] });
    });
    child.stderr!.on('data', (d) => (err += d));
    child.on('exit', (code) => reject(new Error(`serve exited (${code}) before it was ready:\n${out}\n${err}`)));
  });
}

const DOCS_IMAGES = path.join(ROOT, 'docs', 'images');

/** The README's screenshots, written only when asked (a test run leaves tracked files alone). */
async function docsImage(page: Page, name: string): Promise<void> {
  if (process.env.TT_UPDATE_DOCS_IMAGES !== '1') return;
  fs.mkdirSync(DOCS_IMAGES, { recursive: true });
  await page.screenshot({ path: path.join(DOCS_IMAGES, name), fullPage: true });
}

describe('the portal walk on `telltale serve` (SQLite, demo account)', { skip: BROWSER_SKIP }, () => {
  let dataDir: string;
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: Browser;
  let receiver: Receiver;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-portal-walk-'));
    server = await serve(dataDir, await freePort());
    browser = await launchBrowser();
    receiver = await new Receiver().start();
  });
  after(async () => {
    await browser?.close();
    await receiver?.close();
    if (server) {
      const exited = new Promise((r) => server.child.once('exit', r));
      server.child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const go = async (page: Page, pathname: string, name: string) => {
    await page.goto(server.url + pathname);
    await ready(page, name);
  };
  const api = (page: Page, method: string, url: string, body?: unknown) =>
    page.evaluate(
      async ([m, u, b]) => {
        const csrf = sessionStorage.getItem('tt_csrf') ?? '';
        const r = await fetch(u as string, { method: m as string, headers: { 'content-type': 'application/json', 'x-requested-with': 'test', 'x-csrf-token': csrf }, body: b === undefined ? undefined : JSON.stringify(b) });
        return { status: r.status, body: await r.text() };
      },
      [method, url, body] as const,
    );

  it('signs in with the demo credentials, orders a number, calls it, works the call, redelivers its callback and signs out', async () => {
    const { page, context, errors } = await openPage(browser, DESKTOP);
    // 1. The printed demo credentials, through the sign-in form.
    await page.goto(server.url + '/');
    await ready(page, 'login');
    await signInThroughForm(page, server.url, server);
    await ready(page, 'dashboard');
    assert.match((await page.locator('header').textContent())!, /demo/);

    // 2. Order a Sydney number that takes a voicemail when nobody answers, with an HTTP Callback to the receiver.
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Numbers' }).click();
    await ready(page, 'numbers');
    await page.getByRole('link', { name: 'Order a number' }).click();
    await ready(page, 'number-order');
    await page.getByLabel('Area prefix').fill('02');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/area=02/);
    const choose = page.getByRole('button', { name: /^Choose \+/ });
    await choose.first().waitFor();
    await choose.first().click();
    await page.getByText('Chosen:').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Letterbox flyer');
    await page.getByLabel('Answer point number').fill('+61299998888');
    await page.getByLabel('Answer point name').fill('Reception');
    await page.getByLabel('Take a voicemail when nobody answers').check();
    await page.getByLabel('HTTP Callback URL').fill(`${receiver.url}/hook?call=[[uniqueid]]&status=[[callstatus]]`);
    await page.getByRole('button', { name: /^Order \+61/ }).click();
    await page.locator('main[data-page="number-order"] [role="status"]', { hasText: 'Order completed' }).first().waitFor({ timeout: 20_000 });
    await page.getByRole('link', { name: /Open the new service/ }).click();
    await ready(page, 'service');

    // 3. A sandbox call that nobody answers: the caller leaves a 6-second message.
    await page.getByText('Place a test call').click();
    await page.getByLabel('What happens').selectOption('voicemail');
    await page.getByLabel('Message length (seconds)').fill('6');
    await page.getByRole('button', { name: 'Place the call' }).click();
    const called = page.locator('.test-call [role="status"] p');
    await called.waitFor({ timeout: 20_000 });
    assert.match((await called.textContent())!, /Voicemail.*with a recording/);
    const callId = (await called.locator('a').first().textContent())!.trim();
    await receiver.waitFor(1);
    assert.equal(receiver.query(0).status, 'Voicemail');

    // 4. The call log has it; its page plays the recording.
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Calls' }).click();
    await ready(page, 'calls');
    const row = page.locator('main[data-page="calls"] table.data tbody tr').first();
    assert.match((await row.textContent())!, /Voicemail/);
    await row.locator('td:first-child a').click();
    await ready(page, 'call');
    assert.equal(new URL(page.url()).pathname, `/calls/${callId}`);
    const audio = page.locator('audio');
    await page.waitForFunction(() => (document.querySelector('audio') as HTMLAudioElement | null)?.readyState! >= 1, undefined, { timeout: 15_000 });
    await audio.evaluate((a: HTMLAudioElement) => {
      a.muted = true;
      return a.play();
    });
    await page.waitForFunction(() => (document.querySelector('audio') as HTMLAudioElement).currentTime > 0.2);
    await audio.evaluate((a: HTMLAudioElement) => a.pause());

    // 5. A note and a label, read back through the API.
    await page.getByLabel('Add a note').fill('Left a message about a blocked drain. Call back today.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.locator('.notes li', { hasText: 'blocked drain' }).waitFor();
    await page.getByRole('textbox', { name: 'Label' }).fill('Lead');
    await page.getByRole('button', { name: 'Save label' }).click();
    await page.getByRole('button', { name: 'Clear label' }).waitFor();
    const call = JSON.parse((await api(page, 'GET', `/userapi/v1/calls/${callId}`)).body);
    assert.equal(call.call.label, 'Lead');
    assert.equal(call.notes.length, 1);
    await shoot(page, 'walk-call');
    await docsImage(page, 'portal-call.png');

    // 6. The dashboard counts it: one call today, in the chart's figures for today.
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Dashboard' }).click();
    await ready(page, 'dashboard');
    await page.locator('a[data-tile="today"] .figure', { hasText: /^1$/ }).waitFor();
    await page.locator('.u-over').waitFor();
    const today = (await page.locator('a[data-tile="today"]').getAttribute('href'))!;
    const day = new URLSearchParams(today.split('?')[1]).get('from')!;
    const figures = page.locator('.chart-table tbody tr', { has: page.locator('th', { hasText: day }) });
    assert.match((await figures.textContent())!, /1/);
    await shoot(page, 'walk-dashboard');
    await docsImage(page, 'portal-dashboard.png');

    // 7. Redeliver its callback from the delivery log: the receiver gets it again.
    await go(page, `/deliveries?call_id=${callId}`, 'deliveries');
    await page.getByRole('link', { name: /^Details of delivery / }).first().click();
    await page.getByRole('button', { name: 'Redeliver' }).click();
    await page.getByText(/Redelivered: attempt 2 delivered \(HTTP 200\)/).waitFor({ timeout: 20_000 });
    await receiver.waitFor(2);
    assert.equal(receiver.query(1).call, receiver.query(0).call);

    // 8. Sign out: the session ends on the server too.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await ready(page, 'login');
    assert.equal((await api(page, 'GET', '/userapi/v1/session')).status, 401);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('a read_only user sees no order button, and the API refuses their order', async () => {
    // The owner invites a read-only colleague; they accept the invitation link in their own browser.
    const owner = await openPage(browser, DESKTOP);
    await signInThroughForm(owner.page, server.url, server);
    const invited = JSON.parse((await api(owner.page, 'POST', '/userapi/v1/users', { username: 'viewer', role: 'read_only' })).body);
    assert.ok(invited.invitation?.token, JSON.stringify(invited));
    await owner.context.close();

    const { page, context, errors } = await openPage(browser, PHONE);
    await page.goto(`${server.url}/invite?token=${encodeURIComponent(invited.invitation.token)}`);
    await ready(page, 'invite');
    await page.getByLabel('Password', { exact: true }).fill(GOOD('viewer'));
    await page.getByLabel('Password again').fill(GOOD('viewer'));
    await page.getByRole('button', { name: 'Set my password' }).click();
    await page.getByRole('button', { name: 'Go to sign-in' }).click();
    await signInThroughForm(page, server.url, { username: 'viewer', password: GOOD('viewer') }, '/numbers');
    await ready(page, 'numbers');
    assert.equal(await page.getByRole('link', { name: 'Order a number' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Order a number' }).count(), 0);
    const refused = await api(page, 'POST', '/telco/v1/requests', { type: 'new', criteria: { country: 'AU', class: 'GEO' }, service: { type: 'transfer', name: 'x', target_number: '+61299998888' } });
    assert.equal(refused.status, 403, refused.body);
    assert.equal(JSON.parse(refused.body).code, 'forbidden');
    await shoot(page, 'walk-read-only-numbers');
    assert.deepEqual(errors, []);
    await context.close();
  });
});
