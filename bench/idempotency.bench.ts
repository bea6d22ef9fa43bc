// What the Idempotency-Key hooks cost (issue #21), in-process on SQLite. Two servers over the same app and database,
// built the same way (error handler, the Telco and Deliveries plugins), one with the idempotency onRoute hook and one
// without; requests alternate between them one by one so the machine's noise falls on both. Prints per-request time
// (median) of
//   - POST without the header (a Telco order that fails no_stock: one write; a redelivery of an unknown id: one read)
//   - GET (the service list), which gets no hook at all,
// on each server and their ratio (the target: 1.00 within noise), then POST with a fresh key each time and a replay
// of a kept answer, as ratios of the plain POST.
// Usage: node --import tsx bench/idempotency.bench.ts [requests per round=1000] [rounds=5]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { loadConfig } from '../src/config/config.ts';
import { createApp } from '../src/app.ts';
import { registerErrorHandler } from '../src/http/error-handler.ts';
import { idempotencyOnRoute } from '../src/http/idempotency.ts';
import { telcoRoutes } from '../src/http/routes/telco/telco.routes.ts';
import { deliveriesRoutes } from '../src/http/routes/webapi/deliveries.routes.ts';

const N = Number(process.argv[2] ?? 1000);
const ROUNDS = Number(process.argv[3] ?? 5);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-bench-idem-'));
const config = loadConfig({ TT_DATA_DIR: dataDir, TT_PORT: '0', TT_LOG_LEVEL: 'silent', TT_DEMO: '0' });
const app = await createApp(config, { log: pino({ level: 'silent' }) });
await app.accounts.createAccount({ clientId: 9101, name: 'Bench' });
await app.accounts.createUser({ username: 'bench', password: 'bench-password', clientIds: [9101] });
const auth = `Basic ${Buffer.from('bench:bench-password').toString('base64')}`;

async function server(withHooks: boolean): Promise<FastifyInstance> {
  const s = Fastify({ ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true, useDefaults: true } } });
  registerErrorHandler(s);
  if (withHooks) s.addHook('onRoute', idempotencyOnRoute(app.idempotency));
  await s.register(telcoRoutes, { prefix: '/telco/v1', app });
  await s.register(deliveriesRoutes, { prefix: '/webapi/v1', app });
  await s.ready();
  return s;
}
const hooked = await server(true);
const bare = await server(false);

const ORDER = { type: 'new', criteria: { country: 'US' }, service: { type: 'voicemail' } };
type Case = (s: FastifyInstance, i: number) => Promise<{ statusCode: number }>;
const cases: Record<string, Case> = {
  'POST order, no key': (s) => s.inject({ method: 'POST', url: '/telco/v1/requests', headers: { authorization: auth }, payload: ORDER }),
  'POST redeliver (404), no key': (s) => s.inject({ method: 'POST', url: '/webapi/v1/deliveries/dl_none/redeliver', headers: { authorization: auth } }),
  'GET services': (s) => s.inject({ method: 'GET', url: '/telco/v1/services?limit=10', headers: { authorization: auth } }),
};
let keyed = 0;
const keyedCases: Record<string, Case> = {
  'POST order, fresh key': (s) => s.inject({ method: 'POST', url: '/telco/v1/requests', headers: { authorization: auth, 'idempotency-key': `k-${keyed++}` }, payload: ORDER }),
  'POST order, replay': (s) => s.inject({ method: 'POST', url: '/telco/v1/requests', headers: { authorization: auth, 'idempotency-key': 'replayed' }, payload: ORDER }),
};

/** µs of one request. */
async function one(s: FastifyInstance, c: Case, i: number): Promise<number> {
  const start = process.hrtime.bigint();
  const r = await c(s, i);
  if (r.statusCode >= 500) throw new Error(`status ${r.statusCode}`);
  return Number(process.hrtime.bigint() - start) / 1000;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Warm both (JIT, credential cache, statements).
for (const c of [...Object.values(cases), ...Object.values(keyedCases)]) {
  for (let i = 0; i < 50; i++) {
    await c(hooked, i);
    await c(bare, i);
  }
}
// Requests alternate between the two servers one by one (who goes first alternates too), so a noisy moment of the
// machine falls on both; the median of each round's per-request times is kept.
const results: Record<string, { hooked: number[]; bare: number[] }> = {};
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, c] of Object.entries(cases)) {
    const h: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < N; i++) {
      if (i % 2 === 0) {
        h.push(await one(hooked, c, i));
        b.push(await one(bare, c, i));
      } else {
        b.push(await one(bare, c, i));
        h.push(await one(hooked, c, i));
      }
    }
    results[name] ??= { hooked: [], bare: [] };
    results[name].hooked.push(median(h));
    results[name].bare.push(median(b));
  }
  for (const [name, c] of Object.entries(keyedCases)) {
    const h: number[] = [];
    for (let i = 0; i < N; i++) h.push(await one(hooked, c, i));
    results[name] ??= { hooked: [], bare: [] };
    results[name].hooked.push(median(h));
  }
}

console.log(`${N} requests per round, ${ROUNDS} rounds, median µs per request (in-process inject, SQLite; medians of per-round medians)`);
for (const name of Object.keys(cases)) {
  const h = median(results[name].hooked);
  const b = median(results[name].bare);
  console.log(`${name.padEnd(32)} with hooks ${h.toFixed(1).padStart(8)}   without ${b.toFixed(1).padStart(8)}   ratio ${(h / b).toFixed(3)} (target 1.00 within noise)`);
}
const plain = median(results['POST order, no key'].hooked);
for (const name of Object.keys(keyedCases)) {
  const h = median(results[name].hooked);
  console.log(`${name.padEnd(32)} ${h.toFixed(1).padStart(8)} µs   ${(h / plain).toFixed(2)} × the order without a key`);
}
await hooked.close();
await bare.close();
await app.close();
fs.rmSync(dataDir, { recursive: true, force: true });
