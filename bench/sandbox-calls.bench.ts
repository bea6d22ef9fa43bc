// Sandbox calls completed per second on SQLite: each call runs the whole path in-process (signed webhooks through the
// Fastify routes, TwiML interpreted by the sandbox carrier, events stored, record derived and finalized).
// Usage: node --import tsx bench/sandbox-calls.bench.ts [calls=3000] [concurrency=32]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config/config.ts';
import { createApp } from '../src/app.ts';
import { buildServer } from '../src/http/server.ts';

const CALLS = Number(process.argv[2] ?? 3000);
const CONCURRENCY = Number(process.argv[3] ?? 32);
const TARGET = 1000;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-bench-calls-'));
const config = loadConfig({ TT_DATA_DIR: dataDir, TT_PORT: '0', TT_LOG_LEVEL: 'silent', TT_DEMO: '0' });
const app = await createApp(config, { log: pino({ level: 'silent' }) });
const server = await buildServer(app);
await server.ready();
await app.accounts.createAccount({ clientId: 9001, name: 'Bench' });
const numbers = ['+61290004001', '+61290004002'];
await app.inventory.importNumbers(numbers.map((number, i) => ({ line: i + 2, number })));
for (const number of numbers) {
  await app.telco.createRequest({ userId: 'bench', clientId: 9001 }, { type: 'new', number, service: { type: 'transfer', target_number: '+61299998888', custom_id: 'bench' } });
}
await app.worker.drain();

async function run(n: number, concurrency: number, script: (i: number) => Parameters<typeof app.sandbox.placeCall>[0]) {
  let next = 0;
  let requests = 0;
  let errors = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const r = await app.sandbox.placeCall(script(i));
        requests += r.requests;
        errors += r.errors.length;
      }
    }),
  );
  const sec = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  return { sec, perSec: n / sec, requests, errors, cpuSec: (cpu.user + cpu.system) / 1e6 };
}

// Warm-up, then the measured run: answered transfers (inbound, 4 leg callbacks, dial action, final status = 7 requests).
await run(200, CONCURRENCY, (i) => ({ to: numbers[i % 2], from: '+61390012300', answerAfterSec: 3, talkSec: 20 }));
const r = await run(CALLS, CONCURRENCY, (i) => ({ to: numbers[i % 2], from: `+6139001${String(2300 + (i % 1000)).padStart(4, '0')}`, answerAfterSec: 3, talkSec: 20 }));
const finalized = await app.storage.db.selectFrom('calls').select((eb) => eb.fn.countAll().as('n')).where('state', '=', 'finalized').executeTakeFirstOrThrow();
console.log(`sandbox calls on SQLite: ${CALLS} answered transfers, concurrency ${CONCURRENCY}`);
console.log(`  ${r.perSec.toFixed(0)} calls/s completed and finalized (${(r.requests / r.sec).toFixed(0)} carrier requests/s, ${r.sec.toFixed(2)} s, ${r.errors} errors)`);
console.log(`  this process used ${r.cpuSec.toFixed(2)} s of CPU in ${r.sec.toFixed(2)} s (${((100 * r.cpuSec) / r.sec).toFixed(0)} % of one core; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`);
console.log(`  group commit: ${app.storage.writes.items} writes in ${app.storage.writes.batches} SQLite transactions`);
console.log(`  finalized rows: ${Number(finalized.n)} of ${CALLS + 200}`);
console.log(`  target ≥ ${TARGET} calls/s: ${r.perSec >= TARGET ? 'met' : 'NOT met'} (ratio ${(r.perSec / TARGET).toFixed(2)})`);
await server.close();
await app.close();
fs.rmSync(dataDir, { recursive: true, force: true });
