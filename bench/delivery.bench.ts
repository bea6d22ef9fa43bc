// Deliveries per second through the outbox (claim, sign, send, record) to a local receiver, against a bare undici
// request loop to the same receiver with the same concurrency, measured in the same run.
// Usage: node --import tsx bench/delivery.bench.ts [deliveries=10000]
// Env: BENCH_POSTGRES_URL=postgres://… (an admin URL) to run on PostgreSQL in a fresh database created and dropped by
//      the bench (default: a temporary SQLite file);
//      TT_DELIVERY_CONCURRENCY (default 64) applies to both sides.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { Agent, request } from 'undici';
import { loadConfig } from '../src/config/config.ts';
import { createApp } from '../src/app.ts';

const N = Number(process.argv[2] ?? 10_000);
const CONCURRENCY = Number(process.env.TT_DELIVERY_CONCURRENCY ?? 64);
const TARGET_RATE = 2000;
const TARGET_RATIO = 0.5;

// The receiver runs in its own process, so neither side shares an event loop with it.
if (process.argv[2] === '--receiver') {
  const http = await import('node:http');
  let count = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      count++;
      res.end('ok');
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as { port: number }).port }));
  process.on('message', (m) => {
    if (m === 'count') process.send!({ count });
  });
} else {
  await main();
}

async function main() {
  const child = fork(fileURLToPath(import.meta.url), ['--receiver'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  const base = `http://127.0.0.1:${port}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-bench-'));
  const admin = process.env.BENCH_POSTGRES_URL;
  const dbName = `tt_bench_${randomBytes(6).toString('hex')}`;
  let databaseUrl = '';
  if (admin) {
    await adminQuery(admin, `create database ${dbName}`);
    const u = new URL(admin);
    u.pathname = `/${dbName}`;
    databaseUrl = u.toString();
  }
  try {
    console.log(`delivery bench: ${N} deliveries, concurrency ${CONCURRENCY}, ${admin ? 'PostgreSQL' : 'SQLite'}, ${os.cpus().length} cores`);

    // Warm both paths a little (JIT, connections), then measure.
    await bareLoop(base, 1000);
    const c0 = process.cpuUsage();
    const bareRate = await bareLoop(base, N);
    const bareCpu = cpuMicros(c0) / N;
    console.log(`bare undici loop:   ${fmt(bareRate)} requests/s (${bareCpu.toFixed(0)} µs CPU each in this process)`);

    const config = loadConfig({ TT_DATA_DIR: dataDir, TT_DATABASE_URL: databaseUrl, TT_LOG_LEVEL: 'silent', TT_DELIVERY_CONCURRENCY: String(CONCURRENCY) });
    const app = await createApp(config, { log: pino({ level: 'silent' }) });
    try {
      const clientId = 90_000 + Math.floor(Math.random() * 9000);
      await app.accounts.createAccount({ clientId, name: 'Bench' });
      const enqueue = async (n: number) => {
        for (let i = 0; i < n; i += 500) {
          await app.storage.tx(async (tx) => {
            for (let j = i; j < Math.min(n, i + 500); j++) {
              await app.delivery.enqueue(tx, { clientId, kind: 'call_callback', subjectId: String(j), method: 'GET', url: `${base}/cb?clientid=${clientId}&callid=${j}&callstatus=Answered` });
            }
          });
        }
      };
      await enqueue(1000);
      await app.worker.drain();
      const t0 = performance.now();
      await enqueue(N);
      const enqueueMs = performance.now() - t0;
      const t1 = performance.now();
      const c1 = process.cpuUsage();
      await app.worker.drain();
      const sendMs = performance.now() - t1;
      const engineCpu = cpuMicros(c1) / N;
      const delivered = await app.storage.db.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'delivered').executeTakeFirstOrThrow();
      const engineRate = N / (sendMs / 1000);
      console.log(`enqueue (outbox):   ${fmt(N / (enqueueMs / 1000))} deliveries/s written (500 per transaction)`);
      console.log(`delivery engine:    ${fmt(engineRate)} deliveries/s (claimed, signed, sent, recorded; ${Number(delivered.n)} of ${N + 1000} delivered; ${engineCpu.toFixed(0)} µs CPU each)`);
      console.log(`ratio engine/bare:  ${(engineRate / bareRate * 100).toFixed(1)} %`);
      console.log(`targets:            >= ${TARGET_RATE}/s ${engineRate >= TARGET_RATE ? 'met' : 'MISSED'}; >= ${TARGET_RATIO * 100} % of bare ${engineRate / bareRate >= TARGET_RATIO ? 'met' : 'MISSED'}`);
    } finally {
      await app.close();
    }
  } finally {
    child.kill();
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (admin) await adminQuery(admin, `drop database if exists ${dbName} with (force)`);
  }
}

async function adminQuery(url: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

async function bareLoop(base: string, n: number): Promise<number> {
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) {
        const i = next++;
        const res = await request(`${base}/bare?i=${i}`, { dispatcher: agent });
        await res.body.text();
      }
    }),
  );
  const rate = n / ((performance.now() - t0) / 1000);
  await agent.close();
  return rate;
}

function cpuMicros(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return d.user + d.system;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
