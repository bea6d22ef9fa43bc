import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { ManualClock } from '../../src/domain/clock.ts';
import { listSandboxSms } from '../../src/storage/calls/sandbox-sms.repository.ts';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount, stock, sydneyNumbers, type TestApp } from '../support/app.ts';
import { Receiver } from '../support/receiver.ts';
import { SmtpReceiver } from '../support/smtp-receiver.ts';
import { deliveryService, finalizeDeliveryCall } from '../support/delivery-fixtures.ts';
import { orderService } from '../support/telco.ts';

for (const dialect of DIALECTS) {
  describe(`Call notifications by status (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let smtp: SmtpReceiver;
    before(async () => {
      smtp = await new SmtpReceiver().start();
      t = await buildTestApp(dialect, { clock: new ManualClock('2026-06-01T02:00:00.000Z'), env: { TT_SMTP_URL: smtp.url, TT_SMTP_FROM: 'Calls <calls@telltale.test>' } });
    });
    after(async () => {
      await t?.close();
      await smtp?.close();
    });

    it('e-mails the call’s details over SMTP for the chosen statuses only', async () => {
      const acct = await makeAccount(t.app, 7501);
      const svc = await deliveryService(t.app, acct.clientId, {
        number: '+61291000055',
        notifications: JSON.stringify([{ channel: 'email', to: 'sales@shop.test', statuses: ['missed', 'voicemail'] }]),
      });
      const missed = await finalizeDeliveryCall(t.app, svc, { status_code: 1, status: 'Missed', disposition: 'NO ANSWER', answered_at: null, talk_duration: 0, has_audio: 0, audio_token: null });
      await finalizeDeliveryCall(t.app, svc, { status_code: 0, status: 'Answered' });
      await finalizeDeliveryCall(t.app, svc, { status_code: 7, status: 'Voicemail', disposition: 'ANSWERED' });
      await t.app.worker.drain();
      assert.equal(smtp.mails.length, 2);
      const m1 = smtp.mails.find((m) => m.subject.startsWith('Missed'))!;
      const m2 = smtp.mails.find((m) => m.subject.startsWith('Voicemail'))!;
      assert.deepEqual(m1.to, ['sales@shop.test']);
      assert.equal(m1.from, 'calls@telltale.test');
      assert.equal(m1.subject, 'Missed call from +61-0290088888 to +61-0291000055 (Spring Sale Radio)');
      assert.match(m1.text, /Status: Missed \(code 1\)/);
      assert.match(m1.text, /Caller: \+61-0290088888/);
      assert.match(m1.text, /Caller location: Sydney, NSW, AU/);
      assert.match(m1.text, /Answer point: \+61-0289995916 \(Sydney Office\)/);
      assert.match(m1.text, /Started: 01\/06\/2026 11:59:00 Australia\/Sydney/);
      assert.match(m1.text, new RegExp(`Call id: ${missed.id}`));
      assert.doesNotMatch(m1.text, /Recording:/);
      assert.match(m2.subject, /^Voicemail call/);
      assert.match(m2.text, /Recording: http:\/\/127\.0\.0\.1:0\/recordings\/.+\.wav/);
      const log = (await t.app.deliveryLog.list(acct.clientId, { kind: 'notify_email', limit: 10 })).items;
      assert.equal(log.length, 2);
      assert.ok(log.every((d) => d.delivery.status === 'delivered' && d.delivery.url === 'mailto:sales@shop.test'));
    });

    it('sends SMS notifications through the carrier port; the sandbox records them', async () => {
      const acct = await makeAccount(t.app, 7502);
      const svc = await deliveryService(t.app, acct.clientId, {
        number: '+61291000056',
        notifications: JSON.stringify([{ channel: 'sms', to: '+61412000999', statuses: ['answered'] }, { channel: 'sms', to: '+61412000888', statuses: ['busy'] }]),
      });
      await finalizeDeliveryCall(t.app, svc, { status_code: 0 });
      await t.app.worker.drain();
      const sent = await listSandboxSms(t.app.storage.db, '+61412000999');
      assert.equal(sent.length, 1);
      assert.equal(sent[0].from_number, '+61291000056');
      assert.equal(sent[0].body, 'Answered call from +61-0290088888 to +61-0291000056 (Spring Sale Radio) at 01/06 11:59, 47s');
      assert.equal((await listSandboxSms(t.app.storage.db, '+61412000888')).length, 0);
    });

    it('retries e-mail while the SMTP server is unreachable, and records the error', async () => {
      const down = await new SmtpReceiver().start();
      const url = down.url;
      await down.close();
      const t2 = await buildTestApp(dialect, { clock: new ManualClock('2026-06-01T02:00:00.000Z'), env: { TT_SMTP_URL: url, TT_DELIVERY_TIMEOUT_MS: '2000' } });
      try {
        const acct = await makeAccount(t2.app, 7503);
        const svc = await deliveryService(t2.app, acct.clientId, { notifications: JSON.stringify([{ channel: 'email', to: 'ops@shop.test', statuses: ['answered'] }]) });
        await finalizeDeliveryCall(t2.app, svc);
        await t2.app.worker.drain();
        const [d] = (await t2.app.deliveryLog.list(acct.clientId, { kind: 'notify_email', limit: 1 })).items;
        assert.equal(d.delivery.status, 'pending');
        assert.equal(d.attempts[0].outcome, 'retry');
        assert.match(d.attempts[0].error ?? '', /ECONNREFUSED|connect/i);
      } finally {
        await t2.close();
      }
    });
  });

  describe(`Telco API: callback settings and outbound URL policy (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let receiver: Receiver;
    before(async () => {
      t = await buildTestApp(dialect);
      receiver = await new Receiver().start();
    });
    after(async () => {
      await receiver?.close();
      await t?.close();
    });

    it('accepts unknown tags, reports them as warnings, and sends them empty', async () => {
      const acct = await makeAccount(t.app, 7601);
      await stock(t.app, sydneyNumbers(2, 600));
      const res = await t.server.inject({
        method: 'POST',
        url: '/telco/v1/requests',
        headers: { authorization: acct.auth },
        payload: { type: 'new', criteria: { country: 'AU' }, service: { type: 'voicemail', call_callback_uri: `${receiver.url}/w?id=[[callid]]&x=[[nosuchtag]]&y=[[dl:nope]]` } },
      });
      assert.equal(res.statusCode, 202, res.body);
      assert.deepEqual(res.json().warnings, [
        { path: 'service.call_callback_uri', message: 'unknown tag [[nosuchtag]] will be sent empty' },
        { path: 'service.call_callback_uri', message: 'unknown tag [[dl:nope]] will be sent empty' },
      ]);
      await t.app.worker.drain();
      const svc = await t.app.telco.getService(acct.clientId, res.json().request.service_id);
      const call = await finalizeDeliveryCall(t.app, svc);
      await t.app.worker.drain();
      const got = receiver.requests.find((r) => r.url.startsWith('/w?'))!;
      assert.equal(got.url, `/w?id=${call.id}&x=&y=`);
    });

    it('stores call_callback_method POST and shows it on the service; refuses other methods naming the field', async () => {
      const acct = await makeAccount(t.app, 7602);
      await stock(t.app, sydneyNumbers(2, 700));
      const { serviceId } = await orderService(t.server, t.app, acct.auth, { type: 'new', criteria: { country: 'AU' }, service: { type: 'voicemail', call_callback_uri: `${receiver.url}/m`, call_callback_method: 'POST' } });
      const svc = await t.server.inject({ url: `/telco/v1/services/${serviceId}`, headers: { authorization: acct.auth } });
      assert.equal(svc.json().service.call_callback_method, 'POST');
      const bad = await t.server.inject({ method: 'POST', url: '/telco/v1/requests', headers: { authorization: acct.auth }, payload: { type: 'update', service_id: serviceId, service: { call_callback_method: 'PUT' } } });
      assert.equal(bad.statusCode, 400);
      assert.ok(bad.json().errors.some((e: { path: string }) => e.path === 'service.call_callback_method'), bad.body);
      await orderService(t.server, t.app, acct.auth, { type: 'update', service_id: serviceId, service: { call_callback_method: 'GET' } });
      const again = await t.server.inject({ url: `/telco/v1/services/${serviceId}`, headers: { authorization: acct.auth } });
      assert.equal(again.json().service.call_callback_method, 'GET');
    });

    it('sends the request-status callbacks through the engine, signed and logged', async () => {
      const acct = await makeAccount(t.app, 7603);
      await stock(t.app, sydneyNumbers(1, 800));
      const { request } = await orderService(t.server, t.app, acct.auth, { type: 'new', callback_uri: `${receiver.url}/status`, criteria: { country: 'AU' }, service: { type: 'voicemail' } });
      await t.app.worker.drain();
      const got = receiver.requests.filter((r) => r.url.startsWith('/status'));
      // Deliveries are concurrent and carry no ordering guarantee (as Standard Webhooks senders): compare as a set.
      assert.deepEqual(got.map((r) => new URL(r.url, 'http://x').searchParams.get('status')).sort(), ['completed', 'processing']);
      // Each one verifies with the standardwebhooks package: the account's secret over the full URL (a GET has no body).
      const secret = (await t.app.accounts.showAccount(acct.clientId)).webhook_secret;
      for (const r of got) {
        const headers = Object.fromEntries(['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [h, String(r.headers[h])]));
        assert.doesNotThrow(() => new Webhook(secret).verify(`${receiver.url}${r.url}`, headers, { jsonParse: false }), r.url);
      }
      assert.equal(new Set(got.map((r) => r.headers['webhook-id'])).size, 2, 'one webhook-id per callback');
      const log = (await t.app.deliveryLog.list(acct.clientId, { kind: 'request_status', subjectId: request.id, limit: 10 })).items;
      assert.equal(log.length, 2);
      assert.ok(log.every((d) => d.delivery.status === 'delivered'));
    });
  });

  describe(`Outbound URL policy in production mode (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(dialect, { env: { TT_MODE: 'production', TT_PROPAGATION_DELAY_SECONDS: '0' } });
    });
    after(async () => t?.close());

    it('refuses private, loopback and link-local callback URLs with a 422 naming the field', async () => {
      const acct = await makeAccount(t.app, 7701);
      await stock(t.app, sydneyNumbers(3, 900));
      for (const [payload, path] of [
        [{ type: 'new', criteria: { country: 'AU' }, service: { type: 'voicemail', call_callback_uri: 'http://127.0.0.1:9/cb?c=[[callid]]' } }, 'service.call_callback_uri'],
        [{ type: 'new', criteria: { country: 'AU' }, service: { type: 'voicemail', sms_forward_uri: 'http://10.1.2.3/sms' } }, 'service.sms_forward_uri'],
        [{ type: 'new', callback_uri: 'http://169.254.169.254/latest/meta-data', criteria: { country: 'AU' }, service: { type: 'voicemail' } }, 'callback_uri'],
        [{ type: 'new', criteria: { country: 'AU' }, service: { type: 'voicemail', call_callback_uri: 'http://[::1]:8080/x' } }, 'service.call_callback_uri'],
      ] as const) {
        const res = await t.server.inject({ method: 'POST', url: '/telco/v1/requests', headers: { authorization: acct.auth }, payload });
        assert.equal(res.statusCode, 422, res.body);
        assert.deepEqual(res.json().errors.map((e: { path: string }) => e.path), [path]);
        assert.match(res.json().detail, /outbound URL policy/);
      }
    });

    it('accepts a host that does not resolve yet when saving, and retries it at send time as a transport error', async () => {
      const acct = await makeAccount(t.app, 7703);
      await stock(t.app, sydneyNumbers(1, 950));
      const res = await t.server.inject({
        method: 'POST',
        url: '/telco/v1/requests',
        headers: { authorization: acct.auth },
        payload: { type: 'new', criteria: { country: 'AU' }, service: { type: 'voicemail', call_callback_uri: 'https://hooks.not-yet.invalid/cb?c=[[callid]]' } },
      });
      assert.equal(res.statusCode, 202, res.body);
      await t.app.worker.drain();
      const svc = await t.app.telco.getService(acct.clientId, res.json().request.service_id);
      await finalizeDeliveryCall(t.app, svc);
      await t.app.worker.drain();
      const [d] = (await t.app.deliveryLog.list(acct.clientId, { kind: 'call_callback', limit: 1 })).items;
      assert.equal(d.delivery.status, 'pending');
      assert.equal(d.attempts[0].outcome, 'retry');
      assert.match(d.delivery.last_error ?? '', /cannot resolve hooks\.not-yet\.invalid/);
    });

    it('re-checks at send time: a private URL already stored is not called and the delivery fails with the reason', async () => {
      const acct = await makeAccount(t.app, 7702);
      const receiver = await new Receiver().start();
      try {
        const svc = await deliveryService(t.app, acct.clientId, { call_callback_uri: `${receiver.url}/private` });
        await finalizeDeliveryCall(t.app, svc);
        await t.app.worker.drain();
        assert.equal(receiver.requests.length, 0);
        const [d] = (await t.app.deliveryLog.list(acct.clientId, { limit: 1 })).items;
        assert.equal(d.delivery.status, 'failed');
        assert.match(d.delivery.last_error ?? '', /non-public address \(127\.0\.0\.1\)/);
      } finally {
        await receiver.close();
      }
    });
  });
}
