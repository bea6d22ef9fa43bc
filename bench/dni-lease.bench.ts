// DNI visit and heartbeat endpoints against a bare Fastify route measured in the same run (the same text/plain JSON
// body parsed, a fixed JSON answered), and their latency at a fixed 1,000 requests/s. Three request kinds:
//   - visit, returning visitor: a visitor_id that holds a lease (the page views of a session): the lease is taken back
//     in one UPDATE and the visit recorded;
//   - visit, new visitor: no visitor_id; the pool is exhausted after the first BENCH_POOL requests, so this is the
//     claim attempt plus the fallback visit;
//   - heartbeat of a leased visitor: the lease extended and the visit touched.
// Usage: node --import tsx bench/dni-lease.bench.ts [seconds=8] [connections=32]   (BENCH_DATABASE_URL=postgres://… for PostgreSQL)
import { spawn } from 'node:child_process';
import os from 'node:os';
import readline from 'node:readline';
import autocannon from 'autocannon';

const SECONDS = Number(process.argv[2] ?? 8);
const CONNECTIONS = Number(process.argv[3] ?? 32);
const POOL = Number(process.env.BENCH_POOL ?? 100);

const child = spawn(process.execPath, ['--import', 'tsx', new URL('./support/dni-servers.ts', import.meta.url).pathname], { env: { ...process.env, BENCH_POOL: String(POOL) }, stdio: ['ignore', 'pipe', 'inherit'] });
const ports = await new Promise<{ telltale: number; bare: number; code: number }>((resolve, reject) => {
  readline.createInterface({ input: child.stdout! }).once('line', (l) => resolve(JSON.parse(l)));
  child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});
const HEADERS = { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://shop.example' };
const body = (visitorId: string | null, i: number) => JSON.stringify({ client_id: 9011, tracking_code: ports.code, visitor_id: visitorId, page_url: `https://shop.example/p/${i}?x=1`, landing_url: 'https://shop.example/?utm_source=google&utm_medium=cpc&gclid=abc', referrer: 'https://www.google.com/', ga_client_id: 'GA1.2.1234567890.1700000000', numbers: null });

// The leased visitors: one visit each fills the pool.
const visitors: string[] = [];
for (let i = 0; i < POOL; i++) {
  const r = await fetch(`http://127.0.0.1:${ports.telltale}/dni/v1/visit`, { method: 'POST', headers: HEADERS, body: body(null, i) });
  const b = (await r.json()) as { visitor_id: string; is_default: boolean };
  if (b.is_default) throw new Error('the pool should not be exhausted yet');
  visitors.push(b.visitor_id);
}

type Kind = 'returning' | 'new' | 'heartbeat' | 'bare';
let seq = 0;
function request(kind: Kind): autocannon.Request {
  return {
    method: 'POST' as const,
    path: kind === 'bare' ? '/visit' : kind === 'heartbeat' ? '/dni/v1/heartbeat' : '/dni/v1/visit',
    headers: HEADERS,
    setupRequest: (req: autocannon.Request) => {
      const i = ++seq;
      const v = visitors[i % visitors.length];
      req.body = kind === 'heartbeat' ? JSON.stringify({ client_id: 9011, tracking_code: ports.code, visitor_id: v }) : body(kind === 'new' ? null : v, i);
      return req;
    },
  };
}

async function load(kind: Kind, opts: { duration: number; overallRate?: number; connections?: number }) {
  const port = kind === 'bare' ? ports.bare : ports.telltale;
  const r = await autocannon({ url: `http://127.0.0.1:${port}`, connections: opts.connections ?? CONNECTIONS, duration: opts.duration, overallRate: opts.overallRate, requests: [request(kind)] });
  return { rps: r.requests.average, non2xx: r.non2xx, errors: r.errors + r.timeouts, p50: r.latency.p50, p97_5: r.latency.p97_5, p99: r.latency.p99, max: r.latency.max };
}

for (const k of ['bare', 'returning', 'new', 'heartbeat'] as Kind[]) await load(k, { duration: 1 });
console.log(`DNI endpoints, ${CONNECTIONS} connections, ${SECONDS} s each, pool of ${POOL}, ${process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : 'SQLite'} (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`);
const bare = await load('bare', { duration: SECONDS });
console.log(`  bare Fastify text/plain JSON route:  ${bare.rps.toFixed(0)} req/s (p99 ${bare.p99} ms, ${bare.non2xx} non-2xx, ${bare.errors} errors)`);
const labels: Record<Exclude<Kind, 'bare'>, string> = { returning: 'visit, returning visitor (lease) ', new: 'visit, new visitor (fallback)    ', heartbeat: 'heartbeat (lease extended)       ' };
for (const k of ['returning', 'new', 'heartbeat'] as const) {
  const r = await load(k, { duration: SECONDS });
  const ratio = r.rps / bare.rps;
  console.log(`  ${labels[k]}: ${r.rps.toFixed(0)} req/s (p99 ${r.p99} ms, ${r.non2xx} non-2xx, ${r.errors} errors) = ${(100 * ratio).toFixed(1)} % of the bare route (target ≥ 50 %: ${ratio >= 0.5 ? 'met' : 'NOT met'})`);
}
for (const k of ['returning', 'heartbeat', 'new'] as const) {
  const fixed = await load(k, { duration: 10, overallRate: 1000, connections: 50 });
  console.log(`  ${labels[k]} at a fixed 1,000 req/s for 10 s: achieved ${fixed.rps.toFixed(0)} req/s, p50 ${fixed.p50} ms, p97.5 ${fixed.p97_5} ms, p99 ${fixed.p99} ms, max ${fixed.max} ms (${fixed.non2xx} non-2xx) — target p99 ≤ 20 ms: ${fixed.p99 <= 20 && fixed.rps >= 950 ? 'met' : 'NOT met'}`);
}
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
