import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Webhook } from 'standardwebhooks';
import { ManualClock } from '../../src/domain/clock.ts';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { Receiver } from '../support/receiver.ts';
import { SEED_TAGS, deliveryService, finalizeDeliveryCall, receiveDeliverySms } from '../support/delivery-fixtures.ts';

const T0 = '2026-03-10T01:02:03.000Z';

/** What each tag must carry for the fixture call (see delivery-fixtures.ts) finalized at T0 on service +61291000001. */
function expectedValues(callId: number, clientId: number, n: number): Record<string, string> {
  const features = ['Product', 'Solar panels', 'Budget', '5000-10000', 'Postcode', '2000', 'Urgency', 'this week', 'Source check', 'radio', 'Existing customer', 'no', 'Call back', 'yes', 'Language', 'English', 'Score', '87', 'Agent', 'Kim & Lee'];
  const out: Record<string, string> = {
    clientid: String(clientId),
    callid: String(callId),
    callstatus: 'Answered',
    callcode: '0',
    uniqueid: `TT-test-${n}`,
    adname: 'Spring Sale Radio',
    bnum: '+61-0291000001',
    duration: '47',
    unixtime: String(Date.UTC(2026, 2, 10, 1, 2, 3) / 1000),
    tzdate: '2026-03-10T12:01:03+11:00',
    calldate: '10/03/2026',
    ucalldate: String(Date.UTC(2026, 2, 10, 1, 1, 3) / 1000),
    ani: '+61-0290088888',
    target: '+61-0289995916',
    clocation: 'Sydney',
    cstate: 'NSW',
    ccountry: 'AU',
    targetname: 'Sydney Office',
    label: 'hot lead',
    ivr: '1,3',
    'dl:url': 'https://shop.example.com/solar?utm_source=google&x=1',
    'dl:source': 'google',
    'dl:medium': 'cpc',
    'dl:term': 'solar panels sydney',
    'dl:campaign': 'Spring 2026',
    'dl:location': 'Parramatta',
    'dl:state': 'NSW',
    'dl:country': 'AU',
    'web:usercode': '1234567890',
    'web:sessioncode': '1700000000',
    'web:gclid': 'EAIaIQobChMI-abc_def',
    audio: `https://calls.example.com/recordings/rec-token-${n}.wav`,
    'aparty:e164': '+61290088888',
    'aparty:state': 'NSW',
    'aparty:country': 'AU',
    'bparty:e164': '+61291000001',
    'cparty:e164': '+61289995916',
    'cparty:country': 'AU',
    'call:disposition': 'ANSWERED',
    'call:utcdate': '2026-03-10T01:01:03Z',
    'call:direction': 'call-in',
    'sentiment:score': '0.72',
    'sentiment:agent': '0.81',
    'sentiment:caller': '0.64',
    'sentiment:talkMost': 'caller',
    'sentiment:communication': '4',
    'sentiment:conduct': '5',
    'sentiment:politeness': '3',
    'sentiment:highRisk': '0',
    'sentiment:badAttitude': '0',
    'sentiment:slangUsed': '1',
    'sentiment:profanityUsed': '0',
  };
  for (let i = 0; i < 10; i++) {
    out[`feat${String(i + 1).padStart(2, '0')}`] = features[i * 2];
    out[`cd_cp${String(i + 1).padStart(2, '0')}`] = features[i * 2 + 1];
  }
  return out;
}

async function secretOf(t: TestApp, clientId: number): Promise<string> {
  return (await t.app.accounts.showAccount(clientId)).webhook_secret;
}

