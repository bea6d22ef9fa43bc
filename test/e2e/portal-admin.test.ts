// The portal's set-up pages in real Chromium: an owner creates a data feed and a tracking code (and sees its
// snippet), invites a user and changes their role, creates an API key, subscribes a real Receiver and pings it (the
// ping arrives), changes the password policy and the account's time zone and rotates the webhook secret — each
// read back through the APIs or the app's services. The owner sets the call evaluation questions (adds two, edits one,
// removes one; one answered on a sandbox call is archived, then restored) and the call page asks the one left. A
// read_only user sees no Users or Subscriptions navigation and no create/rotate/add buttons on the pages they open,
// and the APIs refuse those writes (403). Screenshots of every page at desktop and phone widths
// (test-artifacts/portal/admin-*.png).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { basic, type TestApp } from '../support/app.ts';
import { liveServices } from '../support/dni.ts';
import { BROWSER_SKIP, launchBrowser, openPage, PHONE, portalAccount, portalApp, ready, shoot, signInThroughForm, type PortalUser } from '../support/portal.ts';
import { Receiver } from '../support/receiver.ts';
import { GOOD } from '../support/userapi.ts';

const CLIENT = 7300;
let failures = 0;

describe('portal set-up pages (Chromium)', { skip: BROWSER_SKIP }, () => {
  let t: TestApp;
  let browser: Browser;
  let receiver: Receiver;
  let owner: PortalUser;
  let reader: PortalUser;
  let services: { id: string; number: string }[];

  before(async () => {
    t = await portalApp();
    receiver = await new Receiver().start();
    owner = await portalAccount(t, CLIENT, 'owner', { name: 'Acme Plumbing', timezone: 'Australia/Sydney' });
    reader = { clientId: CLIENT, username: 'reader7300', password: GOOD('reader-7300'), role: 'read_only' };
    await t.app.accounts.createUser({ username: reader.username, password: reader.password, clientIds: [CLIENT], role: 'read_only' });
    services = await liveServices(t.app, CLIENT, '+61291000101', 3);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await receiver?.close();
    await t?.close();
  });

  const inject = (u: PortalUser, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown) =>
    t.server.inject({ method, url, headers: { authorization: basic(u.username, u.password) }, payload: payload as never });

  async function go(page: Page, path: string, name: string) {
    await page.goto(t.url + path);
    await ready(page, name);
  }

  /** Signs in at / and opens the page (main.tsx's ?next= after sign-in loses the race with its own /login → / redirect). */
  async function signInTo(page: Page, u: PortalUser, path: string, name: string) {
    await signInThroughForm(page, t.url, u, '/');
    await go(page, path, name);
  }

  it('an owner sets the account up: feed, tracking code, users, API key, subscription with a ping, policy, time zone, webhook secret', async () => {
    const { page, context, errors } = await openPage(browser);
    try {
      await signInTo(page, owner, '/data-feeds', 'feeds');
      await page.getByText('No data feeds yet').waitFor();

      // 1. A data feed with Digest sign-in; its URL to copy.
      await page.getByRole('button', { name: 'New data feed' }).click();
      await page.getByLabel('Name', { exact: true }).fill('Finance spreadsheet');
      await page.getByLabel('Feed user name').fill('finance');
      await page.getByLabel('Feed password').fill('feed-secret-1');
      await shoot(page, 'admin-feeds-form');
      await page.getByRole('button', { name: 'Create feed' }).click();
      await page.getByRole('heading', { name: 'Finance spreadsheet' }).waitFor();
      const feeds = await t.app.reporting.feeds.listFeeds(CLIENT);
      assert.equal(feeds.length, 1);
      assert.equal(feeds[0].auth, 'digest');
      assert.equal(await page.getByLabel('Feed URL (json, latest two days)').inputValue(), feeds[0].url);
      await page.getByLabel('Format of the URL to copy').selectOption('csv');
      assert.match(await page.getByLabel('Feed URL (csv, latest two days)').inputValue(), /\/latest\.csv$/);
      await shoot(page, 'admin-feeds');

      // 2. A tracking code with a pool of two services, an origin and a rule; the snippet and the demo link.
      await go(page, '/tracking', 'tracking');
      await page.getByRole('button', { name: 'New tracking code' }).click();
      await page.getByLabel('Name', { exact: true }).fill('Shop');
      await page.getByLabel('Business numbers to replace').fill('12');
      await page.getByRole('button', { name: 'Create tracking code' }).click();
      await page.getByRole('alert').filter({ hasText: 'Tracking code not created' }).getByText('replace[0]', { exact: true }).waitFor();
      assert.equal((await t.app.dniCodes.list(CLIENT)).length, 0);
      await page.getByLabel('Business numbers to replace').fill('0401020304');
      await page.getByLabel('Allowed page origins').fill('https://shop.example');
      await page.getByLabel(/^\+61 2 9100 0101/).check();
      await page.getByLabel(/^\+61 2 9100 0102/).check();
      await page.getByRole('button', { name: 'Add a rule' }).click();
      await page.getByLabel('Rule 1 conditions').fill('utm_source=google; gclid=true');
      await page.getByLabel('Rule 1 shows').selectOption(services[2].id);
      await shoot(page, 'admin-tracking-form');
      await page.getByRole('button', { name: 'Create tracking code' }).click();
      await ready(page, 'tracking-code');
      const snippet = await page.getByRole('textbox', { name: 'Snippet' }).inputValue();
      assert.match(snippet, /AvanserOptions/);
      assert.match(snippet, /trackingCode: 1/);
      assert.ok(snippet.includes(`${t.url}/aa.js`), snippet);
      const demo = page.getByRole('link', { name: 'open the demo page' });
      assert.equal(await demo.getAttribute('href'), `/sandbox/dni-demo?tracking_code=1&client_id=${CLIENT}`);
      await page.getByText('Pool utilisation').waitFor();
      const codes = await t.app.dniCodes.list(CLIENT);
      assert.equal(codes.length, 1);
      assert.deepEqual(
        codes[0].pool.map((p) => p.service_id),
        [services[0].id, services[1].id],
      );
      assert.deepEqual(codes[0].origins, ['https://shop.example']);
      assert.deepEqual(codes[0].rules[0].when, { utm_source: 'google', gclid: true });
      await shoot(page, 'admin-tracking-code');
      await page.getByRole('button', { name: 'Edit' }).click();
      await page.getByLabel('Hold (minutes)').fill('45');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('held 45 min after the last heartbeat', { exact: false }).waitFor();
      assert.equal((await t.app.dniCodes.get(CLIENT, 1)).hold_minutes, 45);
      await go(page, '/tracking', 'tracking');
      await page.getByRole('link', { name: '#1 Shop' }).waitFor();
      await shoot(page, 'admin-tracking');

      // 3. Invite a user (the token shown once), then make them an admin; an API key shown once.
      await go(page, '/users', 'users');
      await page.getByRole('button', { name: 'Invite a user' }).click();
      await page.getByLabel('User name').fill('newbie');
      await page.getByLabel('Role', { exact: true }).selectOption('analyst');
      await page.getByRole('button', { name: 'Create invitation' }).click();
      const link = await page.getByRole('textbox', { name: 'Invitation for newbie' }).inputValue();
      assert.match(link, new RegExp(`^${t.url}/invite\\?token=.{10,}`));
      await page.getByLabel('Role of newbie').selectOption('admin');
      await page.getByRole('button', { name: 'Change role' }).click();
      await page.getByText('newbie is now Admin.').waitFor();
      const newbie = (await t.app.userAdmin.listUsers(CLIENT)).find((u) => u.username === 'newbie');
      assert.equal(newbie?.role, 'admin');
      assert.equal(newbie?.status, 'invited');
      // The invited user opens the link in their own browser, chooses a password, and signs in with it.
      const guest = await openPage(browser);
      await guest.page.goto(link);
      await ready(guest.page, 'invite');
      await guest.page.getByLabel('Password', { exact: true }).fill('short');
      await guest.page.getByLabel('Password again').fill('short');
      await guest.page.getByRole('button', { name: 'Set my password' }).click();
      await guest.page.getByRole('alert').filter({ hasText: 'Invitation not accepted' }).waitFor();
      await guest.page.getByLabel('Password', { exact: true }).fill(GOOD('newbie'));
      await guest.page.getByLabel('Password again').fill(GOOD('newbie'));
      await guest.page.getByRole('button', { name: 'Set my password' }).click();
      await guest.page.getByText('Your password is set, newbie.').waitFor();
      await shoot(guest.page, 'admin-invite');
      await guest.page.getByRole('button', { name: 'Go to sign-in' }).click();
      await signInThroughForm(guest.page, t.url, { username: 'newbie', password: GOOD('newbie') });
      assert.deepEqual(guest.errors, []);
      await guest.context.close();
      await page.getByLabel('Key name').fill('CRM sync');
      await page.getByLabel('Key role').selectOption('analyst');
      await page.getByRole('button', { name: 'Create API key' }).click();
      const key = await page.getByRole('textbox', { name: 'API key “CRM sync”' }).inputValue();
      assert.match(key, /^ttk_/);
      const withKey = await t.server.inject({ url: '/userapi/v1/session', headers: { authorization: `Bearer ${key}` } });
      assert.equal(withKey.statusCode, 200, withKey.body);
      await page.getByRole('region', { name: 'API key “CRM sync”' }).getByRole('button', { name: 'I have copied it' }).click();
      assert.equal(await page.getByRole('region', { name: 'API key “CRM sync”' }).count(), 0);
      await page.getByRole('region', { name: 'Invitation for newbie' }).getByRole('button', { name: 'I have copied it' }).click();

      // Disable, enable, reset the password of (the temporary one shown once, and it signs in) a user.
      const row = page.getByRole('row').filter({ hasText: 'newbie' });
      await row.getByRole('button', { name: 'Disable' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Disable user' }).click();
      await row.getByText('disabled', { exact: true }).waitFor();
      assert.equal((await t.app.userAdmin.listUsers(CLIENT)).find((u) => u.username === 'newbie')?.status, 'disabled');
      await row.getByRole('button', { name: 'Enable' }).click();
      await row.getByText('active', { exact: true }).waitFor();
      await row.getByRole('button', { name: 'Reset password' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Reset password' }).click();
      const temporary = await page.getByRole('textbox', { name: 'Temporary password for newbie' }).inputValue();
      const signedIn = await t.server.inject({ method: 'POST', url: '/userapi/v1/session', payload: { username: 'newbie', password: temporary } });
      assert.equal(signedIn.statusCode, 200, signedIn.body);
      assert.equal(signedIn.json().password_change_required, true);

      // Revoke the API key: refused from then on.
      await page.getByRole('button', { name: 'Revoke API key CRM sync' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
      await page.getByText(/^revoked/).waitFor();
      assert.equal((await t.server.inject({ url: '/userapi/v1/session', headers: { authorization: `Bearer ${key}` } })).statusCode, 401);
      await shoot(page, 'admin-users');

      // 4. A subscription at a real receiver; its secret shown once; a ping that arrives.
      await go(page, '/subscriptions', 'subscriptions');
      await page.getByRole('button', { name: 'New subscription' }).click();
      await page.getByLabel('Endpoint URL').fill(`${receiver.url}/hook`);
      await page.getByLabel('Description (optional)').fill('Our CRM');
      await page.getByLabel('call.finalized').check();
      await page.getByLabel('sms.received').check();
      await shoot(page, 'admin-subscriptions-form');
      await page.getByRole('button', { name: 'Create subscription' }).click();
      const secret = await page.getByRole('textbox', { name: 'Signing secret' }).inputValue();
      assert.match(secret, /^whsec_/);
      await page.getByRole('button', { name: 'Send a ping' }).click();
      await page.getByText(/^Ping (queued|delivered)/).waitFor();
      for (let i = 0; i < 50 && receiver.requests.length === 0; i++) {
        await t.app.worker.drain();
        if (!receiver.requests.length) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(receiver.requests.length, 1);
      const ping = JSON.parse(receiver.requests[0].body);
      assert.equal(ping.type, 'ping');
      assert.equal(receiver.requests[0].url, '/hook');
      assert.ok(receiver.requests[0].headers['webhook-signature']);
      await page.getByText('Ping delivered (HTTP 200)').waitFor();
      await page.getByRole('region', { name: 'Deliveries' }).getByRole('button', { name: 'Refresh' }).click();
      await page.getByRole('region', { name: 'Deliveries' }).getByText('delivered', { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Disable', exact: true }).click();
      await page.getByText('Subscription disabled: no new events are queued for it.').waitFor();
      assert.equal((await inject(owner, 'GET', '/userapi/v1/subscriptions')).json().subscriptions[0].enabled, false);
      await page.getByRole('button', { name: 'Enable', exact: true }).click();
      await page.getByText('Subscription enabled again.').waitFor();
      const subs = await inject(owner, 'GET', '/userapi/v1/subscriptions');
      assert.equal(subs.json().subscriptions[0].enabled, true);
      assert.deepEqual(subs.json().subscriptions.map((s: { url: string; events: string[] }) => [s.url, s.events]), [[`${receiver.url}/hook`, ['call.finalized', 'sms.received']]]);
      await shoot(page, 'admin-subscriptions');

      // 5. The password policy, then the account's time zone and the webhook secret.
      await go(page, '/settings?tab=security', 'settings');
      await page.getByLabel('Minimum length').fill('14');
      await page.getByLabel('Lock out after').fill('7');
      await page.getByRole('button', { name: 'Save password policy' }).click();
      await page.getByText(/^Password policy saved/).waitFor();
      const policy = await inject(owner, 'GET', '/userapi/v1/password-policy');
      assert.equal(policy.json().min_length, 14);
      assert.equal(policy.json().lockout_attempts, 7);
      await page.getByRole('heading', { name: 'Your sessions' }).waitFor();
      await page.getByText('this session', { exact: true }).waitFor();
      await shoot(page, 'admin-settings-security');

      await page.getByRole('link', { name: 'Account', exact: true }).click();
      await page.getByLabel('Time zone').selectOption('Australia/Perth');
      await page.getByRole('button', { name: 'Save account' }).click();
      await page.getByText('Account saved.').waitFor();
      const acct = await inject(owner, 'GET', '/userapi/v1/account');
      assert.equal(acct.json().timezone, 'Australia/Perth');
      await page.getByRole('button', { name: 'Show secret' }).click();
      const before = await page.getByRole('textbox', { name: 'Webhook signing secret' }).inputValue();
      assert.match(before, /^whsec_/);
      // Escape cancels the confirmation (nothing rotated); then the keyboard confirms it.
      await page.getByRole('button', { name: 'Rotate secret' }).click();
      await page.getByRole('dialog').waitFor();
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'hidden' });
      assert.equal((await inject(owner, 'GET', '/userapi/v1/account/webhook-secret')).json().webhook_secret, before);
      await page.getByRole('button', { name: 'Rotate secret' }).focus();
      await page.keyboard.press('Enter');
      await page.getByRole('dialog').getByRole('button', { name: 'Rotate now' }).focus();
      await page.keyboard.press('Enter');
      await page.getByText(/^Rotated/).waitFor();
      const after = await page.getByRole('textbox', { name: 'Webhook signing secret' }).inputValue();
      assert.notEqual(after, before);
      const readBack = await inject(owner, 'GET', '/userapi/v1/account/webhook-secret');
      assert.equal(readBack.json().webhook_secret, after);
      await shoot(page, 'admin-settings');

      await page.getByRole('link', { name: 'Audit log' }).click();
      await ready(page, 'settings');
      await page.getByRole('cell', { name: 'account.webhook_secret_rotate' }).waitFor();
      await shoot(page, 'admin-settings-audit');

      assert.deepEqual(errors, []);
    } catch (err) {
      await shoot(page, `admin-failure-${++failures}`).catch(() => undefined);
      throw err;
    } finally {
      await context.close();
    }
  });

  it('an owner sets the call evaluation questions: adds two, edits one, removes one; a call is asked the one left', async () => {
    const { page, context, errors } = await openPage(browser);
    const questions = async (archived = false) => (await inject(owner, 'GET', `/userapi/v1/evaluation-questions${archived ? '?include_archived=true' : ''}`)).json().questions as { id: number; title: string; text: string; weight: number; archived: boolean }[];
    try {
      await signInTo(page, owner, '/settings', 'settings');
      await page.getByRole('link', { name: 'Call evaluation' }).click();
      await page.getByText('No evaluation questions yet').waitFor();
      assert.match(page.url(), /[?&]tab=evaluation\b/);
      await shoot(page, 'admin-settings-evaluation-empty');

      // Only spaces typed: said on the form, nothing sent.
      await page.getByLabel('Question', { exact: true }).fill('   ');
      await page.getByRole('button', { name: 'Add question' }).click();
      await page.getByRole('alert').filter({ hasText: 'Question not added' }).getByText('Write the question first.').waitFor();
      assert.equal((await questions()).length, 0);

      await page.getByLabel('Question', { exact: true }).fill('Did the caller book a job?');
      await page.getByLabel('Short name (optional)').fill('Booked');
      await page.getByLabel('Weight').fill('2');
      await page.getByRole('button', { name: 'Add question' }).click();
      await page.getByText('Question “Booked” added').waitFor();
      await page.getByLabel('Question', { exact: true }).fill('Was the caller greeted by name?');
      await page.getByRole('button', { name: 'Add question' }).click();
      await page.getByText('Question “Was the caller greeted by name?” added').waitFor();
      assert.deepEqual(
        (await questions()).map((q) => [q.title, q.text, q.weight]),
        [
          ['Booked', 'Did the caller book a job?', 2],
          ['Was the caller greeted by name?', 'Was the caller greeted by name?', 1],
        ],
      );

      // Edit the first one's question; remove the second (no call answered it: deleted).
      await page.getByRole('button', { name: 'Edit question Booked' }).click();
      assert.match(page.url(), /[?&]edit=\d+/);
      assert.equal(await page.getByRole('button', { name: 'Add question' }).count(), 0);
      await page.getByLabel('Question', { exact: true }).fill('Did the caller book a job or a quote?');
      await shoot(page, 'admin-settings-evaluation-edit');
      await page.getByRole('button', { name: 'Save question' }).click();
      await page.getByText('Question “Booked” saved.').waitFor();
      await page.getByRole('cell', { name: /Did the caller book a job or a quote\?/ }).waitFor();
      await page.getByRole('button', { name: 'Remove question Was the caller greeted by name?' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Remove question' }).click();
      await page.getByText('Question “Was the caller greeted by name?” deleted.').waitFor();
      const left = await questions(true);
      assert.deepEqual(
        left.map((q) => [q.title, q.text, q.weight, q.archived]),
        [['Booked', 'Did the caller book a job or a quote?', 2, false]],
      );
      await shoot(page, 'admin-settings-evaluation');

      // A sandbox call: its page asks the question left (and only it); the owner answers yes.
      const sim = await t.app.sandbox.placeCall({ to: services[0].number, from: '+61733330001', voicemailSec: 4 });
      const callId = Number((await t.app.callLookup.findCallByCarrierId('sandbox', sim.callSid))!.id);
      await go(page, `/calls/${callId}`, 'call');
      const evaluation = page.getByRole('region', { name: 'Evaluation' });
      const asked = evaluation.getByRole('group', { name: /^Did the caller book a job or a quote\?/ });
      await asked.waitFor();
      assert.equal(await evaluation.getByRole('group').count(), 1);
      assert.equal(await evaluation.getByText('Was the caller greeted by name?').count(), 0);
      await asked.getByLabel('Yes').check();
      await evaluation.getByRole('button', { name: 'Save evaluation' }).click();
      await evaluation.getByText('Evaluation saved.').waitFor();
      await shoot(page, 'admin-call-evaluation');
      const answered = (await inject(owner, 'GET', `/userapi/v1/calls/${callId}`)).json().evaluation;
      assert.deepEqual(
        answered.answers.map((a: { question_id: number; answer: string }) => [a.question_id, a.answer]),
        [[left[0].id, 'yes']],
      );

      // Removing an answered question archives it (the answer kept); shown with the archived ones, it is restored.
      await go(page, '/settings?tab=evaluation', 'settings');
      await page.getByRole('button', { name: 'Remove question Booked' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Remove question' }).click();
      await page.getByText(/^Question “Booked” archived/).waitFor();
      assert.deepEqual((await questions()).length, 0);
      assert.equal((await questions(true))[0].archived, true);
      await page.getByLabel('Show archived questions').check();
      await page.getByText('archived', { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Restore question Booked' }).click();
      await page.getByText('Question “Booked” restored').waitFor();
      assert.deepEqual(
        (await questions()).map((q) => [q.id, q.archived]),
        [[left[0].id, false]],
      );
      assert.deepEqual(errors, []);
    } catch (err) {
      await shoot(page, `admin-failure-${++failures}`).catch(() => undefined);
      throw err;
    } finally {
      await context.close();
    }
  });

  it('a read_only user: no Users or Subscriptions navigation, no create or rotate buttons, and the APIs refuse the writes (403)', async () => {
    const { page, context, errors } = await openPage(browser);
    try {
      await signInTo(page, reader, '/data-feeds', 'feeds');
      const nav = page.getByRole('navigation', { name: 'Sections' });
      for (const name of ['Data feeds', 'Website tracking', 'Settings']) assert.equal(await nav.getByRole('link', { name }).count(), 1, name);
      for (const name of ['Users', 'Subscriptions']) assert.equal(await nav.getByRole('link', { name }).count(), 0, name);
      await page.getByRole('heading', { name: 'Finance spreadsheet' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'New data feed' }).count(), 0);
      assert.equal(await page.getByRole('button', { name: /^Delete/ }).count(), 0);

      await go(page, '/tracking', 'tracking');
      await page.getByRole('link', { name: '#1 Shop' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'New tracking code' }).count(), 0);
      await page.getByRole('link', { name: '#1 Shop' }).click();
      await ready(page, 'tracking-code');
      assert.match(await page.getByRole('textbox', { name: 'Snippet' }).inputValue(), /AvanserOptions/);
      assert.equal(await page.getByRole('button', { name: 'Edit' }).count(), 0);
      assert.equal(await page.getByRole('button', { name: 'Delete' }).count(), 0);

      await go(page, '/settings', 'settings');
      assert.equal(await page.getByRole('button', { name: 'Rotate secret' }).count(), 0);
      assert.equal(await page.getByRole('button', { name: 'Show secret' }).count(), 0);
      assert.equal(await page.getByRole('button', { name: 'Save account' }).count(), 0);
      assert.equal(await page.getByLabel('Time zone').isDisabled(), true);
      assert.equal(await page.getByRole('link', { name: 'Audit log' }).count(), 0);
      await page.getByRole('link', { name: 'Passwords and sessions' }).click();
      await page.getByRole('heading', { name: 'Your password' }).waitFor();
      assert.equal(await page.getByRole('heading', { name: 'Password policy' }).count(), 0);
      await shoot(page, 'admin-settings-readonly');

      // The evaluation questions: read, not changed.
      await page.getByRole('link', { name: 'Call evaluation' }).click();
      await page.getByRole('cell', { name: /Did the caller book a job or a quote\?/ }).waitFor();
      for (const name of ['Add question', 'Edit question Booked', 'Remove question Booked']) assert.equal(await page.getByRole('button', { name }).count(), 0, name);
      assert.equal(await page.getByLabel('Question', { exact: true }).count(), 0);
      assert.equal(await page.getByRole('columnheader', { name: 'Actions' }).count(), 0);
      await shoot(page, 'admin-settings-evaluation-readonly');

      await go(page, '/users', 'forbidden');
      await go(page, '/subscriptions', 'forbidden');

      const refused: [string, 'POST' | 'PUT' | 'PATCH', string, unknown][] = [
        ['feed', 'POST', '/webapi/v1/feeds', { auth: 'digest', username: 'x', password: 'long-enough-1' }],
        ['tracking code', 'POST', '/userapi/v1/dni', { name: 'X', replace: ['0401020304'] }],
        ['tracking code change', 'PATCH', '/userapi/v1/dni/1', { name: 'Y' }],
        ['user', 'POST', '/userapi/v1/users', { username: 'sneaky', role: 'read_only' }],
        ['API key', 'POST', '/userapi/v1/api-keys', { name: 'k', role: 'read_only' }],
        ['subscription', 'POST', '/userapi/v1/subscriptions', { url: `${receiver.url}/x`, events: ['call.finalized'] }],
        ['account', 'PATCH', '/userapi/v1/account', { timezone: 'UTC' }],
        ['password policy', 'PUT', '/userapi/v1/password-policy', { min_length: 8 }],
        ['webhook secret rotation', 'POST', '/userapi/v1/account/webhook-secret', undefined],
        ['evaluation question', 'POST', '/userapi/v1/evaluation-questions', { title: 'Sneaky' }],
        ['evaluation question change', 'PATCH', `/userapi/v1/evaluation-questions/${(await inject(owner, 'GET', '/userapi/v1/evaluation-questions')).json().questions[0].id}`, { text: 'Changed?' }],
      ];
      for (const [what, method, url, body] of refused) {
        const res = await inject(reader, method, url, body);
        assert.equal(res.statusCode, 403, `${what}: ${res.body}`);
      }
      assert.equal((await inject(reader, 'GET', '/userapi/v1/account/webhook-secret')).statusCode, 403);
      assert.equal((await inject(owner, 'GET', '/userapi/v1/account')).json().timezone, 'Australia/Perth');
      assert.deepEqual(
        (await inject(owner, 'GET', '/userapi/v1/evaluation-questions')).json().questions.map((q: { text: string }) => q.text),
        ['Did the caller book a job or a quote?'],
      );
      assert.deepEqual(errors, []);
    } catch (err) {
      await shoot(page, `admin-failure-${++failures}`).catch(() => undefined);
      throw err;
    } finally {
      await context.close();
    }
  });

  it('a user of two accounts switches account on a set-up page and sees the other account’s data only', async () => {
    const other = await portalAccount(t, CLIENT + 1, 'owner', { name: 'Other Co' });
    const agency: PortalUser = { clientId: CLIENT, username: 'agency7300', password: GOOD('agency-7300'), role: 'admin' };
    await t.app.accounts.createUser({ username: agency.username, password: agency.password, clientIds: [CLIENT, other.clientId], role: 'admin' });
    const { page, context, errors } = await openPage(browser);
    try {
      await signInTo(page, agency, '/data-feeds', 'feeds');
      await page.getByRole('banner').getByRole('combobox').selectOption(String(CLIENT));
      await ready(page, 'feeds');
      await page.getByRole('heading', { name: 'Finance spreadsheet' }).waitFor();
      await page.getByRole('banner').getByRole('combobox').selectOption(String(other.clientId));
      await page.getByText('No data feeds yet').waitFor();
      assert.equal(await page.getByRole('heading', { name: 'Finance spreadsheet' }).count(), 0);
      await go(page, '/subscriptions', 'subscriptions');
      await page.getByText('No subscriptions yet').waitFor();
      // The other account has no tracking code 1: the API's 404, said on the page.
      await page.goto(`${t.url}/tracking/1`);
      await page.locator('main[data-page="tracking-code"][data-state="error"]').waitFor();
      await page.getByRole('alert').getByText('No such tracking code in this account').waitFor();
      assert.equal(await page.getByRole('textbox', { name: 'Snippet' }).count(), 0);
      const feedId = (await t.app.reporting.feeds.listFeeds(CLIENT))[0].id;
      const foreign = await inject(agency, 'GET', `/webapi/v1/feeds/${feedId}?client_id=${other.clientId}`);
      assert.equal(foreign.statusCode, 404, foreign.body);
      assert.deepEqual(errors, []);
    } catch (err) {
      await shoot(page, `admin-failure-${++failures}`).catch(() => undefined);
      throw err;
    } finally {
      await context.close();
    }
  });

  it('every set-up page at phone width', async () => {
    const { page, context, errors } = await openPage(browser, PHONE);
    try {
      await signInTo(page, owner, '/data-feeds', 'feeds');
      await shoot(page, 'admin-feeds');
      for (const [path, name, file] of [
        ['/tracking', 'tracking', 'admin-tracking'],
        ['/tracking/1', 'tracking-code', 'admin-tracking-code'],
        ['/users', 'users', 'admin-users'],
        ['/subscriptions?sub=', 'subscriptions', 'admin-subscriptions'],
        ['/settings', 'settings', 'admin-settings'],
        ['/settings?tab=security', 'settings', 'admin-settings-security'],
        ['/settings?tab=evaluation', 'settings', 'admin-settings-evaluation'],
        ['/settings?tab=audit', 'settings', 'admin-settings-audit'],
      ] as const) {
        await go(page, path, name);
        if (name === 'subscriptions') {
          await page.getByRole('button', { name: 'Deliveries' }).click();
          await page.getByRole('region', { name: 'Deliveries' }).getByText('delivered', { exact: true }).waitFor();
        }
        if (path === '/tracking/1') await page.getByText('numbers in the pool').waitFor();
        if (path === '/settings?tab=evaluation') await page.getByRole('button', { name: 'Edit question Booked' }).waitFor();
        await shoot(page, file);
      }
      await page.getByRole('button', { name: 'Menu' }).click();
      await shoot(page, 'admin-menu');
      assert.deepEqual(errors, []);
    } catch (err) {
      await shoot(page, `admin-failure-${++failures}`).catch(() => undefined);
      throw err;
    } finally {
      await context.close();
    }
  });
});
