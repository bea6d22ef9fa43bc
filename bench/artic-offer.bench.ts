// ARTIC call centre: the time from a caller entering a queue to the offer to an agent (issue #14's target: p99 ≤ 200 ms
// with 50 agents under 20 new callers a second), and a ceiling measured in the same run: the same caller on a plain
// transfer service (the incoming-call webhook answers a <Dial> too), under the same arrivals.
//
// Telltale runs in a child process (bench/support/artic-server.ts: real HTTP server, fresh SQLite data folder, worker
// on); this process is the carrier: a SandboxCarrier over real HTTP. One team of 50 agents, all logged in, serves two
// longest_idle queues (ring 10 s, poll 1 s, no position announced): wrap-up 0 s (the lower-occupancy run) and wrap-up
// 1 s real with longer talks (the higher-occupancy run, where some callers wait). Phones answer after 1 sandbox second;
// talks last 3–8 sandbox seconds (5–10 in the higher-occupancy run); 1 sandbox second = BENCH_MS_PER_SEC real ms (150),
// so a hold (poll 1 s) lasts 150 ms real. Callers arrive at random (seeded) instants, RATE a second on average for
// SECONDS; the ceiling, then the two queue runs, one after the other.
//   offer latency = t1 − t0, t0 just before placeCall, t1 = the sandbox's dialObserver for the caller's first <Dial>
//   (of an agent phone, or of the transfer's target); "offered at once" = offered in the answer of the new-call webhook
//   (no hold, no poll). For callers who held: the wait, and the gap from the offered agent coming free (the answer of
//   its previous call's dial action, plus the wrap-up; 0 when the offer came first) to the offer.
//   occupancy = Σ agents' offer-to-free time ÷ (agents × SECONDS).
// Each run also prints the server-side times, both processes' event-loop delay and the load average: on a shared
// machine the tail follows the load. Then, one request at a time (nothing else in flight), the SQL statements and server
// time of an entering request (BENCH_SQL=1: each statement with its time in SQLite).
// Exits 1 when the run is broken (a carrier request refused, a caller never offered, an agent phone dialled twice);
// a missed target is printed (NOT met), as in the other benches.
// Usage: node --import tsx bench/artic-offer.bench.ts [seconds=30] [rate=20]   (BENCH_PROF=dir: CPU profile of the server)
import { spawn } from 'node:child_process';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import readline from 'node:readline';
import { request } from 'undici';
import { SandboxCarrier, type SimResult } from '../src/telephony/sandbox/sandbox-carrier.ts';
import { ScaledTime } from '../src/telephony/sandbox/virtual-time.ts';
import { sid } from '../src/telephony/sandbox/recordings.ts';
import { SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN } from '../src/config/config.ts';

const SECONDS = Number(process.argv[2] ?? 30);
const RATE = Number(process.argv[3] ?? 20);
const MS_PER_SEC = Number(process.env.BENCH_MS_PER_SEC ?? 150);
const AGENTS = 50;
const TARGET_MS = 200;
const PROFILE_N = 50;
const PUBLIC_URL = 'http://telltale.bench.example';
/** Talk seconds (sandbox), uniform in the range: the lower-occupancy run and the ceiling, and the higher-occupancy run. */
const LOW_TALK: [number, number] = [3, 8];
const HIGH_TALK: [number, number] = [5, 10];

