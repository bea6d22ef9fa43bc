import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, addDays } from '../../src/domain/clock.ts';
import { findNumber } from '../../src/storage/inventory/number.repository.ts';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount, stock, sydneyNumbers, type TestApp } from '../support/app.ts';
import { orderService } from '../support/telco.ts';

const START = '2026-02-01T00:00:00.000Z';

/** Polls until `fn` is true; fails naming `what` after the bound. */
async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const dialect of DIALECTS) {
  describe(`The worker's scheduled quarantine sweep, on a manual clock (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let clock: ManualClock;
    let auth: string;
    const CID = 7601;

    beforeEach(async () => {
      clock = new ManualClock(START);
      // An hour between sweeps: only the worker's clock moving on can trigger the next one.
      t = await buildTestApp(dialect, { clock, env: { TT_QUARANTINE_DAYS: '90', TT_QUIET_DAYS: '14', TT_NOISE_THRESHOLD: '1', TT_SWEEP_INTERVAL_SECONDS: '3600' } });
      auth = (await makeAccount(t.app, CID)).auth;
    });
    afterEach(async () => t?.close());

    const quarantine = async (number: string) => {
      const svc = await orderService(t.server, t.app, auth, { type: 'new', number, service: { type: 'voicemail' } });
      const res = await t.server.inject({ method: 'POST', url: '/telco/v1/requests', headers: { authorization: auth }, payload: { type: 'decommission', service_id: svc.serviceId } });
      assert.equal(res.statusCode, 202, res.body);
      await t.app.worker.drain();
      assert.equal((await findNumber(t.app.storage.db, number))?.state, 'quarantined');
    };
    const row = async (n: string) => (await findNumber(t.app.storage.db, n))!;

    it('releases a quiet number once its quarantine date has passed, holds one whose quiet period was noisy, and releases that one at a later scheduled sweep', async () => {
      const [quiet, noisy] = sydneyNumbers(2, 700);
      await stock(t.app, [quiet, noisy]);
      await quarantine(quiet);
      await quarantine(noisy);
      t.app.worker.start();

      // Two noise calls the day before release (threshold 1) push the noisy number a quiet period on, to day 103.
      clock.set(addDays(new Date(START), 89));
      await t.app.inventory.recordNoiseCall(noisy, null);
      await t.app.inventory.recordNoiseCall(noisy, null);
      const pushed = addDays(new Date(START), 89 + 14).toISOString();
      assert.equal((await row(noisy)).release_after, pushed);
      assert.equal((await row(quiet)).state, 'quarantined', 'nothing is released before its date');

      // The clock reaches day 90: the worker's next sweep (due on its own clock) releases the quiet number only.
      clock.set(addDays(new Date(START), 90));
      await until('the scheduled sweep releases the quiet number', async () => (await row(quiet)).state === 'available');
      const held = await row(noisy);
      assert.equal(held.state, 'quarantined', 'the noisy number is held');
      assert.equal(held.release_after, pushed);

      // At day 103 its pushed date has passed and its quiet period was quiet: a later sweep releases it.
      clock.set(pushed);
      await until('a later scheduled sweep releases the once-noisy number', async () => (await row(noisy)).state === 'available');
      const listed = (await t.server.inject({ url: '/telco/v1/numbers', headers: { authorization: auth } })).json().numbers;
      assert.deepEqual(listed.map((x: { number: string }) => x.number).sort(), [quiet, noisy].sort(), 'released numbers are orderable again');
    });
  });
}
