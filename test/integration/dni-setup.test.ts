import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/domain/clock.ts';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { liveServices, visit } from '../support/dni.ts';

const MIN = 60_000;

for (const dialect of DIALECTS) {
  describe(`DNI tracking codes: set-up API under /userapi/v1/dni (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    const clock = new ManualClock('2026-04-01T00:00:00.000Z');
    let a: { auth: string; username: string };
    let b: { auth: string };
    let pool: { id: string; number: string }[];
    let other: { id: string; number: string }[];
    let rule: { id: string; number: string };
    let dead: { id: string; number: string };
    let foreign: { id: string; number: string };
    const api = (method: string, url: string, auth: string | undefined, payload?: unknown) =>
      t.server.inject({ method: method as 'GET', url, headers: auth ? { authorization: auth } : {}, ...(payload !== undefined ? { payload: payload as object } : {}) });

    before(async () => {
      t = await buildTestApp(dialect, { clock });
      a = await makeAccount(t.app, 5995);
      b = await makeAccount(t.app, 6001);
      pool = await liveServices(t.app, 5995, '+61290001001', 4);
      other = await liveServices(t.app, 5995, '+61290001101', 2);
      [rule] = await liveServices(t.app, 5995, '+61290002001', 1);
      [dead] = await liveServices(t.app, 5995, '+61290003001', 1);
      await t.app.storage.db.updateTable('services').set({ status: 'decommissioned' }).where('id', '=', dead.id).execute();
      [foreign] = await liveServices(t.app, 6001, '+61290004001', 1);
    });
    after(async () => t?.close());

    it('answers 401 on every route without or with wrong credentials', async () => {
      const routes: [string, string, unknown?][] = [
        ['POST', '/userapi/v1/dni', { name: 'x', replace: ['0401020304'] }],
        ['GET', '/userapi/v1/dni'],
        ['GET', '/userapi/v1/dni/1'],
        ['PATCH', '/userapi/v1/dni/1', { name: 'y' }],
        ['DELETE', '/userapi/v1/dni/1'],
        ['GET', '/userapi/v1/dni/1/report'],
      ];
      for (const [m, url, body] of routes) {
        for (const auth of [undefined, basic(a.username, 'wrong-password')]) {
          const r = await api(m, url, auth, body);
          assert.equal(r.statusCode, 401, `${m} ${url}: ${r.body}`);
          assert.equal(r.json().code, 'unauthorized');
        }
      }
    });

    it('creates a tracking code with rules, a pool and a fallback; the answer carries the snippet', async () => {
      const r = await api('POST', '/userapi/v1/dni', a.auth, {
        name: 'Main site',
        replace: ['0401020304', '+61 2 9999 8888'],
        origins: ['https://shop.example/', 'https://*.Shop.example'],
        rules: [{ when: { utm_source: 'google', gclid: true }, service_id: rule.id }],
        pool: pool.map((p) => p.id),
        hold_minutes: 20,
      });
      assert.equal(r.statusCode, 201, r.body);
      const c = r.json();
      assert.equal(c.tracking_code, 1);
      assert.equal(c.client_id, 5995);
      assert.deepEqual(c.replace, ['+61401020304', '+61299998888']);
      assert.deepEqual(c.origins, ['https://shop.example', 'https://*.shop.example']);
      assert.equal(c.any_origin, false);
      assert.deepEqual(c.rules, [{ when: { utm_source: 'google', gclid: true }, service_id: rule.id, number: rule.number }]);
      assert.deepEqual(c.pool, pool.map((p) => ({ service_id: p.id, number: p.number })));
      assert.equal(c.fallback_service_id, null);
      assert.equal(c.fallback_number, '+61401020304');
      assert.deepEqual([c.hold_minutes, c.cooldown_minutes, c.cookie_days], [20, 5, 90]);
      assert.match(c.snippet, /window\.AvanserOptions = \{ clientId: 5995, trackingCode: 1 \}/);
      assert.match(c.snippet, new RegExp(`s\\.id = 'AVANSERjs'; s\\.src = "${t.config.publicUrl}/aa\\.js"`));
      const second = await api('POST', '/userapi/v1/dni', a.auth, { name: 'Landing pages', replace: ['0401020304'] });
      assert.equal(second.json().tracking_code, 2);
      assert.equal(second.json().any_origin, true, 'sandbox mode, no origin listed');
      const audit = await t.app.storage.db.selectFrom('audit_log').select(['action', 'target', 'actor_name']).where('client_id', '=', 5995).where('action', 'like', 'dni.%').execute();
      assert.deepEqual(audit.map((x) => [x.action, x.target, x.actor_name]), [['dni.create', '1', a.username], ['dni.create', '2', a.username]]);
    });

    it('answers 400 naming the field for services that are not the account’s or not live, bad numbers, origins and rules', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ pool: [foreign.id] }, 'pool[0]'],
        [{ pool: [other[0].id, dead.id] }, 'pool[1]'],
        [{ pool: [pool[0].id] }, 'pool[0]'], // already in tracking code 1's pool
        [{ rules: [{ when: { utm_source: 'x' }, service_id: 'svc_nope' }] }, 'rules[0].service_id'],
        [{ rules: [{ when: { utm_colour: 'x' }, service_id: rule.id }] }, 'rules[0].when'],
        [{ rules: [{ when: {}, service_id: rule.id }] }, 'rules[0].when'],
        [{ fallback_service_id: dead.id }, 'fallback_service_id'],
        [{ fallback_service_id: other[0].id, pool: [other[0].id] }, 'fallback_service_id'],
        [{ replace: ['12'] }, 'replace[0]'],
        [{ replace: [] }, 'replace'],
        [{ origins: ['https://shop.example/path'] }, 'origins[0]'],
        [{ origins: ['ftp://shop.example'] }, 'origins[0]'],
        [{ hold_minutes: 0 }, 'hold_minutes'],
        [{ name: '' }, 'name'],
        [{ colour: 'red' }, 'colour'],
      ];
      for (const [extra, field] of cases) {
        const r = await api('POST', '/userapi/v1/dni', a.auth, { name: 'Bad', replace: ['0401020304'], ...extra });
        assert.equal(r.statusCode, 400, `${JSON.stringify(extra)}: ${r.body}`);
        assert.equal(r.json().code, 'validation_failed');
        assert.ok(r.json().errors.some((e: { path: string }) => e.path.startsWith(field)), `${field}: ${r.body}`);
      }
      assert.equal((await api('GET', '/userapi/v1/dni', a.auth)).json().tracking_codes.length, 2, 'nothing was created');
    });

    it('lists, shows, changes and deletes; another account sees and changes none of it', async () => {
      const list = (await api('GET', '/userapi/v1/dni', a.auth)).json().tracking_codes;
      assert.deepEqual(list.map((c: { tracking_code: number }) => c.tracking_code), [1, 2]);
      assert.deepEqual((await api('GET', '/userapi/v1/dni', b.auth)).json().tracking_codes, []);
      for (const [m, url, body] of [['GET', '/userapi/v1/dni/1'], ['PATCH', '/userapi/v1/dni/1', { name: 'Mine now' }], ['DELETE', '/userapi/v1/dni/1'], ['GET', '/userapi/v1/dni/1/report']] as [string, string, unknown?][]) {
        const r = await api(m, url, b.auth, body);
        assert.equal(r.statusCode, 404, `${m} ${url}: ${r.body}`);
      }
      // Account B naming account A explicitly is refused as well.
      assert.equal((await api('GET', '/userapi/v1/dni/1?client_id=5995', b.auth)).statusCode, 403);
      assert.equal((await api('GET', '/userapi/v1/dni/1', a.auth)).json().name, 'Main site');

      const changed = await api('PATCH', '/userapi/v1/dni/2', a.auth, { pool: [other[0].id, other[1].id], fallback_service_id: rule.id, origins: [] });
      assert.equal(changed.statusCode, 200, changed.body);
      assert.deepEqual(changed.json().pool.map((p: { service_id: string }) => p.service_id), [other[0].id, other[1].id]);
      assert.equal(changed.json().fallback_number, rule.number);
      const shrunk = await api('PATCH', '/userapi/v1/dni/2', a.auth, { pool: [other[1].id] });
      assert.deepEqual(shrunk.json().pool.map((p: { service_id: string }) => p.service_id), [other[1].id]);
      const rows = await t.app.storage.db.selectFrom('dni_pool_numbers').select('service_id').where('service_id', 'in', other.map((o) => o.id)).execute();
      assert.deepEqual(rows.map((r) => r.service_id), [other[1].id]);
      const bad = await api('PATCH', '/userapi/v1/dni/2', a.auth, { pool: [pool[1].id] });
      assert.equal(bad.statusCode, 400, 'a number of tracking code 1’s pool');
      assert.equal(bad.json().errors[0].path, 'pool[0]');

      assert.equal((await api('DELETE', '/userapi/v1/dni/2', a.auth)).statusCode, 204);
      assert.equal((await api('GET', '/userapi/v1/dni/2', a.auth)).statusCode, 404);
      assert.equal((await visit(t.server, { client_id: 5995, tracking_code: 2 })).statusCode, 404, 'the page gets 404 from then on');
    });

    it('reports peak concurrent leases per hour against the pool size, fallbacks and a suggested pool size', async () => {
      // Tracking code 1: pool of 4, hold 20 minutes. At 10:00 five visitors arrive: 4 leases, 1 falls back.
      clock.set('2026-04-02T10:00:00.000Z');
      const v = [];
      for (let i = 0; i < 5; i++) v.push((await visit(t.server, { client_id: 5995, tracking_code: 1 })).json());
      assert.equal(v.filter((x) => x.is_default).length, 1);
      // At 12:30, two more (the earlier leases ended at 10:20 and cooled down by 10:25).
      clock.set('2026-04-02T12:30:00.000Z');
      for (let i = 0; i < 2; i++) await visit(t.server, { client_id: 5995, tracking_code: 1 });
      clock.set('2026-04-02T13:10:00.000Z');
      const r = await api('GET', '/userapi/v1/dni/1/report?from=2026-04-02T10:00:00Z&to=2026-04-02T14:00:00Z', a.auth);
      assert.equal(r.statusCode, 200, r.body);
      const rep = r.json();
      assert.equal(rep.pool_size, 4);
      assert.deepEqual(rep.hours.map((h: { hour: string; peak_leases: number; peak_visitors: number; fell_back: number }) => [h.hour.slice(11, 16), h.peak_leases, h.peak_visitors, h.fell_back]), [
        ['10:00', 4, 5, 1],
        ['11:00', 0, 0, 0],
        ['12:00', 2, 2, 0],
        ['13:00', 0, 0, 0],
      ]);
      assert.equal(rep.hours[0].utilisation, 1);
      assert.equal(rep.peak_leases, 4);
      assert.equal(rep.peak_visitors, 5);
      assert.equal(rep.fell_back, 1);
      // 5 at once under 75 %: 7 numbers (5/7 = 71 %).
      assert.equal(rep.suggested_pool_size, 7);
      const bad = await api('GET', '/userapi/v1/dni/1/report?from=2026-04-03&to=2026-04-02', a.auth);
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().errors[0].path, 'from');
      void MIN;
    });
  });
}
