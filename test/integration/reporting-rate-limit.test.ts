import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawn } from 'node:child_process';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import pino from 'pino';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { DIALECTS, type DialectCase } from '../support/dialects.ts';
import { makeAccount } from '../support/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createApp, type App } from '../../src/app.ts';
import { buildServer } from '../../src/http/server.ts';
import { ManualClock } from '../../src/domain/clock.ts';

/** One API process: its own app (own connection or pool, own clock) and HTTP server listening on a port. */
interface Instance {
  app: App;
  server: FastifyInstance;
  url: string;
  clock: ManualClock;
  logs: { msg: string; level: number }[];
}

/** Two API processes on the same database (PostgreSQL database, or SQLite file in the same TT_DATA_DIR). */
async function twoInstances(dialect: DialectCase, env: Record<string, string>, start: string) {
  const db = await dialect.fresh();
  const open = async (): Promise<Instance> => {
    const config = loadConfig({ TT_DATA_DIR: db.dataDir, TT_DATABASE_URL: db.databaseUrl ?? '', TT_PORT: '0', TT_LOG_LEVEL: 'silent', ...env });
    const logs: Instance['logs'] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => logs.push(JSON.parse(line)) });
    const clock = new ManualClock(start);
    const app = await createApp(config, { log, clock });
    const server = await buildServer(app);
    await server.listen({ host: '127.0.0.1', port: 0 });
    return { app, server, clock, logs, url: `http://127.0.0.1:${(server.server.address() as { port: number }).port}` };
  };
  const one = await open();
  const two = await open();
  return {
    one,
    two,
    databaseUrl: db.databaseUrl,
    dataDir: db.dataDir,
    async close() {
      for (const i of [one, two]) {
        await i.server.close();
        await i.app.close();
      }
      await db.drop();
    },
  };
}

const calls = async (i: Instance, auth: string) => {
  const res = await fetch(`${i.url}/webapi/v1/calls`, { headers: { authorization: auth } });
  await res.text();
  return { status: res.status, remaining: res.headers.get('ratelimit-remaining'), retryAfter: res.headers.get('retry-after'), limit: res.headers.get('ratelimit-limit') };
};

