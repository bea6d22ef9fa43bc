import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { lockoutOff } from '../support/userapi.ts';
import { Receiver } from '../support/receiver.ts';
import { liveService } from '../support/calls.ts';

type Account = Awaited<ReturnType<typeof makeAccount>>;

for (const dialect of DIALECTS) {
  describe(`UserAPI click-to-call (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let receiver: Receiver;
    let a: Account;
    let b: Account;
    let serviceId: string;
    const inject = (acct: Account, method: string, url: string, payload?: unknown) =>
      t.server.inject({ method: method as 'GET', url, headers: { authorization: acct.auth }, ...(payload !== undefined ? { payload: payload as object } : {}) });

    before(async () => {
      t = await buildTestApp(dialect);
      receiver = await new Receiver().start();
      a = await makeAccount(t.app, 8401);
      b = await makeAccount(t.app, 8402);
      const svc = await liveService(t.app, a.clientId, '+61290006001', {
        type: 'transfer',
        name: 'Outbound desk',
        target_number: '+61288886001',
        call_callback_uri: `${receiver.url}/cb?dir=[[call:direction]]&ani=[[ani]]&target=[[target]]&callid=[[callid]]&bnum=[[bnum]]`,
      });
      serviceId = svc.id;
    });
    after(async () => {
      await receiver?.close();
      await t?.close();
    });

    it('rings the agent, then the customer from the service’s number; tracked, finalized and delivered as a call-out', async () => {
      const sub = await inject(a, 'POST', '/userapi/v1/subscriptions', { url: `${receiver.url}/events`, events: ['call.finalized'] });
      const secret = sub.json().secret as string;
      const res = await inject(a, 'POST', '/userapi/v1/calls/outbound', { service_id: serviceId, customer_number: '+61 412 340 001' });
      assert.equal(res.statusCode, 202, res.body);
      const oc = res.json();
      assert.match(oc.id, /^oc_/);
      assert.equal(oc.status, 'dialling_agent');
      assert.equal(oc.agent_number, '+61288886001', 'the service’s answer point by default');
      assert.equal(oc.customer_number, '+61412340001');
      assert.equal(oc.tracking_number, '+61290006001');
      assert.equal(oc.call_id, null);
      // The sandbox carrier plays the agent answering, then the customer.
      const sim = await inject(a, 'POST', `/sandbox/v1/outbound/${oc.id}`, { agent_answer_after: 4, answer_after: 6, talk: 20 });
      assert.equal(sim.statusCode, 200, sim.body);
      const played = sim.json();
      assert.deepEqual(played.sim.errors, []);
      assert.ok(played.sim.trace.some((l: string) => l.includes('dial +61412340001') && l.includes('caller id +61290006001')), played.sim.trace.join('\n'));
      assert.equal(played.direction, 'call-out');
      assert.equal(played.state, 'finalized');
      assert.equal(played.status, 'Answered');
      assert.equal(played.talk_duration, 20);
      const followed = await inject(a, 'GET', `/userapi/v1/calls/outbound/${oc.id}`);
      assert.equal(followed.json().status, 'connected');
      assert.equal(followed.json().call_id, played.call_id);
      await t.app.worker.drain();
      // The HTTP Callback says call-out.
      const cb = receiver.requests.find((r) => r.url.startsWith('/cb?'));
      assert.ok(cb, 'HTTP Callback sent');
      const q = Object.fromEntries(new URL(cb.url, 'http://x').searchParams);
      assert.equal(q.dir, 'call-out');
      assert.equal(q.callid, String(played.call_id));
      assert.equal(q.ani, '+61-0288886001');
      assert.equal(q.target, '+61-0412340001');
      assert.equal(q.bnum, '+61-0290006001');
      // The subscription receives it, verified with standardwebhooks.
      const ev = receiver.requests.find((r) => r.url === '/events')!;
      const headers = { 'webhook-id': String(ev.headers['webhook-id']), 'webhook-timestamp': String(ev.headers['webhook-timestamp']), 'webhook-signature': String(ev.headers['webhook-signature']) };
      const payload = new Webhook(secret).verify(ev.body, headers) as { type: string; data: Record<string, unknown> };
      assert.equal(payload.type, 'call.finalized');
      assert.equal(payload.data.direction, 'call-out');
      assert.equal(payload.data.caller_number, '+61288886001');
      assert.equal(payload.data.target_number, '+61412340001');
      // The WebAPI finds it among the call-outs.
      const list = await inject(a, 'GET', '/webapi/v1/calls?direction=call-out');
      assert.equal(list.statusCode, 200, list.body);
      assert.ok(JSON.stringify(list.json()).includes(`"id":${played.call_id}`));
      // Played once: the agent cannot answer twice.
      assert.equal((await inject(a, 'POST', `/sandbox/v1/outbound/${oc.id}`, {})).statusCode, 409);
    });

    it('rings a named answer point or a given agent number; a busy customer is a call-out with status Busy', async () => {
      const ap = (await inject(a, 'POST', '/userapi/v1/answer-points', { name: 'Night desk', number: '+61288886009' })).json();
      const res = await inject(a, 'POST', '/userapi/v1/calls/outbound', { service_id: serviceId, customer_number: '+61412340002', answer_point_id: ap.id });
      assert.equal(res.statusCode, 202, res.body);
      assert.equal(res.json().agent_number, '+61288886009');
      assert.equal(res.json().answer_point_id, ap.id);
      const sim = (await inject(a, 'POST', `/sandbox/v1/outbound/${res.json().id}`, { outcome: 'busy' })).json();
      assert.equal(sim.direction, 'call-out');
      assert.equal(sim.status, 'Busy');
      const given = await inject(a, 'POST', '/userapi/v1/calls/outbound', { service_id: serviceId, customer_number: '+61412340003', agent_number: '+61288886010' });
      assert.equal(given.json().agent_number, '+61288886010');
    });

    it('bad input is a 400 naming the field; another account’s service or attempt is not found', async () => {
      const cases: [unknown, string][] = [
        [{ service_id: serviceId, customer_number: 'call me' }, 'customer_number'],
        [{ service_id: serviceId, customer_number: '+61412340004', agent_number: 'x' }, 'agent_number'],
        [{ service_id: serviceId, customer_number: '+61412340004', agent_number: '+61288886010', answer_point_id: 'ap_x' }, 'agent_number'],
        [{ service_id: serviceId, customer_number: '+61412340004', answer_point_id: 'ap_x' }, 'answer_point_id'],
        [{ customer_number: '+61412340004' }, 'service_id'],
      ];
      for (const [payload, path] of cases) {
        const res = await inject(a, 'POST', '/userapi/v1/calls/outbound', payload);
        assert.equal(res.statusCode, 400, `${JSON.stringify(payload)}: ${res.body}`);
        assert.ok(res.json().errors.some((e: { path: string }) => e.path.replace(/^\//, '') === path), `${path}: ${res.body}`);
      }
      const mine = (await inject(a, 'POST', '/userapi/v1/calls/outbound', { service_id: serviceId, customer_number: '+61412340005' })).json();
      assert.equal((await inject(b, 'POST', '/userapi/v1/calls/outbound', { service_id: serviceId, customer_number: '+61412340005' })).statusCode, 404);
      assert.equal((await inject(b, 'GET', `/userapi/v1/calls/outbound/${mine.id}`)).statusCode, 404);
      assert.equal((await inject(b, 'POST', `/sandbox/v1/outbound/${mine.id}`, {})).statusCode, 404);
      assert.equal((await inject(a, 'GET', `/userapi/v1/calls/outbound/${mine.id}`)).json().status, 'dialling_agent');
    });

    it('the carrier’s outbound webhook is signed like the others; an unknown or finished attempt only hangs up', async () => {
      const url = `${t.config.publicUrl}/carrier/twilio/outbound?call=oc_unknown`;
      const params = { AccountSid: t.config.twilioAccountSid, CallSid: 'CAoutboundunknown', From: '+61290006001', To: '+61288886001', CallStatus: 'in-progress', Direction: 'outbound-api' };
      const unsigned = await t.server.inject({ method: 'POST', url: '/carrier/twilio/outbound?call=oc_unknown', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(params).toString() });
      assert.equal(unsigned.statusCode, 403);
      const unknown = await t.app.sandbox.send(url, params);
      assert.equal(unknown.status, 200);
      assert.match(unknown.body, /<Hangup\/>/);
      assert.equal(await t.app.callLookup.findCallByCarrierId('sandbox', 'CAoutboundunknown'), undefined);
    });

    it('every route answers 401 without credentials or with wrong ones', async () => {
      await lockoutOff(t.app, [8401, 8402]); // many wrong passwords on purpose: this tests the 401, not the lockout
      const routes = [
        { method: 'POST', url: '/userapi/v1/calls/outbound', payload: { service_id: serviceId, customer_number: '+61412340006' } },
        { method: 'GET', url: '/userapi/v1/calls/outbound/oc_x' },
        { method: 'POST', url: '/sandbox/v1/outbound/oc_x', payload: {} },
      ] as const;
      for (const r of routes) {
        for (const headers of [{}, { authorization: basic(a.username, 'nope') }]) {
          const res = await t.server.inject({ method: r.method, url: r.url, headers, payload: 'payload' in r ? r.payload : undefined });
          assert.equal(res.statusCode, 401, `${r.method} ${r.url}`);
        }
      }
    });

    it('in production mode, without a carrier REST client, answers 422 saying why', async () => {
      const prod = await buildTestApp(dialect, { env: { TT_MODE: 'production', TT_PROPAGATION_DELAY_SECONDS: '0', TT_TWILIO_AUTH_TOKEN: 'prod-token' } });
      try {
        const acct = await makeAccount(prod.app, 8403);
        const svc = await liveService(prod.app, acct.clientId, '+61290006002', { type: 'transfer', target_number: '+61288886002' });
        const res = await prod.server.inject({ method: 'POST', url: '/userapi/v1/calls/outbound', headers: { authorization: acct.auth }, payload: { service_id: svc.id, customer_number: '+61412340007' } });
        assert.equal(res.statusCode, 422, res.body);
        assert.match(res.json().detail, /carrier REST client/);
        assert.equal((await prod.app.storage.db.selectFrom('outbound_calls').selectAll().execute()).length, 0, 'nothing stored');
      } finally {
        await prod.close();
      }
    });
  });
}
