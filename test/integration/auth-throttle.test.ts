// The failed-authentication throttle on every API that authenticates (Telco, WebAPI, /JSON with Basic and with its
// api_key, feeds with Basic and Digest): per credential and per source address, 429 with Retry-After before any
// password work once over a limit (the right password too), until the window passes. And the equal-cost rule: an
// unknown user runs the same KDF as a wrong password (KDF runs counted through the app's verifyPassword port).
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { challengesOf, digestAuthorization } from '../support/digest-client.ts';
import { ManualClock } from '../../src/domain/clock.ts';
import { lockoutOff } from '../support/userapi.ts';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from '../../src/domain/accounts/password.ts';

const USER_LIMIT = 3;
const ADDRESS_LIMIT = 6;
const WINDOW_S = 60;
const START = Date.parse('2026-04-20T00:00:00.000Z');
/** The surfaces, in the order `before` builds them. */
const SURFACES = ['Telco API', 'WebAPI', '/JSON with Basic', '/JSON getTokenKey', 'feed with Basic', 'feed with Digest'];

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: string;
}

/** One API surface: a request with the right and with wrong credentials for its credential `n` (each its own user). */
interface Surface {
  name: string;
  attempt(n: number, right: boolean, address: string, i?: number): Promise<Answer>;
}

