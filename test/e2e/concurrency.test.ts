import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { createApp, type App } from '../../src/app.ts';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount, stock, sydneyNumbers } from '../support/app.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/telltale.mjs');
const ORDERS = 200;
const STOCK = 50;
const CLIENT_ID = 7601;

/** 50 Sydney GEO numbers that match the orders, and Melbourne and mobile numbers that must not be taken. */
async function seedStock(app: App) {
  const acct = await makeAccount(app, CLIENT_ID);
  await stock(app, sydneyNumbers(STOCK));
  await stock(app, ['+61390012300', '+61390012301', '+61412000001']);
  return acct;
}

/** Fires all orders at once over real HTTP; returns the answers and how long the burst took. */
async function burst(baseUrl: string, auth: string) {
  const started = performance.now();
  const answers = await Promise.all(
    Array.from({ length: ORDERS }, (_, i) =>
      fetch(`${baseUrl}/telco/v1/requests`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'new', criteria: { country: 'AU', class: 'GEO', area: '02' }, service: { type: 'voicemail', custom_id: `order-${i}` } }),
      }).then(async (r) => ({ status: r.status, body: await r.json() })),
    ),
  );
  return { answers, ms: performance.now() - started };
}

/** Waits until no request is queued or processing (the workers run on their own); a bound only against hanging forever. */
async function settled(app: App, boundMs = 180_000) {
  const started = performance.now();
  for (;;) {
    const open = await app.storage.db.selectFrom('requests').select('id').where('status', 'in', ['queued', 'processing']).execute();
    if (open.length === 0) return performance.now() - started;
    if (performance.now() - started > boundMs) throw new Error(`${open.length} requests still open after ${boundMs} ms`);
    await sleep(50);
  }
}

async function verify(app: App, answers: { status: number; body: { request: { status: string; number: string | null; error: { code: string } | null } } }[]) {
  assert.ok(answers.every((a) => a.status === 202), `every order is answered 202: ${JSON.stringify(answers.find((a) => a.status !== 202))}`);
  const reserved = answers.filter((a) => a.body.request.status === 'queued').map((a) => a.body.request.number);
  assert.equal(reserved.length, STOCK, 'exactly 50 orders got a number at once');
  assert.equal(new Set(reserved).size, STOCK, 'on 50 distinct numbers');
  const refused = answers.filter((a) => a.body.request.status === 'failed');
  assert.equal(refused.length, ORDERS - STOCK);
  assert.ok(refused.every((a) => a.body.request.error?.code === 'no_stock'));

  const rows = await app.storage.db.selectFrom('requests').select(['status', 'number', 'error_code', 'service_id']).where('client_id', '=', CLIENT_ID).execute();
  assert.equal(rows.length, ORDERS);
  const completed = rows.filter((r) => r.status === 'completed');
  const failed = rows.filter((r) => r.status === 'failed');
  assert.equal(completed.length, STOCK, '50 completed');
  assert.equal(new Set(completed.map((r) => r.number)).size, STOCK, 'on 50 distinct numbers');
  assert.equal(failed.length, ORDERS - STOCK, '150 failed');
  assert.ok(failed.every((r) => r.error_code === 'no_stock'), 'all no_stock');
  const services = await app.storage.db.selectFrom('services').select(['number', 'status']).execute();
  assert.equal(services.length, STOCK);
  assert.ok(services.every((s) => s.status === 'live'));
  assert.equal(new Set(services.map((s) => s.number)).size, STOCK);
  assert.deepEqual([...new Set(services.map((s) => s.number))].sort(), sydneyNumbers(STOCK));
  const states = await app.storage.db.selectFrom('numbers').select(['number', 'state']).execute();
  assert.deepEqual(states.filter((n) => n.state === 'active').map((n) => n.number).sort(), sydneyNumbers(STOCK));
  assert.ok(states.filter((n) => !n.number.startsWith('+6129100')).every((n) => n.state === 'available'), 'non-matching numbers untouched');
}

function startProcess(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; ready: Promise<string> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (/Telltale is running on|worker running/.test(out)) resolve(out);
    });
    child.stderr!.on('data', (d) => (out += d));
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}: ${out}`)));
  });
  ready.catch(() => undefined);
  return { child, output: () => out, ready };
}

async function stopProcess(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

describe('Concurrency: 200 simultaneous orders against 50 matching numbers', () => {
  const sqlite = DIALECTS.find((d) => d.name === 'sqlite')!;
  it('ends with exactly 50 completed services on 50 distinct numbers and 150 failed no_stock (SQLite, in-process server and worker)', async (t) => {
    const app = await buildTestApp(sqlite, { listen: true });
    try {
      const acct = await seedStock(app.app);
      app.app.worker.start();
      const { answers, ms } = await burst(app.url, acct.auth);
      const settleMs = await settled(app.app);
      await verify(app.app, answers);
      t.diagnostic(`sqlite: ${ORDERS} orders answered in ${ms.toFixed(0)} ms; all requests settled ${settleMs.toFixed(0)} ms later`);
      console.log(`[concurrency] sqlite: ${ORDERS} orders answered in ${ms.toFixed(0)} ms; settled ${settleMs.toFixed(0)} ms later`);
    } finally {
      await app.close();
    }
  });

  const pgCase = DIALECTS.find((d) => d.name === 'postgres')!;
  it(
    'ends with exactly 50 completed services on 50 distinct numbers and 150 failed no_stock (PostgreSQL, API server and two worker processes)',
    { skip: pgCase.skip },
    async (t) => {
      const db = await pgCase.fresh();
      const procs: ChildProcess[] = [];
      let app: App | undefined;
      try {
        const config = loadConfig({ TT_DATA_DIR: db.dataDir, TT_DATABASE_URL: db.databaseUrl!, TT_LOG_LEVEL: 'silent' });
        app = await createApp(config, { log: pino({ level: 'silent' }) });
        const acct = await seedStock(app);
        const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TT_') && k !== 'NODE_TEST_CONTEXT'));
        const env = { ...base, TT_DATABASE_URL: db.databaseUrl!, TT_DATA_DIR: db.dataDir, TT_LOG_LEVEL: 'info', TT_DEMO: '0', TT_PORT: '0', TT_WORKER_POLL_MS: '50' };
        const api = startProcess(['serve', '--no-worker'], env);
        const w1 = startProcess(['work'], env);
        const w2 = startProcess(['work'], env);
        procs.push(api.child, w1.child, w2.child);
        const port = /running on http:\/\/[^:]+:(\d+)/.exec(await api.ready)![1];
        await Promise.all([w1.ready, w2.ready]);
        const { answers, ms } = await burst(`http://127.0.0.1:${port}`, acct.auth);
        const settleMs = await settled(app);
        await verify(app, answers);
        assert.doesNotMatch(api.output(), /"level":50/, 'the API logged no error');
        for (const w of [w1, w2]) assert.doesNotMatch(w.output(), /"level":50/, 'no worker logged an error');
        t.diagnostic(`postgres: ${ORDERS} orders answered in ${ms.toFixed(0)} ms; all requests settled ${settleMs.toFixed(0)} ms later (2 worker processes)`);
        console.log(`[concurrency] postgres: ${ORDERS} orders answered in ${ms.toFixed(0)} ms; settled ${settleMs.toFixed(0)} ms later (2 worker processes)`);
      } finally {
        await Promise.all(procs.map(stopProcess));
        await app?.close();
        await db.drop();
      }
    },
  );
});
