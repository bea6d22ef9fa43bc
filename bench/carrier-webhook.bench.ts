// Carrier-webhook throughput against a bare Fastify route measured in the same run, and the incoming-call webhook's
// latency at a fixed 1,000 requests/s. Every request is a new call (unique CallSid) with a valid X-Twilio-Signature,
// so Telltale verifies it, stores it raw, creates the call and its events, and answers the transfer's TwiML.
// Usage: node --import tsx bench/carrier-webhook.bench.ts [seconds=8] [connections=32]
import { spawn } from 'node:child_process';
import os from 'node:os';
import readline from 'node:readline';
import autocannon from 'autocannon';
import { twilioSignature } from '../src/telephony/adapters/twiml/signature.ts';

const SECONDS = Number(process.argv[2] ?? 8);
const CONNECTIONS = Number(process.argv[3] ?? 32);
const PUBLIC_URL = 'https://telltale.bench.example';
const TOKEN = 'bench-token';
const NUMBER = '+61290005001';

const child = spawn(process.execPath, [...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_PROF] : []), '--import', 'tsx', new URL('./support/webhook-servers.ts', import.meta.url).pathname], {
  env: { ...process.env, BENCH_PUBLIC_URL: PUBLIC_URL, BENCH_TOKEN: TOKEN, BENCH_NUMBER: NUMBER },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const ports = await new Promise<{ telltale: number; bare: number }>((resolve, reject) => {
  readline.createInterface({ input: child.stdout! }).once('line', (l) => resolve(JSON.parse(l)));
  child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});

let seq = 0;
/** A new signed incoming call per request (the same client work for both targets). */
function request(path: string): autocannon.Request {
  return {
    method: 'POST' as const,
    path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    setupRequest: (req: autocannon.Request) => {
      const params: [string, string][] = [
        ['AccountSid', 'ACbench'],
        ['ApiVersion', '2010-04-01'],
        ['CallSid', `CA${process.pid}x${++seq}`],
        ['CallStatus', 'ringing'],
        ['Direction', 'inbound'],
        ['From', '+61390012300'],
        ['To', NUMBER],
      ];
      req.body = new URLSearchParams(params).toString();
      req.headers = { ...(req.headers as Record<string, string>), 'x-twilio-signature': twilioSignature(TOKEN, `${PUBLIC_URL}/carrier/twilio/voice`, params) };
      return req;
    },
  };
}

async function load(port: number, path: string, opts: { duration: number; overallRate?: number; connections?: number }) {
  const r = await autocannon({ url: `http://127.0.0.1:${port}`, connections: opts.connections ?? CONNECTIONS, duration: opts.duration, overallRate: opts.overallRate, requests: [request(path)] });
  return { rps: r.requests.average, total: r.requests.total, non2xx: r.non2xx, errors: r.errors + r.timeouts, p50: r.latency.p50, p97_5: r.latency.p97_5, p99: r.latency.p99, max: r.latency.max };
}

// Warm both up, then measure back to back.
await load(ports.bare, '/voice', { duration: 1 });
await load(ports.telltale, '/carrier/twilio/voice', { duration: 1 });
const bare = await load(ports.bare, '/voice', { duration: SECONDS });
const tt = await load(ports.telltale, '/carrier/twilio/voice', { duration: SECONDS });
const ratio = tt.rps / bare.rps;
console.log(`carrier webhook throughput, ${CONNECTIONS} connections, ${SECONDS} s each (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`);
console.log(`  bare Fastify form route:        ${bare.rps.toFixed(0)} req/s (p99 ${bare.p99} ms, ${bare.non2xx} non-2xx, ${bare.errors} errors)`);
console.log(`  /carrier/twilio/voice (new call): ${tt.rps.toFixed(0)} req/s (p99 ${tt.p99} ms, ${tt.non2xx} non-2xx, ${tt.errors} errors)`);
console.log(`  ratio ${(100 * ratio).toFixed(1)} % of the bare route (target ≥ 40 %: ${ratio >= 0.4 ? 'met' : 'NOT met'})`);

const fixed = await load(ports.telltale, '/carrier/twilio/voice', { duration: 10, overallRate: 1000, connections: 50 });
console.log(`incoming-call webhook at a fixed 1,000 req/s for 10 s: achieved ${fixed.rps.toFixed(0)} req/s, p50 ${fixed.p50} ms, p97.5 ${fixed.p97_5} ms, p99 ${fixed.p99} ms, max ${fixed.max} ms (${fixed.non2xx} non-2xx, ${fixed.errors} errors)`);
console.log(`  target p99 ≤ 10 ms: ${fixed.p99 <= 10 && fixed.rps >= 950 ? 'met' : 'NOT met'}`);

// For context: the latency at a rate this machine sustains.
const low = await load(ports.telltale, '/carrier/twilio/voice', { duration: 5, overallRate: 300, connections: 20 });
console.log(`  (context) at a fixed 300 req/s for 5 s: achieved ${low.rps.toFixed(0)} req/s, p50 ${low.p50} ms, p99 ${low.p99} ms`);

child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
