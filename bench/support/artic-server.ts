// Child process of bench/artic-offer.bench.ts: a real Telltale server (SQLite, fresh data folder, worker running as
// `telltale serve` runs it) with one account, one team of BENCH_AGENTS agents (all logged in), two longest_idle queues
// served by that team (wrap-up 0 s and 1 s) and a transfer service, each on its own number. The parent plays the
// carrier (a SandboxCarrier over real HTTP to this server). A control port answers GET /stats (SQLite statements run and
// their time, server-side request times, event-loop delay, CPU share since the last reset), POST /reset, GET /agents
// (the agents' states) and GET /journal (journal events counted). The statement counter wraps better-sqlite3's
// Statement methods (a few µs a statement; `iterate` is counted, its time is not).
// Prints {"port":…,"control":…,"numbers":{…},"phones":[…],"wrapupSec":{…}} once it listens.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pino from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { createApp } from '../../src/app.ts';
import { buildServer } from '../../src/http/server.ts';

const CLIENT = 9400;
const AGENTS = Number(process.env.BENCH_AGENTS ?? 50);
const NUMBERS = { low: '+61290007001', high: '+61290007002', transfer: '+61290007003' };
const TRANSFER_TARGET = '+61299997777';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-bench-artic-'));
const config = loadConfig({ TT_DATA_DIR: dataDir, TT_PORT: '0', TT_LOG_LEVEL: 'silent', TT_DEMO: '0', TT_PUBLIC_URL: process.env.BENCH_PUBLIC_URL });
const app = await createApp(config, { log: pino({ level: 'silent' }) });

// ---- instrumentation: every SQLite statement run (better-sqlite3's Statement methods), grouped by its first words.
let statements = 0;
let sqliteMs = 0;
/** Per statement (its first 110 characters): runs and milliseconds inside SQLite. */
const bySource = new Map<string, { n: number; ms: number }>();
const keys = new WeakMap<object, string>();
const sqlite = app.storage.sqlite!;
const proto = Object.getPrototypeOf(sqlite.prepare('select 1')) as Record<string, unknown>;
for (const m of ['run', 'get', 'all', 'iterate']) {
  const orig = proto[m] as (...a: unknown[]) => unknown;
  proto[m] = function (this: { source: string }, ...a: unknown[]) {
    statements++;
    const t = performance.now();
    try {
      return orig.apply(this, a);
    } finally {
      const dt = performance.now() - t;
      sqliteMs += dt;
      let key = keys.get(this);
      if (key === undefined) keys.set(this, (key = this.source.replace(/\s+/g, ' ').slice(0, 110)));
      const e = bySource.get(key);
      if (e) {
        e.n++;
        e.ms += dt;
      } else bySource.set(key, { n: 1, ms: dt });
    }
  };
}

const server = await buildServer(app);
/** Server-side time of each carrier request (Fastify's elapsedTime: routing, body, handler, send), by route. */
const served = new Map<string, number[]>();
server.addHook('onResponse', async (request, reply) => {
  const route = (request.routeOptions.url ?? 'unmatched').replace('/carrier/twilio/', '');
  const list = served.get(route) ?? [];
  list.push(reply.elapsedTime);
  served.set(route, list);
});
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
let cpuFrom = process.cpuUsage();
let wallFrom = performance.now();

// ---- set-up through the services, as the API does.
const actor = { userId: null, name: 'bench', via: 'system' as const, viaId: null, address: null };
await app.accounts.createAccount({ clientId: CLIENT, name: 'Bench call centre' });
await app.inventory.importNumbers(Object.values(NUMBERS).map((number, i) => ({ line: i + 2, number })));
const team = ((await app.articConfig.createTeam(CLIENT, { name: 'Floor' }, actor)) as { id: string }).id;
const phones: string[] = [];
const agentIds: string[] = [];
for (let i = 0; i < AGENTS; i++) {
  const phone = `+614000020${String(i).padStart(2, '0')}`;
  phones.push(phone);
  agentIds.push(((await app.articConfig.createAgent(CLIENT, { name: `Agent ${i}`, answer_point: phone, team_ids: [team] }, actor)) as { id: string }).id);
}
const wrapupSec = { low: 0, high: 1 };
const queueFields = { strategy: 'longest_idle', ring_time_sec: 10, max_wait_sec: 600, poll_sec: 1, announce_position: false, timezone: 'UTC' };
const queues: Record<'low' | 'high', string> = { low: '', high: '' };
for (const k of ['low', 'high'] as const) {
  queues[k] = ((await app.articConfig.createQueue(CLIENT, { name: `Main (wrap-up ${wrapupSec[k]} s)`, team_ids: [team], ...queueFields, wrapup_sec: wrapupSec[k] }, actor)) as { id: string }).id;
}
const services: [string, Record<string, unknown>][] = [
  [NUMBERS.low, { type: 'queue', artic_queue_id: queues.low }],
  [NUMBERS.high, { type: 'queue', artic_queue_id: queues.high }],
  [NUMBERS.transfer, { type: 'transfer', target_number: TRANSFER_TARGET }],
];
for (const [number, service] of services) {
  const req = await app.telco.createRequest({ userId: 'bench', clientId: CLIENT }, { type: 'new', number, service } as never);
  if (req.status === 'failed') throw new Error(`order of ${number} failed: ${req.error_code}`);
}
await app.worker.drain();
const admin = { userId: 'admin', username: 'admin', clientIds: [CLIENT], roles: { [CLIENT]: 'owner' } } as never;
for (const id of agentIds) await app.agentActions.act(admin, CLIENT, id, { kind: 'login' });

await server.listen({ host: '127.0.0.1', port: 0 });
app.worker.start();

const control = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/reset') {
    statements = 0;
    sqliteMs = 0;
    bySource.clear();
    served.clear();
    loop.reset();
    cpuFrom = process.cpuUsage();
    wallFrom = performance.now();
    res.end('{}');
    return;
  }
  if (req.url === '/agents') {
    void app.storage.db
      .selectFrom('artic_agents')
      .select(['state'])
      .where('client_id', '=', CLIENT)
      .execute()
      .then((rows) => res.end(JSON.stringify(rows.map((r) => r.state))));
    return;
  }
  if (req.url === '/journal') {
    void app.storage.db
      .selectFrom('artic_journal')
      .select((eb) => ['event', eb.fn.countAll().as('n')])
      .where('client_id', '=', CLIENT)
      .groupBy('event')
      .execute()
      .then((rows) => res.end(JSON.stringify(Object.fromEntries(rows.map((r) => [r.event, Number(r.n)])))));
    return;
  }
  res.end(
    JSON.stringify({
      statements,
      sqliteMs,
      bySource: Object.fromEntries([...bySource].sort((a, b) => b[1].ms - a[1].ms)),
      served: Object.fromEntries(served),
      loop: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
      cpu: (() => {
        const u = process.cpuUsage(cpuFrom);
        return (u.user + u.system) / 1000 / (performance.now() - wallFrom);
      })(),
      batches: app.storage.writes.batches,
      items: app.storage.writes.items,
    }),
  );
});
await new Promise<void>((r) => control.listen(0, '127.0.0.1', r));

const port = (s: { address(): unknown }) => (s.address() as { port: number }).port;
console.log(JSON.stringify({ port: port(server.server), control: port(control), numbers: NUMBERS, transferTarget: TRANSFER_TARGET, phones, wrapupSec }));
process.on('SIGTERM', async () => {
  control.close();
  await server.close();
  await app.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
});
