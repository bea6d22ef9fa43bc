// The portal's calls pages in real Chromium: the dashboard, the call log and one call, against a real Telltale whose
// sandbox carrier placed the calls (answered, missed, busy, and voicemails whose recordings the app serves). A user
// signs in through the form and works as they would; what the pages change is read back through the APIs.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { CLI_ACTOR } from '../../src/services/accounts/audit.service.ts';
import { basic, type TestApp } from '../support/app.ts';
import { liveService } from '../support/calls.ts';
import { Receiver } from '../support/receiver.ts';
import { GOOD } from '../support/userapi.ts';
import { BROWSER_SKIP, DESKTOP, launchBrowser, openPage, PHONE, portalAccount, portalApp, ready, shoot, signInThroughForm, type PortalUser, type WatchedPage } from '../support/portal.ts';

const CLIENT = 7300;
const OTHER = 7301;
const ADS = '+61290073001';
const FLYER = '+61290073002';
const ELSEWHERE = '+61290073009';

/** Today's date in the zone (YYYY-MM-DD). */
const todayIn = (zone: string) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());

describe('portal: dashboard, call log and call page', { skip: BROWSER_SKIP }, () => {
  let t: TestApp;
  let browser: Browser;
  let owner: PortalUser;
  let analyst: { username: string; password: string };
  let viewer: { username: string; password: string };
  let questionId: number;
  let voicemailId: number;
  let otherCallId: number;
  let rx: Receiver;
  const today = todayIn('Australia/Sydney');
  const watched: WatchedPage[] = [];
  const auth = (u: { username: string; password: string }) => ({ authorization: basic(u.username, u.password) });
  const get = async (path: string, u: { username: string; password: string } = owner) => {
    const r = await fetch(t.url + path, { headers: auth(u) });
    assert.equal(r.status, 200, `${path}: ${r.status}`);
    return r.json();
  };
  const open = async (viewport: { width: number; height: number } = DESKTOP) => {
    const w = await openPage(browser, viewport);
    watched.push(w);
    return w;
  };
  const rows = (page: Page) => page.locator('main[data-page="calls"] table.data tbody tr');

  before(async () => {
    t = await portalApp();
    owner = await portalAccount(t, CLIENT, 'owner', { name: 'Plumbing Co', timezone: 'Australia/Sydney' });
    await t.app.accounts.createUser({ username: 'analyst7300', password: GOOD('analyst'), clientIds: [CLIENT], role: 'analyst' });
    analyst = { username: 'analyst7300', password: GOOD('analyst') };
    await t.app.accounts.createUser({ username: 'viewer7300', password: GOOD('viewer'), clientIds: [CLIENT], role: 'read_only' });
    viewer = { username: 'viewer7300', password: GOOD('viewer') };
    rx = await new Receiver().start();
    // The ad's number sends an HTTP Callback for each call (the call page lists the deliveries).
    await liveService(t.app, CLIENT, ADS, { type: 'transfer', target_number: '+61290079999', record: true, name: 'Google Ads', custom_group: 'Paid', call_callback_uri: `${rx.url}/callback` });
    await liveService(t.app, CLIENT, FLYER, { type: 'voicemail', prompt_text: 'Leave a message', name: 'Letterbox flyer', custom_group: 'Print' });
    const two = new Date(Date.now() - 2 * 86_400_000);
    // Today: one answered, one missed, one busy, two voicemails; two days ago: one answered.
    await t.app.sandbox.placeCall({ to: ADS, from: '+61733331001', outcome: 'answered', talkSec: 42, startAt: two });
    await t.app.sandbox.placeCall({ to: ADS, from: '+61733331002', outcome: 'answered', talkSec: 65 });
    await t.app.sandbox.placeCall({ to: ADS, from: '+61733331003', outcome: 'no-answer', answerAfterSec: 20 });
    await t.app.sandbox.placeCall({ to: ADS, from: '+61733331004', outcome: 'busy' });
    await t.app.sandbox.placeCall({ to: FLYER, from: '+61733331005', voicemailSec: 6 });
    const vm = await t.app.sandbox.placeCall({ to: FLYER, from: '+61733331006', voicemailSec: 12 });
    voicemailId = Number((await t.app.callLookup.findCallByCarrierId('sandbox', vm.callSid))!.id);
    await t.app.worker.drain();
    await rx.waitFor(4);
    const q = await t.app.callWork.evaluations.create(CLIENT, { title: 'Booked', text: 'Did the caller book a job?', weight: 2 }, CLI_ACTOR);
    questionId = q.id;
    // Another account's call, which this account's users must not see.
    await portalAccount(t, OTHER, 'owner');
    await liveService(t.app, OTHER, ELSEWHERE, { type: 'voicemail' });
    const other = await t.app.sandbox.placeCall({ to: ELSEWHERE, from: '+61733339999', voicemailSec: 3 });
    otherCallId = Number((await t.app.callLookup.findCallByCarrierId('sandbox', other.callSid))!.id);
    browser = await launchBrowser();
  });

  after(async () => {
    for (const w of watched) await w.context.close().catch(() => {});
    await browser?.close();
    await t?.close();
    await rx?.close();
  });

  it('the dashboard counts the calls, prints its range, and its tiles and chart open the matching calls', async () => {
    const { page, errors } = await open();
    await signInThroughForm(page, t.url, owner);
    await ready(page, 'dashboard');
    const tile = (name: string) => page.locator(`a[data-tile="${name}"] .figure`);
    assert.equal(await tile('today').textContent(), '5');
    assert.equal(await tile('missed').textContent(), '2');
    // 2 of 6 answered in the last 30 days
    assert.equal(await tile('answered').textContent(), '33.3%');
    assert.match((await page.locator('.range-dates').textContent())!, /Showing \d+ \w+( \d{4})? – \d+ \w+ \d{4}/);
    // The chart's figures (its table): a row per day of the range, today's 5 calls by status.
    const figures = page.locator('.chart-table table tbody tr');
    assert.equal(await figures.count(), 30);
    const last = await figures.last().locator('td').allTextContents();
    assert.equal(last.map(Number).reduce((a, b) => a + b, 0), 5);
    const todayHref = await page.locator('a[data-tile="today"]').getAttribute('href');
    assert.equal(todayHref, `/calls?from=${today}&to=${today}`);

    // Grouped by tracking number: one series per number; the choice is in the URL.
    await page.getByLabel('Chart by').selectOption('tracking_number');
    await page.waitForURL(/group=tracking_number/);
    await page.locator('.chart-table thead th', { hasText: 'Letterbox flyer' }).waitFor({ state: 'attached' });
    // The top numbers: Google Ads first (4 calls), each a link to its calls.
    const top = page.locator('main table.data').filter({ has: page.locator('th', { hasText: 'Tracking number' }) }).locator('tbody tr');
    assert.match((await top.first().textContent())!, /Google Ads.*4/);
    // By source (the DNI visit): these calls came from no website visit.
    await page.getByLabel('Chart by').selectOption('source');
    await page.waitForURL(/group=source/);
    await page.locator('.chart-table thead th', { hasText: 'No website visit' }).waitFor({ state: 'attached' });
    await page.getByLabel('Chart by').selectOption('status');
    await page.waitForURL(/group=status/);
    await page.locator('.chart-table thead th', { hasText: 'Voicemail' }).waitFor({ state: 'attached' });

    // A click on today's bar opens today's calls.
    const over = page.locator('.u-over');
    const box = (await over.boundingBox())!;
    const x = box.x + (box.width * (29 + 0.6)) / (29 + 1.2);
    await page.mouse.move(x, box.y + box.height - 5);
    await page.mouse.click(x, box.y + box.height - 5);
    await ready(page, 'calls');
    assert.equal(new URL(page.url()).search, `?from=${today}&to=${today}`);
    assert.equal(await rows(page).count(), 5);

    // Back on the dashboard, the missed tile opens the calls to call back.
    await page.goBack();
    await ready(page, 'dashboard');
    await page.locator('a[data-tile="missed"]').click();
    await ready(page, 'calls');
    const u = new URL(page.url());
    assert.equal(u.searchParams.get('status'), 'Missed,Busy,Abandoned');
    assert.ok(u.searchParams.get('from') && u.searchParams.get('to'));
    await page.locator('main[data-page="calls"] table.data tbody tr').first().waitFor();
    assert.equal(await rows(page).count(), 2);
    assert.equal(await page.locator('main table.data tbody tr.alert').count(), 2);
    assert.deepEqual(errors, []);
  });

  it('the call log filters by status, searches, pages with the cursor, keeps the chosen columns and exports', async () => {
    const { page, errors } = await open();
    await signInThroughForm(page, t.url, owner);
    await page.goto(`${t.url}/calls`);
    await ready(page, 'calls');
    assert.equal(await rows(page).count(), 6);
    // Filter by status: the form is a draft until Apply.
    await page.getByRole('checkbox', { name: 'Voicemail' }).check();
    assert.equal(new URL(page.url()).search, '');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/status=Voicemail/);
    await page.waitForFunction(() => document.querySelectorAll('main table.data tbody tr').length === 2);
    for (const text of await rows(page).allTextContents()) assert.match(text, /Voicemail/);
    const exportLink = page.locator('main a', { hasText: 'Export CSV' });
    assert.equal(await exportLink.getAttribute('href'), '/webapi/v1/calls/export?status=Voicemail');
    // The export downloads the applied filters' calls as CSV (with the session cookie).
    const [download] = await Promise.all([page.waitForEvent('download'), exportLink.click()]);
    assert.match(download.suggestedFilename(), /^calls-7300-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = fs.readFileSync((await download.path())!, 'utf8').trim().split(/\r\n/);
    assert.equal(csv.length, 3, csv.join('\n'));
    assert.ok(csv.slice(1).every((line) => line.includes('Voicemail')));

    // Search (the UserAPI's q) with a part of a caller's number.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForFunction(() => document.querySelectorAll('main table.data tbody tr').length === 6);
    await page.getByLabel('Search').fill('331004');
    await page.getByLabel('Search').press('Enter');
    await page.waitForURL(/q=331004/);
    await page.waitForFunction(() => document.querySelectorAll('main table.data tbody tr').length === 1);
    assert.match((await rows(page).first().textContent())!, /Busy/);
    // The partial caller filter goes through the same search.
    await page.goto(`${t.url}/calls?caller=3331002`);
    await ready(page, 'calls');
    await page.waitForFunction(() => document.querySelectorAll('main table.data tbody tr').length === 1);
    assert.match((await rows(page).first().textContent())!, /Answered/);

    // Pages of two: Older, Older (the last page), then Newer back; no totals.
    await page.goto(`${t.url}/calls?limit=2`);
    await ready(page, 'calls');
    const seen: string[] = [];
    const hrefs = () => rows(page).locator('td:first-child a').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
    for (let i = 0; i < 3; i++) {
      if (i > 0) {
        const first = seen[seen.length - 2];
        await page.getByRole('link', { name: 'Older →' }).click();
        await page.waitForFunction((prev) => document.querySelector('main table.data tbody tr td a')?.getAttribute('href') !== prev, first);
      }
      await page.waitForFunction(() => document.querySelectorAll('main table.data tbody tr').length === 2);
      seen.push(...(await hrefs()));
    }
    assert.equal(new Set(seen).size, 6);
    assert.equal(await page.getByRole('link', { name: 'Older →' }).count(), 0);
    await page.getByRole('link', { name: '← Newer' }).click();
    await page.waitForFunction((href) => document.querySelector('main table.data tbody tr td a')?.getAttribute('href') === href, seen[2]);
    assert.deepEqual(await hrefs(), seen.slice(2, 4));

    // Columns: add the caller's location; the choice survives a reload.
    await page.goto(`${t.url}/calls`);
    await ready(page, 'calls');
    await page.getByText('Columns', { exact: true }).click();
    await page.getByRole('checkbox', { name: 'Caller location' }).check();
    await page.getByRole('checkbox', { name: 'Source' }).uncheck();
    await page.locator('main table.data thead th', { hasText: 'Caller location' }).waitFor();
    await page.reload();
    await ready(page, 'calls');
    const heads = await page.locator('main table.data thead th').allTextContents();
    assert.ok(heads.includes('Caller location'));
    assert.ok(!heads.includes('Source'));
    assert.match((await rows(page).first().textContent())!, /Brisbane/);
    await shoot(page, 'calls-log');
    assert.deepEqual(errors, []);
  });

  it('the call page plays and seeks the recording, and saves a note, a label and the evaluation', async () => {
    const { page, errors } = await open();
    await signInThroughForm(page, t.url, owner);
    await page.goto(`${t.url}/calls?status=Voicemail`);
    await ready(page, 'calls');
    await page.locator(`a[href="/calls/${voicemailId}"]`).click();
    await ready(page, 'call');
    assert.match((await page.locator('h1').textContent())!, /Call from \+61 7 3333 1006/);
    assert.match((await page.locator('.call-head').textContent())!, /Letterbox flyer/);
    assert.match((await page.locator('.call-head').textContent())!, /Australia\/Sydney/);

    // The recording: loads, plays, seeks.
    const audio = page.locator('audio');
    assert.equal(await audio.getAttribute('preload'), 'metadata');
    await page.waitForFunction(() => (document.querySelector('audio') as HTMLAudioElement).readyState >= 1);
    const duration = await audio.evaluate((a: HTMLAudioElement) => a.duration);
    assert.ok(Math.abs(duration - 12) < 0.5, `duration ${duration}`);
    await audio.evaluate((a: HTMLAudioElement) => {
      a.muted = true;
      return a.play();
    });
    await page.waitForFunction(() => {
      const a = document.querySelector('audio') as HTMLAudioElement;
      return a.readyState >= 2 && a.currentTime > 0.2;
    });
    const seeked = await audio.evaluate(
      (a: HTMLAudioElement) =>
        new Promise<number>((resolve) => {
          a.addEventListener('seeked', () => resolve(a.currentTime), { once: true });
          a.currentTime = 9;
        }),
    );
    assert.ok(seeked >= 8.9, `seeked to ${seeked}`);
    await audio.evaluate((a: HTMLAudioElement) => a.pause());
    const download = (await page.getByRole('link', { name: 'Download the recording (WAV)' }).getAttribute('href'))!;
    assert.match(download, /\/recordings\/.+\.wav$/);
    // What makes the seek work: the recordings route answers byte ranges.
    const whole = await fetch(download, { headers: auth(owner) });
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    const size = (await whole.arrayBuffer()).byteLength;
    const part = await fetch(download, { headers: { ...auth(owner), range: 'bytes=100-199' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 100-199/${size}`);
    assert.equal((await part.arrayBuffer()).byteLength, 100);
    const tail = await fetch(download, { headers: { ...auth(owner), range: 'bytes=-44' } });
    assert.equal(tail.status, 206);
    assert.equal(tail.headers.get('content-range'), `bytes ${size - 44}-${size - 1}/${size}`);
    await tail.arrayBuffer();
    const past = await fetch(download, { headers: { ...auth(owner), range: `bytes=${size}-` } });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), `bytes */${size}`);
    assert.equal((await fetch(download, { headers: { range: 'bytes=0-9' } })).status, 401);

    // A note.
    await page.getByLabel('Add a note').fill('Wants a quote for the hot water system.\nCall back after 3pm.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByText('Note added.').waitFor();
    await page.locator('.notes li', { hasText: 'Wants a quote' }).waitFor();
    assert.match((await page.locator('.notes li').first().textContent())!, new RegExp(owner.username));
    // A label.
    await page.getByRole('textbox', { name: 'Label' }).fill('Quote requested');
    await page.getByRole('button', { name: 'Save label' }).click();
    await page.getByText('Label saved.').waitFor();
    // The evaluation.
    await page.getByRole('group', { name: /Did the caller book a job/ }).getByLabel('Yes').check();
    await page.getByRole('button', { name: 'Save evaluation' }).click();
    await page.getByText('Evaluation saved.').waitFor();
    await page.getByText('Score: 100%').waitFor();

    const back = await get(`/userapi/v1/calls/${voicemailId}`);
    assert.equal(back.call.label, 'Quote requested');
    assert.equal(back.notes.length, 1);
    assert.equal(back.notes[0].text, 'Wants a quote for the hot water system.\nCall back after 3pm.');
    assert.equal(back.notes[0].author.name, owner.username);
    assert.deepEqual(back.evaluation.answers.map((a: { question_id: number; answer: string }) => [a.question_id, a.answer]), [[questionId, 'yes']]);
    // The label shows in the log, and the search finds the note.
    await page.goto(`${t.url}/calls?q=hot+water`);
    await ready(page, 'calls');
    await page.waitForFunction(() => document.querySelectorAll('main table.data tbody tr').length === 1);
    assert.match((await rows(page).first().textContent())!, /Quote requested/);

    // Clearing the label.
    await page.goto(`${t.url}/calls/${voicemailId}`);
    await ready(page, 'call');
    await page.getByRole('button', { name: 'Clear label' }).click();
    await page.getByText('Label cleared.').waitFor();
    assert.equal((await get(`/userapi/v1/calls/${voicemailId}`)).call.label, null);

    // The voicemail's number sends nothing: its deliveries section says so.
    await page.getByText(/Nothing was delivered for this call/).waitFor();
    // A missed call says why there is no recording, and lists its HTTP Callback with a link to the delivery log.
    const missed = (await get('/webapi/v1/calls?status=Missed')).calls[0];
    await page.goto(`${t.url}/calls/${missed.id}`);
    await ready(page, 'call');
    assert.match((await page.locator('.no-recording').textContent())!, /not answered/);
    const delivery = page.locator('section[aria-labelledby="del-h"] table.data tbody tr');
    await delivery.first().waitFor();
    assert.equal(await delivery.count(), 1);
    assert.match((await delivery.textContent())!, /HTTP Callback.*delivered.*1.*HTTP 200/);
    assert.equal(await page.getByRole('link', { name: 'See these deliveries in the delivery log' }).getAttribute('href'), `/deliveries?call_id=${missed.id}`);
    // An answered call of a number that records, recorded: a recording; the busy one says it had no talk time.
    const busy = (await get('/webapi/v1/calls?status=Busy')).calls[0];
    await page.goto(`${t.url}/calls/${busy.id}`);
    await ready(page, 'call');
    assert.match((await page.locator('.no-recording').textContent())!, /not answered|no talk time/);
    // Another account's call: not found.
    await page.goto(`${t.url}/calls/${otherCallId}`);
    await page.locator('main[data-page="call"][data-state="error"]').waitFor();
    assert.match((await page.getByRole('alert').textContent())!, /No such call/);
    assert.deepEqual(errors, []);
  });

  it('an analyst adds notes; a read_only user sees no note, label or evaluation form, and the API refuses them', async () => {
    const a = await open();
    await signInThroughForm(a.page, t.url, analyst);
    await a.page.goto(`${t.url}/calls/${voicemailId}`);
    await ready(a.page, 'call');
    await a.page.getByLabel('Add a note').fill('Analyst: followed up.');
    await a.page.getByRole('button', { name: 'Add note' }).click();
    await a.page.locator('.notes li', { hasText: 'Analyst: followed up.' }).waitFor();
    assert.equal((await get(`/userapi/v1/calls/${voicemailId}/notes`)).notes.at(-1).author.name, analyst.username);
    assert.deepEqual(a.errors, []);

    const v = await open();
    await signInThroughForm(v.page, t.url, viewer);
    await v.page.goto(`${t.url}/calls/${voicemailId}`);
    await ready(v.page, 'call');
    await v.page.locator('.notes li', { hasText: 'Analyst: followed up.' }).waitFor();
    assert.equal(await v.page.getByLabel('Add a note').count(), 0);
    assert.equal(await v.page.getByRole('button', { name: 'Add note' }).count(), 0);
    assert.equal(await v.page.getByRole('button', { name: 'Save label' }).count(), 0);
    assert.equal(await v.page.getByRole('button', { name: 'Save evaluation' }).count(), 0);
    // The recording still plays for them (read).
    await v.page.waitForFunction(() => (document.querySelector('audio') as HTMLAudioElement).readyState >= 1);
    const refused = await fetch(`${t.url}/userapi/v1/calls/${voicemailId}/notes`, { method: 'POST', headers: { ...auth(viewer), 'content-type': 'application/json' }, body: JSON.stringify({ text: 'not allowed' }) });
    assert.equal(refused.status, 403);
    const label = await fetch(`${t.url}/userapi/v1/calls/${voicemailId}`, { method: 'PATCH', headers: { ...auth(viewer), 'content-type': 'application/json' }, body: JSON.stringify({ label: 'x' }) });
    assert.equal(label.status, 403);
    assert.equal((await get(`/userapi/v1/calls/${voicemailId}/notes`)).notes.length, 2);
    assert.deepEqual(v.errors, []);
  });

  it('an account without calls gets the empty state, which says what to do', async () => {
    const fresh = await portalAccount(t, 7302, 'owner');
    const { page, errors } = await open();
    await signInThroughForm(page, t.url, fresh);
    await ready(page, 'dashboard');
    assert.match((await page.locator('.empty').textContent())!, /No calls yet.*Numbers.*test call/);
    assert.equal(await page.locator('.empty a', { hasText: 'Numbers' }).getAttribute('href'), '/numbers');
    await page.goto(`${t.url}/calls`);
    await ready(page, 'calls');
    assert.match((await page.locator('.empty').textContent())!, /No calls yet/);
    assert.deepEqual(errors, []);

    // A user of both accounts switches on the dashboard: it shows the other account's figures at once.
    await t.app.accounts.createUser({ username: 'agency7300', password: GOOD('agency'), clientIds: [CLIENT, 7302], role: 'analyst' });
    const b = await open();
    await signInThroughForm(b.page, t.url, { username: 'agency7300', password: GOOD('agency') });
    await ready(b.page, 'dashboard');
    const first = await b.page.locator('.empty').count();
    await b.page.getByLabel('Account').selectOption(first ? String(CLIENT) : '7302');
    if (first) await b.page.locator('a[data-tile="today"] .figure', { hasText: '5' }).waitFor();
    else await b.page.locator('.empty', { hasText: 'No calls yet' }).waitFor();
    assert.deepEqual(b.errors, []);
  });

  it('screenshots at desktop and phone widths', async () => {
    for (const viewport of [DESKTOP, PHONE]) {
      const { page, errors } = await open(viewport);
      await signInThroughForm(page, t.url, owner);
      await ready(page, 'dashboard');
      await page.locator('.u-over').waitFor();
      await shoot(page, 'calls-dashboard');
      await page.goto(`${t.url}/calls`);
      await ready(page, 'calls');
      await shoot(page, 'calls-log');
      await page.goto(`${t.url}/calls/${voicemailId}`);
      await ready(page, 'call');
      await page.waitForFunction(() => (document.querySelector('audio') as HTMLAudioElement).readyState >= 1);
      await shoot(page, 'calls-call');
      assert.deepEqual(errors, []);
    }
  });
});
