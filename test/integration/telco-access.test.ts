import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, stock, sydneyNumbers, type TestApp } from '../support/app.ts';
import { orderService, telcoRoutes } from '../support/telco.ts';
import { lockoutOff } from '../support/userapi.ts';

for (const dialect of DIALECTS) {
  describe(`Telco API access: credentials and account isolation (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let a: Awaited<ReturnType<typeof makeAccount>>;
    let b: Awaited<ReturnType<typeof makeAccount>>;
    let agency: string;
    let bService: { serviceId: string; requestId: string; number: string };
    const bPrivate = sydneyNumbers(3, 500);

    before(async () => {
      t = await buildTestApp(dialect);
      a = await makeAccount(t.app, 7101);
      b = await makeAccount(t.app, 7102);
      await makeAccount(t.app, 7103);
      // Wrong passwords are sent on purpose on every route: the password policy's lockout is tested elsewhere.
      await lockoutOff(t.app, [7101, 7102, 7103]);
      await t.app.accounts.createUser({ username: 'agency', password: 'agency-password', clientIds: [7101, 7102] });
      agency = basic('agency', 'agency-password');
      await stock(t.app, sydneyNumbers(10));
      await stock(t.app, bPrivate, { privateFor: 7102 });
      await t.app.inventory.setInventoryRules(7102, { recycleOnRequest: true });
      const o = await orderService(t.server, t.app, b.auth, { type: 'new', number: bPrivate[0], service: { type: 'transfer', target_number: '+61299998888', custom_id: 'b-1' } });
      bService = { serviceId: o.serviceId, requestId: o.request.id, number: o.number };
    });
    after(async () => t?.close());

    const call = (route: { method: string; url: string; payload?: unknown }, authorization?: string, extra: Record<string, string> = {}) =>
      t.server.inject({ method: route.method as 'GET', url: route.url, payload: route.payload as object, headers: { ...(authorization ? { authorization } : {}), ...extra } });

    it('answers 401 on every route for missing, malformed, wrong-password and unknown-user credentials', async () => {
      const bad = {
        missing: undefined,
        'not basic': 'Bearer abc',
        'no colon': `Basic ${Buffer.from('user7101').toString('base64')}`,
        garbage: 'Basic !!!',
        'wrong password': basic('user7101', 'wrong-password'),
        'unknown user': basic('nobody', 'password-7101'),
      };
      for (const route of telcoRoutes(bService)) {
        for (const [name, header] of Object.entries(bad)) {
          const res = await call(route, header);
          assert.equal(res.statusCode, 401, `${route.method} ${route.url} ${name}: ${res.body}`);
          assert.equal(res.json().code, 'unauthorized');
          assert.match(String(res.headers['www-authenticate']), /^Basic/);
        }
      }
    });

    it('checks credentials before the body: bad JSON without credentials is 401, not 400', async () => {
      const res = await t.server.inject({ method: 'POST', url: '/telco/v1/requests', headers: { 'content-type': 'application/json' }, payload: '{nope' });
      assert.equal(res.statusCode, 401, res.body);
    });

    it('does not show or change another account’s service, request or private numbers (404, never 200)', async () => {
      const routes = [
        { method: 'GET', url: `/telco/v1/services/${bService.serviceId}` },
        { method: 'GET', url: `/telco/v1/requests/${bService.requestId}` },
        { method: 'POST', url: '/telco/v1/requests', payload: { type: 'update', service_id: bService.serviceId, service: { name: 'hijacked' } } },
        { method: 'POST', url: '/telco/v1/requests', payload: { type: 'decommission', service_id: bService.serviceId } },
        { method: 'POST', url: `/telco/v1/numbers/${encodeURIComponent(bPrivate[1])}/recycle` },
      ];
      for (const route of routes) {
        const res = await call(route, a.auth);
        assert.equal(res.statusCode, 404, `${route.method} ${route.url}: ${res.body}`);
        assert.equal(res.json().code, 'not_found');
      }
      const svc = await call({ method: 'GET', url: `/telco/v1/services/${bService.serviceId}` }, b.auth);
      assert.equal(svc.json().service.name, null, 'the other account’s service was not changed');
      assert.equal(svc.json().service.status, 'live');
    });

    it('does not list another account’s services, requests or private numbers', async () => {
      const services = (await call({ method: 'GET', url: '/telco/v1/services' }, a.auth)).json().services;
      assert.deepEqual(services, []);
      const requests = (await call({ method: 'GET', url: '/telco/v1/requests' }, a.auth)).json().requests;
      assert.ok(!requests.some((r: { id: string }) => r.id === bService.requestId));
      const numbers = (await call({ method: 'GET', url: '/telco/v1/numbers?limit=1000' }, a.auth)).json().numbers.map((n: { number: string }) => n.number);
      assert.equal(numbers.length, 10);
      for (const n of bPrivate) assert.ok(!numbers.includes(n), n);
      const bNumbers = (await call({ method: 'GET', url: '/telco/v1/numbers?limit=1000' }, b.auth)).json().numbers.map((n: { number: string }) => n.number);
      assert.deepEqual(bNumbers.slice(0, 2), bPrivate.slice(1), 'the owner sees its own private numbers first');
      const inv = (await call({ method: 'GET', url: '/telco/v1/inventory' }, a.auth)).json().inventory;
      assert.equal(inv.total, 0);
    });

    it('fails an order for another account’s private number as number_unavailable and leaves it untouched', async () => {
      const res = await call({ method: 'POST', url: '/telco/v1/requests', payload: { type: 'new', number: bPrivate[2], service: { type: 'voicemail' } } }, a.auth);
      assert.equal(res.statusCode, 202, res.body);
      assert.equal(res.json().request.status, 'failed');
      assert.equal(res.json().request.error.code, 'number_unavailable');
      const bNumbers = (await call({ method: 'GET', url: '/telco/v1/numbers' }, b.auth)).json().numbers.map((n: { number: string }) => n.number);
      assert.ok(bNumbers.includes(bPrivate[2]));
    });

    it('requires client_id from an agency user on every route (400 naming client_id)', async () => {
      for (const route of telcoRoutes(bService)) {
        const res = await call(route, agency);
        assert.equal(res.statusCode, 400, `${route.method} ${route.url}: ${res.body}`);
        assert.equal(res.json().errors[0].path, 'client_id');
      }
    });

    it('refuses a client_id the user does not reach (403) on every route', async () => {
      for (const route of telcoRoutes(bService)) {
        const url = `${route.url}?client_id=7103`;
        const res = await call({ ...route, url }, agency);
        assert.equal(res.statusCode, 403, `${route.method} ${url}: ${res.body}`);
        const single = await call({ ...route, url: `${route.url}?client_id=7102` }, a.auth);
        assert.equal(single.statusCode, 403, `single-account user naming another account: ${single.body}`);
      }
      const body = await call({ method: 'POST', url: '/telco/v1/requests', payload: { client_id: 7103, type: 'new', criteria: { country: 'AU' }, service: { type: 'voicemail' } } }, agency);
      assert.equal(body.statusCode, 403, body.body);
    });

    it('shows an agency user each account’s data separately, chosen by client_id in the query or the body', async () => {
      const asB = await call({ method: 'GET', url: `/telco/v1/services/${bService.serviceId}?client_id=7102` }, agency);
      assert.equal(asB.statusCode, 200, asB.body);
      assert.equal(asB.json()['@transaction'].account.client_id, 7102);
      assert.equal(asB.json()['@transaction'].user, 'agency');
      const asA = await call({ method: 'GET', url: `/telco/v1/services/${bService.serviceId}?client_id=7101` }, agency);
      assert.equal(asA.statusCode, 404);
      const listA = (await call({ method: 'GET', url: '/telco/v1/services?client_id=7101' }, agency)).json().services;
      const listB = (await call({ method: 'GET', url: '/telco/v1/services?client_id=7102' }, agency)).json().services;
      assert.equal(listA.length, 0);
      assert.deepEqual(listB.map((s: { id: string }) => s.id), [bService.serviceId]);
      const numbersA = (await call({ method: 'GET', url: '/telco/v1/numbers?client_id=7101&limit=1000' }, agency)).json().numbers;
      assert.ok(numbersA.every((n: { stock: string }) => n.stock === 'public'));

      const inBody = await call({ method: 'POST', url: '/telco/v1/requests', payload: { client_id: 7101, type: 'new', criteria: { country: 'AU' }, service: { type: 'voicemail' } } }, agency);
      assert.equal(inBody.statusCode, 202, inBody.body);
      assert.equal(inBody.json()['@transaction'].account.client_id, 7101);
      const inQuery = await call({ method: 'POST', url: '/telco/v1/requests?client_id=7101', payload: { type: 'new', criteria: { country: 'AU' }, service: { type: 'voicemail' } } }, agency);
      assert.equal(inQuery.statusCode, 202, inQuery.body);
      assert.equal(inQuery.json()['@transaction'].account.client_id, 7101);
      const reqA = await call({ method: 'GET', url: `/telco/v1/requests/${inBody.json().request.id}?client_id=7102` }, agency);
      assert.equal(reqA.statusCode, 404, 'account 7102 does not see 7101’s request');
      const disagree = await call({ method: 'POST', url: '/telco/v1/requests?client_id=7101', payload: { client_id: 7102, type: 'new', criteria: { country: 'AU' }, service: { type: 'voicemail' } } }, agency);
      assert.equal(disagree.statusCode, 400);
      assert.equal(disagree.json().errors[0].path, 'client_id');
    });
  });
}
