import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { createApp } from '../../src/app.ts';
import { DIALECTS } from '../support/dialects.ts';
import { SlowReceiverProcess, type SlowRequest } from '../support/slow-receiver-process.ts';
import { killProcess, startWorkerProcess, waitUntil, type WorkerProcess } from '../support/worker-process.ts';
import { deliveryService, finalizeDeliveryCall } from '../support/delivery-fixtures.ts';

/*
 * The lease (2 × TT_DELIVERY_TIMEOUT_MS + 5 s) must cover every attempt a worker makes under it, or the delivery can
 * be taken over by another worker while the first is still sending it: the same attempt twice, at once. A worker
 * claims more than it has lanes for (a batch of 2 × TT_DELIVERY_CONCURRENCY, the next batch before the lanes run dry),
 * so a claimed delivery can wait behind slow attempts. With two lanes, a receiver that answers the first two requests
 * at once and holds every later one nearly the whole timeout, and eight deliveries, the last two are reached only
 * after two rounds of slow attempts have used most of their lease. They may then not be started (the lease-fit
 * rule): started, they would still be in flight when the lease ends and the idle second worker takes them over.
 */
const TIMEOUT_MS = 9000;
const HOLD_MS = 8400;
const CONCURRENCY = 2;
const DELIVERIES = 4 * CONCURRENCY;

for (const dialect of DIALECTS) {
  describe(`Delivery leases with two worker processes and a slow receiver (${dialect.name})`, { skip: dialect.skip }, () => {
    it('never has two workers sending the same attempt: each attempt arrives once, alone, with the delivery’s webhook-id, and no lease is lost', async () => {
      const db = await dialect.fresh();
      // The first answers come at once (so the worker claims its next batch straight away), every later one after HOLD_MS.
      const receiver = await new SlowReceiverProcess({ delayMs: HOLD_MS, fastFirst: CONCURRENCY }).start();
      const env = {
        TT_DATA_DIR: db.dataDir,
        TT_DATABASE_URL: db.databaseUrl ?? '',
        TT_LOG_LEVEL: 'warn',
        TT_WORKER_POLL_MS: '25',
        TT_DELIVERY_TIMEOUT_MS: String(TIMEOUT_MS),
        TT_DELIVERY_CONCURRENCY: String(CONCURRENCY),
        // Should an answer on this busy machine come after the timeout, its retry follows a second later.
        TT_DELIVERY_RETRY_SCHEDULE: '0,1,1,1,1,1,1,1,1,1',
      };
      // The test process plays the call path (it writes the calls and their deliveries); it never sends.
      const app = await createApp(loadConfig(env), { log: pino({ level: 'silent' }) });
      const procs: WorkerProcess[] = [];
      const t0 = Date.now();
      let receipts: SlowRequest[] = [];
      try {
        await app.accounts.createAccount({ clientId: 8901, name: 'Lease test' });
        const svc = await deliveryService(app, 8901, { number: '+61291008901', call_callback_uri: `${receiver.url}/lease?callid=[[callid]]` });
        for (let i = 0; i < DELIVERIES; i++) await finalizeDeliveryCall(app, svc);
        const pendingUnclaimed = async () =>
          Number(
            (
              await app.storage.db
                .selectFrom('deliveries')
                .select((eb) => eb.fn.countAll<number>().as('n'))
                .where('client_id', '=', 8901)
                .where('status', '=', 'pending')
                .where('lease_owner', 'is', null)
                .executeTakeFirstOrThrow()
            ).n,
          );
        procs.push(startWorkerProcess(env, 'a'));
        // The second worker starts once the first holds every delivery, so it can only send one by taking a lease over.
        await waitUntil(async () => (await pendingUnclaimed()) === 0, 'the first worker to claim every delivery', 120_000);
        procs.push(startWorkerProcess(env, 'b'));

        const log = async () => (await app.deliveryLog.list(8901, { limit: 50 })).items;
        const settled = async () => {
          receipts = await receiver.requests();
          const items = await log();
          const attempts = items.reduce((n, i) => n + i.attempts.length, 0);
          return items.every((i) => i.delivery.status === 'delivered') && receipts.every((r) => r.settledAt !== null) && attempts >= receipts.length;
        };
        await waitUntil(settled, 'every delivery delivered and every attempt logged', 180_000).catch(async (err) => {
          throw new Error(`${(err as Error).message}\n${JSON.stringify({ receipts, log: await log() }, null, 1)}\n${procs.flatMap((p) => p.output).join('').slice(-4000)}`);
        });

        const items = await log();
        const timeline = receipts.map((r) => `${r.webhookId.slice(-6)} ${((r.receivedAt - t0) / 1000).toFixed(1)}-${(((r.settledAt ?? 0) - t0) / 1000).toFixed(1)} s${r.answered ? '' : ' (abandoned)'}${r.overlapping ? ' OVERLAPPING' : ''}`);
        const detail = `\nreceived: ${timeline.join('; ')}\nlog: ${JSON.stringify(items.map((i) => ({ id: i.delivery.id, attempts: i.attempts.map((a) => [a.attempt_no, a.outcome, a.worker]) })))}`;
        console.log(`${dialect.name}: ${receipts.length} requests for ${DELIVERIES} deliveries in ${((Date.now() - t0) / 1000).toFixed(1)} s${detail}`);

        assert.equal(items.length, DELIVERIES);
        const byId = new Map(items.map((i) => [i.delivery.id, i]));
        for (const r of receipts) {
          // Every request carries the webhook-id of its delivery (the same on every attempt) and that delivery's URL.
          const item = byId.get(r.webhookId);
          assert.ok(item, `a request with webhook-id ${r.webhookId} that is no delivery's id${detail}`);
          assert.equal(`${receiver.url}${r.url}`, item.delivery.url);
        }
        assert.deepEqual(receipts.filter((r) => r.overlapping > 0), [], `two workers sent the same delivery at once${detail}`);
        for (const { delivery, attempts } of items) {
          const mine = receipts.filter((r) => r.webhookId === delivery.id);
          const numbers = attempts.map((a) => a.attempt_no);
          assert.equal(new Set(numbers).size, numbers.length, `delivery ${delivery.id}: an attempt number was made twice (${numbers.join(', ')})${detail}`);
          assert.deepEqual(attempts.filter((a) => a.outcome === 'lost_lease'), [], `delivery ${delivery.id}: a worker lost its lease mid-attempt${detail}`);
          // Each attempt in the log reached the receiver exactly once (a timed-out attempt is logged and retried).
          assert.equal(mine.length, attempts.length, `delivery ${delivery.id}: ${mine.length} requests for ${attempts.length} attempts${detail}`);
          assert.equal(delivery.status, 'delivered');
          assert.equal(Number(delivery.total_attempts), attempts.length);
          assert.equal(attempts.at(-1)!.outcome, 'delivered');
        }
      } finally {
        await Promise.all(procs.map(killProcess));
        await app.close();
        await receiver.close();
        await db.drop();
      }
    });
  });
}
