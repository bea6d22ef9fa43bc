// The portal's call centre in real Chromium: an owner sets up a team, two agents and a queue through the page (the
// API's 400s at their fields, a 409 in the delete dialog), logs agents in and pauses one from the page while a second
// page — the wallboard — follows over the Server-Sent Events stream; a sandbox call (on real time: the agent's phone
// rings 4 s, they talk 6 s) rings and is talked on the board, then counts in the day's history. A read_only user sees
// the board, the lists and the history without a button. Screenshots at desktop and phone widths.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { ScaledTime } from '../../src/telephony/sandbox/virtual-time.ts';
import { basic, type TestApp } from '../support/app.ts';
import { liveService } from '../support/calls.ts';
import { GOOD } from '../support/userapi.ts';
import { BROWSER_SKIP, DESKTOP, launchBrowser, openPage, PHONE, portalAccount, portalApp, ready, shoot, signInThroughForm, type PortalUser, type WatchedPage } from '../support/portal.ts';

const CLIENT = 7400;
const NUMBER = '+61290074001';
const ANN = '+61400007401';
const BOB = '+61400007402';

describe('portal: the call centre (board, agents, set-up, history)', { skip: BROWSER_SKIP }, () => {
  let t: TestApp;
  let browser: Browser;
  let owner: PortalUser;
  const viewer = { username: 'viewer7400', password: GOOD('viewer-7400') };
  const watched: WatchedPage[] = [];
  const api = async (path: string, init: { method?: string; body?: unknown; user?: { username: string; password: string } } = {}) => {
    const u = init.user ?? owner;
    const r = await fetch(t.url + path, { method: init.method ?? 'GET', headers: { authorization: basic(u.username, u.password), ...(init.body ? { 'content-type': 'application/json' } : {}) }, body: init.body ? JSON.stringify(init.body) : undefined });
    return { status: r.status, body: r.status === 204 ? null : await r.json() };
  };
  const open = async (viewport: { width: number; height: number } = DESKTOP) => {
    const w = await openPage(browser, viewport);
    watched.push(w);
    return w;
  };
  /** The board's card of a queue, and a figure in it. */
  const figure = (page: Page, queue: string, name: string) => page.locator('.cc-queue', { has: page.getByRole('heading', { name: queue }) }).locator(`[data-figure="${name}"]`);
  const agentRow = (page: Page, name: string) => page.locator('main table.data tbody tr', { has: page.locator('strong', { hasText: name }) });
  const stateOf = (page: Page, name: string) => agentRow(page, name).locator('.agent-state');

  before(async () => {
    t = await portalApp();
    owner = await portalAccount(t, CLIENT, 'owner', { name: 'Harbour Plumbing', timezone: 'Australia/Sydney' });
    await t.app.accounts.createUser({ username: viewer.username, password: viewer.password, clientIds: [CLIENT], role: 'read_only' });
    browser = await launchBrowser();
  });

  after(async () => {
    for (const w of watched) await w.context.close().catch(() => {});
    await browser?.close();
    await t?.close();
  });

  it('an owner creates a team, two agents and a queue through the page; a 400 shows at its field, a 409 in the delete dialog', async () => {
    const { page, errors } = await open();
    await signInThroughForm(page, t.url, owner);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Call centre' }).click();
    await ready(page, 'call-centre');
    await page.locator('.empty', { hasText: 'No queues yet' }).waitFor();
    await page.getByRole('navigation', { name: 'Call centre views' }).getByRole('link', { name: 'Set-up' }).click();
    await ready(page, 'call-centre-setup');
    assert.equal(new URL(page.url()).pathname, '/call-centre/setup');

    // A team, submitted with the keyboard.
    await page.getByRole('button', { name: 'New team' }).click();
    await page.getByLabel('Team name').fill('Support');
    await page.getByLabel('Team name').press('Enter');
    await page.getByText('Team Support created.').waitFor();

    // An agent with an answer point that is no phone: the API's message under the field; then a good one.
    await page.getByRole('button', { name: 'New agent' }).click();
    await page.getByLabel('Agent name').fill('Ann');
    await page.getByLabel('Answer point').fill('not a phone');
    assert.equal(await page.getByRole('checkbox', { name: 'Support' }).isChecked(), true, 'the only team is ticked');
    await page.getByRole('button', { name: 'Create agent' }).click();
    const pointError = page.locator('.field.invalid', { has: page.getByLabel('Answer point') }).locator('.field-error');
    await pointError.waitFor();
    assert.match((await pointError.textContent())!, /phone number|sip/i);
    await page.getByLabel('Answer point').fill(ANN);
    await page.getByRole('button', { name: 'Create agent' }).click();
    await page.getByText('Agent Ann created (logged out).').waitFor();
    // The second in the national form, with the keyboard (Tab to the next field, Space on the checkbox, Enter).
    await page.getByRole('button', { name: 'New agent' }).click();
    await page.getByLabel('Agent name').fill('Bob');
    await page.keyboard.press('Tab');
    await page.keyboard.type('0400 007 402');
    await page.getByRole('checkbox', { name: 'Support' }).focus();
    await page.keyboard.press('Space');
    await page.keyboard.press('Space');
    await page.getByLabel('Agent name').press('Enter');
    await page.getByText('Agent Bob created (logged out).').waitFor();

    // A queue whose maximum wait is too short: the message at that field; then corrected.
    await page.getByRole('button', { name: 'New queue' }).click();
    await page.getByLabel('Queue name').fill('Sales line');
    await page.getByLabel('Strategy').selectOption('round_robin');
    await page.getByLabel('Max wait (seconds)').fill('5');
    await page.getByLabel('Wrap-up (seconds)').fill('2');
    await page.getByLabel('Service level (seconds)').fill('15');
    await page.getByRole('button', { name: 'Create queue' }).click();
    const waitError = page.locator('.field.invalid', { has: page.getByLabel('Max wait (seconds)') }).locator('.field-error');
    await waitError.waitFor();
    assert.match((await waitError.textContent())!, /10/);
    await shoot(page, 'call-centre-queue-form');
    await page.getByLabel('Max wait (seconds)').fill('120');
    await page.getByLabel('Strategy').selectOption('longest_idle');
    await page.getByRole('button', { name: 'Create queue' }).click();
    await page.getByText(/Queue Sales line created/).waitFor();

    // The lists, and what the API holds.
    const queueRow = page.locator('section[aria-labelledby="cc-q-h"] table.data tbody tr');
    await queueRow.filter({ hasText: 'Sales line' }).waitFor();
    assert.equal(await queueRow.count(), 1);
    assert.match((await queueRow.textContent())!, /Sales line.*Longest idle.*Support.*Open.*2:00.*0:02.*within 0:15/);
    assert.match((await page.locator('section[aria-labelledby="cc-t-h"] table.data tbody tr').textContent())!, /Support.*Ann, Bob.*Sales line/);
    const queues = (await api('/artic/v1/queues')).body.queues;
    assert.deepEqual(
      queues.map((q: Record<string, unknown>) => [q.name, q.strategy, q.max_wait_sec, q.wrapup_sec, q.service_level_sec]),
      [['Sales line', 'longest_idle', 120, 2, 15]],
    );
    const agents = (await api('/artic/v1/agents')).body.agents;
    assert.deepEqual(agents.map((a: { name: string; answer_point: string; team_ids: string[] }) => [a.name, a.answer_point, a.team_ids.length]).sort(), [
      ['Ann', ANN, 1],
      ['Bob', BOB, 1],
    ]);

    // Deleting the queue's only team: refused, the API's reason in the dialog; Cancel leaves it.
    await page.getByRole('button', { name: 'Delete team Support' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete team Support?' });
    await dialog.getByRole('button', { name: 'Delete team' }).click();
    await dialog.getByRole('alert').filter({ hasText: /in use/ }).waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await api('/artic/v1/teams')).body.teams.length, 1);
    await shoot(page, 'call-centre-setup');
    assert.deepEqual(errors, []);
  });

  it('agents log in and pause from the page, the board follows live; a sandbox call rings and is talked on the board, then counts in the history', async () => {
    const queueId = (await api('/artic/v1/queues')).body.queues[0].id as string;
    await liveService(t.app, CLIENT, NUMBER, { type: 'queue', artic_queue_id: queueId });
    t.app.sandbox.setPhone(ANN, { outcome: 'answered', answerAfterSec: 4 });
    t.app.sandbox.setPhone(BOB, { outcome: 'no-answer' });

    // The wallboard, on a desktop and on a phone.
    const board = await open();
    await signInThroughForm(board.page, t.url, owner, '/call-centre');
    await ready(board.page, 'call-centre');
    await board.page.locator('.live-indicator[data-live="live"]').waitFor();
    const phoneBoard = await open(PHONE);
    await signInThroughForm(phoneBoard.page, t.url, owner, '/call-centre');
    await ready(phoneBoard.page, 'call-centre');
    const b = board.page;
    assert.equal(await figure(b, 'Sales line', 'waiting').textContent(), '0');
    assert.equal(await b.locator('.cc-state[data-state="logged_out"] .figure').textContent(), '2');

    // The agents page, its stream cut at first: "Reconnecting…". Ann logs in elsewhere meanwhile, so the page's
    // Log in meets a 409, shown as the API says it; once the stream is back the page has Ann's state.
    const { page, errors } = await open();
    await page.route('**/artic/v1/reports/**', (r) => r.abort());
    await signInThroughForm(page, t.url, owner, '/call-centre/agents');
    await ready(page, 'call-centre-agents');
    await page.locator('.live-indicator[data-live="reconnecting"]').waitFor();
    assert.equal(await page.getByRole('heading', { name: 'My agent' }).count(), 0, 'the owner is no agent');
    const annId = (await api('/artic/v1/agents')).body.agents.find((a: { name: string }) => a.name === 'Ann').id;
    assert.equal((await api(`/artic/v1/agents/${annId}/login`, { method: 'POST', body: {} })).status, 200);
    await page.getByRole('button', { name: 'Log in Ann' }).click();
    await page.getByRole('alert').filter({ hasText: 'agent Ann is already logged in' }).waitFor();
    await page.unroute('**/artic/v1/reports/**');
    await page.locator('.live-indicator[data-live="live"]').waitFor({ timeout: 30_000 });
    await stateOf(page, 'Ann').filter({ hasText: 'Available' }).waitFor();
    await page.getByRole('button', { name: 'Log off Ann' }).click();
    await page.getByText('Ann is logged off.').waitFor();
    await stateOf(b, 'Ann').filter({ hasText: 'Logged out' }).waitFor();
    await page.getByRole('button', { name: 'Log in Ann' }).click();
    await page.getByText(`Ann is logged in and available at ${ANN}.`).waitFor();
    await stateOf(b, 'Ann').filter({ hasText: 'Available' }).waitFor();
    await b.locator('.cc-state[data-state="available"] .figure', { hasText: '1' }).waitFor();
    await figure(b, 'Sales line', 'available').filter({ hasText: /^1 of 1/ }).waitFor();

    // Bob logs in, then pauses: a reason typed (a bad one first: the API's 400 at the field), then one from the list.
    await page.getByRole('button', { name: 'Log in Bob' }).click();
    await stateOf(page, 'Bob').filter({ hasText: 'Available' }).waitFor();
    await page.getByRole('button', { name: 'Pause Bob' }).click();
    const pause = page.getByRole('dialog', { name: 'Pause Bob' });
    await pause.getByLabel('Reason', { exact: true }).selectOption('');
    await pause.getByLabel('Other reason').fill('team huddle!');
    await pause.getByRole('button', { name: 'Pause' }).click();
    await pause.locator('.field-error').filter({ hasText: /letters, digits/ }).waitFor();
    await shoot(page, 'call-centre-pause');
    await pause.getByLabel('Reason', { exact: true }).selectOption('lunch');
    await pause.getByRole('button', { name: 'Pause' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('Bob is paused (lunch).').waitFor();
    await stateOf(b, 'Bob').filter({ hasText: 'Paused: lunch' }).waitFor();
    await b.locator('.cc-state[data-state="paused"] .figure', { hasText: '1' }).waitFor();
    // Time in state ticks in the page.
    const before = await agentRow(b, 'Bob').locator('[data-figure="in-state"]').textContent();
    await b.waitForFunction((prev) => [...document.querySelectorAll('main tr')].find((r) => r.textContent!.includes('Bob'))?.querySelector('[data-figure="in-state"]')?.textContent !== prev, before);

    // A call: Ann's phone rings 4 s (the caller waits on the board, the wait ticking), then they talk 6 s.
    const call = t.app.sandbox.placeCall({ to: NUMBER, from: '+61390007499', time: new ScaledTime(1000), talkSec: 6, hangsUp: 'caller' });
    await stateOf(b, 'Ann').filter({ hasText: 'Ringing' }).waitFor({ timeout: 10_000 });
    assert.equal(await figure(b, 'Sales line', 'waiting').textContent(), '1');
    const wait = await figure(b, 'Sales line', 'longest-wait').textContent();
    await figure(b, 'Sales line', 'longest-wait').filter({ hasNotText: wait! }).waitFor({ timeout: 3000 });
    await stateOf(phoneBoard.page, 'Ann').filter({ hasText: 'Ringing' }).waitFor();
    await shoot(b, 'call-centre-board-ringing');
    await stateOf(b, 'Ann').filter({ hasText: 'On call' }).waitFor({ timeout: 10_000 });
    assert.equal(await figure(b, 'Sales line', 'waiting').textContent(), '0');
    assert.equal(await figure(b, 'Sales line', 'connected').textContent(), '1');
    const link = agentRow(b, 'Ann').getByRole('link', { name: /^Call \d+$/ });
    assert.match((await link.getAttribute('href'))!, /^\/calls\/\d+$/);
    await stateOf(phoneBoard.page, 'Ann').filter({ hasText: 'On call' }).waitFor();
    await shoot(b, 'call-centre-board');
    await shoot(phoneBoard.page, 'call-centre-board');
    const result = await call;
    assert.deepEqual(result.errors, []);
    // After the talk: wrap-up (2 s), then available again.
    await stateOf(b, 'Ann').filter({ hasText: /Wrap-up|Available/ }).waitFor();
    await stateOf(b, 'Ann').filter({ hasText: 'Available' }).waitFor({ timeout: 10_000 });
    assert.equal(await figure(b, 'Sales line', 'connected').textContent(), '0');

    // Today's history: the call offered and answered in the queue, by Ann.
    await page.getByRole('navigation', { name: 'Call centre views' }).getByRole('link', { name: 'History' }).click();
    await ready(page, 'call-centre-history');
    const q = page.locator('section[aria-labelledby="cc-hq-h"] table.data tbody tr', { hasText: 'Sales line' });
    const cells = await q.locator('td').allTextContents();
    assert.deepEqual(cells.slice(0, 6), ['Sales line', '1', '1', '0 (0)', '0', '100%']);
    assert.match(cells[6], /^0:0[3-6]$/, `ASA about the 4 s ring: ${cells[6]}`);
    assert.match(cells[8], /^0:0[5-7]$/, `average talk about 6 s: ${cells[8]}`);
    const ann = await page.locator('section[aria-labelledby="cc-ha-h"] table.data tbody tr', { hasText: 'Ann' }).locator('td').allTextContents();
    assert.deepEqual(ann.slice(0, 3), ['Ann', '1', '0']);
    assert.match(ann[6], /%$/);
    const bob = await page.locator('section[aria-labelledby="cc-ha-h"] table.data tbody tr', { hasText: 'Bob' }).locator('td').allTextContents();
    assert.notEqual(bob[4], '0:00', 'Bob has paused time');
    await shoot(page, 'call-centre-history');
    for (const w of [board, phoneBoard]) assert.deepEqual(w.errors, []);
    assert.deepEqual(
      errors.filter((e) => !/reports\/(stream|realtime)/.test(e)),
      [],
    );
  });

  it('a user linked to an agent has My agent at the top, with their own buttons only', async () => {
    const agent = { username: 'bob7400', password: GOOD('bob-7400') };
    const user = await t.app.accounts.createUser({ username: agent.username, password: agent.password, clientIds: [CLIENT], role: 'analyst' });
    const bob = (await api('/artic/v1/agents')).body.agents.find((a: { name: string }) => a.name === 'Bob');
    assert.equal((await api(`/artic/v1/agents/${bob.id}`, { method: 'PATCH', body: { user_id: user.id } })).status, 200);
    const { page, errors } = await open();
    await signInThroughForm(page, t.url, agent, '/call-centre/agents');
    await ready(page, 'call-centre-agents');
    const mine = page.locator('section.my-agent');
    await mine.getByText('Paused: lunch').waitFor();
    assert.match((await mine.textContent())!, /Bob.*Calls ring \+61 400 007 402/);
    await mine.getByRole('button', { name: 'Unpause Bob' }).click();
    await page.getByText('Bob is available again.').waitFor();
    await mine.locator('.agent-state', { hasText: 'Available' }).waitFor();
    await stateOf(page, 'Bob').filter({ hasText: 'Available' }).waitFor();
    // Ann's row has no button for them; the API refuses them Ann anyway (an agent acts for themselves).
    assert.equal(await agentRow(page, 'Ann').locator('button:visible').count(), 0);
    const ann = (await api('/artic/v1/agents')).body.agents.find((a: { name: string }) => a.name === 'Ann');
    const refused = await api(`/artic/v1/agents/${ann.id}/pause`, { method: 'POST', body: { reason: 'lunch' }, user: agent });
    assert.equal(refused.status, 403);
    assert.match(refused.body.detail, /only for themselves/);
    assert.deepEqual(errors, []);
  });

  it('a read_only user sees the board, the lists and the history, and no button', async () => {
    const { page, errors } = await open();
    await signInThroughForm(page, t.url, viewer, '/call-centre');
    await ready(page, 'call-centre');
    await page.locator('.cc-queue', { hasText: 'Sales line' }).waitFor();
    await stateOf(page, 'Ann').filter({ hasText: 'Available' }).waitFor();
    assert.equal(await page.locator('main button:visible').count(), 0);
    await page.goto(`${t.url}/call-centre/setup`);
    await ready(page, 'call-centre-setup');
    assert.equal(await page.locator('section[aria-labelledby="cc-q-h"] table.data tbody tr').count(), 1);
    assert.equal(await page.locator('main button:visible').count(), 0, 'no New or Delete button');
    await page.goto(`${t.url}/call-centre/agents`);
    await ready(page, 'call-centre-agents');
    await agentRow(page, 'Bob').waitFor();
    assert.equal(await page.locator('main button:visible').count(), 0, 'no agent action');
    await page.goto(`${t.url}/call-centre/history`);
    await ready(page, 'call-centre-history');
    await page.locator('section[aria-labelledby="cc-hq-h"] tbody tr', { hasText: 'Sales line' }).waitFor();
    // The API refuses them anyway.
    assert.equal((await api('/artic/v1/teams', { method: 'POST', body: { name: 'Nope' }, user: viewer })).status, 403);
    const ann = (await api('/artic/v1/agents', { user: viewer })).body.agents.find((a: { name: string }) => a.name === 'Ann');
    assert.equal((await api(`/artic/v1/agents/${ann.id}/pause`, { method: 'POST', body: { reason: 'x' }, user: viewer })).status, 403);
    assert.deepEqual(errors, []);
  });

  it('screenshots of the agents, set-up and history pages at desktop and phone widths', async () => {
    for (const viewport of [DESKTOP, PHONE]) {
      const { page, errors } = await open(viewport);
      await signInThroughForm(page, t.url, owner, '/call-centre/agents');
      await ready(page, 'call-centre-agents');
      await page.locator('.live-indicator[data-live="live"]').waitFor();
      await shoot(page, 'call-centre-agents');
      await page.goto(`${t.url}/call-centre/setup`);
      await ready(page, 'call-centre-setup');
      await shoot(page, 'call-centre-setup');
      await page.goto(`${t.url}/call-centre/history`);
      await ready(page, 'call-centre-history');
      await shoot(page, 'call-centre-history');
      assert.deepEqual(errors, []);
    }
  });
});
