// Authentication state that every API process must share through the database: Digest nonce counts (a replay to
// another process is refused) and the failed-authentication throttle (spent on one process, refused on the other).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { DIALECTS, type DialectCase } from '../support/dialects.ts';
import { basic, makeAccount } from '../support/app.ts';
import { challengesOf, digestAuthorization } from '../support/digest-client.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createApp, type App } from '../../src/app.ts';
import { buildServer } from '../../src/http/server.ts';
import { ManualClock } from '../../src/domain/clock.ts';

/** One API process: its own app (own connection or pool, own clock) and server. */
interface Instance {
  app: App;
  server: FastifyInstance;
  clock: ManualClock;
}

/** Two API processes on the same database (one PostgreSQL database, or one SQLite file in the same TT_DATA_DIR). */
async function twoInstances(dialect: DialectCase, env: Record<string, string>, start: string) {
  const db = await dialect.fresh();
  const open = async (): Promise<Instance> => {
    const config = loadConfig({ TT_DATA_DIR: db.dataDir, TT_DATABASE_URL: db.databaseUrl ?? '', TT_PORT: '0', TT_LOG_LEVEL: 'silent', ...env });
    const clock = new ManualClock(start);
    const app = await createApp(config, { log: pino({ level: 'silent' }), clock });
    const server = await buildServer(app);
    await server.ready();
    return { app, server, clock };
  };
  const one = await open();
  const two = await open();
  return {
    one,
    two,
    async close() {
      for (const i of [one, two]) {
        await i.server.close();
        await i.app.close();
      }
      await db.drop();
    },
  };
}

for (const dialect of DIALECTS) {
  describe(`Digest nonce counts shared by API processes (${dialect.name})`, { skip: dialect.skip }, () => {
    let env: Awaited<ReturnType<typeof twoInstances>>;
    let feedId: string;
    before(async () => {
      env = await twoInstances(dialect, {}, '2026-04-20T00:00:10.000Z');
      const a = await makeAccount(env.one.app, 7301);
      const res = await env.one.server.inject({ method: 'POST', url: '/webapi/v1/feeds', headers: { authorization: a.auth }, payload: { auth: 'digest', username: 'digester', password: 'digest-password-1' } });
      assert.equal(res.statusCode, 201, res.body);
      feedId = res.json().id;
    });
    after(async () => env?.close());

    it('refuses on another process a nonce count already used on one (a replay), and accepts the next count there', async () => {
      const { one, two } = env;
      const uri = `/feeds/${feedId}/2026/04.json`;
      const challenge = await one.server.inject({ url: uri });
      assert.equal(challenge.statusCode, 401);
      const [sha] = challengesOf(challenge.headers['www-authenticate']);
      const answer = (nc: number) => ({ authorization: digestAuthorization(sha, { username: 'digester', password: 'digest-password-1', method: 'GET', uri, nc, cnonce: 'c0ffee' }) });

      assert.equal((await one.server.inject({ url: uri, headers: answer(1) })).statusCode, 200);
      const replay = await two.server.inject({ url: uri, headers: answer(1) });
      assert.equal(replay.statusCode, 401, 'the same nonce and nc replayed to the other process');
      assert.match(replay.json().detail, /replayed/);
      // The next count is fine on the other process, and then a replay of it to the first is refused.
      assert.equal((await two.server.inject({ url: uri, headers: answer(2) })).statusCode, 200);
      assert.equal((await one.server.inject({ url: uri, headers: answer(2) })).statusCode, 401);
      // A lower count than the highest seen is refused everywhere; a higher one is accepted (nc may skip).
      assert.equal((await one.server.inject({ url: uri, headers: answer(1) })).statusCode, 401);
      assert.equal((await one.server.inject({ url: uri, headers: answer(7) })).statusCode, 200);
      assert.equal((await two.server.inject({ url: uri, headers: answer(5) })).statusCode, 401);
    });

    it('counts each client nonce (cnonce) on its own, across processes', async () => {
      const { one, two } = env;
      const uri = `/feeds/${feedId}/2026.csv`;
      const [sha] = challengesOf((await two.server.inject({ url: uri })).headers['www-authenticate']);
      const answer = (cnonce: string) => ({ authorization: digestAuthorization(sha, { username: 'digester', password: 'digest-password-1', method: 'GET', uri, nc: 1, cnonce }) });
      assert.equal((await one.server.inject({ url: uri, headers: answer('aaaa') })).statusCode, 200);
      assert.equal((await two.server.inject({ url: uri, headers: answer('bbbb') })).statusCode, 200);
      assert.equal((await two.server.inject({ url: uri, headers: answer('aaaa') })).statusCode, 401);
      assert.equal((await one.server.inject({ url: uri, headers: answer('bbbb') })).statusCode, 401);
    });
  });

  describe(`Failed-auth throttle shared by API processes (${dialect.name})`, { skip: dialect.skip }, () => {
    let env: Awaited<ReturnType<typeof twoInstances>>;
    before(async () => {
      env = await twoInstances(dialect, { TT_AUTH_FAIL_USER_LIMIT: '4', TT_AUTH_FAIL_ADDRESS_LIMIT: '100', TT_AUTH_FAIL_WINDOW_SECONDS: '60' }, '2026-04-20T00:00:10.000Z');
    });
    after(async () => env?.close());

    it('counts failures on either process against one budget: spent on one, the other refuses the right password with 429', async () => {
      const { one, two } = env;
      const a = await makeAccount(one.app, 7311);
      const get = (i: Instance, password: string, remoteAddress: string) => i.server.inject({ url: '/webapi/v1/calls', headers: { authorization: basic(a.username, password) }, remoteAddress });
      assert.equal((await get(one, 'wrong-1', '127.0.7.1')).statusCode, 401);
      assert.equal((await get(two, 'wrong-2', '127.0.7.2')).statusCode, 401);
      assert.equal((await get(one, 'wrong-3', '127.0.7.3')).statusCode, 401);
      assert.equal((await get(two, 'wrong-4', '127.0.7.4')).statusCode, 401);
      for (const i of [two, one]) {
        const refused = await get(i, a.password, '127.0.7.5');
        assert.equal(refused.statusCode, 429, refused.body);
        assert.equal(refused.headers['retry-after'], '50');
      }
      // The next window, on both processes' clocks.
      one.clock.advance(50_000);
      two.clock.advance(50_000);
      assert.equal((await get(two, a.password, '127.0.7.5')).statusCode, 200);
      assert.equal((await get(one, a.password, '127.0.7.5')).statusCode, 200);
    });

    it('lets a concurrent burst split over both processes run the KDF at most the limit of times in all', async () => {
      const { one, two } = env;
      const b = await makeAccount(one.app, 7312);
      const answers = await Promise.all(
        Array.from({ length: 16 }, (_, i) => (i % 2 ? one : two).server.inject({ url: '/telco/v1/numbers', headers: { authorization: basic(b.username, `wrong-${i}`) }, remoteAddress: `127.0.8.${i + 1}` })),
      );
      assert.deepEqual(answers.map((r) => r.statusCode).sort(), [...Array(4).fill(401), ...Array(12).fill(429)]);
    });
  });
}
