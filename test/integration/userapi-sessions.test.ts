// UserAPI sessions: sign-in, Bearer tokens and the session cookie with its CSRF rule, sign-out, listing and revoking
// sessions, idle and absolute expiry on a manual clock, switching the account of an agency user, and 401 for wrong or
// missing credentials on every identity route.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { signIn } from '../support/userapi.ts';
import { ManualClock } from '../../src/domain/clock.ts';

const START = '2026-05-01T00:00:00.000Z';

for (const dialect of DIALECTS) {
  describe(`UserAPI sessions (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    const clock = new ManualClock(START);
    let owner: Awaited<ReturnType<typeof makeAccount>>;

    before(async () => {
      t = await buildTestApp(dialect, { clock, env: { TT_SESSION_IDLE_MINUTES: '30', TT_SESSION_MAX_HOURS: '2', TT_PUBLIC_URL: 'https://calls.example.test', TT_AUTH_FAIL_ADDRESS_LIMIT: '100000', TT_AUTH_FAIL_USER_LIMIT: '100000' } });
      owner = await makeAccount(t.app, 2001);
      await makeAccount(t.app, 2002);
      await t.app.accounts.createUser({ username: 'agency', password: 'agency-password-1', clientIds: [2001, 2002], role: 'analyst' });
    });
    after(async () => t?.close());

    it('signs in: token, CSRF token, accounts with roles, and an HttpOnly SameSite=Lax Secure cookie; a wrong password is 401 with one message', async () => {
      const res = await t.server.inject({ method: 'POST', url: '/userapi/v1/session', payload: { username: owner.username, password: owner.password } });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.match(body.token, /^tts_[A-Za-z0-9_-]{43}$/);
      assert.ok(body.csrf_token.length >= 24);
      assert.deepEqual(body.accounts, [{ client_id: 2001, name: 'Account 2001', role: 'owner' }]);
      assert.equal(body.current_client_id, 2001);
      assert.equal(body.expires_at, new Date(Date.parse(clock.now().toISOString()) + 2 * 3600_000).toISOString());
      const cookie = String(res.headers['set-cookie']);
      assert.match(cookie, /^tt_session=tts_/);
      for (const attr of ['HttpOnly', 'SameSite=Lax', 'Path=/', 'Secure', 'Max-Age=7200']) assert.ok(cookie.includes(attr), attr);
      // The token is stored hashed: the sessions table never holds it.
      const rows = await t.app.storage.db.selectFrom('sessions').select(['token_hash']).execute();
      assert.ok(rows.every((r) => r.token_hash !== body.token && /^[0-9a-f]{64}$/.test(r.token_hash)));

      for (const payload of [{ username: owner.username, password: 'wrong-password' }, { username: 'nobody-here', password: 'wrong-password' }]) {
        const bad = await t.server.inject({ method: 'POST', url: '/userapi/v1/session', payload });
        assert.equal(bad.statusCode, 401);
        assert.equal(bad.json().detail, 'wrong username or password');
      }
      const missing = await t.server.inject({ method: 'POST', url: '/userapi/v1/session', payload: { username: owner.username } });
      assert.equal(missing.statusCode, 400);
      assert.equal(missing.json().errors[0].path, 'password');
    });

    it('a Bearer session token works on the UserAPI and on the existing APIs (WebAPI, Telco); Basic keeps working', async () => {
      const s = await signIn(t.server, owner.username, owner.password);
      const me = await t.server.inject({ url: '/userapi/v1/session', headers: { authorization: s.bearer } });
      assert.equal(me.statusCode, 200, me.body);
      assert.equal(me.json().via, 'session');
      assert.equal(me.json().user.username, owner.username);
      for (const url of ['/webapi/v1/calls', '/telco/v1/numbers', '/webapi/v1/deliveries']) {
        assert.equal((await t.server.inject({ url, headers: { authorization: s.bearer } })).statusCode, 200, url);
        assert.equal((await t.server.inject({ url, headers: { authorization: owner.auth } })).statusCode, 200, `${url} with Basic`);
      }
      const basicMe = await t.server.inject({ url: '/userapi/v1/session', headers: { authorization: owner.auth } });
      assert.equal(basicMe.json().via, 'basic');
    });

    it('cookie requests: reads need no CSRF token; POST/PUT/DELETE without X-CSRF-Token (or with a wrong one) are 403 csrf_failed, with it they pass', async () => {
      const s = await signIn(t.server, owner.username, owner.password);
      assert.equal((await t.server.inject({ url: '/userapi/v1/users', headers: { cookie: s.cookie } })).statusCode, 200);
      const payload = { name: 'csrf key', role: 'read_only' };
      const none = await t.server.inject({ method: 'POST', url: '/userapi/v1/api-keys', headers: { cookie: s.cookie }, payload });
      assert.equal(none.statusCode, 403);
      assert.equal(none.json().code, 'csrf_failed');
      const wrong = await t.server.inject({ method: 'POST', url: '/userapi/v1/api-keys', headers: { cookie: s.cookie, 'x-csrf-token': 'x'.repeat(s.csrf_token.length) }, payload });
      assert.equal(wrong.json().code, 'csrf_failed');
      // The same on an existing API: ordering numbers with the cookie alone is refused before anything is read.
      const telco = await t.server.inject({ method: 'POST', url: '/telco/v1/requests', headers: { cookie: s.cookie }, payload: {} });
      assert.equal(telco.json().code, 'csrf_failed');
      const ok = await t.server.inject({ method: 'POST', url: '/userapi/v1/api-keys', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf_token }, payload });
      assert.equal(ok.statusCode, 201, ok.body);
      // Bearer requests need none.
      assert.equal((await t.server.inject({ method: 'POST', url: '/userapi/v1/api-keys', headers: { authorization: s.bearer }, payload })).statusCode, 201);
      const logoutNoCsrf = await t.server.inject({ method: 'DELETE', url: '/userapi/v1/session', headers: { cookie: s.cookie } });
      assert.equal(logoutNoCsrf.json().code, 'csrf_failed');
    });

    it('GET /session gives a session its own CSRF token back (cookie or Bearer), null for Basic and API keys, and no CORS headers to another origin', async () => {
      const s = await signIn(t.server, owner.username, owner.password);
      const other = await signIn(t.server, owner.username, owner.password);
      assert.notEqual(s.csrf_token, other.csrf_token);
      const byCookie = await t.server.inject({ url: '/userapi/v1/session', headers: { cookie: s.cookie } });
      assert.equal(byCookie.statusCode, 200, byCookie.body);
      assert.equal(byCookie.json().csrf_token, s.csrf_token);
      // The recovered token is the one the cookie's writes need.
      const write = await t.server.inject({ method: 'PUT', url: '/userapi/v1/session/account', headers: { cookie: s.cookie, 'x-csrf-token': byCookie.json().csrf_token }, payload: { client_id: 2001 } });
      assert.equal(write.statusCode, 200, write.body);
      assert.equal((await t.server.inject({ url: '/userapi/v1/session', headers: { authorization: other.bearer } })).json().csrf_token, other.csrf_token);
      assert.equal((await t.server.inject({ url: '/userapi/v1/session', headers: { authorization: owner.auth } })).json().csrf_token, null);
      const key = (await t.server.inject({ method: 'POST', url: '/userapi/v1/api-keys', headers: { authorization: s.bearer }, payload: { name: 'csrf probe', role: 'read_only' } })).json().key;
      const byKey = await t.server.inject({ url: '/userapi/v1/session', headers: { authorization: `Bearer ${key}` } });
      assert.equal(byKey.statusCode, 200, byKey.body);
      assert.equal(byKey.json().csrf_token, null);
      // Another origin's page cannot read the answer: no Access-Control-* header on the answer or on a preflight.
      const cross = await t.server.inject({ url: '/userapi/v1/session', headers: { cookie: s.cookie, origin: 'https://evil.example' } });
      assert.equal(cross.statusCode, 200);
      assert.ok(!Object.keys(cross.headers).some((h) => h.startsWith('access-control-')), JSON.stringify(cross.headers));
      const preflight = await t.server.inject({ method: 'OPTIONS', url: '/userapi/v1/session', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
      assert.ok(!Object.keys(preflight.headers).some((h) => h.startsWith('access-control-')), JSON.stringify(preflight.headers));
      // Wrong credentials get no token at all.
      assert.equal((await t.server.inject({ url: '/userapi/v1/session', headers: { cookie: 'tt_session=tts_not-a-session' } })).statusCode, 401);
    });

    it('sign-out ends the session (token and cookie) and clears the cookie', async () => {
      const s = await signIn(t.server, owner.username, owner.password);
      const out = await t.server.inject({ method: 'DELETE', url: '/userapi/v1/session', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf_token } });
      assert.equal(out.statusCode, 204, out.body);
      assert.match(String(out.headers['set-cookie']), /^tt_session=; .*Max-Age=0/);
      assert.equal((await t.server.inject({ url: '/userapi/v1/session', headers: { authorization: s.bearer } })).statusCode, 401);
      assert.equal((await t.server.inject({ url: '/webapi/v1/calls', headers: { cookie: s.cookie } })).statusCode, 401);
      const basicOut = await t.server.inject({ method: 'DELETE', url: '/userapi/v1/session', headers: { authorization: owner.auth } });
      assert.equal(basicOut.statusCode, 400, 'Basic has no session to end');
    });

    it('lists my sessions and revokes one; another user cannot see or revoke them (404)', async () => {
      const a = await signIn(t.server, owner.username, owner.password);
      const b = await signIn(t.server, owner.username, owner.password);
      const list = (await t.server.inject({ url: '/userapi/v1/sessions', headers: { authorization: a.bearer } })).json().sessions as { id: string; current: boolean }[];
      assert.ok(list.length >= 2);
      assert.equal(list.filter((x) => x.current).length, 1);
      const other = list.find((x) => !x.current)!;
      const agency = await signIn(t.server, 'agency', 'agency-password-1');
      const theirs = await t.server.inject({ url: '/userapi/v1/sessions', headers: { authorization: agency.bearer } });
      assert.ok(!(theirs.json().sessions as { id: string }[]).some((x) => x.id === other.id));
      assert.equal((await t.server.inject({ method: 'DELETE', url: `/userapi/v1/sessions/${other.id}`, headers: { authorization: agency.bearer } })).statusCode, 404);
      const bMe = await t.server.inject({ url: '/userapi/v1/session', headers: { authorization: b.bearer } });
      const bId = bMe.json().session_id;
      assert.equal((await t.server.inject({ method: 'DELETE', url: `/userapi/v1/sessions/${bId}`, headers: { authorization: a.bearer } })).statusCode, 204);
      assert.equal((await t.server.inject({ url: '/userapi/v1/session', headers: { authorization: b.bearer } })).statusCode, 401);
      assert.equal((await t.server.inject({ url: '/userapi/v1/session', headers: { authorization: a.bearer } })).statusCode, 200);
      const audit = await t.server.inject({ url: '/userapi/v1/audit?action=session.revoke', headers: { authorization: owner.auth } });
      assert.equal(audit.json().entries[0].target, `session:${bId}`);
      assert.equal(audit.json().entries[0].actor.via, 'session');
    });

    it('idle expiry: a session unused for longer than TT_SESSION_IDLE_MINUTES ends; use keeps it alive, without a write on every request', async () => {
      const s = await signIn(t.server, owner.username, owner.password);
      const sid = (await t.server.inject({ url: '/userapi/v1/session', headers: { authorization: s.bearer } })).json().session_id;
      const lastSeen = async () => (await t.app.storage.db.selectFrom('sessions').select('last_seen_at').where('id', '=', sid).executeTakeFirstOrThrow()).last_seen_at;
      const first = await lastSeen();
      clock.advance(30_000);
      await t.server.inject({ url: '/userapi/v1/session', headers: { authorization: s.bearer } });
      assert.equal(await lastSeen(), first, 'not written again within a minute');
      clock.advance(29 * 60_000);
      assert.equal((await t.server.inject({ url: '/userapi/v1/session', headers: { authorization: s.bearer } })).statusCode, 200, '29.5 minutes idle: alive');
      assert.notEqual(await lastSeen(), first, 'refreshed after a minute');
      clock.advance(30 * 60_000 + 1000);
      const expired = await t.server.inject({ url: '/userapi/v1/session', headers: { authorization: s.bearer } });
      assert.equal(expired.statusCode, 401);
      assert.match(expired.json().detail, /expired/);
    });

    it('absolute expiry: after TT_SESSION_MAX_HOURS the session ends however busy', async () => {
      const s = await signIn(t.server, owner.username, owner.password);
      for (let i = 0; i < 4; i++) {
        clock.advance(25 * 60_000);
        assert.equal((await t.server.inject({ url: '/userapi/v1/session', headers: { authorization: s.bearer } })).statusCode, 200, `after ${(i + 1) * 25} minutes`);
      }
      clock.advance(25 * 60_000);
      assert.equal((await t.server.inject({ url: '/userapi/v1/session', headers: { authorization: s.bearer } })).statusCode, 401, 'past 2 hours');
    });

    it('agency user: GET /accounts lists both with the role; a request without client_id needs one until the session switches account', async () => {
      const s = await signIn(t.server, 'agency', 'agency-password-1');
      assert.equal(s.current_client_id, null);
      const accounts = await t.server.inject({ url: '/userapi/v1/accounts', headers: { authorization: s.bearer } });
      assert.deepEqual(accounts.json().accounts, [
        { client_id: 2001, name: 'Account 2001', role: 'analyst' },
        { client_id: 2002, name: 'Account 2002', role: 'analyst' },
      ]);
      const none = await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: s.bearer } });
      assert.equal(none.statusCode, 400);
      assert.equal(none.json().errors[0].path, 'client_id');
      assert.equal((await t.server.inject({ url: '/webapi/v1/calls?client_id=2002', headers: { authorization: s.bearer } })).statusCode, 200);
      const sw = await t.server.inject({ method: 'PUT', url: '/userapi/v1/session/account', headers: { authorization: s.bearer }, payload: { client_id: 2002 } });
      assert.equal(sw.statusCode, 200, sw.body);
      const calls = await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: s.bearer } });
      assert.equal(calls.statusCode, 200, calls.body);
      assert.equal((await t.server.inject({ url: '/userapi/v1/session', headers: { authorization: s.bearer } })).json().current_client_id, 2002);
      const foreign = await t.server.inject({ method: 'PUT', url: '/userapi/v1/session/account', headers: { authorization: s.bearer }, payload: { client_id: 2003 } });
      assert.equal(foreign.statusCode, 403);
      const bad = await t.server.inject({ method: 'PUT', url: '/userapi/v1/session/account', headers: { authorization: s.bearer }, payload: { client_id: 'x' } });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().errors[0].path, 'client_id');
      const basicSwitch = await t.server.inject({ method: 'PUT', url: '/userapi/v1/session/account', headers: { authorization: basic('agency', 'agency-password-1') }, payload: { client_id: 2002 } });
      assert.equal(basicSwitch.statusCode, 400, 'Basic has no session to switch');
    });

    it('every identity route answers 401 to missing, wrong and malformed credentials', async () => {
      const doc = (await t.server.inject({ url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { security?: unknown[] }>> };
      const routes = Object.entries(doc.paths)
        .filter(([p]) => p.startsWith('/userapi/v1/'))
        .flatMap(([p, ops]) => Object.entries(ops).filter(([, op]) => op.security).map(([m]) => ({ method: m.toUpperCase(), url: p.replace(/\{[^}]+\}/g, '1') })));
      assert.ok(routes.length >= 15, `walked ${routes.length}`);
      for (const [i, r] of routes.entries()) {
        for (const headers of [{}, { authorization: basic(`stranger${i}`, 'wrong-pass') }, { authorization: 'Bearer tts_nope' }, { authorization: 'Bearer ttk_nope' }, { cookie: 'tt_session=tts_nope' }, { cookie: 'tt_session=%E0%A4%A' }]) {
          const res = await t.server.inject({ method: r.method as 'GET', url: r.url, headers, ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { payload: {} }) });
          assert.equal(res.statusCode, 401, `${r.method} ${r.url} ${JSON.stringify(headers)}: ${res.body}`);
        }
      }
    });
  });
}
