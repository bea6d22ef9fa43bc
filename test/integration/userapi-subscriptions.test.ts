import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { ManualClock } from '../../src/domain/clock.ts';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { lockoutOff } from '../support/userapi.ts';
import { Receiver, type ReceivedRequest } from '../support/receiver.ts';
import { callRow, liveService, voicemailWithRecording } from '../support/calls.ts';

type Account = Awaited<ReturnType<typeof makeAccount>>;

interface Delivered {
  type: string;
  id: string;
  timestamp: string;
  data: Record<string, unknown>;
}

/** Verifies a received event with the standardwebhooks library (throws when the signature does not hold). */
function verified(secret: string, r: ReceivedRequest): Delivered {
  const headers = { 'webhook-id': String(r.headers['webhook-id']), 'webhook-timestamp': String(r.headers['webhook-timestamp']), 'webhook-signature': String(r.headers['webhook-signature']) };
  return new Webhook(secret).verify(r.body, headers) as Delivered;
}

for (const dialect of DIALECTS) {
  describe(`UserAPI event subscriptions (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let clock: ManualClock;
    let receiver: Receiver;
    let a: Account;
    let b: Account;
    const subscribe = async (acct: Account, url: string, events: string[]) => {
      const res = await t.server.inject({ method: 'POST', url: '/userapi/v1/subscriptions', headers: { authorization: acct.auth }, payload: { url, events, description: 'test' } });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as { id: string; secret: string; enabled: boolean };
    };
    /** Requests the receiver got at `path` since index `from`. */
    const at = (r: Receiver, path: string, from = 0) => r.requests.slice(from).filter((x) => x.url === path);

    before(async () => {
      // Real time (the receivers verify webhook-timestamp against their clock), moved by hand where a test needs it.
      clock = new ManualClock(new Date());
      t = await buildTestApp(dialect, { clock, env: { TT_DELIVERY_RETRY_SCHEDULE: '0', TT_SUBSCRIPTION_DISABLE_AFTER: '3', TT_CALL_GRACE_SECONDS: '60' } });
      receiver = await new Receiver().start();
      a = await makeAccount(t.app, 8101);
      b = await makeAccount(t.app, 8102);
    });
    after(async () => {
      await receiver?.close();
      await t?.close();
    });

    it('creates a subscription with a whsec_ secret shown once; GET and the list never show it', async () => {
      const s = await subscribe(a, `${receiver.url}/created`, ['call.finalized', 'sms.received']);
      assert.match(s.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      assert.match(s.id, /^sub_/);
      assert.equal(s.enabled, true);
      const one = await t.server.inject({ url: `/userapi/v1/subscriptions/${s.id}`, headers: { authorization: a.auth } });
      assert.equal(one.statusCode, 200);
      assert.equal(one.json().secret, undefined);
      assert.deepEqual(one.json().events, ['call.finalized', 'sms.received']);
      const list = await t.server.inject({ url: '/userapi/v1/subscriptions', headers: { authorization: a.auth } });
      assert.ok(list.json().subscriptions.some((x: { id: string; secret?: string }) => x.id === s.id && x.secret === undefined));
      // Sealed at rest: the stored value is not the secret.
      const row = await t.app.storage.db.selectFrom('event_subscriptions').select('secret').where('id', '=', s.id).executeTakeFirstOrThrow();
      assert.notEqual(row.secret, s.secret);
      const del = await t.server.inject({ method: 'DELETE', url: `/userapi/v1/subscriptions/${s.id}`, headers: { authorization: a.auth } });
      assert.equal(del.statusCode, 204);
      assert.equal((await t.server.inject({ url: `/userapi/v1/subscriptions/${s.id}`, headers: { authorization: a.auth } })).statusCode, 404);
      // Audited, with who did it and never the secret.
      const audit = (await t.app.audit.list(t.app.storage.db, a.clientId, { limit: 20 })).filter((e) => e.target === s.id);
      assert.deepEqual(audit.map((e) => e.action).sort(), ['subscription.create', 'subscription.delete']);
      assert.ok(audit.every((e) => e.actor.name === a.username && !JSON.stringify(e).includes(s.secret)));
    });

    it('delivers call.finalized for a sandbox call, signed so that standardwebhooks verifies it, with the call as the WebAPI shows it', async () => {
      const s = await subscribe(a, `${receiver.url}/calls`, ['call.finalized']);
      await liveService(t.app, a.clientId, '+61290004001', { type: 'transfer', name: 'Spring ad', target_number: '+61299990001' });
      const sim = await t.app.sandbox.placeCall({ to: '+61290004001', from: '+61390012300', talkSec: 12 });
      await t.app.worker.drain();
      const call = await callRow(t.app, sim.callSid);
      assert.equal(call.state, 'finalized');
      const got = at(receiver, '/calls');
      assert.equal(got.length, 1);
      assert.equal(got[0].method, 'POST');
      assert.equal(got[0].headers['content-type'], 'application/json');
      const ev = verified(s.secret, got[0]);
      assert.equal(ev.type, 'call.finalized');
      assert.match(ev.id, /^evt_/);
      assert.equal(ev.data.id, Number(call.id));
      assert.equal(ev.data.direction, 'call-in');
      assert.equal(ev.data.tracking_name, 'Spring ad');
      assert.equal(ev.data.status, 'Answered');
      const webapi = await t.server.inject({ url: `/webapi/v1/calls/${call.id}`, headers: { authorization: a.auth } });
      assert.deepEqual(ev.data, JSON.parse(JSON.stringify(webapi.json().call ?? webapi.json())));
      // A tampered body does not verify.
      assert.throws(() => verified(s.secret, { ...got[0], body: got[0].body.replace('call.finalized', 'call.updated') }));
      // The delivery log of the subscription has it, delivered.
      const log = await t.server.inject({ url: `/userapi/v1/subscriptions/${s.id}/deliveries`, headers: { authorization: a.auth } });
      assert.equal(log.statusCode, 200);
      const [d] = log.json().deliveries;
      assert.equal(d.id, got[0].headers['webhook-id']);
      assert.equal(d.status, 'delivered');
      assert.equal(d.attempt_log.length, 1);
      await t.server.inject({ method: 'PATCH', url: `/userapi/v1/subscriptions/${s.id}`, headers: { authorization: a.auth }, payload: { enabled: false } });
    });

    it('delivers call.updated when a recording arrives after the call was finalized', async () => {
      const s = await subscribe(a, `${receiver.url}/updated`, ['call.updated', 'call.finalized']);
      await liveService(t.app, a.clientId, '+61290004002', { type: 'voicemail' });
      const media = await new Receiver().start();
      try {
        media.respond = () => 503;
        const sid = 'CAeventslate';
        await voicemailWithRecording(t.app, t.config.publicUrl, { callSid: sid, to: '+61290004002', from: '+61390012300', recordingSid: 'RE0000000612345678901234567890cd', mediaUrl: `${media.url}/media/RE`, seconds: 6 });
        clock.advance(61_000);
        await t.app.worker.drain();
        const first = at(receiver, '/updated');
        assert.deepEqual(first.map((r) => verified(s.secret, r).type), ['call.finalized']);
        assert.equal(verified(s.secret, first[0]).data.has_audio, false);
        media.respond = () => 200;
        clock.advance(120_000);
        await t.app.worker.drain();
        const all = at(receiver, '/updated');
        assert.equal(all.length, 2);
        const ev = verified(s.secret, all[1]);
        assert.equal(ev.type, 'call.updated');
        const callId = Number((await callRow(t.app, sid)).id);
        assert.equal(ev.data.call_id, callId);
        const call = ev.data.call as Record<string, unknown>;
        assert.equal(call.id, callId);
        assert.equal(call.has_audio, true);
        const changed = ev.data.changed as string[];
        assert.ok(changed.includes('has_audio'));
        assert.ok(changed.includes('audio_url'));
        assert.ok(!changed.includes('recording_path'), 'storage columns are not named');
      } finally {
        await media.close();
        await t.server.inject({ method: 'DELETE', url: `/userapi/v1/subscriptions/${s.id}`, headers: { authorization: a.auth } });
      }
    });

    it('delivers sms.received for an SMS on the account’s number', async () => {
      const s = await subscribe(a, `${receiver.url}/sms`, ['sms.received']);
      await t.app.inventory.importNumbers([{ line: 2, number: '+61290004003', sms: 'true' }], {});
      const req = await t.app.telco.createRequest({ userId: 'test', clientId: a.clientId }, { type: 'new', number: '+61290004003', service: { type: 'voicemail' } });
      await t.app.worker.drain();
      await t.app.sandbox.sendSms({ to: '+61290004003', from: '+61412345678', text: 'Do you open on Sunday?' });
      await t.app.worker.drain();
      const got = at(receiver, '/sms');
      assert.equal(got.length, 1);
      const ev = verified(s.secret, got[0]);
      assert.equal(ev.type, 'sms.received');
      assert.equal(ev.data.text, 'Do you open on Sunday?');
      assert.equal(ev.data.from, '+61412345678');
      assert.equal(ev.data.to, '+61290004003');
      assert.equal(ev.data.service_id, req.service_id);
    });

    it('delivers request.status for each status change and service.live when the service goes live', async () => {
      const s = await subscribe(a, `${receiver.url}/telco`, ['request.status', 'service.live']);
      const svc = await liveService(t.app, a.clientId, '+61290004004', { type: 'voicemail', custom_id: 'C-7' });
      await t.app.worker.drain();
      const events = at(receiver, '/telco').map((r) => verified(s.secret, r));
      const statuses = events.filter((e) => e.type === 'request.status').map((e) => e.data.status);
      assert.deepEqual(statuses.sort(), ['completed', 'processing']);
      const live = events.filter((e) => e.type === 'service.live');
      assert.equal(live.length, 1);
      assert.equal(live[0].data.id, svc.id);
      assert.equal(live[0].data.number, '+61290004004');
      assert.equal(live[0].data.status, 'live');
      assert.equal(events.find((e) => e.data.status === 'completed')!.data.custom_id, 'C-7');
      await t.server.inject({ method: 'DELETE', url: `/userapi/v1/subscriptions/${s.id}`, headers: { authorization: a.auth } });
    });

    it('ping sends a signed test event now through the same engine; a delivery can be replayed with the same webhook-id', async () => {
      const s = await subscribe(a, `${receiver.url}/ping`, ['call.finalized']);
      const res = await t.server.inject({ method: 'POST', url: `/userapi/v1/subscriptions/${s.id}/ping`, headers: { authorization: a.auth } });
      assert.equal(res.statusCode, 202, res.body);
      assert.equal(res.json().status, 'pending');
      await t.app.worker.drain();
      const got = at(receiver, '/ping');
      assert.equal(got.length, 1);
      const ev = verified(s.secret, got[0]);
      assert.equal(ev.type, 'ping');
      assert.equal(ev.data.subscription_id, s.id);
      assert.equal(got[0].headers['webhook-id'], res.json().id);
      const replay = await t.server.inject({ method: 'POST', url: `/userapi/v1/subscriptions/${s.id}/deliveries/${res.json().id}/redeliver`, headers: { authorization: a.auth } });
      assert.equal(replay.statusCode, 202, replay.body);
      await t.app.worker.drain();
      const again = at(receiver, '/ping');
      assert.equal(again.length, 2);
      assert.equal(again[1].headers['webhook-id'], got[0].headers['webhook-id']);
      assert.equal(verified(s.secret, again[1]).id, ev.id);
      // Another subscription's delivery cannot be replayed through this one.
      const other = await subscribe(a, `${receiver.url}/ping2`, ['call.finalized']);
      const wrong = await t.server.inject({ method: 'POST', url: `/userapi/v1/subscriptions/${other.id}/deliveries/${res.json().id}/redeliver`, headers: { authorization: a.auth } });
      assert.equal(wrong.statusCode, 404);
    });

    it('is disabled after TT_SUBSCRIPTION_DISABLE_AFTER failed deliveries in a row, says why, and a success resets the count', async () => {
      const failing = await new Receiver().start();
      let status = 500;
      failing.respond = () => status;
      try {
        const s = await subscribe(a, `${failing.url}/hook`, ['call.finalized']);
        const ping = async () => {
          await t.server.inject({ method: 'POST', url: `/userapi/v1/subscriptions/${s.id}/ping`, headers: { authorization: a.auth } });
          await t.app.worker.drain();
        };
        const get = async () => (await t.server.inject({ url: `/userapi/v1/subscriptions/${s.id}`, headers: { authorization: a.auth } })).json();
        await ping();
        await ping();
        assert.equal((await get()).consecutive_failures, 2);
        assert.equal((await get()).enabled, true);
        status = 200;
        await ping();
        assert.equal((await get()).consecutive_failures, 0, 'a delivered one resets the count');
        assert.ok((await get()).last_success_at);
        status = 500;
        await ping();
        await ping();
        assert.equal((await get()).enabled, true);
        await ping();
        const off = await get();
        assert.equal(off.enabled, false);
        assert.equal(off.consecutive_failures, 3);
        assert.ok(off.disabled_at);
        assert.match(off.disabled_reason, /3 deliveries in a row failed/);
        assert.match(off.disabled_reason, /TT_SUBSCRIPTION_DISABLE_AFTER/);
        // Disabled: events are no longer queued for it.
        const before = failing.requests.length;
        await t.app.storage.tx((tx) => t.app.events.publish(tx, { clientId: a.clientId, type: 'call.finalized', data: { id: 1 } }));
        await t.app.worker.drain();
        assert.equal(failing.requests.length, before);
        // Enabled again by its owner: the count and the reason are cleared.
        const on = await t.server.inject({ method: 'PATCH', url: `/userapi/v1/subscriptions/${s.id}`, headers: { authorization: a.auth }, payload: { enabled: true } });
        assert.equal(on.statusCode, 200);
        assert.equal(on.json().enabled, true);
        assert.equal(on.json().consecutive_failures, 0);
        assert.equal(on.json().disabled_reason, null);
        status = 200;
        await t.app.storage.tx((tx) => t.app.events.publish(tx, { clientId: a.clientId, type: 'call.finalized', data: { id: 2 } }));
        await t.app.worker.drain();
        assert.equal(failing.requests.length, before + 1);
        assert.deepEqual(verified(s.secret, failing.requests[before]).data, { id: 2 });
      } finally {
        await failing.close();
      }
    });

    it('PATCH changes url and events; only subscriptions to the event type receive it', async () => {
      const s = await subscribe(a, `${receiver.url}/old`, ['sms.received']);
      const res = await t.server.inject({ method: 'PATCH', url: `/userapi/v1/subscriptions/${s.id}`, headers: { authorization: a.auth }, payload: { url: `${receiver.url}/new`, events: ['service.live'] } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().url, `${receiver.url}/new`);
      await t.app.storage.tx((tx) => t.app.events.publish(tx, { clientId: a.clientId, type: 'sms.received', data: { x: 1 } }));
      await t.app.storage.tx((tx) => t.app.events.publish(tx, { clientId: a.clientId, type: 'service.live', data: { x: 2 } }));
      await t.app.worker.drain();
      assert.equal(at(receiver, '/old').length, 0);
      const got = at(receiver, '/new');
      assert.equal(got.length, 1);
      assert.deepEqual(verified(s.secret, got[0]).data, { x: 2 });
    });

    it('bad input is a 400 naming the field; a private URL is refused (422) when the policy forbids it', async () => {
      const post = (payload: unknown) => t.server.inject({ method: 'POST', url: '/userapi/v1/subscriptions', headers: { authorization: a.auth }, payload: payload as object });
      const cases: [unknown, string][] = [
        [{ url: 'not a url', events: ['call.finalized'] }, 'url'],
        [{ url: 'ftp://example.com/x', events: ['call.finalized'] }, 'url'],
        [{ url: 'https://user:pw@example.com/x', events: ['call.finalized'] }, 'url'],
        [{ url: 'https://example.com/x', events: ['call.exploded'] }, 'events[0]'],
        [{ url: 'https://example.com/x', events: [] }, 'events'],
        [{ url: 'https://example.com/x', events: ['call.finalized', 'call.finalized'] }, 'events[1]'],
        [{ events: ['call.finalized'] }, 'url'],
      ];
      for (const [payload, path] of cases) {
        const res = await post(payload);
        assert.equal(res.statusCode, 400, `${JSON.stringify(payload)}: ${res.body}`);
        assert.ok(
          res.json().errors.some((e: { path: string }) => e.path === path || e.path === `/${path}` || e.path.replace(/^\//, '') === path),
          `${JSON.stringify(payload)} names ${path}: ${res.body}`,
        );
      }
      const patch = await t.server.inject({ method: 'PATCH', url: '/userapi/v1/subscriptions/sub_x', headers: { authorization: a.auth }, payload: { enabled: 'maybe' } });
      assert.equal(patch.statusCode, 400);
      const strict = await buildTestApp(dialect, { env: { TT_ALLOW_PRIVATE_URLS: 'false' } });
      try {
        const acct = await makeAccount(strict.app, 8201);
        for (const url of [`${receiver.url}/x`, 'http://10.1.2.3/hook', 'http://[::1]/hook', 'http://localhost/hook']) {
          const res = await strict.server.inject({ method: 'POST', url: '/userapi/v1/subscriptions', headers: { authorization: acct.auth }, payload: { url, events: ['call.finalized'] } });
          assert.equal(res.statusCode, 422, `${url}: ${res.body}`);
          assert.equal(res.json().errors[0].path, 'url');
          assert.match(res.json().errors[0].message, /outbound URL policy/);
        }
      } finally {
        await strict.close();
      }
    });

    it('one account never sees, changes, pings or replays another’s subscriptions; events go only to the account’s own', async () => {
      const s = await subscribe(a, `${receiver.url}/mine`, ['service.live']);
      const theirs = await subscribe(b, `${receiver.url}/theirs`, ['service.live']);
      const h = { authorization: b.auth };
      assert.equal((await t.server.inject({ url: `/userapi/v1/subscriptions/${s.id}`, headers: h })).statusCode, 404);
      assert.equal((await t.server.inject({ method: 'PATCH', url: `/userapi/v1/subscriptions/${s.id}`, headers: h, payload: { enabled: false } })).statusCode, 404);
      assert.equal((await t.server.inject({ method: 'POST', url: `/userapi/v1/subscriptions/${s.id}/ping`, headers: h })).statusCode, 404);
      assert.equal((await t.server.inject({ url: `/userapi/v1/subscriptions/${s.id}/deliveries`, headers: h })).statusCode, 404);
      assert.equal((await t.server.inject({ method: 'DELETE', url: `/userapi/v1/subscriptions/${s.id}`, headers: h })).statusCode, 404);
      assert.equal((await t.server.inject({ url: `/userapi/v1/subscriptions?client_id=${a.clientId}`, headers: h })).statusCode, 403);
      const list = (await t.server.inject({ url: '/userapi/v1/subscriptions', headers: h })).json().subscriptions as { id: string }[];
      assert.deepEqual(list.map((x) => x.id), [theirs.id]);
      assert.equal((await t.server.inject({ url: `/userapi/v1/subscriptions/${s.id}`, headers: { authorization: a.auth } })).json().enabled, true);
      const from = receiver.requests.length;
      await t.app.storage.tx((tx) => t.app.events.publish(tx, { clientId: b.clientId, type: 'service.live', data: { only: 'b' } }));
      await t.app.worker.drain();
      assert.equal(at(receiver, '/mine', from).length, 0);
      assert.equal(at(receiver, '/theirs', from).length, 1);
    });

    it('the OpenAPI document (3.1) lists the event catalogue under webhooks and the routes under the UserAPI tag', async () => {
      const doc = (await t.server.inject({ url: '/openapi.json' })).json();
      assert.equal(doc.openapi, '3.1.0');
      assert.deepEqual(Object.keys(doc.webhooks).sort(), ['call.finalized', 'call.updated', 'ping', 'request.status', 'service.live', 'sms.received']);
      for (const [name, item] of Object.entries(doc.webhooks as Record<string, { post: { requestBody: { content: Record<string, { schema: { properties: Record<string, { const?: string; enum?: string[] }> } }> }; parameters: { name: string }[] } }>)) {
        const schema = item.post.requestBody.content['application/json'].schema;
        assert.deepEqual(Object.keys(schema.properties).sort(), ['data', 'id', 'timestamp', 'type'], name);
        assert.ok(schema.properties.type.const === name || schema.properties.type.enum?.includes(name), name);
        assert.deepEqual(item.post.parameters.map((p) => p.name), ['webhook-id', 'webhook-timestamp', 'webhook-signature']);
      }
      for (const p of ['/userapi/v1/subscriptions', '/userapi/v1/subscriptions/{id}', '/userapi/v1/subscriptions/{id}/ping', '/userapi/v1/subscriptions/{id}/deliveries', '/userapi/v1/subscriptions/{id}/deliveries/{delivery_id}/redeliver', '/userapi/v1/answer-points', '/userapi/v1/answer-points/{id}', '/userapi/v1/services/{id}', '/userapi/v1/calls/outbound', '/userapi/v1/calls/outbound/{id}']) {
        assert.ok(doc.paths[p], p);
        for (const op of Object.values(doc.paths[p]) as { tags: string[]; summary: string }[]) {
          assert.deepEqual(op.tags, ['UserAPI'], p);
          assert.ok(op.summary, p);
        }
      }
      // Swagger UI still serves the document.
      assert.equal((await t.server.inject({ url: '/docs/json' })).statusCode, 200);
    });

    it('every route answers 401 without credentials or with wrong ones', async () => {
      await lockoutOff(t.app, [8101, 8102]); // many wrong passwords on purpose: this tests the 401, not the lockout
      const routes = [
        { method: 'POST', url: '/userapi/v1/subscriptions', payload: { url: 'https://example.com/x', events: ['call.finalized'] } },
        { method: 'GET', url: '/userapi/v1/subscriptions' },
        { method: 'GET', url: '/userapi/v1/subscriptions/sub_x' },
        { method: 'PATCH', url: '/userapi/v1/subscriptions/sub_x', payload: { enabled: false } },
        { method: 'DELETE', url: '/userapi/v1/subscriptions/sub_x' },
        { method: 'POST', url: '/userapi/v1/subscriptions/sub_x/ping' },
        { method: 'GET', url: '/userapi/v1/subscriptions/sub_x/deliveries' },
        { method: 'POST', url: '/userapi/v1/subscriptions/sub_x/deliveries/msg_x/redeliver' },
      ] as const;
      for (const r of routes) {
        for (const headers of [{}, { authorization: basic(a.username, 'wrong-password') }]) {
          const res = await t.server.inject({ method: r.method, url: r.url, headers, ...('payload' in r ? { payload: r.payload } : {}) });
          assert.equal(res.statusCode, 401, `${r.method} ${r.url}`);
        }
      }
    });
  });
}
