// Reporting at volume: seeds 1,000,000 calls into a temporary SQLite database, then measures, against a server in its
// own process: a WebAPI page of 100 calls filtered to one month (p50/p95), a one-month summary, and a CSV feed of all
// the calls (rows/s and the serving process's peak RSS). Each figure is printed next to its target and next to a
// ceiling measured in the same run on the bare database (the same query through better-sqlite3, no HTTP, no formatting).
// The server is the real CLI as `npm start` runs it (package.json's start script: `node [V8 flags] bin/telltale.mjs
// serve`, the bundled app, no tsx) on the seeded data directory; its RSS, peak RSS and CPU time come from /proc/<pid>.
// Usage: node --import tsx bench/reporting.bench.ts [calls=1000000]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import pino from 'pino';
import { Agent, request } from 'undici';
import { loadConfig } from '../src/config/config.ts';
import { createApp } from '../src/app.ts';
import { FEED_CALL_COLUMNS } from '../src/domain/report/feed-record.ts';
import { feedCsvLine, feedLineKey } from '../src/domain/report/feed-line.ts';

const N = Number(process.argv[2] && /^\d+$/.test(process.argv[2]) ? process.argv[2] : 1_000_000);
const TARGETS = { pageP95Ms: 20, summaryMs: 500, feedRowsPerS: 200_000, feedPeakRssMb: 200 };

