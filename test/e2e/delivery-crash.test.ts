import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { createApp } from '../../src/app.ts';
import { DIALECTS } from '../support/dialects.ts';
import { ReceiverProcess, type RemoteRequest } from '../support/receiver-process.ts';
import { deliveryService, finalizeDeliveryCall } from '../support/delivery-fixtures.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CALLS = Number(process.env.TT_TEST_CRASH_CALLS ?? 2000);

/** A `telltale work` process against the given database; its output is kept for the failure message. */
function startWorker(env: Record<string, string>, name: string): ChildProcess & { output: string[] } {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/telltale.mjs'), 'work'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcess & { output: string[] };
  child.output = [];
  child.stdout!.on('data', (d) => child.output.push(`[${name}] ${d}`));
  child.stderr!.on('data', (d) => child.output.push(`[${name}] ${d}`));
  return child;
}

function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function waitFor(cond: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const dialect of DIALECTS) {
  const workers = dialect.name === 'postgres' ? 2 : 1;
  describe(`Delivery survives worker crashes (${dialect.name}, ${workers} worker process${workers > 1 ? 'es' : ''})`, { skip: dialect.skip }, () => {
    it(`delivers every one of ${CALLS} finalized calls' callbacks at least once while workers are SIGKILLed and restarted twice; duplicates keep their webhook-id`, async () => {
      const db = await dialect.fresh();
      const receiver = await new ReceiverProcess().start();
      const got: RemoteRequest[] = [];
      const callIdsSeen = new Set<string>();
      const t0 = Date.now();
      const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
      const env = {
        TT_DATA_DIR: db.dataDir,
        TT_DATABASE_URL: db.databaseUrl ?? '',
        TT_LOG_LEVEL: 'warn',
        TT_WORKER_POLL_MS: '25',
        // A short attempt timeout keeps the lease (2 × timeout + 5 s) short, so a dead worker's claims come back soon.
        TT_DELIVERY_TIMEOUT_MS: '2000',
        // Short retry steps: a timeout on this busy machine must not park a delivery for the default 5 minutes.
        TT_DELIVERY_RETRY_SCHEDULE: Array.from({ length: 30 }, (_, i) => (i === 0 ? 0 : 1)).join(','),
        TT_DELIVERY_CONCURRENCY: '32',
      };
      // The test process plays the call path: each call is written and its hooks run in one transaction.
      const app = await createApp(loadConfig(env), { log: pino({ level: 'silent' }) });
      const procs: (ChildProcess & { output: string[] })[] = [];
      try {
        await app.accounts.createAccount({ clientId: 8801, name: 'Crash test' });
        const svc = await deliveryService(app, 8801, { call_callback_uri: `${receiver.url}/crash?callid=[[callid]]&uniqueid=[[uniqueid]]` });
        const warm = await deliveryService(app, 8801, { call_callback_uri: `${receiver.url}/warmup?callid=[[callid]]` });
        for (let w = 0; w < workers; w++) procs.push(startWorker(env, `w${w}`));
        // Start finalizing once the workers are up and delivering, so the kills land while calls are still coming in.
        await finalizeDeliveryCall(app, warm);
        let polled = 0;
        let polling: Promise<void> = Promise.resolve();
        // Polls are chained: the finalizing loop and the killing loop both poll, and must not read the same slice twice.
        const poll = () =>
          (polling = polling.then(async () => {
            const fresh = await receiver.requests(polled);
            polled += fresh.length;
            for (const r of fresh) {
              if (!r.url.startsWith('/crash?')) continue;
              got.push(r);
              callIdsSeen.add(new URL(r.url, 'http://x').searchParams.get('callid')!);
            }
          }));
        await waitFor(async () => (await poll(), polled > 0), 'the workers to start', 60_000);
        const seen = () => callIdsSeen.size;
        const kills: number[] = [];
        const finalizedAtKill: number[] = [];
        let finalized = 0;
        const finalize = (async () => {
          for (let i = 0; i < CALLS; i++) {
            // Stay at most 300 calls ahead of the receiver, so finalization is still going on when the workers die.
            if (i - seen() > 300) await waitFor(async () => (await poll(), i - seen() <= 300), 'the receiver to catch up', 120_000);
            await finalizeDeliveryCall(app, svc);
            finalized++;
          }
        })();
        // Kill the worker(s) hard twice while calls are still being finalized and callbacks sent, then restart.
        for (const at of [Math.floor(CALLS * 0.25), Math.floor(CALLS * 0.6)]) {
          await waitFor(async () => (await poll(), seen() >= at), `${at} callbacks received`, 120_000);
          kills.push(seen());
          finalizedAtKill.push(finalized);
          for (let w = 0; w < procs.length; w++) {
            await killHard(procs[w]);
            procs[w] = startWorker(env, `w${w}-restart${kills.length}`);
          }
        }
        await finalize;
        await waitFor(async () => (await poll(), seen() >= CALLS), `all ${CALLS} callbacks`, 180_000).catch((err) => {
          throw new Error(`${(err as Error).message}\n${procs.flatMap((p) => p.output).join('').slice(-4000)}`);
        });

        // Every call reached the receiver; each call's deliveries share one webhook-id, and no two calls share one.
        const idsByCall = new Map<string, Set<string>>();
        for (const r of got) {
          const callId = new URL(r.url, 'http://x').searchParams.get('callid')!;
          const set = idsByCall.get(callId) ?? new Set();
          set.add(r.webhookId);
          idsByCall.set(callId, set);
        }
        assert.equal(idsByCall.size, CALLS);
        for (const [callId, ids] of idsByCall) assert.equal(ids.size, 1, `call ${callId} arrived with ${ids.size} webhook-ids`);
        assert.equal(new Set([...idsByCall.values()].map((s) => [...s][0])).size, CALLS);
        const calls = await app.storage.db.selectFrom('calls').select('id').where('service_id', '=', svc.id).execute();
        assert.deepEqual(new Set(calls.map((c) => String(c.id))), new Set(idsByCall.keys()));
        // The kills happened mid-stream: calls were still being finalized and callbacks still being sent.
        assert.ok(kills.every((k) => k > 0 && k < CALLS), `kills at ${kills.join(', ')} received`);
        assert.ok(finalizedAtKill.every((f) => f < CALLS), `kills at ${finalizedAtKill.join(', ')} finalized`);
        const duplicates = got.length - CALLS;
        console.log(`# ${dialect.name}: ${CALLS} calls in ${elapsed()}, ${got.length} requests received (${duplicates} duplicates), kills after ${kills.join(' and ')} callbacks received, ${finalizedAtKill.join(' and ')} calls finalized`);
        // Once the survivors have caught up, the outbox holds no pending delivery.
        let pending = 1;
        const t0 = Date.now();
        while (pending > 0 && Date.now() - t0 < 60_000) {
          const r = await app.storage.db.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '<>', 'delivered').executeTakeFirstOrThrow();
          pending = Number(r.n);
          if (pending) await new Promise((res) => setTimeout(res, 100));
        }
        assert.equal(pending, 0, 'every delivery ends delivered');
      } finally {
        await Promise.all(procs.map(killHard));
        await app.close();
        await receiver.close();
        await db.drop();
      }
    });
  });
}
