import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, addDays } from '../../src/domain/clock.ts';
import { findNumber } from '../../src/storage/inventory/number.repository.ts';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount, mobileNumbers, stock, sydneyNumbers, type TestApp } from '../support/app.ts';
import { orderService } from '../support/telco.ts';

const START = '2026-03-01T00:00:00.000Z';

for (const dialect of DIALECTS) {
  describe(`Telco API ordering, update and decommission (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let clock: ManualClock;
    let auth: string;
    const CID = 7301;

    beforeEach(async () => {
      clock = new ManualClock(START);
      t = await buildTestApp(dialect, { clock, env: { TT_QUARANTINE_DAYS: '100' } });
      auth = (await makeAccount(t.app, CID)).auth;
    });
    afterEach(async () => t?.close());

    const post = (payload: Record<string, unknown>) => t.server.inject({ method: 'POST', url: '/telco/v1/requests', headers: { authorization: auth }, payload });
    const get = (url: string) => t.server.inject({ method: 'GET', url, headers: { authorization: auth } });
    const order = async (extra: Record<string, unknown>, service: Record<string, unknown> = { type: 'voicemail' }) => {
      const res = await post({ type: 'new', ...extra, service });
      assert.equal(res.statusCode, 202, res.body);
      return res.json().request as { id: string; status: string; number: string | null; service_id: string | null; error: { code: string } | null };
    };

    it('orders an explicit number, written in any accepted format, and reserves it before answering', async () => {
      await stock(t.app, sydneyNumbers(3));
      const r = await order({ number: '+61-0291000002' });
      assert.equal(r.status, 'queued');
      assert.equal(r.number, '+61291000002');
      assert.equal((await findNumber(t.app.storage.db, '+61291000002'))?.state, 'reserved');
      await t.app.worker.drain();
      assert.equal((await findNumber(t.app.storage.db, '+61291000002'))?.state, 'active');
    });

    it('orders by country, class, area (with or without trunk 0), contains and sms', async () => {
      await stock(t.app, ['+61290088800', '+61390012300', '+611300456700', '+611800123400', '+14155551200']);
      await stock(t.app, mobileNumbers(2), { sms: true });
      await stock(t.app, ['+61412999000'], { sms: false });
      assert.equal((await order({ criteria: { country: 'AU', class: 'GEO', area: '03' } })).number, '+61390012300');
      assert.equal((await order({ criteria: { country: 'AU', area: '2' } })).number, '+61290088800');
      assert.equal((await order({ criteria: { class: 'TOLLFREE' } })).number, '+611300456700');
      assert.equal((await order({ criteria: { country: 'AU', class: 'FREECALL' } })).number, '+611800123400');
      assert.equal((await order({ criteria: { country: 'US' } })).number, '+14155551200');
      assert.equal((await order({ criteria: { class: 'MOBILE', sms: false } })).number, '+61412999000');
      assert.equal((await order({ criteria: { contains: '100001' } })).number, mobileNumbers(2)[1]);
      assert.equal((await order({ criteria: { class: 'MOBILE', sms: true } })).number, mobileNumbers(2)[0]);
    });

    it('lists numbers by the same criteria', async () => {
      await stock(t.app, ['+61290088800', '+61390012300', '+611300456700']);
      await stock(t.app, mobileNumbers(2), { sms: true });
      const list = async (q: string) => (await get(`/telco/v1/numbers?${q}`)).json().numbers.map((n: { number: string }) => n.number);
      assert.deepEqual(await list('country=AU&area=02'), ['+61290088800']);
      assert.deepEqual(await list('country=AU&area=3'), ['+61390012300']);
      assert.deepEqual(await list('class=TOLLFREE'), ['+611300456700']);
      assert.deepEqual(await list('sms=true'), mobileNumbers(2));
      assert.deepEqual(await list('contains=4567'), ['+611300456700']);
      const one = (await get('/telco/v1/numbers?class=TOLLFREE')).json().numbers[0];
      assert.deepEqual(one, { number: '+611300456700', number_local: '+61-1300456700', country: 'AU', class: 'TOLLFREE', sms: false, voice: true, stock: 'public' });
    });

    it('records an order with nothing matching as failed no_stock, pollable, and takes no number', async () => {
      await stock(t.app, sydneyNumbers(1));
      const r = await order({ criteria: { country: 'US' } });
      assert.equal(r.status, 'failed');
      assert.equal(r.error?.code, 'no_stock');
      const polled = (await get(`/telco/v1/requests/${r.id}`)).json().request;
      assert.equal(polled.status, 'failed');
      assert.equal(polled.error.code, 'no_stock');
      assert.equal((await findNumber(t.app.storage.db, sydneyNumbers(1)[0]))?.state, 'available');
      const failed = (await get('/telco/v1/requests?status=failed')).json().requests.map((x: { id: string }) => x.id);
      assert.deepEqual(failed, [r.id]);
    });

    it('records an order for a number that is taken or not in stock as failed number_unavailable', async () => {
      await stock(t.app, sydneyNumbers(2));
      await order({ number: sydneyNumbers(1)[0] });
      const taken = await order({ number: sydneyNumbers(1)[0] });
      assert.equal(taken.status, 'failed');
      assert.equal(taken.error?.code, 'number_unavailable');
      const unknown = await order({ number: '+61299990000' });
      assert.equal(unknown.error?.code, 'number_unavailable');
    });

    it('PRIVATE takes own private stock first and falls back to public stock', async () => {
      await stock(t.app, sydneyNumbers(1, 0));
      await stock(t.app, sydneyNumbers(1, 900), { privateFor: CID });
      await t.app.inventory.setStockPolicy(CID, 'AU', 'GEO', 'PRIVATE');
      assert.equal((await order({ criteria: { country: 'AU', class: 'GEO' } })).number, sydneyNumbers(1, 900)[0]);
      assert.equal((await order({ criteria: { country: 'AU', class: 'GEO' } })).number, sydneyNumbers(1, 0)[0]);
      assert.equal((await order({ criteria: { country: 'AU', class: 'GEO' } })).error?.code, 'no_stock');
    });

    it('STRICT_PRIVATE never falls back to public stock', async () => {
      await stock(t.app, sydneyNumbers(2, 0));
      await stock(t.app, sydneyNumbers(1, 900), { privateFor: CID });
      await t.app.inventory.setStockPolicy(CID, 'AU', 'GEO', 'STRICT_PRIVATE');
      assert.equal((await order({ criteria: { country: 'AU', class: 'GEO' } })).number, sydneyNumbers(1, 900)[0]);
      const r = await order({ criteria: { country: 'AU', class: 'GEO' } });
      assert.equal(r.status, 'failed');
      assert.equal(r.error?.code, 'no_stock');
      assert.equal((await order({ criteria: { country: 'AU' } })).error?.code, 'no_stock', 'without a class either');
      const listed = (await get('/telco/v1/numbers')).json().numbers;
      assert.deepEqual(listed, [], 'public AU GEO stock is not offered under STRICT_PRIVATE');
    });

    it('PUBLIC (the default) orders from public stock, and the own private numbers only by naming them', async () => {
      await stock(t.app, sydneyNumbers(1, 0));
      await stock(t.app, sydneyNumbers(1, 900), { privateFor: CID });
      assert.equal((await order({ criteria: { country: 'AU' } })).number, sydneyNumbers(1, 0)[0]);
      assert.equal((await order({ criteria: { country: 'AU' } })).error?.code, 'no_stock');
      assert.equal((await order({ number: sydneyNumbers(1, 900)[0] })).status, 'queued');
    });

    it('lists the account’s own private numbers first', async () => {
      await stock(t.app, sydneyNumbers(3, 0));
      await stock(t.app, sydneyNumbers(2, 900), { privateFor: CID });
      const listed = (await get('/telco/v1/numbers')).json().numbers;
      assert.deepEqual(listed.map((n: { number: string }) => n.number), [...sydneyNumbers(2, 900), ...sydneyNumbers(3, 0)]);
      assert.deepEqual(listed.map((n: { stock: string }) => n.stock), ['private', 'private', 'public', 'public', 'public']);
    });

    it('answers 422 for sms_forward_uri on a number that cannot receive SMS, and keeps the number', async () => {
      await stock(t.app, sydneyNumbers(1));
      const res = await post({ type: 'new', number: sydneyNumbers(1)[0], service: { type: 'voicemail', sms_forward_uri: 'https://example.com/sms' } });
      assert.equal(res.statusCode, 422, res.body);
      assert.equal(res.json().errors[0].path, 'service.sms_forward_uri');
      assert.equal((await findNumber(t.app.storage.db, sydneyNumbers(1)[0]))?.state, 'available');
      const svc = await orderService(t.server, t.app, auth, { type: 'new', number: sydneyNumbers(1)[0], service: { type: 'voicemail' } });
      const upd = await post({ type: 'update', service_id: svc.serviceId, service: { sms_forward_uri: 'https://example.com/sms' } });
      assert.equal(upd.statusCode, 422, upd.body);
    });

    it('accepts sms_forward_uri on an SMS-capable number and picks one by criteria', async () => {
      await stock(t.app, sydneyNumbers(1));
      await stock(t.app, mobileNumbers(1), { sms: true });
      const r = await order({ criteria: { country: 'AU' } }, { type: 'voicemail', sms_forward_uri: 'https://example.com/sms' });
      assert.equal(r.number, mobileNumbers(1)[0]);
    });

    it('refuses a transfer without target_number (400), for a new service and by update', async () => {
      await stock(t.app, sydneyNumbers(1));
      const res = await post({ type: 'new', criteria: {}, service: { type: 'transfer' } });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().errors[0].path, 'service.target_number');
      const svc = await orderService(t.server, t.app, auth, { type: 'new', criteria: {}, service: { type: 'voicemail' } });
      const upd = await post({ type: 'update', service_id: svc.serviceId, service: { type: 'transfer' } });
      assert.equal(upd.statusCode, 400, upd.body);
      assert.equal(upd.json().errors[0].path, 'service.target_number');
    });

    it('changes the given fields by update, clears fields set to null and leaves the others', async () => {
      await stock(t.app, sydneyNumbers(1));
      const svc = await orderService(t.server, t.app, auth, { type: 'new', criteria: {}, service: { type: 'transfer', target_number: '+61299998888', name: 'Old', custom_id: 'c-1', custom_group: 'g' } });
      const res = await post({ type: 'update', service_id: svc.serviceId, service: { name: 'New', target_number: '+61-0298887777', custom_group: null, notifications: [{ channel: 'email', to: 'ops@example.com', statuses: ['missed'] }] } });
      assert.equal(res.statusCode, 202, res.body);
      assert.equal(res.json().request.status, 'queued');
      await t.app.worker.drain();
      assert.equal((await get(`/telco/v1/requests/${res.json().request.id}`)).json().request.status, 'completed');
      const s = (await get(`/telco/v1/services/${svc.serviceId}`)).json().service;
      assert.equal(s.name, 'New');
      assert.equal(s.target_number, '+61298887777');
      assert.equal(s.custom_id, 'c-1');
      assert.equal(s.custom_group, null);
      assert.equal(s.type, 'transfer');
      assert.deepEqual(s.notifications, [{ channel: 'email', to: 'ops@example.com', statuses: ['missed'] }]);
    });

    it('decommissions into quarantine until the platform’s quarantine ends (public stock)', async () => {
      await stock(t.app, sydneyNumbers(1));
      const svc = await orderService(t.server, t.app, auth, { type: 'new', criteria: {}, service: { type: 'voicemail' } });
      clock.advance(3_600_000);
      const res = await post({ type: 'decommission', service_id: svc.serviceId });
      assert.equal(res.statusCode, 202, res.body);
      await t.app.worker.drain();
      const s = (await get(`/telco/v1/services/${svc.serviceId}`)).json().service;
      assert.equal(s.status, 'decommissioned');
      const n = await findNumber(t.app.storage.db, svc.number);
      assert.equal(n?.state, 'quarantined');
      assert.equal(n?.release_after, addDays(clock.now(), 100).toISOString());
      assert.equal(n?.service_id, null);
      const listed = (await get('/telco/v1/numbers')).json().numbers;
      assert.deepEqual(listed, [], 'a quarantined number is not offered');
    });

    it('decommissions a private number by its inventory’s own quarantine rule', async () => {
      await stock(t.app, sydneyNumbers(1, 900), { privateFor: CID });
      await t.app.inventory.setInventoryRules(CID, { quarantineDays: 7 });
      const svc = await orderService(t.server, t.app, auth, { type: 'new', number: sydneyNumbers(1, 900)[0], service: { type: 'voicemail' } });
      await post({ type: 'decommission', service_id: svc.serviceId });
      await t.app.worker.drain();
      const n = await findNumber(t.app.storage.db, svc.number);
      assert.equal(n?.state, 'quarantined');
      assert.equal(n?.release_after, addDays(clock.now(), 7).toISOString());
    });

    it('refuses update and decommission of a decommissioned service with 409', async () => {
      await stock(t.app, sydneyNumbers(1));
      const svc = await orderService(t.server, t.app, auth, { type: 'new', criteria: {}, service: { type: 'voicemail' } });
      await post({ type: 'decommission', service_id: svc.serviceId });
      await t.app.worker.drain();
      const upd = await post({ type: 'update', service_id: svc.serviceId, service: { name: 'x' } });
      assert.equal(upd.statusCode, 409, upd.body);
      assert.equal(upd.json().code, 'conflict');
      const dec = await post({ type: 'decommission', service_id: svc.serviceId });
      assert.equal(dec.statusCode, 409, dec.body);
    });

    it('carries out requests on one service in the order they were asked for, even within one millisecond', async () => {
      await stock(t.app, sydneyNumbers(6));
      const pairs: { upd: string; dec: string; svc: string }[] = [];
      for (let i = 0; i < 6; i++) {
        const svc = await orderService(t.server, t.app, auth, { type: 'new', criteria: {}, service: { type: 'voicemail' } });
        const upd = (await post({ type: 'update', service_id: svc.serviceId, service: { name: `n${i}` } })).json().request.id;
        const dec = (await post({ type: 'decommission', service_id: svc.serviceId })).json().request.id;
        pairs.push({ upd, dec, svc: svc.serviceId });
      }
      await t.app.worker.drain();
      for (const p of pairs) {
        assert.equal((await get(`/telco/v1/requests/${p.upd}`)).json().request.status, 'completed', 'the update ran before the decommission');
        assert.equal((await get(`/telco/v1/requests/${p.dec}`)).json().request.status, 'completed');
        const s = (await get(`/telco/v1/services/${p.svc}`)).json().service;
        assert.equal(s.status, 'decommissioned');
        assert.match(s.name, /^n\d$/);
      }
    });

    it('filters services by status, number, custom_id and custom_group', async () => {
      await stock(t.app, sydneyNumbers(2));
      const s1 = await orderService(t.server, t.app, auth, { type: 'new', criteria: {}, service: { type: 'voicemail', custom_id: 'a', custom_group: 'g1' } });
      const s2 = await orderService(t.server, t.app, auth, { type: 'new', criteria: {}, service: { type: 'voicemail', custom_id: 'b', custom_group: 'g2' } });
      const ids = async (q: string) => (await get(`/telco/v1/services?${q}`)).json().services.map((s: { id: string }) => s.id);
      assert.deepEqual(await ids('custom_id=a'), [s1.serviceId]);
      assert.deepEqual(await ids('custom_group=g2'), [s2.serviceId]);
      assert.deepEqual(await ids(`number=${encodeURIComponent(toLocal(s2.number))}`), [s2.serviceId]);
      assert.deepEqual(await ids('status=live'), [s1.serviceId, s2.serviceId], 'in creation order');
      assert.deepEqual(await ids('status=provisioning'), []);
    });
  });
}

function toLocal(e164: string) {
  return `+61-0${e164.slice(3)}`;
}
