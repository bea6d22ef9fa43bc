import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createApp, type App } from '../../src/app.ts';
import { ManualClock } from '../../src/domain/clock.ts';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { HeldReceiver } from '../support/held-receiver.ts';
import { deliveryService, finalizeDeliveryCall } from '../support/delivery-fixtures.ts';

const TIMEOUT_MS = 10_000;
/** The lease as the README gives it: 2 × TT_DELIVERY_TIMEOUT_MS + 5 s. */
const LEASE_MS = 2 * TIMEOUT_MS + 5000;

/*
 * Two workers (two apps on one database, one manual clock): the first claims a delivery and sends it, the receiver
 * holds the answer, the clock passes the lease end, the second worker takes the delivery over and sends it again.
 * Then the first worker's answer arrives: its outcome is logged as lost_lease and must not touch the delivery, which
 * now belongs to the second worker. (A lease can only be lost like this when a worker stalls mid-attempt: the
 * attempt timeout keeps a running worker's attempts inside the lease.)
 */
for (const dialect of DIALECTS) {
  describe(`An attempt that outlives its lease (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let two: App;
    let clock: ManualClock;
    let rx: HeldReceiver;
    before(async () => {
      clock = new ManualClock('2026-06-01T00:00:00.000Z');
      t = await buildTestApp(dialect, { clock, env: { TT_DELIVERY_TIMEOUT_MS: String(TIMEOUT_MS) } });
      two = await createApp(t.config, { clock, log: pino({ level: 'silent' }) });
      rx = await new HeldReceiver().start();
    });
    after(async () => {
      await rx?.close();
      await two?.close();
      await t?.close();
    });

    /** A delivery of a finalized call; the first worker is sending it and its lease has ended; the second has taken it over. */
    async function takenOver(clientId: number) {
      const acct = await makeAccount(t.app, clientId);
      const svc = await deliveryService(t.app, clientId, { number: `+6129100${clientId}`, call_callback_uri: `${rx.url}/lost?c=[[callid]]` });
      const call = await finalizeDeliveryCall(t.app, svc);
      const [{ delivery }] = (await t.app.deliveryLog.list(clientId, { callId: Number(call.id), limit: 1 })).items;
      const n = rx.requests.length;
      const first = t.app.outbox.runDue();
      await rx.waitFor(n + 1);
      assert.equal(await two.outbox.runDue(), 0, 'a live lease is not taken over');
      clock.advance(LEASE_MS + 1);
      const second = two.outbox.runDue();
      await rx.waitFor(n + 2);
      const [held1, held2] = rx.requests.slice(n);
      // Both attempts carry the delivery's id as webhook-id, so the receiver can tell it got the same delivery again.
      assert.equal(held1.headers['webhook-id'], delivery.id);
      assert.equal(held2.headers['webhook-id'], delivery.id);
      const state = async () => t.app.deliveryLog.get(clientId, delivery.id);
      return { acct, id: delivery.id, first, second, held1, held2, state };
    }
    const log = (attempts: { outcome: string; status_code: number | null }[]) => attempts.map((a) => `${a.outcome} ${a.status_code}`).sort();

    it('logs the stale outcome as lost_lease and leaves the delivery to the worker that took it over (still sending)', async () => {
      const { acct, id, first, second, held1, held2, state } = await takenOver(7501);
      held1.answer(500, 'late failure');
      await first;
      const during = await state();
      // The stale 500 neither counted as an attempt nor scheduled a retry: the new holder's claim is intact.
      assert.equal(during.delivery.status, 'pending');
      assert.equal(Number(during.delivery.total_attempts), 0);
      assert.equal(during.delivery.last_status_code, null);
      assert.equal(during.delivery.last_error, null);
      assert.ok(during.delivery.lease_until !== null && during.delivery.lease_until > clock.now().toISOString(), `lease_until ${during.delivery.lease_until}`);
      assert.deepEqual(log(during.attempts), ['lost_lease 500']);
      const re = await t.server.inject({ method: 'POST', url: `/webapi/v1/deliveries/${id}/redeliver`, headers: { authorization: acct.auth } });
      assert.equal(re.statusCode, 409, 'the new holder is still sending it');

      held2.answer(200);
      await second;
      const after = await state();
      assert.equal(after.delivery.status, 'delivered');
      assert.equal(Number(after.delivery.total_attempts), 1);
      assert.equal(after.delivery.last_status_code, 200);
      assert.equal(after.delivery.lease_until, null);
      assert.deepEqual(log(after.attempts), ['delivered 200', 'lost_lease 500']);
      assert.deepEqual(after.attempts.filter((a) => a.outcome !== 'lost_lease').map((a) => a.attempt_no), [1]);
    });

    it('does not let a late success overwrite the new holder’s retry; the retry goes out with the same webhook-id', async () => {
      const { id, first, second, held1, held2, state } = await takenOver(7502);
      held2.answer(503, 'busy');
      await second;
      const retrying = await state();
      assert.equal(retrying.delivery.status, 'pending');
      assert.equal(retrying.delivery.last_status_code, 503);
      const retryAt = retrying.delivery.next_attempt_at;
      assert.ok(retryAt > clock.now().toISOString(), `next attempt at ${retryAt}`);

      held1.answer(200);
      await first;
      const after = await state();
      // The stale 200 came from an attempt whose lease had ended: it is logged, but the delivery stays as the new holder left it.
      assert.equal(after.delivery.status, 'pending');
      assert.equal(after.delivery.delivered_at, null);
      assert.equal(after.delivery.last_status_code, 503);
      assert.equal(after.delivery.next_attempt_at, retryAt);
      assert.equal(Number(after.delivery.total_attempts), 1);
      assert.deepEqual(log(after.attempts), ['lost_lease 200', 'retry 503']);

      clock.set(retryAt);
      const n = rx.requests.length;
      const third = t.app.outbox.runDue();
      await rx.waitFor(n + 1);
      assert.equal(rx.requests[n].headers['webhook-id'], id);
      rx.requests[n].answer(200);
      assert.equal(await third, 1);
      const done = await state();
      assert.equal(done.delivery.status, 'delivered');
      assert.equal(Number(done.delivery.total_attempts), 2);
      assert.deepEqual(log(done.attempts), ['delivered 200', 'lost_lease 200', 'retry 503']);
      assert.deepEqual(done.attempts.filter((a) => a.outcome !== 'lost_lease').map((a) => a.attempt_no).sort(), [1, 2]);
    });
  });
}
