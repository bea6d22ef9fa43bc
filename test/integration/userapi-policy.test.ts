// The password policy on a manual clock: lockout after N failed sign-ins (the right password refused with `locked`
// on the session sign-in and on HTTP Basic, whatever the success cache holds) and allowed again after M minutes;
// expiry (sign-in works, everything but the password change answers password_expired); history (no reuse of the last
// N); inactive lockout until an admin enables the user; the password change's rules; the policy API's input checks;
// the strictest policy of an agency user's accounts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { GOOD, signIn } from '../support/userapi.ts';
import { DAY_MS, ManualClock } from '../../src/domain/clock.ts';

const START = '2026-06-01T00:00:00.000Z';

for (const dialect of DIALECTS) {
  describe(`UserAPI password policy (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    const clock = new ManualClock(START);
    let owner: Awaited<ReturnType<typeof makeAccount>>;
    let n = 0;
    /** A fresh user of account 3001 with a good password. */
    const newUser = async (role = 'analyst') => {
      const username = `member${++n}`;
      const password = GOOD(`m${n}`);
      const res = await t.server.inject({ method: 'POST', url: '/userapi/v1/users', headers: { authorization: owner.auth }, payload: { username, role, password } });
      assert.equal(res.statusCode, 201, res.body);
      return { username, password, id: res.json().user.id as string, auth: basic(username, password) };
    };
    const policy = (payload: Record<string, unknown>, clientId = 3001) =>
      t.server.inject({ method: 'PUT', url: `/userapi/v1/password-policy?client_id=${clientId}`, headers: { authorization: clientId === 3001 ? owner.auth : basic('owner3002', GOOD('o2')) }, payload });

    before(async () => {
      t = await buildTestApp(dialect, { clock, env: { TT_AUTH_FAIL_USER_LIMIT: '1000', TT_AUTH_FAIL_ADDRESS_LIMIT: '100000' } });
      owner = await makeAccount(t.app, 3001, { password: GOOD('owner') });
      await makeAccount(t.app, 3002, { username: 'owner3002', password: GOOD('o2') });
    });
    after(async () => t?.close());

    it('defaults are documented values; GET/PUT change them; out-of-range and unknown settings are 400 naming the field', async () => {
      const got = await t.server.inject({ url: '/userapi/v1/password-policy', headers: { authorization: owner.auth } });
      assert.deepEqual(got.json(), { min_length: 12, min_classes: 3, expiry_days: 0, history: 5, lockout_attempts: 5, lockout_minutes: 15, inactive_days: 180, updated_at: null });
      const bad = await policy({ min_length: 4, history: 99, lockout_minutes: 0 });
      assert.equal(bad.statusCode, 400);
      assert.deepEqual(bad.json().errors.map((e: { path: string }) => e.path).sort(), ['history', 'lockout_minutes', 'min_length']);
      const text = await policy({ expiry_days: 'x' });
      assert.equal(text.statusCode, 400);
      assert.equal(text.json().errors[0].path, 'expiry_days');
      const unknown = await policy({ colour: 'red' });
      assert.equal(unknown.statusCode, 400);
      assert.equal(unknown.json().errors[0].path, 'colour');
      const ok = await policy({ lockout_attempts: 3, lockout_minutes: 10 });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().lockout_attempts, 3);
      assert.equal(ok.json().min_length, 12, 'the others keep their value');
      const audit = await t.server.inject({ url: '/userapi/v1/audit?action=password_policy.update', headers: { authorization: owner.auth } });
      assert.deepEqual(audit.json().entries[0].detail, { lockout_attempts: { from: 5, to: 3 }, lockout_minutes: { from: 15, to: 10 } });
      // Another account's owner reads and changes only their own.
      const other = await t.server.inject({ url: '/userapi/v1/password-policy?client_id=3001', headers: { authorization: basic('owner3002', GOOD('o2')) } });
      assert.equal(other.statusCode, 403);
      assert.equal((await t.server.inject({ url: '/userapi/v1/password-policy', headers: { authorization: basic('owner3002', GOOD('o2')) } })).json().lockout_attempts, 5);
    });

    it('lockout: 3 wrong passwords lock the user; the right one is refused with 423 locked (sign-in and Basic) until 10 minutes pass', async () => {
      const u = await newUser();
      // A success first: the guard's success cache holds the right password from now on.
      assert.equal((await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: u.auth } })).statusCode, 200);
      for (let i = 0; i < 2; i++) {
        const res = await t.server.inject({ method: 'POST', url: '/userapi/v1/session', payload: { username: u.username, password: `wrong-${i}` } });
        assert.equal(res.statusCode, 401, `failure ${i + 1}`);
      }
      const third = await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: basic(u.username, 'wrong-3') } });
      assert.equal(third.statusCode, 423, 'the failure that reaches the limit locks');
      assert.equal(third.json().code, 'locked');
      const right = await t.server.inject({ method: 'POST', url: '/userapi/v1/session', payload: { username: u.username, password: u.password } });
      assert.equal(right.statusCode, 423, right.body);
      assert.equal(right.json().code, 'locked');
      assert.equal(right.headers['retry-after'], '600');
      const basicRight = await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: u.auth } });
      assert.equal(basicRight.statusCode, 423, 'HTTP Basic with the right password too, cached or not');
      const listed = await t.server.inject({ url: '/userapi/v1/users', headers: { authorization: owner.auth } });
      assert.equal(listed.json().users.find((x: { id: string }) => x.id === u.id).status, 'locked');
      clock.advance(10 * 60_000 - 1000);
      assert.equal((await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: u.auth } })).statusCode, 423, 'still locked a second before');
      clock.advance(1000);
      assert.equal((await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: u.auth } })).statusCode, 200, 'after 10 minutes');
      assert.equal((await t.server.inject({ method: 'POST', url: '/userapi/v1/session', payload: { username: u.username, password: u.password } })).statusCode, 200);
    });

    it('failures spread wider apart than the lockout window do not add up; a success resets the count', async () => {
      const u = await newUser();
      for (let i = 0; i < 2; i++) assert.equal((await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: basic(u.username, `nope${i}`) } })).statusCode, 401);
      assert.equal((await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: u.auth } })).statusCode, 200);
      for (let i = 0; i < 2; i++) assert.equal((await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: basic(u.username, `nope${i}`) } })).statusCode, 401);
      clock.advance(11 * 60_000);
      assert.equal((await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: basic(u.username, 'nope9') } })).statusCode, 401, 'counted afresh');
      assert.equal((await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: u.auth } })).statusCode, 200);
    });

    it('an unknown user is never locked and runs the same KDF (401 every time)', async () => {
      for (let i = 0; i < 5; i++) assert.equal((await t.server.inject({ method: 'POST', url: '/userapi/v1/session', payload: { username: 'ghost', password: `x${i}` } })).statusCode, 401);
    });

    it('password change: current password, policy rules named on new_password, history of the last N, other sessions end', async () => {
      const u = await newUser();
      const s = await signIn(t.server, u.username, u.password);
      const other = await signIn(t.server, u.username, u.password);
      const change = (current_password: string, new_password: string) =>
        t.server.inject({ method: 'PUT', url: '/userapi/v1/me/password', headers: { authorization: s.bearer }, payload: { current_password, new_password } });
      const wrongCurrent = await change('not-it', GOOD('next'));
      assert.equal(wrongCurrent.statusCode, 400);
      assert.equal(wrongCurrent.json().errors[0].path, 'current_password');
      const short = await change(u.password, 'abc');
      assert.equal(short.statusCode, 400);
      assert.deepEqual(short.json().errors.map((e: { path: string }) => e.path), ['new_password', 'new_password']);
      assert.match(short.json().detail, /at least 12 characters.*at least 3 of/);
      const simple = await change(u.password, 'alllowercaseletters');
      assert.match(simple.json().errors[0].message, /at least 3 of/);
      const missing = await t.server.inject({ method: 'PUT', url: '/userapi/v1/me/password', headers: { authorization: s.bearer }, payload: { current_password: u.password } });
      assert.equal(missing.statusCode, 400);
      assert.equal(missing.json().errors[0].path, 'new_password');
      // Walk through passwords, then try to reuse one of the last 5.
      const seq = [u.password, GOOD('h1'), GOOD('h2'), GOOD('h3'), GOOD('h4'), GOOD('h5')];
      for (let i = 1; i < seq.length; i++) assert.equal((await change(seq[i - 1], seq[i])).statusCode, 204, `change ${i}`);
      const reuse = await change(seq[5], seq[1]);
      assert.equal(reuse.statusCode, 400);
      assert.match(reuse.json().errors[0].message, /last 5 passwords/);
      assert.equal(reuse.json().errors[0].path, 'new_password');
      assert.equal((await change(seq[5], seq[0])).statusCode, 204, 'the sixth-last is allowed again');
      assert.equal((await t.server.inject({ url: '/userapi/v1/session', headers: { authorization: other.bearer } })).statusCode, 401, 'the other session ended');
      assert.equal((await t.server.inject({ url: '/userapi/v1/session', headers: { authorization: s.bearer } })).statusCode, 200, 'this one stays');
      assert.equal((await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: basic(u.username, seq[0]) } })).statusCode, 200);
      assert.equal((await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: basic(u.username, seq[5]) } })).statusCode, 401, 'the old password no longer works');
    });

    it('expiry: after expiry_days the sign-in works but only the password change is allowed (password_expired), also on Basic', async () => {
      assert.equal((await policy({ expiry_days: 30 })).statusCode, 200);
      const u = await newUser();
      clock.advance(30 * DAY_MS - 60_000);
      assert.equal((await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: u.auth } })).statusCode, 200, 'a minute before expiry');
      clock.advance(60_000);
      const s = await signIn(t.server, u.username, u.password);
      assert.equal(s.password_change_required, true);
      const calls = await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: s.bearer } });
      assert.equal(calls.statusCode, 403);
      assert.equal(calls.json().code, 'password_expired');
      assert.equal((await t.server.inject({ url: '/telco/v1/numbers', headers: { authorization: u.auth } })).json().code, 'password_expired');
      assert.equal((await t.server.inject({ url: '/userapi/v1/session', headers: { authorization: s.bearer } })).json().password_change_required, true);
      const changed = await t.server.inject({ method: 'PUT', url: '/userapi/v1/me/password', headers: { authorization: s.bearer }, payload: { current_password: u.password, new_password: GOOD('fresh') } });
      assert.equal(changed.statusCode, 204, changed.body);
      assert.equal((await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: s.bearer } })).statusCode, 200);
      // The owner's own password expired too: only the password change would get them through the API.
      assert.equal((await policy({ expiry_days: 0 })).json().code, 'password_expired');
      const principal = await t.app.accounts.authenticate(owner.username, owner.password);
      await t.app.userAdmin.savePolicy({ principal, address: null }, 3001, { expiry_days: 0 });
    });

    it('inactive lockout: no sign-in for more than inactive_days locks the user (423) until an admin enables them', async () => {
      assert.equal((await policy({ inactive_days: 20 })).statusCode, 200);
      const u = await newUser();
      assert.equal((await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: u.auth } })).statusCode, 200);
      clock.advance(19 * DAY_MS);
      assert.equal((await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: u.auth } })).statusCode, 200, 'a sign-in within 20 days keeps the user active');
      assert.equal((await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: owner.auth } })).statusCode, 200);
      clock.advance(10 * DAY_MS);
      assert.equal((await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: owner.auth } })).statusCode, 200, 'the owner keeps active');
      clock.advance(10 * DAY_MS + 60_000);
      const locked = await t.server.inject({ method: 'POST', url: '/userapi/v1/session', payload: { username: u.username, password: u.password } });
      assert.equal(locked.statusCode, 423);
      assert.equal(locked.json().code, 'locked');
      assert.match(locked.json().detail, /20 days/);
      assert.equal((await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: u.auth } })).statusCode, 423);
      const enable = await t.server.inject({ method: 'POST', url: `/userapi/v1/users/${u.id}/enable`, headers: { authorization: owner.auth } });
      assert.equal(enable.statusCode, 200, enable.body);
      assert.equal((await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: u.auth } })).statusCode, 200);
      assert.equal((await policy({ inactive_days: 0 })).statusCode, 200);
    });

    it('an agency user is held to the strictest policy of their accounts', async () => {
      assert.equal((await policy({ min_length: 20 }, 3002)).statusCode, 200);
      await t.app.accounts.createUser({ username: 'agent', password: GOOD('agent'), clientIds: [3001, 3002] });
      const s = await signIn(t.server, 'agent', GOOD('agent'));
      const res = await t.server.inject({ method: 'PUT', url: '/userapi/v1/me/password', headers: { authorization: s.bearer }, payload: { current_password: GOOD('agent'), new_password: 'Fifteen-chars-1' } });
      assert.equal(res.statusCode, 400);
      assert.match(res.json().errors[0].message, /at least 20 characters/);
      assert.equal((await t.server.inject({ method: 'PUT', url: '/userapi/v1/me/password', headers: { authorization: s.bearer }, payload: { current_password: GOOD('agent'), new_password: 'Twenty-chars-long-pass-1' } })).statusCode, 204);
    });
  });
}