for (const dialect of DIALECTS) {
  describe(`HTTP Callback and SMS Forward (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let clock: ManualClock;
    let receiver: Receiver;
    before(async () => {
      clock = new ManualClock(T0);
      t = await buildTestApp(dialect, { clock, env: { TT_PUBLIC_URL: 'https://calls.example.com' } });
      receiver = await new Receiver().start();
    });
    after(async () => {
      await receiver?.close();
      await t?.close();
    });

    it('sends every tag of the seed list, URL-encoded, with the call’s values (GET), signed over the full URL', async () => {
      clock.set(T0);
      const acct = await makeAccount(t.app, 7101);
      const template = `${receiver.url}/cb/all?${SEED_TAGS.map((tag, i) => `p${i}=[[${tag}]]`).join('&')}&ga=[[web:usercode]].[[web:sessioncode]]`;
      const svc = await deliveryService(t.app, acct.clientId, { number: '+61291000001', call_callback_uri: template });
      const call = await finalizeDeliveryCall(t.app, svc, { unique_id: 'TT-test-1', audio_token: 'rec-token-1' });
      const before = receiver.requests.length;
      await t.app.worker.drain();
      assert.equal(receiver.requests.length, before + 1);
      const req = receiver.requests[before];
      assert.equal(req.method, 'GET');
      assert.ok(req.url.startsWith('/cb/all?'));
      const q = receiver.query(before);
      const want = expectedValues(Number(call.id), acct.clientId, 1);
      SEED_TAGS.forEach((tag, i) => assert.equal(q[`p${i}`], want[tag], `[[${tag}]]`));
      assert.equal(q.ga, '1234567890.1700000000');
      // No raw reserved characters leak from values into the query (they would split parameters).
      assert.ok(!/p\d+=[^&]*\?/.test(req.url.split('?').slice(1).join('?')));
      const secret = await secretOf(t, acct.clientId);
      const ts = Number(req.headers['webhook-timestamp']);
      assert.equal(ts, Date.parse(T0) / 1000);
      const expected = new Webhook(secret).sign(String(req.headers['webhook-id']), new Date(ts * 1000), `${receiver.url}${req.url}`);
      assert.equal(req.headers['webhook-signature'], expected);
      assert.match(String(req.headers['webhook-id']), /^msg_/);
    });

    it('POSTs a JSON body of every tag’s value when the service asks for POST, signed over the body', async () => {
      clock.set(T0);
      const acct = await makeAccount(t.app, 7102);
      await t.app.storage.db.updateTable('services').set({ status: 'decommissioned' }).where('number', '=', '+61291000001').execute();
      const svc = await deliveryService(t.app, acct.clientId, { number: '+61291000001', call_callback_uri: `${receiver.url}/cb/post?call=[[callid]]`, call_callback_method: 'POST' });
      const call = await finalizeDeliveryCall(t.app, svc, { unique_id: 'TT-test-2', audio_token: 'rec-token-2' });
      const before = receiver.requests.length;
      await t.app.worker.drain();
      const req = receiver.requests[before];
      assert.equal(req.method, 'POST');
      assert.equal(req.headers['content-type'], 'application/json');
      assert.equal(receiver.query(before).call, String(call.id));
      const body = JSON.parse(req.body) as Record<string, string>;
      const want = expectedValues(Number(call.id), acct.clientId, 2);
      for (const tag of SEED_TAGS) assert.equal(body[tag], want[tag], tag);
      const ts = Number(req.headers['webhook-timestamp']);
      assert.equal(req.headers['webhook-signature'], new Webhook(await secretOf(t, acct.clientId)).sign(String(req.headers['webhook-id']), new Date(ts * 1000), req.body));
    });

    it('retries a receiver failing 3 times (500, 503, 429) on the schedule and records exactly one success, all with one webhook-id', async () => {
      clock.set(T0);
      const acct = await makeAccount(t.app, 7103);
      const r = await new Receiver().start();
      const codes = [500, 503, 429];
      r.respond = () => codes.shift() ?? 200;
      try {
        const svc = await deliveryService(t.app, acct.clientId, { call_callback_uri: `${r.url}/flaky?c=[[callid]]` });
        const call = await finalizeDeliveryCall(t.app, svc);
        await t.app.worker.drain();
        assert.equal(r.requests.length, 1);
        // Not due yet: nothing more is sent until the schedule says so (0, 5, 300, 1800 s).
        clock.advance(4_000);
        await t.app.worker.drain();
        assert.equal(r.requests.length, 1);
        for (const wait of [5, 300, 1800]) {
          clock.advance(wait * 1000);
          await t.app.worker.drain();
        }
        assert.equal(r.requests.length, 4);
        clock.advance(36_000_000 * 3);
        await t.app.worker.drain();
        assert.equal(r.requests.length, 4, 'no attempt after the success');
        const ids = new Set(r.requests.map((x) => x.headers['webhook-id']));
        assert.equal(ids.size, 1);
        const secret = await secretOf(t, acct.clientId);
        for (const x of r.requests) {
          const ts = Number(x.headers['webhook-timestamp']);
          assert.equal(x.headers['webhook-signature'], new Webhook(secret).sign(String(x.headers['webhook-id']), new Date(ts * 1000), `${r.url}${x.url}`));
        }
        const log = await t.server.inject({ url: `/webapi/v1/deliveries?call_id=${call.id}`, headers: { authorization: acct.auth } });
        const [d] = log.json().deliveries;
        assert.equal(d.status, 'delivered');
        assert.equal(d.id, [...ids][0]);
        assert.deepEqual(d.attempt_log.map((a: { outcome: string; status_code: number }) => [a.outcome, a.status_code]), [['retry', 500], ['retry', 503], ['retry', 429], ['delivered', 200]]);
      } finally {
        await r.close();
      }
    });

    it('does not retry a 4xx other than 408/429: one attempt, then failed', async () => {
      clock.set(T0);
      const acct = await makeAccount(t.app, 7104);
      const r = await new Receiver().start();
      r.respond = () => 404;
      try {
        const svc = await deliveryService(t.app, acct.clientId, { call_callback_uri: `${r.url}/gone` });
        const call = await finalizeDeliveryCall(t.app, svc);
        await t.app.worker.drain();
        clock.advance(86_400_000);
        await t.app.worker.drain();
        assert.equal(r.requests.length, 1);
        const [d] = (await t.app.deliveryLog.list(acct.clientId, { callId: Number(call.id), limit: 10 })).items;
        assert.equal(d.delivery.status, 'failed');
        assert.equal(d.delivery.last_status_code, 404);
      } finally {
        await r.close();
      }
    });

    it('retries transport errors (nothing listening) and dead-letters when the schedule is spent', async () => {
      clock.set(T0);
      const acct = await makeAccount(t.app, 7105);
      const r = await new Receiver().start();
      const deadUrl = r.url;
      await r.close();
      const svc = await deliveryService(t.app, acct.clientId, { call_callback_uri: `${deadUrl}/down` });
      const call = await finalizeDeliveryCall(t.app, svc);
      for (let i = 0; i < 10; i++) {
        await t.app.worker.drain();
        clock.advance(36_000_000);
      }
      const [d] = (await t.app.deliveryLog.list(acct.clientId, { callId: Number(call.id), limit: 10 })).items;
      assert.equal(d.delivery.status, 'dead');
      assert.equal(d.attempts.length, 8, 'one attempt per step of the default schedule');
      assert.ok(d.attempts.every((a) => a.error && a.status_code === null));
      assert.equal(d.attempts.at(-1)!.outcome, 'dead');
    });

    it('forwards a received SMS (from, to, text, received time, message id) to the service’s sms_forward_uri', async () => {
      clock.set(T0);
      const acct = await makeAccount(t.app, 7106);
      const svc = await deliveryService(t.app, acct.clientId, { number: '+61412000111', sms_forward_uri: `${receiver.url}/sms?key=abc` });
      const sms = await receiveDeliverySms(t.app, svc);
      const before = receiver.requests.length;
      await t.app.worker.drain();
      assert.equal(receiver.requests.length, before + 1);
      const q = receiver.query(before);
      assert.equal(q.key, 'abc');
      assert.equal(q.from, '+61412345678');
      assert.equal(q.to, '+61412000111');
      assert.equal(q.text, 'Hi, is the solar deal still on? 50% off & free install?');
      assert.equal(q.received_at, T0);
      assert.equal(q.message_id, sms.id);
      const req = receiver.requests[before];
      const ts = Number(req.headers['webhook-timestamp']);
      assert.equal(req.headers['webhook-signature'], new Webhook(await secretOf(t, acct.clientId)).sign(String(req.headers['webhook-id']), new Date(ts * 1000), `${receiver.url}${req.url}`));
    });

    it('sends nothing for a call whose service has no callback URL or notifications', async () => {
      const acct = await makeAccount(t.app, 7107);
      const svc = await deliveryService(t.app, acct.clientId);
      const call = await finalizeDeliveryCall(t.app, svc);
      assert.equal((await t.app.deliveryLog.list(acct.clientId, { callId: Number(call.id), limit: 10 })).items.length, 0);
    });

    // The outbox shares the event's transaction: a rollback writes no delivery, checked across processes in
    // test/e2e/delivery-outbox.test.ts (another process never sees it, a worker process never sends it).
  });

  describe(`Delivery timeouts (${dialect.name})`, { skip: dialect.skip }, () => {
    it('gives up on a receiver that does not answer within TT_DELIVERY_TIMEOUT_MS and schedules a retry', async () => {
      const clock = new ManualClock(T0);
      const t = await buildTestApp(dialect, { clock, env: { TT_DELIVERY_TIMEOUT_MS: '300' } });
      // Accepts the connection and the request, never answers.
      const hung = http.createServer(() => undefined);
      await new Promise<void>((r) => hung.listen(0, '127.0.0.1', () => r()));
      try {
        const acct = await makeAccount(t.app, 7150);
        const svc = await deliveryService(t.app, acct.clientId, { call_callback_uri: `http://127.0.0.1:${(hung.address() as { port: number }).port}/hang` });
        const call = await finalizeDeliveryCall(t.app, svc);
        await t.app.worker.drain();
        const [d] = (await t.app.deliveryLog.list(acct.clientId, { callId: Number(call.id), limit: 1 })).items;
        assert.equal(d.delivery.status, 'pending');
        assert.equal(d.delivery.next_attempt_at, new Date(Date.parse(T0) + 5000).toISOString());
        assert.equal(d.attempts.length, 1);
        assert.equal(d.attempts[0].outcome, 'retry');
        assert.equal(d.attempts[0].status_code, null);
        assert.match(d.attempts[0].error ?? '', /timeout/i);
      } finally {
        hung.closeAllConnections();
        hung.close();
        await t.close();
      }
    });
  });

  describe(`Standard Webhooks signatures (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let receiver: Receiver;
    before(async () => {
      // The standardwebhooks package checks timestamps against the real time, so this app runs on it.
      t = await buildTestApp(dialect);
      receiver = await new Receiver().start();
    });
    after(async () => {
      await receiver?.close();
      await t?.close();
    });

    it('verifies with the standardwebhooks package for GET (full URL) and POST (body); a rotated secret no longer verifies', async () => {
      const acct = await makeAccount(t.app, 7201);
      const get = await deliveryService(t.app, acct.clientId, { call_callback_uri: `${receiver.url}/v?id=[[callid]]&ani=[[ani]]` });
      const post = await deliveryService(t.app, acct.clientId, { call_callback_uri: `${receiver.url}/v`, call_callback_method: 'POST' });
      await finalizeDeliveryCall(t.app, get);
      await finalizeDeliveryCall(t.app, post);
      await t.app.worker.drain();
      assert.equal(receiver.requests.length, 2);
      const secret = await secretOf(t, acct.clientId);
      assert.match(secret, /^whsec_/);
      const wh = new Webhook(secret);
      const headers = (i: number) => Object.fromEntries(['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [h, String(receiver.requests[i].headers[h])]));
      const getReq = receiver.requests.find((r) => r.method === 'GET')!;
      const postReq = receiver.requests.find((r) => r.method === 'POST')!;
      const gi = receiver.requests.indexOf(getReq);
      const pi = receiver.requests.indexOf(postReq);
      assert.doesNotThrow(() => wh.verify(`${receiver.url}${getReq.url}`, headers(gi), { jsonParse: false }));
      assert.ok(wh.verify(postReq.body, headers(pi)));
      // The query of a GET cannot be altered without breaking the signature.
      assert.throws(() => wh.verify(`${receiver.url}${getReq.url.replace('ani=', 'ani=x')}`, headers(gi), { jsonParse: false }));
      await t.app.accounts.rotateWebhookSecret(acct.clientId);
      await finalizeDeliveryCall(t.app, post);
      await t.app.worker.drain();
      const last = receiver.requests.length - 1;
      assert.throws(() => wh.verify(receiver.requests[last].body, headers(last)));
      assert.ok(new Webhook(await secretOf(t, acct.clientId)).verify(receiver.requests[last].body, headers(last)));
    });
  });
}
