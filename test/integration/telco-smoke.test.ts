import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount, stock, sydneyNumbers, type TestApp } from '../support/app.ts';

for (const dialect of DIALECTS) {
  describe(`Telco API order round trip (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(dialect);
    });
    after(async () => t?.close());

    it('orders a number by criteria, completes it in the worker and lists the live service', async () => {
      const acct = await makeAccount(t.app, 7001);
      await stock(t.app, sydneyNumbers(3));
      const res = await t.server.inject({
        method: 'POST',
        url: '/telco/v1/requests',
        headers: { authorization: acct.auth },
        payload: { type: 'new', criteria: { country: 'AU', class: 'GEO' }, service: { type: 'transfer', target_number: '+61299998888', custom_id: 'ad-1' } },
      });
      assert.equal(res.statusCode, 202, res.body);
      const { request } = res.json();
      assert.equal(request.status, 'queued');
      assert.equal(request.number, '+61291000000');
      await t.app.worker.drain();
      const polled = await t.server.inject({ url: `/telco/v1/requests/${request.id}`, headers: { authorization: acct.auth } });
      assert.equal(polled.json().request.status, 'completed');
      const svc = await t.server.inject({ url: `/telco/v1/services/${request.service_id}`, headers: { authorization: acct.auth } });
      assert.equal(svc.statusCode, 200);
      assert.equal(svc.json().service.status, 'live');
      assert.equal(svc.json().service.custom_id, 'ad-1');
    });
  });
}
