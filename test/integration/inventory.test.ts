import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, addDays, DAY_MS } from '../../src/domain/clock.ts';
import { findNumber, countNoise } from '../../src/storage/inventory/number.repository.ts';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount, stock, sydneyNumbers, type TestApp } from '../support/app.ts';
import { orderService } from '../support/telco.ts';

const START = '2026-02-01T00:00:00.000Z';

for (const dialect of DIALECTS) {
  describe(`Number inventory: quarantine, noise, sweep, private rules, recycle (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let clock: ManualClock;
    let auth: string;
    const CID = 7501;

    beforeEach(async () => {
      clock = new ManualClock(START);
      t = await buildTestApp(dialect, { clock, env: { TT_QUARANTINE_DAYS: '90', TT_QUIET_DAYS: '14', TT_NOISE_THRESHOLD: '1' } });
      auth = (await makeAccount(t.app, CID)).auth;
    });
    afterEach(async () => t?.close());

    /** Orders a service on `number` and decommissions it now; returns when the number is quarantined. */
    const quarantined = async (number: string) => {
      const svc = await orderService(t.server, t.app, auth, { type: 'new', number, service: { type: 'voicemail' } });
      const res = await t.server.inject({ method: 'POST', url: '/telco/v1/requests', headers: { authorization: auth }, payload: { type: 'decommission', service_id: svc.serviceId } });
      assert.equal(res.statusCode, 202, res.body);
      await t.app.worker.drain();
      const row = await findNumber(t.app.storage.db, number);
      assert.equal(row?.state, 'quarantined');
      return row!;
    };
    const state = async (n: string) => (await findNumber(t.app.storage.db, n))?.state;

    it('releases a quiet public number at the sweep after its quarantine ends, not before', async () => {
      const [n] = sydneyNumbers(1);
      await stock(t.app, [n]);
      const row = await quarantined(n);
      assert.equal(row.release_after, addDays(clock.now(), 90).toISOString());
      clock.advance(90 * DAY_MS - 1000);
      assert.deepEqual((await t.app.inventory.sweep()).released, []);
      assert.equal(await state(n), 'quarantined');
      clock.advance(1000);
      assert.deepEqual((await t.app.inventory.sweep()).released, [n]);
      assert.equal(await state(n), 'available');
      const listed = (await t.server.inject({ url: '/telco/v1/numbers', headers: { authorization: auth } })).json().numbers;
      assert.deepEqual(listed.map((x: { number: string }) => x.number), [n], 'a released number is orderable again');
    });

    it('records a call to a quarantined number as noise, and refuses to for a number in use', async () => {
      const [n, m] = sydneyNumbers(2);
      await stock(t.app, [n, m]);
      await quarantined(n);
      assert.equal(await t.app.inventory.recordNoiseCall(n, '+61400000001'), true);
      assert.equal(await countNoise(t.app.storage.db, n), 1);
      await orderService(t.server, t.app, auth, { type: 'new', number: m, service: { type: 'voicemail' } });
      assert.equal(await t.app.inventory.recordNoiseCall(m, '+61400000001'), false, 'an active number’s calls are not noise');
      assert.equal(await t.app.inventory.recordNoiseCall('+61299990000', null), false, 'nor an unknown number’s');
      assert.equal(await countNoise(t.app.storage.db, m), 0);
    });

    it('pushes the release date a quiet period past noise over the threshold, and holds the number at the sweep', async () => {
      const [n] = sydneyNumbers(1);
      await stock(t.app, [n]);
      const row = await quarantined(n);
      const release = row.release_after!;
      clock.set(addDays(new Date(START), 85));
      await t.app.inventory.recordNoiseCall(n, null);
      assert.equal((await findNumber(t.app.storage.db, n))?.release_after, release, 'one call is within the threshold of 1');
      clock.advance(DAY_MS);
      await t.app.inventory.recordNoiseCall(n, null);
      const pushed = addDays(clock.now(), 14).toISOString();
      assert.equal((await findNumber(t.app.storage.db, n))?.release_after, pushed, 'the second call goes over the threshold');
      clock.set(release);
      assert.deepEqual((await t.app.inventory.sweep()).released, []);
      assert.equal(await state(n), 'quarantined');
      clock.set(pushed);
      assert.deepEqual((await t.app.inventory.sweep()).released, [n], 'released once a whole quiet period has passed');
    });

    it('sweeps only the quiet numbers among several due ones', async () => {
      const [quiet, noisy] = sydneyNumbers(2);
      await stock(t.app, [quiet, noisy]);
      await quarantined(quiet);
      await quarantined(noisy);
      clock.set(addDays(new Date(START), 89));
      await t.app.inventory.recordNoiseCall(noisy, null);
      await t.app.inventory.recordNoiseCall(noisy, null);
      clock.set(addDays(new Date(START), 90));
      const { released } = await t.app.inventory.sweep();
      assert.deepEqual(released, [quiet]);
      assert.equal(await state(noisy), 'quarantined');
    });

    it('applies a private inventory’s own quarantine, quiet period and threshold', async () => {
      const [n] = sydneyNumbers(1, 900);
      await stock(t.app, [n], { privateFor: CID });
      await t.app.inventory.setInventoryRules(CID, { quarantineDays: 10, quietDays: 3, noiseThreshold: 0 });
      const row = await quarantined(n);
      assert.equal(row.release_after, addDays(clock.now(), 10).toISOString());
      clock.set(addDays(new Date(START), 9));
      await t.app.inventory.recordNoiseCall(n, null);
      assert.equal((await findNumber(t.app.storage.db, n))?.release_after, addDays(clock.now(), 3).toISOString(), 'threshold 0: any noise pushes');
      clock.set(addDays(new Date(START), 12));
      assert.deepEqual((await t.app.inventory.sweep()).released, [n]);
      assert.equal((await findNumber(t.app.storage.db, n))?.owner_client_id, CID, 'it returns to the private inventory');
    });

    it('refuses bad private inventory rules, naming each field', async () => {
      await assert.rejects(t.app.inventory.setInventoryRules(CID, { quarantineDays: -1, quietDays: 1.5, noiseThreshold: -2 }), (err: { details: { path: string }[] }) => {
        assert.deepEqual(err.details.map((d) => d.path).sort(), ['noise_threshold', 'quarantine_days', 'quiet_days']);
        return true;
      });
      await assert.rejects(t.app.inventory.setInventoryRules(999999, { quarantineDays: 5 }), /999999/);
    });

    it('recycles a quarantined private number on request when the rules allow it', async () => {
      const [n] = sydneyNumbers(1, 900);
      await stock(t.app, [n], { privateFor: CID });
      await t.app.inventory.setInventoryRules(CID, { recycleOnRequest: true });
      await quarantined(n);
      const res = await t.server.inject({ method: 'POST', url: `/telco/v1/numbers/${encodeURIComponent('+61-0291000900')}/recycle`, headers: { authorization: auth } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().number.number, n);
      assert.equal(await state(n), 'available');
      const again = await t.server.inject({ method: 'POST', url: `/telco/v1/numbers/${encodeURIComponent(n)}/recycle`, headers: { authorization: auth } });
      assert.equal(again.statusCode, 409, 'not quarantined any more');
    });

    it('refuses recycle on request when the rules do not allow it (403), and for public numbers (404)', async () => {
      const [priv] = sydneyNumbers(1, 900);
      const [pub] = sydneyNumbers(1, 0);
      await stock(t.app, [priv], { privateFor: CID });
      await stock(t.app, [pub]);
      await quarantined(priv);
      await quarantined(pub);
      const res = await t.server.inject({ method: 'POST', url: `/telco/v1/numbers/${encodeURIComponent(priv)}/recycle`, headers: { authorization: auth } });
      assert.equal(res.statusCode, 403, res.body);
      assert.equal(await state(priv), 'quarantined');
      const pubRes = await t.server.inject({ method: 'POST', url: `/telco/v1/numbers/${encodeURIComponent(pub)}/recycle`, headers: { authorization: auth } });
      assert.equal(pubRes.statusCode, 404, pubRes.body);
      assert.equal(await state(pub), 'quarantined');
    });

    it('reports the private inventory: size, states, use, noise on quarantined numbers and rules', async () => {
      const priv = sydneyNumbers(4, 900);
      await stock(t.app, priv, { privateFor: CID });
      await stock(t.app, sydneyNumbers(5, 0));
      await t.app.inventory.setInventoryRules(CID, { quarantineDays: 30 });
      await orderService(t.server, t.app, auth, { type: 'new', number: priv[0], service: { type: 'voicemail' } });
      await quarantined(priv[1]);
      await t.app.inventory.recordNoiseCall(priv[1], null);
      await t.app.inventory.recordNoiseCall(priv[1], null);
      const res = await t.server.inject({ url: '/telco/v1/inventory', headers: { authorization: auth } });
      assert.equal(res.statusCode, 200, res.body);
      const inv = res.json().inventory;
      assert.equal(inv.total, 4, 'public stock is not counted');
      assert.deepEqual(inv.by_state, { available: 2, reserved: 0, active: 1, quarantined: 1, retired: 0 });
      assert.equal(inv.utilisation, 0.25);
      assert.equal(inv.noise_calls_on_quarantined, 2);
      assert.deepEqual(inv.rules, { quarantine_days: 30, quiet_days: 14, noise_threshold: 1, recycle_on_request: false });
    });
  });
}
