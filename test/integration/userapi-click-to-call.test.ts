import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { ManualClock } from '../../src/domain/clock.ts';
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

    it('the sandbox plays each agent-leg outcome: the attempt ends with its status and ended_at, no call record; GET shows it, to its own account only', async () => {
      const expected = { 'no-answer': 'agent_no_answer', busy: 'agent_busy', failed: 'failed', hangup: 'cancelled' } as const;
      let n = 10;
      for (const [outcome, status] of Object.entries(expected)) {
        const customer = `+614123400${n++}`;
        const oc = (await inject(a, 'POST', '/userapi/v1/calls/outbound', { service_id: serviceId, customer_number: customer })).json();
        const sim = await inject(a, 'POST', `/sandbox/v1/outbound/${oc.id}`, { agent_outcome: outcome, agent_answer_after: 12 });
        assert.equal(sim.statusCode, 200, sim.body);
        const played = sim.json();
        assert.deepEqual(played.sim.errors, [], outcome);
        assert.equal(played.outbound_status, status, outcome);
        assert.equal(played.call_id, null, `${outcome}: no call record`);
        assert.equal(played.state, 'rejected', outcome);
        const got = await inject(a, 'GET', `/userapi/v1/calls/outbound/${oc.id}`);
        assert.equal(got.statusCode, 200, got.body);
        assert.equal(got.json().status, status, outcome);
        assert.equal(got.json().call_id, null);
        assert.match(got.json().ended_at ?? '', /^\d{4}-\d\d-\d\dT.*Z$/, `${outcome}: ended_at set`);
        assert.equal(await t.app.callLookup.findCallByCarrierId('sandbox', played.carrier_call_id), undefined, `${outcome}: no call stored`);
        const calls = await t.app.storage.db.selectFrom('calls').select('id').where('target_number', '=', customer).execute();
        assert.equal(calls.length, 0, `${outcome}: no call record for the customer`);
        // Ended: it cannot be played again, and another account does not see it.
        assert.equal((await inject(a, 'POST', `/sandbox/v1/outbound/${oc.id}`, {})).statusCode, 409, outcome);
        assert.equal((await inject(b, 'GET', `/userapi/v1/calls/outbound/${oc.id}`)).statusCode, 404, outcome);
        assert.equal((await inject(b, 'POST', `/sandbox/v1/outbound/${oc.id}`, { agent_outcome: 'busy' })).statusCode, 404, outcome);
      }
      // A bad agent_outcome is a 400 naming the field.
      const oc = (await inject(a, 'POST', '/userapi/v1/calls/outbound', { service_id: serviceId, customer_number: '+61412340099' })).json();
      const bad = await inject(a, 'POST', `/sandbox/v1/outbound/${oc.id}`, { agent_outcome: 'maybe' });
      assert.equal(bad.statusCode, 400, bad.body);
      assert.match(bad.body, /agent_outcome/);
    });

    it('the carrier’s status callback for the agent leg ends the attempt when signed; an unsigned one is refused; a late answer only hangs up', async () => {
      const oc = (await inject(a, 'POST', '/userapi/v1/calls/outbound', { service_id: serviceId, customer_number: '+61412340020' })).json();
      const path = `/carrier/twilio/outbound?call=${oc.id}`;
      const url = `${t.config.publicUrl}${path}`;
      const params = { AccountSid: t.config.twilioAccountSid, CallSid: 'CAagentbusy0001', From: '+61290006001', To: '+61288886001', CallStatus: 'busy', CallDuration: '0', Direction: 'outbound-api' };
      const unsigned = await t.server.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(params).toString() });
      assert.equal(unsigned.statusCode, 403);
      const forged = await t.server.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'bm9wZQ==' }, payload: new URLSearchParams(params).toString() });
      assert.equal(forged.statusCode, 403);
      assert.equal((await inject(a, 'GET', `/userapi/v1/calls/outbound/${oc.id}`)).json().status, 'dialling_agent', 'refused callbacks change nothing');
      const signed = await t.app.sandbox.send(url, params);
      assert.equal(signed.status, 200, signed.body);
      const ended = (await inject(a, 'GET', `/userapi/v1/calls/outbound/${oc.id}`)).json();
      assert.equal(ended.status, 'agent_busy');
      assert.ok(ended.ended_at);
      // Sent again (carriers retry), or followed by another final status: the attempt keeps its first outcome.
      assert.equal((await t.app.sandbox.send(url, { ...params, CallStatus: 'no-answer' })).status, 200);
      assert.equal((await inject(a, 'GET', `/userapi/v1/calls/outbound/${oc.id}`)).json().status, 'agent_busy');
      // The agent's answer arriving after the end only hangs up: no call record.
      const late = await t.app.sandbox.send(url, { ...params, CallSid: 'CAagentbusy0002', CallStatus: 'in-progress' });
      assert.equal(late.status, 200);
      assert.match(late.body, /<Hangup\/>/);
      assert.equal(await t.app.callLookup.findCallByCarrierId('sandbox', 'CAagentbusy0002'), undefined);
      assert.equal(await t.app.callLookup.findCallByCarrierId('sandbox', 'CAagentbusy0001'), undefined);
      // Both raw requests are kept.
      const kept = await t.app.storage.db.selectFrom('carrier_requests').select('kind').where('carrier_call_id', '=', 'CAagentbusy0001').execute();
      assert.ok(kept.length >= 2, `raw requests kept: ${kept.length}`);
    });

    it('after the agent answered, the leg’s final status on the same callback is the call’s end; the attempt stays connected', async () => {
      const oc = (await inject(a, 'POST', '/userapi/v1/calls/outbound', { service_id: serviceId, customer_number: '+61412340021' })).json();
      const url = `${t.config.publicUrl}/carrier/twilio/outbound?call=${oc.id}`;
      const params = { AccountSid: t.config.twilioAccountSid, CallSid: 'CAagentok0001', From: '+61290006001', To: '+61288886001', Direction: 'outbound-api' };
      const answered = await t.app.sandbox.send(url, { ...params, CallStatus: 'in-progress' });
      assert.equal(answered.status, 200);
      assert.match(answered.body, /<Dial/);
      const call = await t.app.callLookup.findCallByCarrierId('sandbox', 'CAagentok0001');
      assert.ok(call, 'the call record opened when the agent answered');
      const done = await t.app.sandbox.send(url, { ...params, CallStatus: 'completed', CallDuration: '9' });
      assert.equal(done.status, 200, done.body);
      assert.doesNotMatch(done.body, /<Dial/);
      const got = (await inject(a, 'GET', `/userapi/v1/calls/outbound/${oc.id}`)).json();
      assert.equal(got.status, 'connected');
      assert.equal(got.call_id, Number(call.id));
      assert.equal(got.ended_at, null);
      const ends = await t.app.storage.db.selectFrom('call_events').select('kind').where('carrier_call_id', '=', 'CAagentok0001').where('kind', '=', 'call.ended').execute();
      assert.equal(ends.length, 1, 'stored as the call’s end');
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

  describe(`Click-to-call attempts expire in the worker's sweep, on a manual clock (${dialect.name})`, { skip: dialect.skip }, () => {
    const START = '2026-03-01T00:00:00.000Z';
    let t: TestApp;
    let clock: ManualClock;
    let a: Account;
    let b: Account;
    let serviceId: string;
    const inject = (acct: Account, method: string, url: string, payload?: unknown) =>
      t.server.inject({ method: method as 'GET', url, headers: { authorization: acct.auth }, ...(payload !== undefined ? { payload: payload as object } : {}) });
    const at = (sec: number) => new Date(Date.parse(START) + sec * 1000).toISOString();
    const until = async (what: string, fn: () => Promise<boolean>) => {
      const end = Date.now() + 15_000;
      while (!(await fn())) {
        if (Date.now() > end) throw new Error(`gave up waiting: ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    before(async () => {
      clock = new ManualClock(START);
      // The quarantine sweep's default hour between runs: attempts still expire every 30 s of the worker's clock.
      t = await buildTestApp(dialect, { clock, env: { TT_SWEEP_INTERVAL_SECONDS: '3600', TT_WORKER_POLL_MS: '20' } });
      a = await makeAccount(t.app, 8411);
      b = await makeAccount(t.app, 8412);
      serviceId = (await liveService(t.app, a.clientId, '+61290006011', { type: 'transfer', target_number: '+61288886011' })).id;
    });
    after(async () => t?.close());

    it('an attempt still ringing its agent after its ring timeout plus the margin is expired by the sweep; a late answer only hangs up', async () => {
      const plain = (await inject(a, 'POST', '/userapi/v1/calls/outbound', { service_id: serviceId, customer_number: '+61412340030' })).json();
      const ap = (await inject(a, 'POST', '/userapi/v1/answer-points', { name: 'Quick desk', number: '+61288886012', ring_timeout: 20 })).json();
      const quick = (await inject(a, 'POST', '/userapi/v1/calls/outbound', { service_id: serviceId, customer_number: '+61412340031', answer_point_id: ap.id })).json();
      assert.equal(quick.status, 'dialling_agent', JSON.stringify(quick));
      const status = async (id: string) => (await inject(a, 'GET', `/userapi/v1/calls/outbound/${id}`)).json().status as string;

      // Before any deadline: nothing expires.
      clock.set(at(79));
      assert.equal(await t.app.outboundCalls.expireDue(), 0);
      // The answer point rings 20 s: at 80 s (20 + 60) the sweep expires that attempt, not the default one (60 + 60).
      clock.set(at(81));
      t.app.worker.start();
      await until('the sweep expires the answer point’s attempt', async () => (await status(quick.id)) === 'expired');
      assert.equal(await status(plain.id), 'dialling_agent');
      assert.equal(await t.app.outboundCalls.expireDue(), 0, 'not yet due: 60 s ring + 60 s margin');
      clock.set(at(121));
      await until('the sweep expires the default attempt', async () => (await status(plain.id)) === 'expired');
      const got = (await inject(a, 'GET', `/userapi/v1/calls/outbound/${plain.id}`)).json();
      assert.equal(got.call_id, null);
      assert.ok(Date.parse(got.ended_at) >= Date.parse(at(120)), got.ended_at);
      // Another account does not see the ended attempt.
      assert.equal((await inject(b, 'GET', `/userapi/v1/calls/outbound/${plain.id}`)).statusCode, 404);
      // The agent answering after expiry only hangs up; the sandbox refuses to play it.
      const late = await t.app.sandbox.send(`${t.config.publicUrl}/carrier/twilio/outbound?call=${plain.id}`, {
        AccountSid: t.config.twilioAccountSid,
        CallSid: 'CAexpiredlate01',
        From: '+61290006011',
        To: '+61288886011',
        CallStatus: 'in-progress',
        Direction: 'outbound-api',
      });
      assert.match(late.body, /<Hangup\/>/);
      assert.equal(await t.app.callLookup.findCallByCarrierId('sandbox', 'CAexpiredlate01'), undefined);
      assert.equal((await inject(a, 'POST', `/sandbox/v1/outbound/${plain.id}`, {})).statusCode, 409);
      assert.equal(await status(plain.id), 'expired');
    });
  });
}
