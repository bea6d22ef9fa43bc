// The ARTIC historical report at volume (issue #14): seeds N queue journal rows (default 1,000,000; ~5 rows a call,
// 50 agents in 5 teams, 5 queues, 30 days of Sydney time: bench/support/seed-artic.ts) straight into a SQLite
// database the app migrated, then times the historical report over the whole period through the service
// (ArticReportsService.historical: the set-up, each agent's state before the period, the journal scan and the
// metrics), group queue and agent, interval hour and day: p50 and max of RUNS runs each (wall time, and the
// process's CPU time) reading the whole journal every time, against the target of 500 ms; then with the service's
// packed closed days kept (its first run reads them, the next ones read only the days still open: none here). Then one HTTP request of each through the real server
// (inject: auth, the route, serialization), and a check that the figures are the pure computation's. The machine's own speed and load are printed first: a plain JavaScript
// loop timed here (1e8 additions with a modulo) makes figures of two machines comparable.
// Usage: node --import tsx bench/artic-report.bench.ts [rows=1000000] [runs=10]
//   BENCH_DATA_DIR=<dir> keeps the seeded directory there (and reuses it when it holds a seed of that size).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config/config.ts';
import { createApp } from '../src/app.ts';
import { buildServer } from '../src/http/server.ts';
import { articMetrics } from '../src/domain/artic/metrics.ts';
import { lookbackMs } from '../src/domain/artic/journal.ts';
import { ArticReportsService } from '../src/services/artic/reports.service.ts';
import { ARTIC_SEED, seedArtic } from './support/seed-artic.ts';

const N = Number(process.argv[2] && /^\d+$/.test(process.argv[2]) ? process.argv[2] : 1_000_000);
const RUNS = Number(process.argv[3] && /^\d+$/.test(process.argv[3]) ? process.argv[3] : 10);
const TARGET_MS = 500;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const f0 = (n: number) => n.toFixed(0);

function calibrate(): number {
  const t = performance.now();
  let s = 0;
  for (let i = 0; i < 1e8; i++) s += i % 7;
  if (s < 0) console.log(s);
  return performance.now() - t;
}

