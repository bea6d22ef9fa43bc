import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { DIALECTS } from '../support/dialects.ts';
import { cleanEnv, serveProcess, stopProcess, withApp } from '../support/cli.ts';
import { makeAccount } from '../support/app.ts';
import { liveServices, trackingCode } from '../support/dni.ts';

const VISITORS = 200;
const POOL = 20;


for (const dialect of DIALECTS) {
  describe(`DNI leasing across two API processes on one database (${dialect.name})`, { skip: dialect.skip }, () => {
    it(`${VISITORS} visitors at once, split over two telltale serve processes, on a pool of ${POOL}: exactly ${POOL} leases on ${POOL} distinct numbers and ${VISITORS - POOL} fallbacks`, async () => {
      const db = await dialect.fresh();
      const procs: ChildProcess[] = [];
      try {
        const settings = { TT_DATA_DIR: db.dataDir, TT_DATABASE_URL: db.databaseUrl ?? '' };
        const { code, numbers } = await withApp(settings, async (app) => {
          await makeAccount(app, 7800);
          const pool = await liveServices(app, 7800, '+61291000100', POOL);
          const c = await trackingCode(app, 7800, { pool: pool.map((p) => p.id) });
          return { code: c.tracking_code, numbers: pool.map((p) => p.number).sort() };
        });
        const env = cleanEnv({ ...settings, TT_DEMO: '0', TT_LOG_LEVEL: 'warn' });
        const servers = [serveProcess(env, ['--no-worker']), serveProcess(env, ['--no-worker'])];
        procs.push(...servers.map((s) => s.child));
        const ports = await Promise.all(servers.map((s) => s.port));
        const answers = await Promise.all(
          Array.from({ length: VISITORS }, (_, i) =>
            fetch(`http://127.0.0.1:${ports[i % 2]}/dni/v1/visit`, {
              method: 'POST',
              headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://shop.example' },
              body: JSON.stringify({ client_id: 7800, tracking_code: code, visitor_id: null, page_url: `https://shop.example/?v=${i}` }),
            }).then(async (r) => ({ status: r.status, body: await r.json(), via: i % 2 })),
          ),
        );
        assert.ok(answers.every((a) => a.status === 200), JSON.stringify(answers.find((a) => a.status !== 200)));
        const leased = answers.filter((a) => !a.body.is_default);
        assert.equal(leased.length, POOL);
        assert.deepEqual([...new Set(leased.map((a) => a.body.e164))].sort(), numbers, 'on distinct numbers, the whole pool');
        // Both processes raced for the same rows (which one wins the leases is timing: under load one may win all 20).
        assert.deepEqual([0, 1].map((via) => answers.filter((a) => a.via === via && a.status === 200).length), [VISITORS / 2, VISITORS / 2], 'each process answered its half');
        assert.equal(answers.filter((a) => a.body.is_default && a.body.e164 === '+61401020304').length, VISITORS - POOL);
        const rows = await withApp(settings, (app) => app.storage.db.selectFrom('dni_pool_numbers').select(['visitor_id', 'number']).execute());
        assert.equal(new Set(rows.map((r) => r.visitor_id)).size, POOL);
        const byNumber = new Map(leased.map((a) => [a.body.e164, a.body.visitor_id]));
        for (const r of rows) assert.equal(r.visitor_id, byNumber.get(r.number), 'the database agrees with the answers');
        for (const s of servers) assert.doesNotMatch(s.output(), /"level":50/, 'no process logged an error');
      } finally {
        await Promise.all(procs.map(stopProcess));
        await db.drop();
      }
    });
  });
}