for (const dialect of DIALECTS) {
  describe(`WebAPI rate limit shared by API processes (${dialect.name})`, { skip: dialect.skip }, () => {
    let env: Awaited<ReturnType<typeof twoInstances>>;
    before(async () => {
      env = await twoInstances(dialect, { TT_WEBAPI_RATE_LIMIT: '5', TT_WEBAPI_RATE_WINDOW_SECONDS: '60' }, '2026-04-20T00:00:10.000Z');
    });
    after(async () => env?.close());

    it('spends one budget per user across two processes; another user and a new window have their own', async () => {
      const { one, two } = env;
      const a = await makeAccount(one.app, 8101);
      const b = await makeAccount(one.app, 8102);

      const onOne = [await calls(one, a.auth), await calls(one, a.auth), await calls(one, a.auth)];
      assert.deepEqual(onOne.map((r) => [r.status, r.remaining]), [[200, '4'], [200, '3'], [200, '2']]);
      const onTwo = [await calls(two, a.auth), await calls(two, a.auth), await calls(two, a.auth)];
      assert.deepEqual(onTwo.map((r) => [r.status, r.remaining]), [[200, '1'], [200, '0'], [429, '0']]);
      assert.equal(onTwo[2].retryAfter, '50');
      assert.equal(onTwo[2].limit, '5');
      // The first process sees the spent budget too.
      const backOnOne = await calls(one, a.auth);
      assert.equal(backOnOne.status, 429);
      assert.equal(backOnOne.retryAfter, '50');

      // Another user is unaffected, on either process, and also shares one budget between them.
      assert.deepEqual([await calls(two, b.auth), await calls(one, b.auth)].map((r) => [r.status, r.remaining]), [[200, '4'], [200, '3']]);

      // The next window (each process has its own clock, as separate processes do).
      one.clock.advance(50_000);
      two.clock.advance(50_000);
      assert.deepEqual([await calls(two, a.auth), await calls(one, a.auth)].map((r) => [r.status, r.remaining, r.retryAfter]), [[200, '4', null], [200, '3', null]]);
      assert.equal(one.logs.length + two.logs.length, 0, JSON.stringify([...one.logs, ...two.logs]));
    });

    it('keeps the table bounded: a process entering a new window deletes the windows before the previous one', async () => {
      const { one, two } = env;
      const c = await makeAccount(one.app, 8103);
      const windows = async () =>
        (await one.app.storage.db.selectFrom('rate_limits').select('window_start').distinct().orderBy('window_start').execute()).map((r) => new Date(Number(r.window_start)).toISOString());
      // The clocks are at 00:01:00 (the previous test's second window); windows of 00:00 and 00:01 exist.
      assert.deepEqual(await windows(), ['2026-04-20T00:00:00.000Z', '2026-04-20T00:01:00.000Z']);
      one.clock.advance(60_000);
      two.clock.advance(60_000);
      assert.equal((await calls(two, c.auth)).status, 200);
      assert.deepEqual(await windows(), ['2026-04-20T00:01:00.000Z', '2026-04-20T00:02:00.000Z']);
      // Once per window and process: the other process's first request in the window prunes too (nothing left to do).
      assert.equal((await calls(one, c.auth)).remaining, '3');
      assert.deepEqual(await windows(), ['2026-04-20T00:01:00.000Z', '2026-04-20T00:02:00.000Z']);
    });
  });

  describe(`WebAPI rate limit under ordinary write contention (${dialect.name})`, { skip: dialect.skip || (dialect.name !== 'sqlite' && 'SQLite only: the busy timeout of its shared connection') }, () => {
    let env: Awaited<ReturnType<typeof twoInstances>>;
    before(async () => {
      env = await twoInstances(dialect, { TT_WEBAPI_RATE_LIMIT: '5', TT_WEBAPI_RATE_WINDOW_SECONDS: '60' }, '2026-04-20T00:00:10.000Z');
    });
    after(async () => env?.close());

    it('waits out another process’s short write transaction: counted in the database, no warning', async () => {
      const { one, two } = env;
      const a = await makeAccount(one.app, 8301);
      assert.equal((await calls(one, a.auth)).remaining, '4');
      // Another process takes the write lock and holds it for 400 ms: a write transaction a busy process can make
      // (a batch of carrier callbacks, a feed line update) on a loaded machine. The counter's busy timeout must outlast
      // it; at 100 ms it failed open and logged a warning.
      const holder = spawn(
        process.execPath,
        ['-e', `const db = new (require('better-sqlite3'))(process.argv[1]); db.exec('begin immediate'); console.log('locked'); setTimeout(() => { db.exec('rollback'); db.close(); }, 400);`, path.join(env.dataDir, 'telltale.db')],
        { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const exited = new Promise((resolve) => holder.on('exit', resolve));
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
        holder.on('exit', (code) => reject(new Error(`lock holder exited (${code}) before locking`)));
      });
      try {
        const during = await calls(two, a.auth);
        assert.deepEqual([during.status, during.remaining], [200, '3'], 'counted in the shared table, after the lock was released');
      } finally {
        await exited;
      }
      assert.deepEqual(two.logs, [], 'no warning');
      assert.equal((await calls(one, a.auth)).remaining, '2', 'the other process sees that count');
    });
  });

  describe(`WebAPI rate limit when the database does not count (${dialect.name})`, { skip: dialect.skip }, () => {
    let env: Awaited<ReturnType<typeof twoInstances>>;
    before(async () => {
      env = await twoInstances(dialect, { TT_WEBAPI_RATE_LIMIT: '2', TT_WEBAPI_RATE_WINDOW_SECONDS: '60' }, '2026-04-20T00:00:10.000Z');
    });
    after(async () => env?.close());

    it('fails open with a log line while the counter table is locked by someone else, then counts in the database again', async () => {
      const { one, two } = env;
      const a = await makeAccount(one.app, 8201);
      assert.equal((await calls(one, a.auth)).remaining, '1');
      // Another connection holds the write lock (SQLite) or an exclusive lock on the table (PostgreSQL).
      let release: () => Promise<void>;
      if (dialect.name === 'sqlite') {
        const other = new SQLite(path.join(env.dataDir, 'telltale.db'));
        other.exec('begin immediate');
        release = async () => {
          other.exec('rollback');
          other.close();
        };
      } else {
        const other = new pg.Client({ connectionString: env.databaseUrl! });
        await other.connect();
        await other.query('begin');
        await other.query('lock table rate_limits in access exclusive mode');
        release = async () => {
          await other.query('rollback');
          await other.end();
        };
      }
      try {
        // Allowed although the database cannot count it; the process counts on its own meanwhile (its limit of 2).
        const during = [await calls(two, a.auth), await calls(two, a.auth), await calls(two, a.auth)];
        assert.deepEqual(during.map((r) => [r.status, r.remaining]), [[200, '1'], [200, '0'], [429, '0']]);
      } finally {
        await release();
      }
      const warnings = two.logs.filter((l) => /WebAPI rate limit: the database did not count a request; failing open/.test(l.msg));
      assert.equal(warnings.length, 1, JSON.stringify(two.logs));
      assert.equal(one.logs.length, 0);
      // Counting in the database again: what one process spends, the other sees.
      const c = await makeAccount(one.app, 8203);
      assert.deepEqual([await calls(one, c.auth), await calls(two, c.auth), await calls(one, c.auth)].map((r) => [r.status, r.remaining]), [[200, '1'], [200, '0'], [429, '0']]);
    });

    it('fails open when the counter table is gone, and logs it once per window', async () => {
      const { one } = env;
      const b = await makeAccount(one.app, 8202);
      await sql`drop table rate_limits`.execute(one.app.storage.db);
      const res = [await calls(one, b.auth), await calls(one, b.auth)];
      assert.deepEqual(res.map((r) => r.status), [200, 200]);
      const warnings = one.logs.filter((l) => /failing open/.test(l.msg));
      assert.equal(warnings.length, 1, JSON.stringify(one.logs));
    });
  });
}
