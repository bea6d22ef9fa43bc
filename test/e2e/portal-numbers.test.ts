// The numbers and deliveries pages in real Chromium against a real Telltale (SQLite) with its worker running: an
// owner orders a number (search, pick, answer point, a callback URL to a real Receiver), watches the request go live,
// links a saved answer point, sends a test callback, places a sandbox call whose HTTP Callback shows up in
// Deliveries and is redelivered from there, and decommissions the service. A read_only user sees no write button
// and the API refuses the writes (403). Screenshots of each page at desktop and phone widths.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { basic, stock, sydneyNumbers, type TestApp } from '../support/app.ts';
import { BROWSER_SKIP, DESKTOP, launchBrowser, openPage, PHONE, portalAccount, portalApp, ready, shoot, signInThroughForm, type PortalUser } from '../support/portal.ts';
import { Receiver } from '../support/receiver.ts';
import { GOOD } from '../support/userapi.ts';

describe('portal: numbers and deliveries', { skip: BROWSER_SKIP }, () => {
  let t: TestApp;
  let browser: Browser;
  let receiver: Receiver;
  let owner: PortalUser;
  let reader: PortalUser;
  const CLIENT = 7301;
  const numbers = sydneyNumbers(6, 300);
  const privateNumbers = sydneyNumbers(3, 800);
  let serviceId = '';
  let deliveryId = '';

  before(async () => {
    t = await portalApp();
    receiver = await new Receiver().start();
    owner = await portalAccount(t, CLIENT, 'owner', { name: 'Harbour Plumbing', timezone: 'Australia/Sydney' });
    reader = { clientId: CLIENT, username: 'reader7301', password: GOOD('reader-7301'), role: 'read_only' };
    await t.app.accounts.createUser({ username: reader.username, password: reader.password, clientIds: [CLIENT], role: 'read_only' });
    await stock(t.app, numbers);
    await stock(t.app, privateNumbers, { privateFor: CLIENT });
    t.app.worker.start();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await receiver?.close();
    await t?.close();
  });

  /** Signs in (on /: the foundation's sign-in loses `next` when the session's render wins the race) and opens path. */
  const signIn = async (page: import('playwright-core').Page, user: PortalUser, path: string) => {
    await signInThroughForm(page, t.url, user);
    await page.goto(t.url + path);
  };

  const api = async (user: PortalUser, method: string, url: string, payload?: unknown) => {
    const res = await t.server.inject({ method: method as 'GET', url, headers: { authorization: basic(user.username, user.password) }, payload: payload as never });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
  };

  /** Makes a Telco request through the API and waits for the running worker to complete it; answers the service id. */
  const request = async (body: Record<string, unknown>): Promise<string> => {
    const out = await api(owner, 'POST', '/telco/v1/requests', body);
    assert.equal(out.status, 202, JSON.stringify(out.body));
    for (let i = 0; i < 200; i++) {
      const r = (await api(owner, 'GET', `/telco/v1/requests/${out.body.request.id}`)).body.request;
      if (r.status === 'completed') return r.service_id;
      assert.notEqual(r.status, 'failed', JSON.stringify(r.error));
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error('the request did not complete');
  };

  it('an owner orders a number, edits it, tests its callback, follows a call to Deliveries, redelivers it and decommissions the service', async () => {
    const { page, context, errors } = await openPage(browser, DESKTOP);
    try {
      await signIn(page, owner, '/numbers');
      await ready(page, 'numbers');
      await page.getByText('No tracking numbers yet').waitFor();
      await shoot(page, 'numbers-empty');

      // Order: search Sydney numbers containing 0302, pick the one found
      await page.getByRole('link', { name: 'Order a number' }).click();
      await ready(page, 'number-order');
      await page.getByLabel('Area prefix').fill('02');
      await page.getByLabel('Contains digits').fill('0302');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForURL(/contains=0302/);
      const wanted = numbers[2]; // +61291000302
      const choose = page.getByRole('button', { name: /^Choose \+/ });
      await choose.first().waitFor();
      assert.deepEqual(await choose.allTextContents(), ['Choose'], `one number contains 0302: ${await choose.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')).join(', '))}`);
      await choose.first().click();
      await page.getByText('Chosen:').waitFor();
      assert.match(page.url(), new RegExp(`number=${encodeURIComponent(wanted).replace('+', '\\+')}`));

      await page.getByLabel('Name', { exact: true }).fill('Google Ads');
      await page.getByLabel('Answer point number').fill('+61299998888');
      await page.getByLabel('Answer point name').fill('Reception');
      // The callback URL, with tags from the picker inserted at the cursor
      const cb = page.getByLabel('HTTP Callback URL');
      await cb.fill(`${receiver.url}/hook?caller=`);
      await page.getByText('Insert a tag').click();
      const tagSelect = page.getByLabel('Tag', { exact: true });
      await tagSelect.selectOption('ani');
      await page.getByText('Calling Number (format +CC-LOCAL)').first().waitFor();
      await page.getByRole('button', { name: /Insert \[\[ani\]\] at the cursor/ }).click();
      await cb.press('End');
      await cb.pressSequentially('&status=');
      await tagSelect.selectOption('callstatus');
      await page.getByRole('button', { name: /Insert \[\[callstatus\]\]/ }).click();
      assert.equal(await cb.inputValue(), `${receiver.url}/hook?caller=[[ani]]&status=[[callstatus]]`);
      await shoot(page, 'number-order');

      await page.getByRole('button', { name: /^Order \+61/ }).click();
      await page.waitForURL(/request=req_/);
      const status = page.locator('main[data-page="number-order"] [role="status"][data-request-status]').first();
      await status.filter({ hasText: 'Order completed' }).waitFor({ timeout: 15_000 });
      await ready(page, 'number-order');
      await shoot(page, 'number-order-done');
      await page.getByRole('link', { name: /Open the new service/ }).click();
      await ready(page, 'service');
      serviceId = new URL(page.url()).pathname.split('/').pop()!;
      const svc = (await api(owner, 'GET', `/telco/v1/services/${serviceId}`)).body.service;
      assert.equal(svc.status, 'live');
      assert.equal(svc.number, wanted);
      assert.equal(svc.name, 'Google Ads');
      assert.equal(svc.target_number, '+61299998888');
      assert.equal(svc.call_callback_uri, `${receiver.url}/hook?caller=[[ani]]&status=[[callstatus]]`);
      await page.getByText('Live', { exact: true }).first().waitFor();
      await shoot(page, 'service');

      // Edit: a saved answer point, and recording on (one PUT, one Telco update, each followed live)
      const ap = await api(owner, 'POST', '/userapi/v1/answer-points', { name: 'Sydney office', number: '+61290001111' });
      assert.equal(ap.status, 201);
      await page.getByRole('link', { name: 'Edit' }).click();
      await page.getByRole('heading', { name: 'Edit the service' }).waitFor();
      await page.getByLabel('Rings').selectOption(ap.body.id);
      await page.getByLabel('Record answered calls').check();
      await shoot(page, 'service-edit');
      // The test callback sends the draft URL (the receiver answers 200)
      await page.getByRole('button', { name: 'Send a test callback' }).click();
      await page.locator('.test-result').getByText('HTTP 200').waitFor();
      await receiver.waitFor(1);
      assert.match(receiver.requests[0].url, /^\/hook\?caller=/);
      assert.equal(receiver.query(0).status, 'Answered', 'the synthetic call answered');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Change completed').nth(1).waitFor({ timeout: 15_000 });
      await page.getByText('saved answer point “Sydney office”').waitFor();
      const edited = (await api(owner, 'GET', `/telco/v1/services/${serviceId}`)).body.service;
      assert.equal(edited.target_number, '+61290001111');
      assert.equal(edited.target_name, 'Sydney office');
      assert.equal(edited.record, true);
      assert.deepEqual((await api(owner, 'GET', `/userapi/v1/answer-points/${ap.body.id}`)).body.service_ids, [serviceId]);

      // A sandbox call from the page: its HTTP Callback reaches the receiver
      await page.getByText('Place a test call').click();
      await page.getByRole('button', { name: 'Place the call' }).click();
      const callLink = page.locator('.test-call [role="status"] a').first();
      await callLink.waitFor();
      const callId = (await callLink.textContent())!.trim();
      await receiver.waitFor(2);
      assert.equal(receiver.query(1).status, 'Answered');
      assert.equal(receiver.query(1).caller, '+61-0390012300');

      // Deliveries: filtered by the call, the delivery, its attempt, redelivered
      await page.getByRole('link', { name: 'Its deliveries' }).click();
      await ready(page, 'deliveries');
      assert.match(page.url(), new RegExp(`call_id=${callId}`));
      const details = page.getByRole('link', { name: /^Details of delivery / });
      await details.first().waitFor();
      assert.equal(await details.count(), 1, 'one delivery for the call');
      await shoot(page, 'deliveries');
      await details.first().click();
      await page.getByRole('heading', { name: /^Delivery / }).waitFor();
      deliveryId = new URL(page.url()).searchParams.get('open')!;
      assert.match(deliveryId, /./);
      await page.locator('.delivery-detail').getByText('HTTP 200').first().waitFor();
      await page.getByRole('button', { name: 'Redeliver' }).click();
      await page.getByText(/Redelivered: attempt 2 delivered \(HTTP 200\)/).waitFor({ timeout: 15_000 });
      await receiver.waitFor(3);
      assert.equal(receiver.requests[2].url, receiver.requests[1].url);
      assert.equal(receiver.requests[2].headers['webhook-id'], receiver.requests[1].headers['webhook-id'], 'the same delivery, twice');
      const d = (await api(owner, 'GET', `/webapi/v1/deliveries/${deliveryId}`)).body.delivery;
      assert.equal(d.total_attempts, 2);
      assert.equal(d.status, 'delivered');
      await shoot(page, 'delivery-detail');

      // The state filter and the URL
      await page.goto(`${t.url}/deliveries?status=dead`);
      await ready(page, 'deliveries');
      await page.getByText('No delivery matches these filters').waitFor();
      assert.equal(await page.getByLabel('State').inputValue(), 'dead');

      // The services list shows it, with its filters in the URL
      await page.goto(`${t.url}/numbers?status=live`);
      await ready(page, 'numbers');
      await page.getByRole('link', { name: '+61 2 9100 0302' }).waitFor();
      await page.getByText('Set (GET)').waitFor();
      await shoot(page, 'numbers');
      await page.getByRole('link', { name: 'Private inventory' }).click();
      await ready(page, 'numbers');
      assert.match(page.url(), /tab=inventory/);
      await page.getByRole('link', { name: 'Order +61 2 9100 0800' }).waitFor();
      await page.getByRole('link', { name: 'Quarantine' }).click();
      await ready(page, 'numbers');
      await page.getByText('Nothing in quarantine').waitFor();

      // Decommission, confirmed
      await page.goto(`${t.url}/numbers/${serviceId}`);
      await ready(page, 'service');
      await page.getByRole('button', { name: 'Decommission…' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByText('This cannot be undone').waitFor();
      await shoot(page, 'service-decommission');
      await dialog.getByRole('button', { name: 'Decommission' }).click();
      await page.getByText('Decommission completed').waitFor({ timeout: 15_000 });
      await page.getByText('Decommissioned', { exact: true }).first().waitFor();
      assert.equal((await api(owner, 'GET', `/telco/v1/services/${serviceId}`)).body.service.status, 'decommissioned');
      assert.equal(await page.getByRole('link', { name: 'Edit' }).count(), 0);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('the pages at phone width', async () => {
    const live = await request({ type: 'new', number: privateNumbers[0], service: { type: 'transfer', name: 'Radio spot', target_number: '+61299998888', target_name: 'Front desk', call_callback_uri: `${receiver.url}/radio?id=[[callid]]`, custom_group: 'radio' } });
    const gone = await request({ type: 'new', number: privateNumbers[1], service: { type: 'voicemail', name: 'Old flyer' } });
    await request({ type: 'decommission', service_id: gone });
    const { page, context, errors } = await openPage(browser, PHONE);
    try {
      await signIn(page, owner, '/numbers');
      await ready(page, 'numbers');
      await page.getByRole('link', { name: '+61 2 9100 0800' }).waitFor();
      await shoot(page, 'numbers');
      await page.goto(`${t.url}/numbers?tab=inventory`);
      await ready(page, 'numbers');
      await page.getByText('Private numbers you can order now').waitFor();
      await shoot(page, 'numbers-inventory');
      await page.goto(`${t.url}/numbers?tab=quarantine`);
      await ready(page, 'numbers');
      await page.getByText('Numbers in quarantine').waitFor();
      await shoot(page, 'numbers-quarantine');
      await page.goto(`${t.url}/numbers/order?area=02`);
      await ready(page, 'number-order');
      await page.getByRole('button', { name: /^Choose \+/ }).first().click();
      await page.getByLabel('HTTP Callback URL').fill(`${receiver.url}/phone?u=`);
      await page.getByText('Insert a tag').click();
      await page.getByLabel('Tag', { exact: true }).selectOption('callid');
      // The list of every tag with its meaning, filtered, inserts too
      await page.getByText('Every tag and what it stands for').click();
      await page.getByLabel('Find a tag').fill('unique');
      await page.getByText('Unique id for each call').waitFor();
      await page.getByRole('button', { name: 'Insert [[uniqueid]]' }).click();
      assert.equal(await page.getByLabel('HTTP Callback URL').inputValue(), `${receiver.url}/phone?u=[[uniqueid]]`);
      await shoot(page, 'number-order');
      // Ordered with the saved answer point (chosen first): the new service is linked to it, that request followed too
      assert.match(await page.getByLabel('Rings').locator('option:checked').textContent() ?? '', /Sydney office/);
      await page.getByRole('button', { name: /^Order \+61/ }).click();
      await page.locator('[role="status"]').filter({ hasText: /^\s*Linking the answer point Sydney office completed/ }).waitFor({ timeout: 15_000 });
      const href = await page.getByRole('link', { name: /Open the new service/ }).getAttribute('href');
      const linked = (await api(owner, 'GET', `/telco/v1/services/${href!.split('/').pop()}`)).body.service;
      assert.equal(linked.target_name, 'Sydney office');
      const points = (await api(owner, 'GET', '/userapi/v1/answer-points')).body.answer_points;
      assert.ok(points.find((p: { name: string; service_ids: string[] }) => p.name === 'Sydney office').service_ids.includes(linked.id));
      // By criteria nothing matches: the request fails with no_stock, said in words
      await page.goto(`${t.url}/numbers/order?by=criteria&country=AU&area=08`);
      await ready(page, 'number-order');
      await page.getByLabel('What the number does').selectOption('voicemail');
      await page.getByRole('button', { name: 'Order a matching number' }).click();
      await page.locator('[role="status"][data-request-status="failed"]').filter({ hasText: 'Order failed' }).waitFor();
      await page.getByRole('alert').getByText('no_stock').waitFor();
      await shoot(page, 'number-order-failed');
      await page.goto(`${t.url}/numbers/${live}`);
      await ready(page, 'service');
      await page.getByText('Radio spot').first().waitFor();
      await shoot(page, 'service');
      await page.getByRole('link', { name: 'Edit' }).click();
      await page.getByRole('heading', { name: 'Edit the service' }).waitFor();
      await shoot(page, 'service-edit');
      await page.goto(`${t.url}/deliveries?open=${deliveryId}`);
      await ready(page, 'deliveries');
      await page.getByRole('heading', { name: /^Delivery / }).waitFor();
      await page.locator('.delivery-detail').getByText('HTTP 200').first().waitFor();
      await shoot(page, 'deliveries');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('a read_only user sees no Order, Edit or Redeliver, and the API refuses them (403)', async () => {
    // A live service to look at
    const live = await request({ type: 'new', number: numbers[4], service: { type: 'transfer', name: 'Flyers', target_number: '+61299998888', call_callback_uri: `${receiver.url}/ro` } });

    const { page, context, errors } = await openPage(browser, DESKTOP);
    try {
      await signIn(page, reader, '/numbers');
      await ready(page, 'numbers');
      await page.getByRole('link', { name: '+61 2 9100 0304' }).waitFor();
      assert.equal(await page.getByRole('link', { name: 'Order a number' }).count(), 0);
      await page.goto(`${t.url}/numbers/order`);
      await ready(page, 'forbidden');
      await page.goto(`${t.url}/numbers/${live}`);
      await ready(page, 'service');
      await page.getByText('Flyers').first().waitFor();
      for (const name of ['Edit', 'Send a test callback', 'Decommission…', 'Place the call']) assert.equal(await page.getByRole('button', { name }).or(page.getByRole('link', { name })).count(), 0, `${name} is hidden`);
      await page.goto(`${t.url}/deliveries?open=${deliveryId}`);
      await ready(page, 'deliveries');
      await page.getByRole('heading', { name: /^Delivery / }).waitFor();
      await page.locator('.delivery-detail').getByText('HTTP 200').first().waitFor();
      assert.equal(await page.getByRole('button', { name: 'Redeliver' }).count(), 0);
      // A service that is not the account's: the API's 404 in words
      await page.goto(`${t.url}/numbers/svc_01aaaaaaaaaaaaaaaaaaaaaaaa`);
      await page.locator('main[data-page="service"][data-state="error"]').waitFor();
      await page.getByRole('alert').getByText(/does not exist|not found/i).waitFor();
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }

    assert.equal((await api(reader, 'POST', '/telco/v1/requests', { type: 'new', number: numbers[5], service: { type: 'voicemail' } })).status, 403);
    assert.equal((await api(reader, 'PUT', `/userapi/v1/services/${live}`, { target_number: '+61290002222' })).status, 403);
    assert.equal((await api(reader, 'POST', '/telco/v1/requests', { type: 'update', service_id: live, service: { name: 'x' } })).status, 403);
    assert.equal((await api(reader, 'POST', `/userapi/v1/services/${live}/test-callback`, {})).status, 403);
    assert.equal((await api(reader, 'POST', '/telco/v1/requests', { type: 'decommission', service_id: live })).status, 403);
    assert.equal((await api(reader, 'POST', `/webapi/v1/deliveries/${deliveryId}/redeliver`)).status, 403);
    assert.equal((await api(reader, 'GET', '/userapi/v1/answer-points')).status, 403);
    // Another account sees none of it (404)
    const other = await portalAccount(t, CLIENT + 1);
    assert.equal((await api(other, 'GET', `/telco/v1/services/${live}`)).status, 404);
    assert.equal((await api(other, 'GET', `/webapi/v1/deliveries/${deliveryId}`)).status, 404);
    assert.equal((await api(other, 'POST', `/webapi/v1/deliveries/${deliveryId}/redeliver`)).status, 404);
    assert.equal((await api(other, 'POST', `/userapi/v1/services/${live}/test-callback`, {})).status, 404);
  });
});
