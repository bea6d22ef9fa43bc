// UserAPI sign-in and the cost of each way to authenticate, against a real server process (SQLite), in one run:
//   1. Sign-ins (POST /userapi/v1/session), each by another user so each runs the KDF, back to back and at concurrency 4: sign-ins/s, next to the bare scrypt KDF
//      measured in this process (the ceiling: one sign-in is one KDF run; TT_AUTH_KDF_CONCURRENCY=1 runs one at a time).
//      Deliberately slow: the KDF is what makes a guessed password expensive.
//   2. The same WebAPI call-log page (GET /webapi/v1/calls?limit=50, 200 calls in the account) on one keep-alive
//      connection with a Bearer session token, with HTTP Basic (after its first request Basic hits the 60 s success
//      cache, so neither runs the KDF per request) and with an API key, in alternating blocks; and GET /healthz (no
//      auth, no database) as the ceiling of the connection. Prints p50/p99 and req/s, and Bearer/Basic ratios.
// Usage: node --import tsx bench/userapi-auth.bench.ts [sign-ins=40] [page requests per credential=2000]
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import readline from 'node:readline';
import { Agent, request } from 'undici';
import { hashPassword, verifyPassword } from '../src/domain/accounts/password.ts';

const SIGN_INS = Number(process.argv[2] ?? 40);
const PAGES = Number(process.argv[3] ?? 2000);
const BASIC = `Basic ${Buffer.from('bench:Bench-password-1').toString('base64')}`;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);

async function startServer(): Promise<{ child: ChildProcess; base: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TT_')));
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./support/userapi-server.ts', import.meta.url).pathname], {
    env: { ...clean, TT_WEBAPI_RATE_LIMIT: '1000000', BENCH_SIGNERS: String(2 * SIGN_INS + 1) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const { port } = await new Promise<{ port: number }>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', (l) => resolve(JSON.parse(l)));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

/** The KDF alone in this process: ms per run, back to back (the sign-in's ceiling). */
async function kdfCost(runs: number): Promise<number> {
  const stored = await hashPassword('Bench-password-1');
  await verifyPassword('Bench-password-1', stored);
  const t = performance.now();
  for (let i = 0; i < runs; i++) await verifyPassword(i % 2 ? 'Bench-password-1' : 'wrong-password', stored);
  return (performance.now() - t) / runs;
}

/** One sign-in of user `signer<i>` (each signs in once: a KDF run every time), or of `bench` when i is null. */
async function signIn(base: string, agent: Agent, i: number | null): Promise<{ ms: number; token: string }> {
  const t = performance.now();
  const res = await request(`${base}/userapi/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(i === null ? { username: 'bench', password: 'Bench-password-1' } : { username: `signer${i}`, password: `Signer-password-${i}` }),
    dispatcher: agent,
  });
  const body = (await res.body.json()) as { token: string };
  if (res.statusCode !== 200) throw new Error(`sign-in got ${res.statusCode}`);
  return { ms: performance.now() - t, token: body.token };
}

async function page(base: string, agent: Agent, url: string, authorization: string | undefined, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await request(`${base}${url}`, { headers: authorization ? { authorization } : {}, dispatcher: agent });
    await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${url} got ${res.statusCode}`);
    out.push(performance.now() - t);
  }
  return out;
}

console.log(`userapi auth bench: ${SIGN_INS} sign-ins, ${PAGES} page requests per credential, ${os.cpus().length} cores, Node ${process.version}`);
const { child, base } = await startServer();
try {
  const kdfMs = await kdfCost(20);
  console.log(`\nKDF (scrypt N=16384, r=8, p=1) in this process: ${f1(kdfMs)} ms a run = ${f1(1000 / kdfMs)} runs/s on one thread (the sign-in ceiling at TT_AUTH_KDF_CONCURRENCY=1)`);

  const one = new Agent({ connections: 1 });
  await signIn(base, one, 2 * SIGN_INS);
  const seq: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < SIGN_INS; i++) seq.push((await signIn(base, one, i)).ms);
  const { token } = await signIn(base, one, null);
  const seqRate = (SIGN_INS * 1000) / (performance.now() - t0);
  console.log(`sign-ins back to back: ${f1(seqRate)}/s, p50 ${f1(pct(seq, 50))} ms, p99 ${f1(pct(seq, 99))} ms; ${f2(seqRate / (1000 / kdfMs))}x the bare KDF rate (KDF ${f1(kdfMs)} ms of each ${f1(pct(seq, 50))} ms sign-in)`);
  const four = new Agent({ connections: 4 });
  const t1 = performance.now();
  let next = 0;
  const conc: number[] = [];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < SIGN_INS) conc.push((await signIn(base, four, SIGN_INS + next++)).ms);
    }),
  );
  const concRate = (conc.length * 1000) / (performance.now() - t1);
  console.log(`sign-ins at concurrency 4: ${f1(concRate)}/s, p50 ${f1(pct(conc, 50))} ms, p99 ${f1(pct(conc, 99))} ms (the KDF runs one at a time: they queue)`);
  await four.close();

  // An API key for the third column.
  const keyRes = await request(`${base}/userapi/v1/api-keys`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench', role: 'read_only' }), dispatcher: one });
  const key = ((await keyRes.body.json()) as { key: string }).key;

  const URL = '/webapi/v1/calls?limit=50';
  const creds: [string, string | undefined, string][] = [
    ['bearer session', `Bearer ${token}`, URL],
    ['basic', BASIC, URL],
    ['api key', `Bearer ${key}`, URL],
    ['/healthz (no auth)', undefined, '/healthz'],
  ];
  const samples = new Map<string, number[]>(creds.map(([n]) => [n, []]));
  // Warm-up (JIT, Basic's one KDF run, the SQLite page cache), then alternating blocks so drift hits all alike.
  for (const [, a, u] of creds) await page(base, one, u, a, 200);
  const BLOCK = 100;
  for (let done = 0; done < PAGES; done += BLOCK) {
    for (const [n, a, u] of creds) samples.get(n)!.push(...(await page(base, one, u, a, Math.min(BLOCK, PAGES - done))));
  }
  await one.close();
  console.log(`\ncall-log page ${URL} (50 of 200 calls), one keep-alive connection, ${PAGES} requests each:`);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  for (const [n] of creds) {
    const xs = samples.get(n)!;
    console.log(`  ${n.padEnd(20)} p50 ${f2(pct(xs, 50))} ms, p99 ${f2(pct(xs, 99))} ms, ${f1((xs.length * 1000) / sum(xs))} req/s`);
  }
  const b = samples.get('bearer session')!;
  const s = samples.get('basic')!;
  const k = samples.get('api key')!;
  console.log(`  bearer / basic: p50 ${f2(pct(b, 50) / pct(s, 50))}x, p99 ${f2(pct(b, 99) / pct(s, 99))}x, throughput ${f2(sum(s) / sum(b))}x; api key / basic: p50 ${f2(pct(k, 50) / pct(s, 50))}x`);
} finally {
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
