import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/domain/clock.ts';
import type { CallRow } from '../../src/services/calls/call-consumers.ts';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount } from '../support/app.ts';
import { ReceiverProcess } from '../support/receiver-process.ts';
import { StorageProcess } from '../support/storage-process.ts';
import { killProcess, startWorkerProcess, waitUntil, type WorkerProcess } from '../support/worker-process.ts';
import { deliveryCallRow, deliveryService, finalizeDeliveryCall } from '../support/delivery-fixtures.ts';

/*
 * Outbox guarantees checked across processes, each with its own connection to the database. On SQLite a single
 * connection proves little: it sees its own uncommitted rows, and claims on it run one after another by construction.
 * Separate processes are what production runs (an API process and worker processes on one database file or server).
 */
for (const dialect of DIALECTS) {
  describe(`Outbox across processes (${dialect.name})`, { skip: dialect.skip }, () => {
    it('writes no delivery when the finalizing transaction rolls back: another process never sees it, a worker process never sends it', async () => {
      const t = await buildTestApp(dialect, { env: { TT_LOG_LEVEL: 'silent' } });
      const receiver = await new ReceiverProcess().start();
      const probe = await new StorageProcess({ databaseUrl: t.config.databaseUrl, dataDir: t.config.dataDir }).start();
      let worker: WorkerProcess | null = null;
      try {
        const acct = await makeAccount(t.app, 7108);
        const svc = (path: string, n: number) => deliveryService(t.app, acct.clientId, { number: `+612910071${n}0`, call_callback_uri: `${receiver.url}/${path}?c=[[callid]]` });
        const warm = await svc('warm', 1);
        const never = await svc('never', 2);
        const committed = await svc('committed', 3);
        worker = startWorkerProcess({ TT_DATA_DIR: t.config.dataDir, TT_DATABASE_URL: t.config.databaseUrl ?? '', TT_LOG_LEVEL: 'warn', TT_WORKER_POLL_MS: '25' }, 'worker');
        const paths = async () => (await receiver.requests()).map((r) => r.url.split('?')[0]);
        // The worker process is up and sending before the transaction that will roll back.
        await finalizeDeliveryCall(t.app, warm);
        await waitUntil(async () => (await paths()).includes('/warm'), 'the worker process to send the first callback', 60_000).catch((err) => {
          throw new Error(`${(err as Error).message}\n${worker!.output.join('')}`);
        });

        let insideTx = -1;
        let seenOutside: string[] = ['not read'];
        await assert.rejects(
          t.app.storage.tx(async (tx) => {
            const row = (await tx.insertInto('calls').values(deliveryCallRow(t.app, never)).returningAll().executeTakeFirstOrThrow()) as CallRow;
            await t.app.callConsumers.callFinalized(tx, row);
            // The hooks wrote the delivery in this transaction; the other process, with its own connection, does not see it.
            insideTx = (await tx.selectFrom('deliveries').select('id').where('subject_id', '=', String(row.id)).execute()).length;
            seenOutside = (await probe.deliveries(acct.clientId)).map((d) => d.url);
            throw new Error('finalization failed after the hooks ran');
          }),
          /finalization failed/,
        );
        assert.equal(insideTx, 1, 'the hooks enqueued the callback inside the transaction');
        assert.deepEqual(seenOutside.filter((u) => !u.includes('/warm?')), [], 'another process saw an uncommitted delivery');

        // A committed call after it: once its callback has arrived, the worker has polled past the rolled-back one.
        await finalizeDeliveryCall(t.app, committed);
        await waitUntil(async () => (await paths()).includes('/committed'), 'the committed callback', 60_000);
        assert.deepEqual((await paths()).sort(), ['/committed', '/warm']);
        const rows = await probe.deliveries(acct.clientId);
        assert.deepEqual(rows.map((d) => new URL(d.url).pathname).sort(), ['/committed', '/warm']);
        assert.equal((await t.app.deliveryLog.list(acct.clientId, { limit: 10 })).items.length, 2);
      } finally {
        if (worker) await killProcess(worker);
        await probe.close();
        await receiver.close();
        await t.close();
      }
    });

    it('never lets concurrent workers in separate processes claim the same delivery', async () => {
      const clock = new ManualClock('2026-05-01T00:00:00.000Z');
      const t = await buildTestApp(dialect, { clock, env: { TT_LOG_LEVEL: 'silent' } });
      const target = { databaseUrl: t.config.databaseUrl, dataDir: t.config.dataDir };
      const claimers = await Promise.all(Array.from({ length: 4 }, () => new StorageProcess(target).start()));
      try {
        const acct = await makeAccount(t.app, 7402);
        const svc = await deliveryService(t.app, acct.clientId, { number: '+61291007402', call_callback_uri: 'http://127.0.0.1:9/race?c=[[callid]]' });
        for (let i = 0; i < 60; i++) await finalizeDeliveryCall(t.app, svc);
        const now = clock.now().toISOString();
        const until = new Date(clock.now().getTime() + 60_000).toISOString();
        // In rounds, every process claims at the same moment (up to 5 each), until nothing is left to claim.
        const byWorker: string[][] = claimers.map(() => []);
        for (let round = 0; ; round++) {
          assert.ok(round < 60, 'the claims came to an end');
          const got = await Promise.all(claimers.map((c, w) => c.claim(now, until, 5, `w${w}`)));
          got.forEach((ids, w) => byWorker[w].push(...ids));
          if (got.every((ids) => ids.length === 0)) break;
        }
        const ids = byWorker.flat();
        assert.equal(ids.length, 60);
        assert.equal(new Set(ids).size, 60);
        assert.ok(byWorker.filter((w) => w.length > 0).length >= 2, `claims per process: ${byWorker.map((w) => w.length).join(', ')}`);
        // Each delivery's lease belongs to the process that claimed it: no later claim took a live lease over.
        const owners = await t.app.storage.db.selectFrom('deliveries').select(['id', 'lease_owner']).where('client_id', '=', acct.clientId).execute();
        const ownerOf = new Map(byWorker.flatMap((w, i) => w.map((id) => [id, `w${i}`] as const)));
        for (const o of owners) assert.equal(o.lease_owner, ownerOf.get(o.id), o.id);
      } finally {
        await Promise.all(claimers.map((c) => c.close()));
        await t.close();
      }
    });
  });
}