const child = spawn(process.execPath, [...(process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : []), '--import', 'tsx', new URL('./support/artic-server.ts', import.meta.url).pathname], {
  env: { ...process.env, BENCH_PUBLIC_URL: PUBLIC_URL, BENCH_AGENTS: String(AGENTS) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
type Setup = { port: number; control: number; numbers: { low: string; high: string; transfer: string }; transferTarget: string; phones: string[]; wrapupSec: { low: number; high: number } };
const setup = await new Promise<Setup>((resolve, reject) => {
  readline.createInterface({ input: child.stdout! }).once('line', (l) => resolve(JSON.parse(l)));
  child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});
const origin = `http://127.0.0.1:${setup.port}`;
const controlUrl = `http://127.0.0.1:${setup.control}`;
const ctl = async <T>(p: string, method: 'GET' | 'POST' = 'GET'): Promise<T> => (await (await request(`${controlUrl}${p}`, { method })).body.json()) as T;
type Stats = { statements: number; sqliteMs: number; bySource: Record<string, { n: number; ms: number }>; served: Record<string, number[]>; loop: { p50: number; p99: number; max: number }; cpu: number; batches: number; items: number };

// ---- the carrier, and what it sees: requests by kind with their times, offers, agents coming free.
interface Caller {
  t0: number;
  t1?: number;
  agent?: string;
  /** Hold redirects (/queue) sent before the offer. */
  polls: number;
  freeAt?: number;
}
let calls = new Map<string, Caller>();
let wrapMs = 0;
/**
 * Per agent phone, in order, when it came free: the server frees the agent while it handles the dial action of the
 * agent's call, so between the action's sending and its answer (each plus the wrap-up).
 */
interface Freed {
  sent: number;
  done: number;
}
let freed = new Map<string, Freed[]>();
let latency = new Map<string, number[]>();

const sandbox = new SandboxCarrier({ publicUrl: PUBLIC_URL, accountSid: SANDBOX_ACCOUNT_SID, authToken: SANDBOX_AUTH_TOKEN });
sandbox.setTransport({
  async post(url, form, headers) {
    const kind = /\/carrier\/twilio\/(\w+)/.exec(url)?.[1] ?? 'other';
    const callSid = new URLSearchParams(form).get('CallSid') ?? '';
    const c = calls.get(callSid);
    if (kind === 'queue' && c && c.t1 === undefined) c.polls++;
    const sent = performance.now();
    const res = await request(url.replace(PUBLIC_URL, origin), { method: 'POST', body: form, headers, headersTimeout: 30_000, bodyTimeout: 30_000 });
    const body = await res.body.text();
    const done = performance.now();
    push(latency, kind, done - sent);
    if (kind === 'dial' && c?.agent && c.freeAt === undefined) {
      c.freeAt = done + wrapMs;
      const f = freed.get(c.agent) ?? [];
      f.push({ sent: sent + wrapMs, done: c.freeAt });
      freed.set(c.agent, f);
    }
    return { status: res.statusCode, body };
  },
});
sandbox.dialObservers.add((callSid, targets) => {
  const c = calls.get(callSid);
  if (c && c.t1 === undefined) {
    c.t1 = performance.now();
    c.agent = targets[0];
  }
});
for (const phone of setup.phones) sandbox.setPhone(phone, { outcome: 'answered', answerAfterSec: 1 });
sandbox.setPhone(setup.transferTarget, { outcome: 'answered', answerAfterSec: 1 });

function push<K>(m: Map<K, number[]>, k: K, v: number) {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

/** A small seeded PRNG (mulberry32): the same arrivals and talks on every run. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const ms = (v: number) => (Number.isNaN(v) ? '–' : v < 10 ? v.toFixed(1) : v.toFixed(0));
const dist = (xs: number[]) => `p50 ${ms(pct(xs, 50))} · p90 ${ms(pct(xs, 90))} · p99 ${ms(pct(xs, 99))} · max ${ms(pct(xs, 100))} ms`;
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

interface Run {
  callers: Caller[];
  results: SimResult[];
  windowMs: number;
  latency: Map<string, number[]>;
  freed: Map<string, Freed[]>;
  server: Stats;
  startedAt: number;
  /** This process's event-loop delay (p99, max ms) and the machine's 1-minute load average at the end. */
  carrierLoop: { p99: number; max: number };
  load: number;
}

/** RATE×seconds callers to `to` at random instants over `seconds` (uniform order statistics: Poisson-like bursts, an exact count). */
async function run(to: string, seconds: number, rate: number, seed: number, wrapupSec: number, talkSec: [number, number] = LOW_TALK): Promise<Run> {
  calls = new Map();
  freed = new Map();
  latency = new Map();
  wrapMs = wrapupSec * 1000;
  const rnd = prng(seed);
  const n = Math.round(seconds * rate);
  const at = Array.from({ length: n }, () => rnd() * seconds * 1000).sort((a, b) => a - b);
  const talk = Array.from({ length: n }, () => talkSec[0] + Math.floor(rnd() * (talkSec[1] - talkSec[0] + 1)));
  const time = new ScaledTime(MS_PER_SEC);
  await ctl('/reset', 'POST');
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const startedAt = performance.now();
  const pending: Promise<SimResult>[] = [];
  for (let i = 0; i < n; i++) {
    const wait = startedAt + at[i] - performance.now();
    if (wait > 0) await sleep(wait);
    const callSid = sid('CA');
    const c: Caller = { t0: performance.now(), polls: 0 };
    calls.set(callSid, c);
    pending.push(sandbox.placeCall({ to, from: `+61390${String(100000 + i)}`, callSid, time, talkSec: talk[i], hangsUp: i % 2 ? 'caller' : 'agent' }));
  }
  const results = await Promise.all(pending);
  const server = await ctl<Stats>('/stats');
  loop.disable();
  return { callers: [...calls.values()], results, windowMs: seconds * 1000, latency, freed, server, startedAt, carrierLoop: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 }, load: os.loadavg()[0] };
}

/** Waits until no agent is ringing, on a call or in wrap-up (the worker finalizes meanwhile). */
async function settle() {
  for (let i = 0; i < 100; i++) {
    const states = await ctl<string[]>('/agents');
    if (states.every((s) => s === 'available' || s === 'wrapup')) break;
    await sleep(100);
  }
  await sleep(1500);
}

let broken = false;
function checkRun(label: string, r: Run, phones: Set<string> | null) {
  const errors = r.results.flatMap((x) => x.errors);
  const retries = r.results.flatMap((x) => x.retries);
  const unoffered = r.callers.filter((c) => c.t1 === undefined).length;
  const doubles = phones ? sandbox.doubleOffers.filter((d) => phones.has(d.split(' ')[0])) : [];
  sandbox.doubleOffers.length = 0;
  if (errors.length || unoffered || doubles.length) {
    broken = true;
    console.error(`${label}: ${errors.length} refused carrier requests (${errors.slice(0, 3).join(' | ')}), ${unoffered} callers never offered, ${doubles.length} double offers (${doubles.slice(0, 3).join(' | ')})`);
  }
  if (retries.length) console.log(`    (${retries.length} carrier requests were retried after a 5xx or no answer: ${retries.slice(0, 2).join(' | ')})`);
}

function occupancy(r: Run): number {
  let busy = 0;
  const end = r.startedAt + r.windowMs;
  for (const c of r.callers) {
    if (c.t1 === undefined || c.freeAt === undefined) continue;
    busy += Math.max(0, Math.min(end, c.freeAt) - Math.max(r.startedAt, c.t1));
  }
  return busy / (AGENTS * r.windowMs);
}

/** Server-side time of the route, and how busy both processes and the machine were during the run. */
const serverLine = (r: Run, route: string) =>
  `server-side /${route} ${dist(r.server.served[route] ?? [])}\n` +
  `    server: ${(100 * r.server.cpu).toFixed(0)} % of a core, event-loop delay p99 ${ms(r.server.loop.p99)} ms, max ${ms(r.server.loop.max)} ms; carrier process event-loop delay p99 ${ms(r.carrierLoop.p99)} ms, max ${ms(r.carrierLoop.max)} ms; load average ${r.load.toFixed(1)}\n` +
  `    ${r.server.statements} SQL statements (${(r.server.statements / r.callers.length).toFixed(0)} per caller, worker included), ${r.server.items} writes in ${r.server.batches} commits`;

function report(label: string, r: Run, ceilingP99: number) {
  const atOnce = r.callers.filter((c) => c.t1 !== undefined && c.polls === 0);
  const waited = r.callers.filter((c) => c.t1 !== undefined && c.polls > 0);
  const lat = atOnce.map((c) => c.t1! - c.t0);
  const p99 = pct(lat, 99);
  console.log(`  ${label}: occupancy ${(100 * occupancy(r)).toFixed(0)} %; ${r.callers.length} callers: ${atOnce.length} offered at once, ${waited.length} after a wait`);
  console.log(`    offer latency (offered at once):    ${dist(lat)} — ${(p99 / ceilingP99).toFixed(2)}× the ceiling's p99; target p99 ≤ ${TARGET_MS} ms: ${p99 <= TARGET_MS ? 'met' : 'NOT met'}`);
  if (waited.length) {
    const gaps: number[] = [];
    for (const c of waited) {
      // The offered agent's last freeing before this offer (its action sent before the offer), measured from its answer.
      const frees = (r.freed.get(c.agent!) ?? []).filter((f) => f.sent <= c.t1!);
      if (frees.length) gaps.push(Math.max(0, c.t1! - frees[frees.length - 1].done));
    }
    console.log(`    waited: wait (entry → offer)        ${dist(waited.map((c) => c.t1! - c.t0))}; hold polls before the offer p50 ${pct(waited.map((c) => c.polls), 50)}, max ${pct(waited.map((c) => c.polls), 100)}`);
    console.log(`    waited: agent free → offer (n=${gaps.length})  ${dist(gaps)} (poll interval ${MS_PER_SEC} ms real)`);
  }
  const polls = r.latency.get('queue') ?? [];
  console.log(`    carrier requests: /voice ${dist(r.latency.get('voice') ?? [])}${polls.length ? `; /queue polls (${polls.length}) ${dist(polls)}` : ''}`);
  console.log(`    ${serverLine(r, 'voice')}`);
}

/** One new-call webhook at a time, nothing else in flight: statements run and server time (the caller is then ended). */
async function profileEntering(to: string, times: number) {
  const counts: number[] = [];
  const server: number[] = [];
  const sqliteMs: number[] = [];
  const sources: Stats['bySource'] = {};
  let offered = 0;
  for (let i = 0; i < times; i++) {
    const callSid = sid('CA');
    const base = { AccountSid: SANDBOX_ACCOUNT_SID, ApiVersion: '2010-04-01', CallSid: callSid, Direction: 'inbound', From: `+6139020${String(1000 + i)}`, To: to, Caller: `+6139020${String(1000 + i)}`, Called: to };
    await sleep(50);
    await ctl('/reset', 'POST');
    const res = await sandbox.send(`${sandbox.base}/voice`, { ...base, CallStatus: 'ringing', Timestamp: new Date().toUTCString() });
    const s = await ctl<Stats>('/stats');
    if (res.body.includes('<Dial')) offered++;
    counts.push(s.statements);
    sqliteMs.push(s.sqliteMs);
    server.push(...(s.served.voice ?? []));
    for (const [k, e] of Object.entries(s.bySource)) {
      const a = (sources[k] ??= { n: 0, ms: 0 });
      a.n += e.n / times;
      a.ms += e.ms / times;
    }
    await sandbox.send(`${sandbox.base}/status`, { ...base, CallStatus: 'completed', CallDuration: '0', Timestamp: new Date().toUTCString() });
  }
  return { statements: pct(counts, 50), min: Math.min(...counts), server: pct(server, 50), sqliteMs: pct(sqliteMs, 50), offered, sources };
}

/**
 * With every agent ringing (AGENTS callers entered and not ended), `extra` more callers enter one at a time (holds),
 * then the first of them polls `times` times: statements and server time of those answers. Every caller is then ended.
 */
async function profileHold(to: string, extra: number, times: number) {
  const all: Record<string, string>[] = [];
  const voice = async (i: number) => {
    const from = `+6139030${String(1000 + i)}`;
    const base = { AccountSid: SANDBOX_ACCOUNT_SID, ApiVersion: '2010-04-01', CallSid: sid('CA'), Direction: 'inbound', From: from, To: to, Caller: from, Called: to };
    all.push(base);
    return { base, res: await sandbox.send(`${sandbox.base}/voice`, { ...base, CallStatus: 'ringing', Timestamp: new Date().toUTCString() }) };
  };
  for (let i = 0; i < AGENTS; i++) await voice(i);
  const enter = { statements: [] as number[], server: [] as number[], held: 0 };
  let poll: { base: Record<string, string>; url: string } | null = null;
  for (let i = 0; i < extra; i++) {
    await sleep(20);
    await ctl('/reset', 'POST');
    const { base, res } = await voice(AGENTS + i);
    const s = await ctl<Stats>('/stats');
    const redirect = /<Redirect[^>]*>([^<]+)<\/Redirect>/.exec(res.body)?.[1].replace(/&amp;/g, '&');
    if (!redirect || res.body.includes('<Dial')) continue;
    enter.held++;
    enter.statements.push(s.statements);
    enter.server.push(...(s.served.voice ?? []));
    poll ??= { base, url: redirect };
  }
  const counts: number[] = [];
  const server: number[] = [];
  for (let i = 0; poll && i < times; i++) {
    await sleep(20);
    await ctl('/reset', 'POST');
    const res = await sandbox.send(poll.url, { ...poll.base, CallStatus: 'in-progress', Timestamp: new Date().toUTCString() });
    const s = await ctl<Stats>('/stats');
    if (!res.body.includes('<Redirect')) break;
    counts.push(s.statements);
    server.push(...(s.served.queue ?? []));
  }
  for (const b of all) await sandbox.send(`${sandbox.base}/status`, { ...b, CallStatus: 'completed', CallDuration: '0', Timestamp: new Date().toUTCString() });
  return { held: enter.held, enterStatements: pct(enter.statements, 50), enterServer: pct(enter.server, 50), polls: counts.length, statements: pct(counts, 50), server: pct(server, 50) };
}

// ---- the run
const agentPhones = new Set(setup.phones);
// Warm-up (JIT, statement caches, connections): a few seconds of both kinds of calls at the same rate.
await run(setup.numbers.transfer, 3, RATE, 1, 0);
await run(setup.numbers.low, 3, RATE, 2, 0);
await settle();

const ceiling = await run(setup.numbers.transfer, SECONDS, RATE, 14, 0);
checkRun('ceiling', ceiling, null);
await settle();
const low = await run(setup.numbers.low, SECONDS, RATE, 14, setup.wrapupSec.low);
checkRun('queue, wrap-up 0 s', low, agentPhones);
await settle();
const high = await run(setup.numbers.high, SECONDS, RATE, 14, setup.wrapupSec.high, HIGH_TALK);
checkRun('queue, wrap-up 1 s', high, agentPhones);
await settle();

const ceilingLat = ceiling.callers.filter((c) => c.t1 !== undefined).map((c) => c.t1! - c.t0);
const ceilingP99 = pct(ceilingLat, 99);
console.log(
  `ARTIC offer latency: ${AGENTS} agents, callers at ${RATE}/s for ${SECONDS} s (${Math.round(SECONDS * RATE)} per run, random arrivals), phones answer after 1 sandbox s, talks in sandbox s, 1 sandbox s = ${MS_PER_SEC} ms real; SQLite, Telltale in a child process (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`,
);
console.log(`  ceiling — transfer service, placeCall → <Dial> ringing: ${dist(ceilingLat)} (n=${ceilingLat.length})`);
console.log(`    carrier requests: /voice ${dist(ceiling.latency.get('voice') ?? [])}`);
console.log(`    ${serverLine(ceiling, 'voice')}`);
report(`queue, wrap-up ${setup.wrapupSec.low} s, talks ${LOW_TALK.join('–')} s`, low, ceilingP99);
report(`queue, wrap-up ${setup.wrapupSec.high} s, talks ${HIGH_TALK.join('–')} s`, high, ceilingP99);
const journal = await ctl<Record<string, number>>('/journal');
console.log(`  journal: ${Object.entries(journal).sort().map(([e, n]) => `${e} ${n}`).join(', ')}`);

const pq = await profileEntering(setup.numbers.low, PROFILE_N);
const pt = await profileEntering(setup.numbers.transfer, PROFILE_N);
console.log(`entering request, one at a time (${PROFILE_N} each, median): queue new-call webhook (offered at once ${pq.offered}/${PROFILE_N}): ${pq.statements} SQL statements (min ${pq.min}) taking ${ms(pq.sqliteMs)} ms in SQLite, server time ${ms(pq.server)} ms; transfer new-call webhook: ${pt.statements} statements (min ${pt.min}) taking ${ms(pt.sqliteMs)} ms, server time ${ms(pt.server)} ms`);
const ph = await profileHold(setup.numbers.low, 10, PROFILE_N);
console.log(`  with all ${AGENTS} agents ringing (median): queue new-call webhook answered with a hold (${ph.held}/10): ${ph.enterStatements} statements, server time ${ms(ph.enterServer)} ms; hold poll (/queue, ${ph.polls}): ${ph.statements} statements, server time ${ms(ph.server)} ms`);
if (process.env.BENCH_SQL) {
  console.log('  statements of a queue new-call webhook (mean runs and ms in SQLite per request, slowest first):');
  for (const [src, e] of Object.entries(pq.sources).sort((a, b) => b[1].ms - a[1].ms)) console.log(`    ${e.n.toFixed(1)}× ${e.ms.toFixed(3)} ms  ${src}`);
}

child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
if (broken) process.exitCode = 1;