for (const dialect of DIALECTS) {
  describe(`Failed-auth throttle on every API (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    const clock = new ManualClock(new Date(START));
    /** Every KDF run: the stored hash it checked against. */
    const kdfRuns: string[] = [];
    const surfaces: Surface[] = [];
    let window = 0;

    const answer = async (p: Promise<{ statusCode: number; headers: Record<string, unknown>; body: string }>): Promise<Answer> => {
      const r = await p;
      return { status: r.statusCode, retryAfter: r.headers['retry-after'] as string | undefined, body: r.body };
    };

    before(async () => {
      t = await buildTestApp(dialect, {
        clock,
        env: { TT_AUTH_FAIL_USER_LIMIT: String(USER_LIMIT), TT_AUTH_FAIL_ADDRESS_LIMIT: String(ADDRESS_LIMIT), TT_AUTH_FAIL_WINDOW_SECONDS: String(WINDOW_S) },
        verifyPassword: async (password, stored) => {
          kdfRuns.push(stored);
          return verifyPassword(password, stored);
        },
      });
      const inject = (url: string, authorization: string | undefined, remoteAddress: string) =>
        answer(t.server.inject({ url, headers: authorization ? { authorization } : {}, remoteAddress }));
      // Users 1…4 of accounts 7401…7404 for the user APIs (each surface uses its own, so counts do not mix).
      const users: Awaited<ReturnType<typeof makeAccount>>[] = [];
      for (let n = 0; n < 4; n++) users.push(await makeAccount(t.app, 7401 + n));
      // This suite measures the throttle alone: the password policy's lockout (UserAPI tests) is off for its accounts.
      await lockoutOff(t.app, [7401, 7402, 7403, 7404, 7405, 7406]);
      const admin = users[0];
      const userSurface = (name: string, url: string): Surface => ({
        name,
        attempt: (n, right, address, i = 0) => inject(url, basic(users[n].username, right ? users[n].password : `wrong-${i}`), address),
      });
      surfaces.push(userSurface('Telco API', '/telco/v1/numbers'), userSurface('WebAPI', '/webapi/v1/calls'), userSurface('/JSON with Basic', '/JSON?action=getCDR'));

      // /JSON's own sign-in: account_id and api_key.
      const keys: { account_id: string; api_key: string }[] = [];
      for (let n = 0; n < 4; n++) keys.push(await t.app.reporting.legacy.createKey(7401 + n));
      surfaces.push({
        name: '/JSON getTokenKey',
        attempt: (n, right, address, i = 0) => inject(`/JSON?action=getTokenKey&account_id=${keys[n].account_id}&api_key=${right ? keys[n].api_key : `nope${i}`}`, undefined, address),
      });

      // Feeds: each feed is a credential.
      const feed = async (body: Record<string, unknown>) => {
        const res = await t.server.inject({ method: 'POST', url: '/webapi/v1/feeds', headers: { authorization: admin.auth }, payload: body });
        assert.equal(res.statusCode, 201, res.body);
        return res.json() as { id: string };
      };
      const basicFeeds: { id: string }[] = [];
      const digestFeeds: { id: string }[] = [];
      for (let n = 0; n < 4; n++) {
        basicFeeds.push(await feed({ auth: 'basic', username: `feeduser${n}`, password: `feed-password-${n}` }));
        digestFeeds.push(await feed({ auth: 'digest', username: `digester${n}`, password: `digest-password-${n}` }));
      }
      surfaces.push({
        name: 'feed with Basic',
        attempt: (n, right, address, i = 0) => inject(`/feeds/${basicFeeds[n].id}/latest.json`, basic(`feeduser${n}`, right ? `feed-password-${n}` : `wrong-${i}`), address),
      });
      surfaces.push({
        name: 'feed with Digest',
        attempt: async (n, right, address, i = 0) => {
          const uri = `/feeds/${digestFeeds[n].id}/latest.json`;
          const challenge = await t.server.inject({ url: uri, remoteAddress: address });
          assert.equal(challenge.statusCode, 401, 'a request without an answer gets its challenge, throttled or not');
          const [sha] = challengesOf(challenge.headers['www-authenticate'] as string[]);
          return inject(uri, digestAuthorization(sha, { username: `digester${n}`, password: right ? `digest-password-${n}` : `wrong-${i}`, method: 'GET', uri }), address);
        },
      });
    });
    after(async () => t?.close());
    // Each test starts 10 s into a window of its own.
    beforeEach(() => {
      window++;
      clock.set(new Date(START + window * 2 * WINDOW_S * 1000 + 10_000));
    });

    for (const [surfaceIndex, surfaceName] of SURFACES.entries()) {
      it(`per credential: wrong answers from many addresses, then 429 with Retry-After for every attempt, the right one too, until the window passes (${surfaceName})`, async () => {
        const s = surfaces[surfaceIndex];
        assert.equal(s.name, surfaceName);
        const runs = kdfRuns.length;
        // Every attempt from a different address: only the credential's own count can stop them.
        for (let i = 0; i < USER_LIMIT; i++) assert.equal((await s.attempt(1, false, `127.0.1.${i + 1}`, i)).status, 401, `${s.name}: failure ${i + 1}`);
        const kdfAtLimit = kdfRuns.length;
        const over = await s.attempt(1, false, '127.0.1.50', 99);
        assert.equal(over.status, 429, `${s.name}: ${over.body}`);
        assert.equal(over.retryAfter, String(WINDOW_S - 10), s.name);
        assert.match(JSON.parse(over.body).code, /^rate_limited$/);
        const right = await s.attempt(1, true, '127.0.1.51');
        assert.equal(right.status, 429, `${s.name}: the right password is refused too while the credential is throttled`);
        assert.equal(right.retryAfter, String(WINDOW_S - 10));
        assert.equal(kdfRuns.length, kdfAtLimit, `${s.name}: no password work once over the limit`);
        if (surfaceIndex < 3) assert.equal(kdfAtLimit - runs, USER_LIMIT, `${s.name}: one KDF run per failure below the limit`);
        // Another credential is not affected.
        assert.equal((await s.attempt(2, true, '127.0.1.52')).status, 200, `${s.name}: another credential`);
        // Near the end of the window still refused; in the next window the right password works again.
        clock.advance((WINDOW_S - 11) * 1000);
        assert.equal((await s.attempt(1, true, '127.0.1.53')).retryAfter, '1');
        clock.advance(1000);
        assert.equal((await s.attempt(1, true, '127.0.1.53')).status, 200, `${s.name}: the next window`);
      });

      it(`per source address: wrong answers for many credentials from one address, then 429 for everyone from it; other addresses unaffected, a success resets nothing (${surfaceName})`, async () => {
        const s = surfaces[surfaceIndex];
        const attacker = '127.0.2.1';
        // Failures spread over credentials 0…3 so no credential reaches its own limit (USER_LIMIT - 1 each at most).
        const spread = [0, 1, 2, 3, 0, 1];
        assert.equal(spread.length, ADDRESS_LIMIT);
        for (const [i, n] of spread.slice(0, ADDRESS_LIMIT - 1).entries()) assert.equal((await s.attempt(n, false, attacker, i)).status, 401, `${s.name}: failure ${i + 1}`);
        // A right answer from the same address (another user behind it) passes and does not reset its count.
        assert.equal((await s.attempt(3, true, attacker)).status, 200, `${s.name}: below the limit the right answer works`);
        assert.equal((await s.attempt(spread[ADDRESS_LIMIT - 1], false, attacker, 9)).status, 401, `${s.name}: the last failure the address may make`);
        const over = await s.attempt(3, true, attacker);
        assert.equal(over.status, 429, `${s.name}: the address is throttled, right answers too`);
        assert.equal(over.retryAfter, String(WINDOW_S - 10));
        assert.equal((await s.attempt(3, true, '127.0.2.2')).status, 200, `${s.name}: another address`);
        assert.equal((await s.attempt(3, true, '::ffff:127.0.2.1')).status, 429, `${s.name}: the IPv4-mapped form is the same address`);
      });
    }

    it('answers a burst of 20 concurrent wrong passwords with at most the limit of KDF runs (each attempt is counted before its KDF)', async () => {
      const s = surfaces[1];
      const runs = kdfRuns.length;
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => s.attempt(0, false, `127.0.3.${i + 1}`, 1000 + i)));
      const statuses = answers.map((a) => a.status).sort();
      assert.deepEqual(statuses, [...Array(USER_LIMIT).fill(401), ...Array(20 - USER_LIMIT).fill(429)]);
      assert.equal(kdfRuns.length - runs, USER_LIMIT);
    });

    it('runs the same KDF for an unknown user as for a known user with a wrong password, and answers the same', async () => {
      const res = async (username: string) => {
        const before = kdfRuns.length;
        const r = await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: basic(username, 'not-the-password') }, remoteAddress: '127.0.4.1' });
        return { status: r.statusCode, detail: r.json().detail, runs: kdfRuns.slice(before) };
      };
      const known = await res('user7403');
      const unknown = await res('nobody-by-this-name');
      assert.deepEqual([known.status, unknown.status], [401, 401]);
      assert.equal(known.detail, unknown.detail);
      assert.equal(known.runs.length, 1);
      assert.equal(unknown.runs.length, 1);
      assert.equal(unknown.runs[0], DUMMY_PASSWORD_HASH);
      const stored = await t.app.storage.db.selectFrom('users').select('password_hash').where('username', '=', 'user7403').executeTakeFirstOrThrow();
      assert.equal(known.runs[0], stored.password_hash);
      // The dummy hash has the parameters of real ones (the same cost).
      assert.equal(DUMMY_PASSWORD_HASH.split('$').slice(0, 4).join('$'), stored.password_hash.split('$').slice(0, 4).join('$'));
      // A Basic feed: another user name costs a KDF run as well (against the dummy hash).
      const feed = (await t.server.inject({ method: 'POST', url: '/webapi/v1/feeds', headers: { authorization: basic('user7404', 'password-7404') }, payload: { auth: 'basic', username: 'feedx', password: 'feed-password-x' } })).json();
      const before = kdfRuns.length;
      const wrongName = await t.server.inject({ url: `/feeds/${feed.id}/latest.json`, headers: { authorization: basic('someone-else', 'feed-password-x') }, remoteAddress: '127.0.4.2' });
      assert.equal(wrongName.statusCode, 401);
      assert.deepEqual(kdfRuns.slice(before), [DUMMY_PASSWORD_HASH]);
    });

    it('runs the KDF once for a client that repeats the right credentials, and again at once when the password hash changes', async () => {
      const u = await makeAccount(t.app, 7405);
      const before = kdfRuns.length;
      for (let i = 0; i < 5; i++) assert.equal((await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: u.auth }, remoteAddress: '127.0.5.1' })).statusCode, 200);
      assert.equal(kdfRuns.length - before, 1);
      // Another stored hash for the same password (as a password reset writes): the cached success does not apply.
      await t.app.storage.db.updateTable('users').set({ password_hash: await hashPassword(u.password) }).where('username', '=', u.username).execute();
      assert.equal((await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: u.auth }, remoteAddress: '127.0.5.1' })).statusCode, 200);
      assert.equal(kdfRuns.length - before, 2);
    });

    it('does not count requests without credentials (a Digest client\'s first request, a Basic client\'s probe)', async () => {
      for (let i = 0; i < ADDRESS_LIMIT + 2; i++) {
        assert.equal((await t.server.inject({ url: '/webapi/v1/calls', remoteAddress: '127.0.6.1' })).statusCode, 401);
      }
      assert.equal((await surfaces[5].attempt(0, true, '127.0.6.1')).status, 200);
      assert.equal((await surfaces[1].attempt(0, true, '127.0.6.1')).status, 200);
    });
  });
}