const keep = process.env.BENCH_DATA_DIR;
const dataDir = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tt-bench-artic-'));
const seedFile = path.join(dataDir, 'artic-seed.json');
try {
  console.log(`ARTIC report bench: ${N.toLocaleString('en')} journal rows, SQLite in ${dataDir}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg()[0].toFixed(1)}, Node ${process.version}`);
  console.log(`  calibration: a 1e8-iteration JavaScript loop takes ${f0(calibrate())} ms here (about 100–150 ms on an idle recent desktop)`);
  const env = { TT_DATA_DIR: dataDir, TT_LOG_LEVEL: 'silent', TT_DEMO: '0' };
  let seeded: ReturnType<typeof seedArtic>;
  const reuse = keep && fs.existsSync(seedFile) ? (JSON.parse(fs.readFileSync(seedFile, 'utf8')) as ReturnType<typeof seedArtic> & { n: number }) : null;
  if (reuse && reuse.n === N) {
    seeded = reuse;
    console.log(`  reusing the seed in ${dataDir}: ${seeded.rows.toLocaleString('en')} rows`);
  } else {
    if (keep) fs.rmSync(dataDir, { recursive: true, force: true });
    fs.mkdirSync(dataDir, { recursive: true });
    const setup = await createApp(loadConfig(env), { log: pino({ level: 'silent' }) });
    await setup.accounts.createAccount({ clientId: ARTIC_SEED.clientId, name: 'ARTIC bench', timezone: ARTIC_SEED.zone });
    await setup.accounts.createUser({ username: 'bench', password: 'bench-password', clientIds: [ARTIC_SEED.clientId] });
    await setup.close();
    const t0 = performance.now();
    seeded = seedArtic(path.join(dataDir, 'telltale.db'), N);
    const seedS = (performance.now() - t0) / 1000;
    console.log(`  seeded ${seeded.rows.toLocaleString('en')} rows (${seeded.calls.toLocaleString('en')} calls, ${(seeded.rows / seeded.calls).toFixed(1)} rows a call) in ${seedS.toFixed(1)} s (${f0(seeded.rows / seedS)} rows/s: prepared statements, one transaction); period ${seeded.from} – ${seeded.to}`);
    if (keep) fs.writeFileSync(seedFile, JSON.stringify({ ...seeded, n: N }));
  }

  const app = await createApp(loadConfig(env), { log: pino({ level: 'silent' }) });
  const q = (group: string, interval: string) => ({ from: seeded.from, to: seeded.to, group, interval });
  // One warm-up run (module code compiled, the OS page cache holding the file as it would on a running server).
  const warm = await new ArticReportsService(app.storage, app.clock, { cacheBytes: 0 }).historical(ARTIC_SEED.clientId, q('queue', 'day'));
  const all = warm.all as { offered: number; answered: number; service_level: number | null; asa: number | null };
  console.log(`  warm-up: ${all.offered} calls offered, ${all.answered} answered, service level ${all.service_level}, ASA ${all.asa} s`);
  let met = true;
  const time = async (service: ArticReportsService, group: string, interval: string) => {
    const c = process.cpuUsage();
    const s = performance.now();
    const r = await service.historical(ARTIC_SEED.clientId, q(group, interval));
    const u = process.cpuUsage(c);
    return { wall: performance.now() - s, cpu: (u.user + u.system) / 1000, rows: r.rows.length };
  };
  for (const [group, interval] of [['queue', 'hour'], ['queue', 'day'], ['agent', 'hour'], ['agent', 'day']] as const) {
    // Every run reading the whole journal (no day kept), then a service keeping the closed days (its first run reads them).
    const runs = async (service: ArticReportsService) => {
      const out = [];
      for (let i = 0; i < RUNS; i++) out.push(await time(service, group, interval));
      return { p50: pct(out.map((x) => x.wall), 50), max: Math.max(...out.map((x) => x.wall)), cpu: pct(out.map((x) => x.cpu), 50), rows: out[0].rows };
    };
    const cold = await runs(new ArticReportsService(app.storage, app.clock, { cacheBytes: 0 }));
    const keeping = new ArticReportsService(app.storage, app.clock);
    const first = await time(keeping, group, interval);
    const kept = await runs(keeping);
    const ok = cold.p50 <= TARGET_MS;
    met &&= ok;
    console.log(`  historical group=${group} interval=${interval} (${cold.rows.toLocaleString('en')} rows), ${RUNS} runs each:`);
    console.log(`    reading the whole journal: p50 ${f0(cold.p50)} ms, max ${f0(cold.max)} ms (CPU p50 ${f0(cold.cpu)} ms) — target p50 ≤ ${TARGET_MS} ms: ${ok ? 'met' : 'NOT met'}`);
    console.log(`    closed days kept: first run ${f0(first.wall)} ms, then p50 ${f0(kept.p50)} ms, max ${f0(kept.max)} ms (CPU p50 ${f0(kept.cpu)} ms)`);
  }
  const server = await buildServer(app);
  await server.ready();
  const auth = `Basic ${Buffer.from('bench:bench-password').toString('base64')}`;
  for (const [group, interval] of [['agent', 'hour'], ['queue', 'day']] as const) {
    const times: number[] = [];
    let size = 0;
    for (let i = 0; i < 2; i++) {
      const s = performance.now();
      const r = await server.inject({ method: 'GET', url: `/artic/v1/reports/historical?from=${encodeURIComponent(seeded.from)}&to=${encodeURIComponent(seeded.to)}&group=${group}&interval=${interval}`, headers: { authorization: auth } });
      if (r.statusCode !== 200) throw new Error(`HTTP ${r.statusCode}: ${r.body.slice(0, 300)}`);
      times.push(performance.now() - s);
      size = r.body.length;
    }
    console.log(`  HTTP GET /artic/v1/reports/historical group=${group} interval=${interval} (${(size / 1024).toFixed(0)} KiB of JSON): ${f0(times[0])} ms reading the days, ${f0(times[1])} ms again (days kept)`);
  }
  await server.close();
  // The figures are those of the pure computation (domain/artic/metrics.ts articMetrics) over the same rows read plainly.
  const db = app.storage.db;
  const rows = (await db.selectFrom('artic_journal').select(['at_ms', 'entered_ms', 'queue_id', 'agent_id', 'event', 'data1', 'data2', 'data3', 'data4']).where('client_id', '=', ARTIC_SEED.clientId).orderBy('at_ms').orderBy('id').execute()).map((r) => ({ ...r, at_ms: Number(r.at_ms), entered_ms: r.entered_ms === null ? null : Number(r.entered_ms) }));
  const queues = await db.selectFrom('artic_queues').selectAll().where('client_id', '=', ARTIC_SEED.clientId).execute();
  const members = await db.selectFrom('artic_agent_teams').selectAll().execute();
  const agentIds = (await db.selectFrom('artic_agents').select('id').where('client_id', '=', ARTIC_SEED.clientId).execute()).map((a) => a.id);
  const teamIds = (await db.selectFrom('artic_teams').select('id').where('client_id', '=', ARTIC_SEED.clientId).execute()).map((t) => t.id);
  for (const [group, interval] of [['agent', 'hour'], ['queue', 'day']] as const) {
    const m = articMetrics(rows, {
      queues: new Map(queues.map((x) => [x.id, x])),
      agentTeams: new Map(agentIds.map((a) => [a, members.filter((x) => x.agent_id === a).map((x) => x.team_id)])),
      teams: teamIds,
      from_ms: Date.parse(seeded.from),
      to_ms: Date.parse(seeded.to),
      interval,
      zone: ARTIC_SEED.zone,
      lookback_ms: lookbackMs(Math.max(...queues.map((x) => x.wrapup_sec))),
    });
    const g = group === 'agent' ? m.agents : m.queues;
    const r = await new ArticReportsService(app.storage, app.clock, { cacheBytes: 0 }).historical(ARTIC_SEED.clientId, q(group, interval));
    const figures = ({ period: _p, period_start: _s, period_end: _e, id: _i, name: _n, ...f }: Record<string, unknown>) => f;
    const same = JSON.stringify([r.rows.map((x) => [x.id, figures(x as never)]), r.all]) === JSON.stringify([g.rows.map((x) => [x.id, x.figures]), g.all]);
    console.log(`  group=${group} interval=${interval}: the same figures as the pure computation over the ${rows.length.toLocaleString('en')} rows read plainly: ${same ? 'yes' : 'NO'}`);
    met &&= same;
  }
  await app.close();
  console.log(`  target (p50 ≤ ${TARGET_MS} ms for each report, the figures right): ${met ? 'met' : 'NOT met'}`);
} finally {
  if (!keep) fs.rmSync(dataDir, { recursive: true, force: true });
}
