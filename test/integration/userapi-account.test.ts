// The current account's settings (UserAPI `/userapi/v1/account`): read them (read), change name, time zone and test
// calls (account, audited, 400 naming the field), show and rotate the webhook secret (integrations; the rotation is
// audited without the secret, and deliveries from then on verify with the new secret only); 401 for wrong credentials,
// 403 for another account's client_id and for roles without the permission.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { lockoutOff, signIn } from '../support/userapi.ts';
import { Receiver } from '../support/receiver.ts';
import { deliveryService, finalizeDeliveryCall } from '../support/delivery-fixtures.ts';

for (const dialect of DIALECTS) {
  describe(`UserAPI account settings and webhook secret (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let a: Awaited<ReturnType<typeof makeAccount>>;
    let b: Awaited<ReturnType<typeof makeAccount>>;
    const users: Record<string, string> = {};
    before(async () => {
      // Real time: standardwebhooks checks signature timestamps against it.
      t = await buildTestApp(dialect);
      a = await makeAccount(t.app, 8101, { name: 'Acme Solar', timezone: 'Australia/Sydney' });
      b = await makeAccount(t.app, 8102, { name: 'Other Co' });
      for (const role of ['admin', 'analyst', 'read_only'] as const) {
        await t.app.accounts.createUser({ username: `${role}8101`, password: `password-${role}-8101`, clientIds: [8101], role });
        users[role] = basic(`${role}8101`, `password-${role}-8101`);
      }
      await lockoutOff(t.app, [8101, 8102]);
    });
    after(async () => t?.close());

    const req = (method: 'GET' | 'PATCH' | 'POST', url: string, auth: string, payload?: object) =>
      t.server.inject({ method, url, headers: { authorization: auth }, ...(payload ? { payload } : {}) });

    it('GET /account shows the account’s settings to every role, never the webhook secret', async () => {
      for (const auth of [a.auth, users.admin, users.analyst, users.read_only]) {
        const res = await req('GET', '/userapi/v1/account', auth);
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json();
        assert.deepEqual(Object.keys(body).sort(), ['auto_test_call', 'client_id', 'created_at', 'name', 'timezone']);
        assert.equal(body.client_id, 8101);
        assert.equal(body.name, 'Acme Solar');
        assert.equal(body.timezone, 'Australia/Sydney');
        assert.equal(body.auto_test_call, false);
        assert.ok(!res.body.includes('whsec_'));
      }
    });

    it('PATCH /account changes name, time zone and test calls (owner only), audited with from and to', async () => {
      const res = await req('PATCH', '/userapi/v1/account', a.auth, { name: '  Acme Solar Pty Ltd ', timezone: 'Australia/Perth', auto_test_call: true });
      assert.equal(res.statusCode, 200, res.body);
      const { created_at: createdAt, ...changed } = res.json() as Record<string, unknown>;
      assert.deepEqual(changed, { client_id: 8101, name: 'Acme Solar Pty Ltd', timezone: 'Australia/Perth', auto_test_call: true });
      assert.ok(!Number.isNaN(Date.parse(String(createdAt))));
      assert.deepEqual((await req('GET', '/userapi/v1/account', users.read_only)).json().timezone, 'Australia/Perth');
      // Reports follow the new zone.
      assert.equal((await req('GET', '/webapi/v1/calls', a.auth)).json().timezone, 'Australia/Perth');
      const entry = (await t.app.audit.list(t.app.storage.db, 8101, { limit: 10 })).find((e) => e.action === 'account.update');
      assert.ok(entry, 'audited');
      assert.equal(entry.actor.name, a.username);
      assert.deepEqual(entry.detail, { name: { from: 'Acme Solar', to: 'Acme Solar Pty Ltd' }, timezone: { from: 'Australia/Sydney', to: 'Australia/Perth' }, auto_test_call: { from: false, to: true } });
      // One field alone; nothing changed writes no entry.
      assert.equal((await req('PATCH', '/userapi/v1/account', a.auth, { auto_test_call: false })).json().auto_test_call, false);
      const count = (await t.app.audit.list(t.app.storage.db, 8101, { limit: 50 })).filter((e) => e.action === 'account.update').length;
      assert.equal((await req('PATCH', '/userapi/v1/account', a.auth, { name: 'Acme Solar Pty Ltd' })).statusCode, 200);
      assert.equal((await t.app.audit.list(t.app.storage.db, 8101, { limit: 50 })).filter((e) => e.action === 'account.update').length, count);
      for (const auth of [users.admin, users.analyst, users.read_only]) {
        const refused = await req('PATCH', '/userapi/v1/account', auth, { name: 'Hijacked' });
        assert.equal(refused.statusCode, 403, refused.body);
        assert.equal(refused.json().code, 'forbidden');
      }
      assert.equal((await req('GET', '/userapi/v1/account', a.auth)).json().name, 'Acme Solar Pty Ltd');
    });

    it('PATCH /account answers bad values with a 400 naming the field and changes nothing', async () => {
      for (const [payload, field] of [
        [{ timezone: 'Mars/Olympus_Mons' }, 'timezone'],
        [{ timezone: 'AEST' }, 'timezone'],
        [{ timezone: 42 }, 'timezone'],
        [{ name: '   ' }, 'name'],
        [{ name: 'x'.repeat(201) }, 'name'],
        [{ auto_test_call: 'maybe' }, 'auto_test_call'],
        [{ webhook_secret: 'whsec_AAAA' }, 'webhook_secret'],
      ] as const) {
        const res = await req('PATCH', '/userapi/v1/account', a.auth, payload);
        assert.equal(res.statusCode, 400, `${JSON.stringify(payload)}: ${res.body}`);
        assert.ok(res.json().errors.some((e: { path: string }) => e.path.includes(field)), `${JSON.stringify(payload)}: ${res.body}`);
      }
      const now = (await req('GET', '/userapi/v1/account', a.auth)).json();
      assert.equal(now.timezone, 'Australia/Perth');
      assert.equal(now.name, 'Acme Solar Pty Ltd');
    });

    it('a cookie PATCH needs the X-CSRF-Token', async () => {
      const s = await signIn(t.server, a.username, a.password);
      const none = await t.server.inject({ method: 'PATCH', url: '/userapi/v1/account', headers: { cookie: s.cookie }, payload: { name: 'No CSRF' } });
      assert.equal(none.statusCode, 403);
      assert.equal(none.json().code, 'csrf_failed');
      const ok = await t.server.inject({ method: 'PATCH', url: '/userapi/v1/account', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf_token }, payload: { name: 'Acme Solar Pty Ltd' } });
      assert.equal(ok.statusCode, 200, ok.body);
    });

    it('shows the webhook secret to owners and admins; rotating it answers a new one, audited without the secret, and deliveries verify with the new one only', async () => {
      const receiver = await new Receiver().start();
      try {
        const shown = await req('GET', '/userapi/v1/account/webhook-secret', users.admin);
        assert.equal(shown.statusCode, 200, shown.body);
        const old = shown.json().webhook_secret;
        assert.match(old, /^whsec_[A-Za-z0-9+/=]{32}$/);
        assert.equal(old, (await t.app.accounts.showAccount(8101)).webhook_secret);
        for (const auth of [users.analyst, users.read_only]) {
          assert.equal((await req('GET', '/userapi/v1/account/webhook-secret', auth)).statusCode, 403);
          assert.equal((await req('POST', '/userapi/v1/account/webhook-secret', auth)).statusCode, 403);
        }
        assert.equal((await req('GET', '/userapi/v1/account/webhook-secret', users.admin)).json().webhook_secret, old, 'still the same secret');

        const rotated = await req('POST', '/userapi/v1/account/webhook-secret', a.auth);
        assert.equal(rotated.statusCode, 200, rotated.body);
        const fresh = rotated.json().webhook_secret;
        assert.match(fresh, /^whsec_/);
        assert.notEqual(fresh, old);
        assert.equal((await req('GET', '/userapi/v1/account/webhook-secret', a.auth)).json().webhook_secret, fresh);
        const entries = await t.app.audit.list(t.app.storage.db, 8101, { limit: 50 });
        const entry = entries.find((e) => e.action === 'account.webhook_secret_rotate');
        assert.ok(entry, 'audited');
        assert.equal(entry.target, 'account:8101');
        assert.ok(!JSON.stringify(entries).includes(fresh.slice(6)) && !JSON.stringify(entries).includes(old.slice(6)), 'no secret in the audit log');

        const svc = await deliveryService(t.app, 8101, { call_callback_uri: `${receiver.url}/cb?id=[[callid]]` });
        await finalizeDeliveryCall(t.app, svc);
        await t.app.worker.drain();
        assert.equal(receiver.requests.length, 1);
        const r = receiver.requests[0];
        const headers = Object.fromEntries(['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [h, String(r.headers[h])]));
        assert.doesNotThrow(() => new Webhook(fresh).verify(`${receiver.url}${r.url}`, headers, { jsonParse: false }));
        assert.throws(() => new Webhook(old).verify(`${receiver.url}${r.url}`, headers, { jsonParse: false }));
      } finally {
        await receiver.close();
      }
    });

    it('never reaches another account: its client_id is refused (403) and nothing of it is shown or changed', async () => {
      const bSecret = (await t.app.accounts.showAccount(8102)).webhook_secret;
      for (const [method, url, payload] of [
        ['GET', '/userapi/v1/account?client_id=8102', undefined],
        ['PATCH', '/userapi/v1/account?client_id=8102', { name: 'Taken over' }],
        ['PATCH', '/userapi/v1/account', { client_id: 8102, name: 'Taken over' }],
        ['GET', '/userapi/v1/account/webhook-secret?client_id=8102', undefined],
        ['POST', '/userapi/v1/account/webhook-secret?client_id=8102', undefined],
        ['POST', '/userapi/v1/account/webhook-secret', { client_id: 8102 }],
      ] as const) {
        const res = await req(method, url, a.auth, payload);
        assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`);
        assert.ok(!res.body.includes('Other Co') && !res.body.includes(bSecret), res.body);
      }
      const other = await t.app.accounts.showAccount(8102);
      assert.equal(other.name, 'Other Co');
      assert.equal(other.webhook_secret, bSecret);
      // B sees its own account, not A's.
      assert.equal((await req('GET', '/userapi/v1/account', b.auth)).json().client_id, 8102);
    });

    it('answers 401 to missing and wrong credentials on every account route', async () => {
      for (const [method, url] of [['GET', '/userapi/v1/account'], ['PATCH', '/userapi/v1/account'], ['GET', '/userapi/v1/account/webhook-secret'], ['POST', '/userapi/v1/account/webhook-secret']] as const) {
        for (const headers of [{}, { authorization: basic(a.username, 'wrong-password') }, { authorization: 'Bearer tts_not-a-session' }, { authorization: 'Bearer ttk_not-a-key' }, { cookie: 'tt_session=tts_nope' }]) {
          const res = await t.server.inject({ method, url, headers, ...(method === 'PATCH' ? { payload: { name: 'x' } } : {}) });
          assert.equal(res.statusCode, 401, `${method} ${url} ${JSON.stringify(headers)}: ${res.body}`);
        }
      }
      assert.equal((await t.app.accounts.showAccount(8101)).name, 'Acme Solar Pty Ltd');
    });
  });
}