/** A field of /proc/<pid>/status in MB (Linux). */
function procStatus(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** User + system CPU time of a process in ms, from /proc/<pid>/stat (clock ticks, 100 a second on Linux). */
function procCpuMs(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const f1 = (n: number) => n.toFixed(1);

await main();

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-bench-reporting-'));
  let child: ChildProcess | null = null;
  try {
    console.log(`reporting bench: ${N.toLocaleString('en')} calls, SQLite in ${dataDir}, ${os.cpus().length} cores, Node ${process.version}`);
    // Schema, account, user and feed through the app, so everything is as the product writes it.
    const config = loadConfig({ TT_DATA_DIR: dataDir, TT_LOG_LEVEL: 'silent', TT_DEMO: '0' });
    const app = await createApp(config, { log: pino({ level: 'silent' }) });
    await app.accounts.createAccount({ clientId: 5995, name: 'Bench', timezone: 'Australia/Sydney' });
    await app.accounts.createUser({ username: 'bench', password: 'bench-password', clientIds: [5995] });
    const feed = await app.reporting.feeds.createFeed(5995, { auth: 'ip', allow: ['127.0.0.1'] });
    await app.close();

    // The serving process's environment (below): its public URL is part of the stored feed lines' key.
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TT_'))), TT_DATA_DIR: dataDir, TT_PORT: '0', TT_LOG_LEVEL: 'silent', TT_DEMO: '0', TT_WEBAPI_RATE_LIMIT: '1000000' };
    const serverPublicUrl = loadConfig(env).publicUrl;

    const t0 = performance.now();
    const lineMs = seed(path.join(dataDir, 'telltale.db'), N, serverPublicUrl);
    if (process.env.BENCH_SEED_ONLY) return;
    const seedS = (performance.now() - t0) / 1000;
    console.log(`seeded ${N.toLocaleString('en')} calls in ${f1(seedS)} s (${Math.round(N / seedS).toLocaleString('en')} rows/s, bulk insert in one transaction); each with its stored CSV feed line as finalization writes it (feedCsvLine: ${f1((lineMs * 1000) / N)} µs a call)`);

    // Ceilings from the bare database, same queries, no HTTP and no formatting.
    const raw = new SQLite(path.join(dataDir, 'telltale.db'), { readonly: true });
    const pageSql = raw.prepare(`select * from calls where client_id = 5995 and state <> 'in_progress' and started_at >= ? and started_at < ? order by started_at desc, id desc limit 101`);
    const rawPage: number[] = [];
    for (let i = 0; i < 200; i++) {
      const s = performance.now();
      pageSql.all('2026-05-31T14:00:00.000Z', '2026-06-30T14:00:00.000Z');
      rawPage.push(performance.now() - s);
    }
    // The fastest read of what a feed needs: its columns, in its order, as arrays (better-sqlite3's raw mode).
    let s = performance.now();
    const rawCpu = process.cpuUsage();
    let rawRows = 0;
    for (const _r of raw.prepare(`select ${FEED_CALL_COLUMNS.join(', ')} from calls where client_id = 5995 and state <> 'in_progress' and started_at >= ? and started_at < ? order by started_at, id`).raw(true).iterate('2025-12-31T13:00:00.000Z', '2026-12-31T13:00:00.000Z')) rawRows++;
    const rawScanRate = rawRows / ((performance.now() - s) / 1000);
    const rawCpuUsPerRow = ((c) => (c.user + c.system) / rawRows)(process.cpuUsage(rawCpu));
    raw.close();

    // The serving process: the CLI's `serve` (HTTP API and background workers), with the node flags of `npm start`. A
    // first run of the CLI brings its bundle up to date, so the build is not part of the server's memory.
    const root = fileURLToPath(new URL('..', import.meta.url));
    const bin = path.join(root, 'bin/telltale.mjs');
    const start = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(/\s+/);
    if (start[0] !== 'node' || start.at(-2) !== 'bin/telltale.mjs' || start.at(-1) !== 'serve') throw new Error(`unexpected start script: ${start.join(' ')}`);
    const nodeFlags = start.slice(1, -2);
    if (spawnSync(process.execPath, [bin, '--help'], { env, stdio: 'ignore' }).status !== 0) throw new Error('bin/telltale.mjs --help failed');
    const server = spawn(process.execPath, [...nodeFlags, bin, 'serve'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    child = server;
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      server.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /running on http:\/\/[^:]+:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      server.once('exit', (code) => reject(new Error(`telltale serve exited (${code}): ${out}`)));
    });
    const pid = server.pid!;
    type Mem = { peakMb: number; rssMb: number; anonMb: number; fileMb: number; cpuMs: number };
    const mem = (): Mem => ({ peakMb: procStatus(pid, 'VmHWM'), rssMb: procStatus(pid, 'VmRSS'), anonMb: procStatus(pid, 'RssAnon'), fileMb: procStatus(pid, 'RssFile'), cpuMs: procCpuMs(pid) });
    // Linux: writing 5 to clear_refs resets the peak RSS (VmHWM) to the current RSS.
    let peakReset = true;
    const resetPeak = () => {
      try {
        fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
      } catch {
        peakReset = false; // not permitted: the peak then covers the whole process life
      }
    };
    const base = `http://127.0.0.1:${port}`;
    const agent = new Agent({ connections: 4 });
    const auth = `Basic ${Buffer.from('bench:bench-password').toString('base64')}`;
    const get = async (url: string) => {
      const res = await request(base + url, { headers: { authorization: auth }, dispatcher: agent });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${text.slice(0, 300)}`);
      return text;
    };

    // 1. A WebAPI page of 100 calls filtered to one month, following cursors (sequential requests).
    const months = ['2026-02', '2026-06', '2026-09', '2026-11'];
    for (let i = 0; i < 20; i++) await get(`/webapi/v1/calls?from=2026-06-01&to=2026-06-30&limit=100`);
    const page: number[] = [];
    for (let i = 0; i < 400; i++) {
      const m = months[i % months.length];
      const [y, mm] = m.split('-').map(Number);
      const last = new Date(Date.UTC(y, mm, 0)).getUTCDate();
      let cursor = '';
      const st = performance.now();
      const body = JSON.parse(await get(`/webapi/v1/calls?from=${m}-01&to=${m}-${last}&limit=100${cursor}`)) as { calls: unknown[]; next_cursor: string };
      page.push(performance.now() - st);
      if (body.calls.length !== 100) throw new Error('page is not 100 calls');
      cursor = `&cursor=${body.next_cursor}`;
      const st2 = performance.now();
      await get(`/webapi/v1/calls?from=${m}-01&to=${m}-${last}&limit=100${cursor}`);
      page.push(performance.now() - st2);
    }

    // 2. A month summary (per day and status).
    const summary: number[] = [];
    for (const m of ['2026-03', '2026-06', '2026-08', '2026-10', '2026-12']) {
      const st = performance.now();
      const body = JSON.parse(await get(`/webapi/v1/reports/summary?from=${m}-01&to=${m}-28&interval=day&group_by=status`)) as { totals: { calls: number } };
      summary.push(performance.now() - st);
      if (body.totals.calls <= 0) throw new Error('empty summary');
    }

    // 3. The CSV feed of every call, streamed; peak RSS of the serving process during it.
    const before = mem();
    resetPeak();
    s = performance.now();
    const res = await request(`${base}/feeds/${feed.id}/2026.csv`, { dispatcher: agent });
    let lines = 0;
    let bytes = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    }
    const feedS = (performance.now() - s) / 1000;
    const rows = lines - 1;
    const after = mem();
    if (rows !== N) throw new Error(`feed had ${rows} rows, expected ${N}`);
    const feedRate = rows / feedS;
    await agent.close();
    // How the feed's records were made: the calls with a current stored line were copied, the others formatted live.
    const check = new SQLite(path.join(dataDir, 'telltale.db'), { readonly: true });
    const storedLines = check
      .prepare(`select count(*) from calls where client_id = 5995 and state <> 'in_progress' and started_at >= ? and started_at < ? and feed_csv_key = ? and feed_csv is not null`)
      .pluck()
      .get('2025-12-31T13:00:00.000Z', '2026-12-31T13:00:00.000Z', feedLineKey(serverPublicUrl)) as number;
    check.close();

    const p95 = pct(page, 95);
    const rawP95 = pct(rawPage, 95);
    const sumMax = Math.max(...summary);
    console.log('');
    console.log(`WebAPI page (100 calls, one month): p50 ${f1(pct(page, 50))} ms, p95 ${f1(p95)} ms (target <= ${TARGETS.pageP95Ms} ms: ${p95 <= TARGETS.pageP95Ms ? 'met' : 'MISSED'}, ${f1(p95 / TARGETS.pageP95Ms)}x of it); bare query p95 ${f1(rawP95)} ms (HTTP+auth+format = ${f1(p95 / rawP95)}x the bare query)`);
    console.log(`Month summary (by day and status): p50 ${f1(pct(summary, 50))} ms, max ${f1(sumMax)} ms (target <= ${TARGETS.summaryMs} ms: ${sumMax <= TARGETS.summaryMs ? 'met' : 'MISSED'}, ${f1(sumMax / TARGETS.summaryMs)}x of it)`);
    console.log(`CSV feed of all ${rows.toLocaleString('en')} calls: ${f1(feedS)} s, ${Math.round(feedRate).toLocaleString('en')} rows/s, ${f1(bytes / 1048576)} MB (target >= ${TARGETS.feedRowsPerS.toLocaleString('en')} rows/s: ${feedRate >= TARGETS.feedRowsPerS ? 'met' : 'MISSED'}, ${f1(feedRate / TARGETS.feedRowsPerS)}x of it); bare read of the same rows and columns ${Math.round(rawScanRate).toLocaleString('en')} rows/s (feed = ${f1(feedRate / rawScanRate)}x the bare scan); ${storedLines.toLocaleString('en')} rows copied from stored lines, ${(rows - storedLines).toLocaleString('en')} formatted live`);
    console.log(`CSV feed CPU: ${f1(((after.cpuMs - before.cpuMs) * 1000) / rows)} µs a row in the serving process (HTTP client excluded); bare read ${f1(rawCpuUsPerRow)} µs a row`);
    console.log(`Serving process RSS: ${f1(before.rssMb)} MB before the feed, peak ${f1(after.peakMb)} MB during it${peakReset ? '' : ' (peak of the whole process life: clear_refs not permitted)'} (target <= ${TARGETS.feedPeakRssMb} MB: ${after.peakMb <= TARGETS.feedPeakRssMb ? 'met' : 'MISSED'}, ${f1(after.peakMb / TARGETS.feedPeakRssMb)}x of it); anonymous ${f1(before.anonMb)} → ${f1(after.anonMb)} MB, file-backed ${f1(before.fileMb)} → ${f1(after.fileMb)} MB (\`${['node', ...nodeFlags, 'bin/telltale.mjs serve'].join(' ')}\`, pid ${pid})`);
    // The server stops on SIGTERM; wait for it to exit.
    await new Promise<void>((resolve) => {
      child!.once('exit', () => resolve());
      child!.kill('SIGTERM');
    });
    child = null;
  } finally {
    child?.kill();
    if (process.env.BENCH_KEEP_DB) console.log(`kept ${dataDir}`);
    else fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Bulk insert: one prepared statement, one transaction, calls in time order over 2026 (Sydney account). Each call is
 * finalized, so it carries its CSV feed line as finalization stores it (feedCsvLine() of the row, with the serving
 * process's public URL, and its key). Returns the time spent building the lines, in ms.
 */
function seed(file: string, n: number, publicUrl: string): number {
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -200000');
  const cols = [
    'unique_id', 'client_id', 'service_id', 'direction', 'state', 'carrier', 'carrier_call_id', 'tracking_number', 'tracking_name', 'tracking_notes', 'target_number',
    'target_name', 'caller_number', 'caller_withheld', 'caller_location', 'caller_state', 'caller_country', 'timezone', 'started_at', 'answered_at', 'ended_at',
    'duration', 'connection_duration', 'talk_duration', 'status_code', 'status', 'disposition', 'has_audio', 'audio_token', 'recording_path', 'recording_duration',
    'label', 'ivr', 'features', 'custom_id', 'custom_group', 'dni', 'sentiment', 'is_test', 'private_reference', 'finalized_at', 'created_at', 'updated_at',
  ];
  // The feed line is built from the row as inserted, with its id (the table is empty: ids are 1…n).
  const at = FEED_CALL_COLUMNS.map((c) => cols.indexOf(c));
  const key = feedLineKey(publicUrl);
  let lineMs = 0;
  const insert = db.prepare(`insert into calls (id, ${cols.join(',')}, feed_csv, feed_csv_key) values (${cols.map(() => '?').join(',')}, ?, ?, ?)`);
  const start = Date.parse('2025-12-31T13:00:00Z'); // 2026-01-01 00:00 Sydney
  const span = Date.parse('2026-12-31T13:00:00Z') - start;
  const codes = [0, 0, 0, 0, 1, 1, 2, 3, 4, 7, 8];
  const names: Record<number, [string, string]> = { 0: ['Answered', 'ANSWERED'], 1: ['Missed', 'NO ANSWER'], 2: ['Busy', 'BUSY'], 3: ['Failed', 'FAILED'], 4: ['Abandoned', 'NO ANSWER'], 7: ['Voicemail', 'NO ANSWER'], 8: ['Prompt/IVR completed', 'IVR'] };
  let rnd = 42;
  const rand = () => ((rnd = (rnd * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const iso = (ms: number) => new Date(ms).toISOString();
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const t = start + Math.floor((i / n) * span);
      const code = codes[Math.floor(rand() * codes.length)];
      const dur = 5 + Math.floor(rand() * 600);
      const answered = code === 0;
      const withheld = rand() < 0.05;
      const tracking = `+612800${String(Math.floor(rand() * 200)).padStart(5, '0')}`;
      const caller = `+614${String(10_000_000 + Math.floor(rand() * 89_999_999))}`;
      const audio = answered && rand() < 0.5;
      const v = [
        `TT1-${Math.floor(t / 1000)}.${i}`, 5995, null, 'call-in', 'finalized', 'sandbox', `CA${i}`, tracking, `Ad ${tracking.slice(-3)}`, null, '+61299998888',
        'Reception', withheld ? null : caller, withheld ? 1 : 0, withheld ? null : 'Sydney', withheld ? null : 'NSW', 'AU', 'Australia/Sydney', iso(t),
        answered ? iso(t + 3000) : null, iso(t + dur * 1000), dur, 1, answered ? dur - 3 : 0, code, names[code][0], names[code][1], audio ? 1 : 0,
        audio ? `tok${i}` : null, audio ? `recordings/${i}.wav` : null, audio ? dur - 3 : null, null, null, '[]', `ad-${Math.floor(rand() * 500)}`,
        `group-${Math.floor(rand() * 20)}`, rand() < 0.3 ? '{"source":"google","medium":"cpc"}' : null, null, 0, null, iso(t + dur * 1000 + 2000), iso(t), iso(t + dur * 1000 + 2000),
      ];
      const id = i + 1;
      const ls = performance.now();
      const line = feedCsvLine(at.map((j) => (j < 0 ? id : v[j])), publicUrl);
      lineMs += performance.now() - ls;
      insert.run(id, ...v, line, key);
    }
  })();
  db.pragma('optimize');
  db.close();
  return lineMs;
}
