import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/domain/clock.ts';
import * as repo from '../../src/storage/delivery/delivery.repository.ts';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { Receiver } from '../support/receiver.ts';
import { deliveryService, finalizeDeliveryCall } from '../support/delivery-fixtures.ts';

for (const dialect of DIALECTS) {
  describe(`Delivery log API and redeliver (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let clock: ManualClock;
    let receiver: Receiver;
    let a: Awaited<ReturnType<typeof makeAccount>>;
    let b: Awaited<ReturnType<typeof makeAccount>>;
    let callIds: number[];
    before(async () => {
      clock = new ManualClock('2026-05-01T00:00:00.000Z');
      t = await buildTestApp(dialect, { clock });
      receiver = await new Receiver().start();
      a = await makeAccount(t.app, 7301);
      b = await makeAccount(t.app, 7302);
      const svcA = await deliveryService(t.app, a.clientId, { call_callback_uri: `${receiver.url}/a?c=[[callid]]` });
      callIds = [];
      for (let i = 0; i < 5; i++) {
        callIds.push(Number((await finalizeDeliveryCall(t.app, svcA)).id));
        clock.advance(60_000);
      }
      const svcB = await deliveryService(t.app, b.clientId, { call_callback_uri: `${receiver.url}/b?c=[[callid]]` });
      await finalizeDeliveryCall(t.app, svcB);
      await t.app.worker.drain();
    });
    after(async () => {
      await receiver?.close();
      await t?.close();
    });

    const get = (url: string, auth: string) => t.server.inject({ url, headers: { authorization: auth } });

    it('answers 401 to wrong or missing credentials on every delivery route', async () => {
      const { deliveries } = (await get('/webapi/v1/deliveries', a.auth)).json();
      const id = deliveries[0].id;
      for (const [method, url] of [['GET', '/webapi/v1/deliveries'], ['GET', `/webapi/v1/deliveries/${id}`], ['POST', `/webapi/v1/deliveries/${id}/redeliver`]] as const) {
        const wrong = await t.server.inject({ method, url, headers: { authorization: basic(a.username, 'wrong') } });
        assert.equal(wrong.statusCode, 401, `${method} ${url}`);
        const none = await t.server.inject({ method, url });
        assert.equal(none.statusCode, 401, `${method} ${url}`);
      }
    });

    it('lists an account’s deliveries newest first with attempts and last response, never another account’s', async () => {
      const res = await get('/webapi/v1/deliveries', a.auth);
      assert.equal(res.statusCode, 200, res.body);
      const list = res.json().deliveries;
      assert.equal(list.length, 5);
      assert.deepEqual(list.map((d: { subject_id: string }) => Number(d.subject_id)), [...callIds].reverse());
      for (const d of list) {
        assert.equal(d.kind, 'call_callback');
        assert.equal(d.status, 'delivered');
        assert.ok(d.url.includes('/a?c='));
        assert.deepEqual(d.last_response, { status_code: 200, error: null });
        assert.equal(d.attempt_log.length, 1);
        assert.equal(d.attempt_log[0].outcome, 'delivered');
        assert.equal(d.attempt_log[0].response_body, 'ok');
      }
      const other = (await get('/webapi/v1/deliveries', b.auth)).json().deliveries;
      assert.equal(other.length, 1);
      assert.ok(other[0].url.includes('/b?c='));
    });

    it('does not show, or redeliver, another account’s delivery (404)', async () => {
      const id = (await get('/webapi/v1/deliveries', a.auth)).json().deliveries[0].id;
      assert.equal((await get(`/webapi/v1/deliveries/${id}`, b.auth)).statusCode, 404);
      const before = receiver.requests.length;
      const re = await t.server.inject({ method: 'POST', url: `/webapi/v1/deliveries/${id}/redeliver`, headers: { authorization: b.auth } });
      assert.equal(re.statusCode, 404);
      await t.app.worker.drain();
      assert.equal(receiver.requests.length, before);
      assert.equal((await get(`/webapi/v1/deliveries?call_id=${callIds[0]}`, b.auth)).json().deliveries.length, 0);
    });

    it('pages with a cursor without gaps or repeats', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await get(`/webapi/v1/deliveries?limit=2${cursor ? `&cursor=${cursor}` : ''}`, a.auth);
        const body = res.json();
        seen.push(...body.deliveries.map((d: { id: string }) => d.id));
        cursor = body.next_cursor;
      } while (cursor);
      assert.equal(seen.length, 5);
      assert.equal(new Set(seen).size, 5);
    });

    it('filters by call, status, kind and creation time', async () => {
      const byCall = (await get(`/webapi/v1/deliveries?call_id=${callIds[2]}`, a.auth)).json().deliveries;
      assert.equal(byCall.length, 1);
      assert.equal(byCall[0].subject_id, String(callIds[2]));
      // The call page's list: the call's deliveries in one state.
      assert.equal((await get(`/webapi/v1/deliveries?call_id=${callIds[2]}&status=delivered`, a.auth)).json().deliveries.length, 1);
      assert.equal((await get(`/webapi/v1/deliveries?call_id=${callIds[2]}&status=dead`, a.auth)).json().deliveries.length, 0);
      assert.equal((await get(`/webapi/v1/deliveries?call_id=${callIds[2]}&kind=call_callback&status=delivered`, a.auth)).json().deliveries[0].subject_id, String(callIds[2]));
      assert.equal((await get('/webapi/v1/deliveries?status=failed', a.auth)).json().deliveries.length, 0);
      assert.equal((await get('/webapi/v1/deliveries?status=delivered&kind=call_callback', a.auth)).json().deliveries.length, 5);
      assert.equal((await get('/webapi/v1/deliveries?kind=sms_forward', a.auth)).json().deliveries.length, 0);
      // Calls were finalized a minute apart from 00:00: [00:01, 00:03) holds the 2nd and 3rd.
      const window = (await get('/webapi/v1/deliveries?since=2026-05-01T00:01:00Z&until=2026-05-01T00:03:00Z', a.auth)).json().deliveries;
      assert.deepEqual(window.map((d: { subject_id: string }) => Number(d.subject_id)), [callIds[2], callIds[1]]);
    });

    it('answers bad filters with a 400 naming the field', async () => {
      for (const [q, field] of [['since=yesterday', 'since'], ['until=2026-13-45', 'until'], ['cursor=bm90LWEtY3Vyc29y', 'cursor'], ['status=lost', 'status'], ['limit=0', 'limit'], ['call_id=abc', 'call_id'], ['colour=red', 'colour']] as const) {
        const res = await get(`/webapi/v1/deliveries?${q}`, a.auth);
        assert.equal(res.statusCode, 400, `${q}: ${res.body}`);
        assert.ok(res.json().errors.some((e: { path: string }) => e.path.includes(field)), `${q}: ${res.body}`);
      }
    });

    it('redelivers with the same webhook-id and a fresh attempt, keeping the earlier attempts in the log', async () => {
      const d = (await get(`/webapi/v1/deliveries?call_id=${callIds[0]}`, a.auth)).json().deliveries[0];
      const firstId = receiver.requests.find((r) => r.url.includes(`/a?c=${callIds[0]}`))!.headers['webhook-id'];
      const before = receiver.requests.length;
      const re = await t.server.inject({ method: 'POST', url: `/webapi/v1/deliveries/${d.id}/redeliver`, headers: { authorization: a.auth } });
      assert.equal(re.statusCode, 202, re.body);
      assert.equal(re.json().delivery.status, 'pending');
      await t.app.worker.drain();
      assert.equal(receiver.requests.length, before + 1);
      assert.equal(receiver.requests[before].headers['webhook-id'], firstId);
      assert.equal(receiver.requests[before].headers['webhook-id'], d.id);
      const after = (await get(`/webapi/v1/deliveries/${d.id}`, a.auth)).json().delivery;
      assert.equal(after.status, 'delivered');
      assert.equal(after.total_attempts, 2);
      assert.deepEqual(after.attempt_log.map((x: { attempt: number }) => x.attempt), [1, 2]);
    });

    it('refuses to redeliver a delivery while an attempt holds its lease (409)', async () => {
      const svc = await deliveryService(t.app, a.clientId, { call_callback_uri: `${receiver.url}/held` });
      const call = await finalizeDeliveryCall(t.app, svc);
      const now = clock.now();
      const claimed = await t.app.storage.tx((tx) => repo.claimDueDeliveries(tx, t.app.storage.dialect, now.toISOString(), new Date(now.getTime() + 60_000).toISOString(), 10, 'test-holder'));
      assert.equal(claimed.length, 1);
      const re = await t.server.inject({ method: 'POST', url: `/webapi/v1/deliveries/${claimed[0].id}/redeliver`, headers: { authorization: a.auth } });
      assert.equal(re.statusCode, 409, re.body);
      clock.advance(61_000);
      await t.app.worker.drain();
      assert.equal((await t.app.deliveryLog.list(a.clientId, { callId: Number(call.id), limit: 1 })).items[0].delivery.status, 'delivered');
    });
  });

  describe(`Outbox leases (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let clock: ManualClock;
    let receiver: Receiver;
    before(async () => {
      clock = new ManualClock('2026-05-01T00:00:00.000Z');
      t = await buildTestApp(dialect, { clock, env: { TT_DELIVERY_TIMEOUT_MS: '1000' } });
      receiver = await new Receiver().start();
    });
    after(async () => {
      await receiver?.close();
      await t?.close();
    });

    it('leaves a crashed worker’s claim alone until its lease expires, then another worker sends it once', async () => {
      const acct = await makeAccount(t.app, 7401);
      const svc = await deliveryService(t.app, acct.clientId, { call_callback_uri: `${receiver.url}/lease?c=[[callid]]` });
      await finalizeDeliveryCall(t.app, svc);
      const now = clock.now();
      // A worker claims the delivery and dies before making its attempt.
      const crashed = await t.app.storage.tx((tx) => repo.claimDueDeliveries(tx, t.app.storage.dialect, now.toISOString(), new Date(now.getTime() + 7000).toISOString(), 10, 'crashed-worker'));
      assert.equal(crashed.length, 1);
      assert.equal(await t.app.outbox.runDue(), 0, 'a live lease is not taken over');
      assert.equal(receiver.requests.length, 0);
      clock.advance(7001);
      assert.equal(await t.app.outbox.runDue(), 1);
      assert.equal(receiver.requests.length, 1);
      assert.equal(receiver.requests[0].headers['webhook-id'], crashed[0].id);
      // The crashed worker's late write is fenced off: it no longer holds the lease.
      assert.deepEqual(await repo.completeAttempts(t.app.storage.db, [crashed[0].id], 'crashed-worker', { status: 'dead' }), []);
      assert.equal((await repo.findDelivery(t.app.storage.db, acct.clientId, crashed[0].id))!.status, 'delivered');
    });
    // Concurrent claims race across processes (each with its own connection): test/e2e/delivery-outbox.test.ts.
  });
}
