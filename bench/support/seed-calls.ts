// A seeded Telltale data directory for the portal and reporting benchmarks: one account (client_id 7001, Sydney), its
// user, ~40 live tracking services, and N finalized calls (default 1,000,000) over the last ~24 months.
//
// The schema, account, user and services go through the app (createApp runs every migration; the account and user
// through the account service, the services as the telco repository stores them). The calls are then written straight
// into `calls` with better-sqlite3, in batched transactions, row by row as the call path leaves a finalized call:
// newCallRecord() of what is known on arrival, then what its events fill in (answer, end, durations, status code, name
// and disposition, recording, DNI attribution copied from a visit as visitData() builds it, finalized_at), and the CSV
// feed line finalization stores (feedCsvLine() + feedLineKey() with the serving process's public URL). Ids follow
// start time, as real arrivals do. The WebAPI's reads (list, filters, search, summary) read only `calls` (and
// `call_notes` for the search): there is no summary or rollup table to fill. A few calls get a label and a note.
//
// Usage: node --import tsx bench/support/seed-calls.ts <data-dir> [calls=1000000]
//   Prints the time taken; writes <data-dir>/seed.json ({ calls, client_id, username, password, seeded_at }) last, so a
//   directory with a seed.json of the same size is complete and can be reused (see seededDataDir()).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import pino from 'pino';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { createApp } from '../../src/app.ts';
import { newCallRecord } from '../../src/domain/calls/call-row.ts';
import { CALL_STATUSES } from '../../src/domain/calls/call-status.ts';
import { visitData } from '../../src/domain/dni/visit-data.ts';
import { feedCsvLine, feedLineKey } from '../../src/domain/report/feed-line.ts';
import { newId } from '../../src/domain/ids.ts';
import type { ServiceTable } from '../../src/storage/schema.ts';
import { insertService } from '../../src/storage/telco/service.repository.ts';

export const SEED_ACCOUNT = { clientId: 7001, name: 'Portal Bench', timezone: 'Australia/Sydney' } as const;
export const SEED_USER = { username: 'portal-bench', password: 'Portal-bench-password-1' } as const;

export interface SeedInfo {
  calls: number;
  client_id: number;
  username: string;
  password: string;
  seeded_at: string;
  public_url: string;
}

/** The environment the seeded directory is served with (its public URL is part of the stored feed lines' key). */
export function seedEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => !k.startsWith('TT_') && v !== undefined)) as Record<string, string>;
  return { ...base, TT_DATA_DIR: dataDir, TT_PORT: '0', TT_LOG_LEVEL: 'silent', TT_DEMO: '0', TT_WEBAPI_RATE_LIMIT: '1000000', ...extra };
}

/** The seed of a directory if it is complete and of `calls` calls; null otherwise. */
export function readSeed(dataDir: string, calls?: number): SeedInfo | null {
  try {
    const info = JSON.parse(fs.readFileSync(path.join(dataDir, 'seed.json'), 'utf8')) as SeedInfo;
    if (calls !== undefined && info.calls !== calls) return null;
    return fs.existsSync(path.join(dataDir, 'telltale.db')) ? info : null;
  } catch {
    return null;
  }
}

/** Reuses `dataDir` when it holds a complete seed of `calls` calls, seeds it (from empty) otherwise. */
export async function seededDataDir(dataDir: string, calls: number, log: (s: string) => void = console.log): Promise<{ info: SeedInfo; reused: boolean }> {
  const have = readSeed(dataDir, calls);
  if (have) {
    log(`reusing seeded ${dataDir}: ${have.calls.toLocaleString('en')} calls seeded ${have.seeded_at}`);
    return { info: have, reused: true };
  }
  return { info: await seedCalls(dataDir, calls, log), reused: false };
}

// Deterministic pseudo-random numbers (a run seeds the same data).
let rnd = 20260101;
const rand = () => {
  rnd = (rnd + 0x6d2b79f5) | 0;
  let t = Math.imul(rnd ^ (rnd >>> 15), 1 | rnd);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
/** Index by weight. */
function weighted(ws: number[]): () => number {
  const total = ws.reduce((a, b) => a + b, 0);
  const cum = ws.map(((s) => (w: number) => (s += w / total))(0));
  return () => {
    const r = rand();
    for (let i = 0; i < cum.length; i++) if (r < cum[i]) return i;
    return cum.length - 1;
  };
}

const GROUPS = ['google', 'facebook', 'radio', 'print', 'website', 'bing', 'referral', 'outdoor'];
const CAMPAIGNS: { name: string; group: string; visit?: { page_url: string; referrer: string | null } }[] = [
  { name: 'Google Ads Brand', group: 'google', visit: { page_url: 'https://shop.example/?utm_source=google&utm_medium=cpc&utm_campaign=brand&gclid=EAIaIQobChMI1', referrer: 'https://www.google.com/' } },
  { name: 'Google Ads Solar', group: 'google', visit: { page_url: 'https://shop.example/solar?gclid=EAIaIQobChMI2', referrer: 'https://www.google.com/' } },
  { name: 'Google Organic', group: 'website', visit: { page_url: 'https://shop.example/contact', referrer: 'https://www.google.com.au/' } },
  { name: 'Facebook Spring', group: 'facebook', visit: { page_url: 'https://shop.example/spring?fbclid=IwAR0abc', referrer: 'https://l.facebook.com/' } },
  { name: 'Bing Ads', group: 'bing', visit: { page_url: 'https://shop.example/?utm_source=bing&utm_medium=cpc&utm_campaign=generic', referrer: 'https://www.bing.com/' } },
  { name: 'Website Direct', group: 'website', visit: { page_url: 'https://shop.example/', referrer: null } },
  { name: 'Partner Referral', group: 'referral', visit: { page_url: 'https://shop.example/partners', referrer: 'https://www.partner.example/deals' } },
  { name: 'Radio 2GB', group: 'radio' },
  { name: 'Radio Nova', group: 'radio' },
  { name: 'Herald Print', group: 'print' },
  { name: 'Bus Shelters', group: 'outdoor' },
];
const PLACES: [string, string, string][] = [
  ['Sydney', 'NSW', '+612'], ['Melbourne', 'VIC', '+613'], ['Brisbane', 'QLD', '+617'], ['Perth', 'WA', '+618'], ['Adelaide', 'SA', '+618'], ['Canberra', 'ACT', '+612'], ['Hobart', 'TAS', '+613'],
];
const NOTES = ['Wants a quote for solar panels', 'Call back after 3pm', 'Asked about financing', 'Existing customer, billing question', 'Booked a site visit', 'Wrong number'];
const LABELS = ['hot lead', 'booked', 'follow up', 'spam', 'existing customer'];

/** Seeds `dataDir` (emptied first) with the account, user, services and `n` calls; returns its seed.json. */
export async function seedCalls(dataDir: string, n: number, log: (s: string) => void = console.log): Promise<SeedInfo> {
  const t0 = performance.now();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const env = seedEnv(dataDir);
  const config: Config = loadConfig(env);
  const app = await createApp(config, { log: pino({ level: 'silent' }) });
  const now = Date.now();
  const nowIso = new Date(now).toISOString();
  const services: ServiceTable[] = [];
  try {
    await app.accounts.createAccount({ clientId: SEED_ACCOUNT.clientId, name: SEED_ACCOUNT.name, timezone: SEED_ACCOUNT.timezone });
    await app.accounts.createUser({ username: SEED_USER.username, password: SEED_USER.password, clientIds: [SEED_ACCOUNT.clientId] });
    // ~40 live tracking services (numbers 1300/1800 and geographic), each on a campaign and its custom group.
    for (let i = 0; i < 40; i++) {
      const c = CAMPAIGNS[i % CAMPAIGNS.length];
      const number = i % 4 === 0 ? `+611300${String(100000 + i * 7).slice(-6)}` : i % 4 === 1 ? `+611800${String(200000 + i * 7).slice(-6)}` : `+61280${String(100000 + i * 13).slice(-6)}`;
      const created = new Date(now - 760 * 86_400_000 + i * 3_600_000).toISOString();
      const row: ServiceTable = {
        id: newId('svc', now - 760 * 86_400_000 + i),
        client_id: SEED_ACCOUNT.clientId,
        number,
        type: 'transfer',
        status: 'live',
        name: `${c.name}${i >= CAMPAIGNS.length ? ` ${Math.floor(i / CAMPAIGNS.length) + 1}` : ''}`,
        target_number: i % 3 === 0 ? '+61299998888' : '+61390001111',
        target_name: i % 3 === 0 ? 'Reception' : 'Sales',
        prompt_url: null,
        prompt_text: null,
        custom_id: `ad-${1000 + i}`,
        custom_group: c.group,
        call_callback_uri: null,
        call_callback_method: 'GET',
        sms_forward_uri: null,
        notifications: '[]',
        created_at: created,
        updated_at: created,
        live_at: created,
        decommissioned_at: null,
      };
      await insertService(app.storage.db, row);
      services.push(row);
    }
  } finally {
    await app.close();
  }
  const tApp = performance.now();

  const db = new SQLite(path.join(dataDir, 'telltale.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -400000');
  const userId = (db.prepare('select id from users where username = ?').get(SEED_USER.username) as { id: string }).id;
  const cols = [
    'id', 'unique_id', 'client_id', 'service_id', 'direction', 'state', 'carrier', 'carrier_call_id', 'tracking_number', 'tracking_name', 'tracking_notes', 'target_number',
    'target_name', 'caller_number', 'caller_withheld', 'caller_location', 'caller_state', 'caller_country', 'timezone', 'started_at', 'answered_at', 'ended_at',
    'duration', 'connection_duration', 'talk_duration', 'status_code', 'status', 'disposition', 'has_audio', 'audio_token', 'recording_path', 'recording_duration',
    'label', 'ivr', 'features', 'custom_id', 'custom_group', 'dni', 'sentiment', 'is_test', 'private_reference', 'finalized_at', 'created_at', 'updated_at',
    'feed_csv', 'feed_csv_key',
  ] as const;
  const insert = db.prepare(`insert into calls (${cols.join(', ')}) values (${cols.map((c) => `@${c}`).join(', ')})`);
  const insertNote = db.prepare(`insert into call_notes (id, client_id, call_id, author_user_id, author_name, text, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?)`);
  const maxId = (db.prepare('select coalesce(max(id), 0) as m from calls').get() as { m: number }).m;

  const publicUrl = loadConfig(seedEnv(dataDir)).publicUrl;
  const key = feedLineKey(publicUrl);
  const dniJson = new Map<string, string>();
  for (const c of CAMPAIGNS) if (c.visit) dniJson.set(c.name, JSON.stringify({ ...visitData({ ...c.visit, landing_url: null, ga_client_id: '1234567890.1700000000', user_agent: 'Mozilla/5.0', ip: '203.0.113.9' }), location: 'Sydney', state: 'NSW', country: 'AU' }));

  // Status mix of a small business line; busier services, weekdays and business hours (Sydney) get more calls.
  const statusOf = weighted([62, 17, 3, 2, 9, 0, 0, 5, 2]); // index = code 0..8 (5, 6 unused)
  const serviceOf = weighted(services.map((_, i) => 1 / (1 + i * 0.15)));
  const hourWeight = [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4, 7, 8, 8, 7, 7.5, 7.5, 7, 6, 4, 2.5, 1.8, 1.2, 0.8, 0.5, 0.3];
  const hourOf = weighted(hourWeight);
  const disposition: Record<number, string> = { 0: 'ANSWERED', 1: 'NO ANSWER', 2: 'BUSY', 3: 'FAILED', 4: 'NO ANSWER', 7: 'NO ANSWER', 8: 'IVR' };
  // Sydney is UTC+10/+11: a local hour h is UTC h-10 (close enough for a distribution).
  const days = 730;
  const dayStart = Math.floor((now - days * 86_400_000) / 86_400_000) * 86_400_000;
  // Calls per day grow over the two years (a growing business) and dip on weekends.
  const dayWeights = Array.from({ length: days + 1 }, (_, d) => {
    const dow = new Date(dayStart + d * 86_400_000).getUTCDay();
    return (0.6 + (0.8 * d) / days) * (dow === 0 ? 0.35 : dow === 6 ? 0.55 : 1);
  });
  const totalW = dayWeights.reduce((a, b) => a + b, 0);
  // Starting times, sorted (ids follow arrival), none in the future.
  const starts = new Float64Array(n);
  {
    let k = 0;
    for (let d = 0; d <= days && k < n; d++) {
      const count = d === days ? n - k : Math.min(n - k, Math.round((dayWeights[d] / totalW) * n));
      for (let j = 0; j < count; j++) {
        const local = hourOf() * 3_600_000 + Math.floor(rand() * 3_600_000);
        starts[k++] = Math.min(now - 60_000 - Math.floor(rand() * 600_000), dayStart + d * 86_400_000 + local - 10 * 3_600_000);
      }
    }
    starts.sort();
  }

  let notes = 0;
  let audio = 0;
  const batch = 20_000;
  const insertBatch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = maxId + i + 1;
      const t = starts[i];
      const svc = services[serviceOf()];
      const camp = CAMPAIGNS[services.indexOf(svc) % CAMPAIGNS.length];
      const code = statusOf();
      const answered = code === 0;
      const ring = 2 + Math.floor(rand() * 18);
      const talk = answered ? Math.floor(20 + -Math.log(1 - rand()) * 160) : code === 7 ? 10 + Math.floor(rand() * 50) : 0;
      const duration = code === 2 || code === 3 ? Math.floor(rand() * 3) : code === 8 ? 15 + Math.floor(rand() * 40) : ring + talk;
      const withheld = rand() < 0.04;
      const place = pick(PLACES);
      const caller = withheld ? null : rand() < 0.55 ? `+614${String(Math.floor(rand() * 1e8)).padStart(8, '0')}` : `${place[2]}${String(Math.floor(rand() * 1e8)).padStart(8, '0')}`;
      const startIso = new Date(t).toISOString();
      const endMs = t + duration * 1000;
      const finalized = new Date(endMs + 2000).toISOString();
      const hasAudio = (answered && rand() < 0.6) || code === 7;
      if (hasAudio) audio++;
      const arrived = newCallRecord({
        unique_id: `TT1-${Math.floor(t / 1000)}.${id}`,
        client_id: SEED_ACCOUNT.clientId,
        service_id: svc.id,
        carrier: 'sandbox',
        carrier_call_id: `SBX${id.toString(36)}${Math.floor(rand() * 1e9).toString(36)}`,
        tracking_number: svc.number,
        tracking_name: svc.name,
        target_number: svc.target_number,
        target_name: svc.target_name,
        caller_number: caller,
        caller_withheld: withheld ? 1 : 0,
        caller_location: withheld ? null : place[0],
        caller_state: withheld ? null : place[1],
        caller_country: withheld ? null : 'AU',
        timezone: SEED_ACCOUNT.timezone,
        started_at: startIso,
        custom_id: svc.custom_id,
        custom_group: svc.custom_group,
        is_test: 0,
        created_at: startIso,
      });
      const row = {
        ...arrived,
        id,
        state: 'finalized',
        answered_at: answered ? new Date(t + ring * 1000).toISOString() : null,
        ended_at: new Date(endMs).toISOString(),
        duration,
        connection_duration: answered ? ring : duration,
        talk_duration: talk,
        status_code: code,
        status: CALL_STATUSES[code as keyof typeof CALL_STATUSES],
        disposition: disposition[code],
        has_audio: hasAudio ? 1 : 0,
        audio_token: hasAudio ? `au${id.toString(36)}${Math.floor(rand() * 1e12).toString(36)}` : null,
        recording_path: hasAudio ? `recordings/${startIso.slice(0, 7)}/${id}.wav` : null,
        recording_duration: hasAudio ? talk : null,
        label: rand() < 0.02 ? pick(LABELS) : null,
        ivr: code === 8 ? pick(['1', '2', '1,3']) : null,
        dni: camp.visit && rand() < 0.7 ? dniJson.get(camp.name)! : null,
        private_reference: null,
        finalized_at: finalized,
        updated_at: finalized,
        feed_csv: null as string | null,
        feed_csv_key: key,
      };
      row.feed_csv = feedCsvLine(row, publicUrl);
      insert.run(row);
      if (rand() < 0.01) {
        notes++;
        insertNote.run(newId('note', t), SEED_ACCOUNT.clientId, id, userId, SEED_USER.username, pick(NOTES), finalized, finalized);
      }
    }
  });
  // Bulk load: the secondary indexes of `calls` are dropped during the inserts and built again after from their own
  // definitions (sqlite_master), so the schema ends exactly as the migrations made it; one sort per index instead of
  // a random B-tree insert per row and index.
  const indexes = db.prepare(`select name, sql from sqlite_master where type = 'index' and tbl_name = 'calls' and sql is not null`).all() as { name: string; sql: string }[];
  for (const ix of indexes) db.exec(`drop index "${ix.name}"`);
  for (let i = 0; i < n; i += batch) {
    insertBatch(i, Math.min(n, i + batch));
    if ((i / batch) % 10 === 9) log(`  ${(i + batch).toLocaleString('en')} calls…`);
  }
  const tIdx = performance.now();
  for (const ix of indexes) db.exec(ix.sql);
  log(`  indexes of calls built again in ${((performance.now() - tIdx) / 1000).toFixed(1)} s`);
  // No ANALYZE: Telltale never runs it, so the planner sees the seeded database as it sees a real one (no sqlite_stat1).
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const tEnd = performance.now();
  const info: SeedInfo = { calls: n, client_id: SEED_ACCOUNT.clientId, username: SEED_USER.username, password: SEED_USER.password, seeded_at: nowIso, public_url: publicUrl };
  fs.writeFileSync(path.join(dataDir, 'seed.json'), JSON.stringify(info, null, 2));
  const s = (tEnd - t0) / 1000;
  log(
    `seeded ${n.toLocaleString('en')} calls (${audio.toLocaleString('en')} with audio, ${notes.toLocaleString('en')} notes) on ${services.length} services in ${s.toFixed(1)} s ` +
      `(app, migrations, account: ${((tApp - t0) / 1000).toFixed(1)} s; calls ${Math.round(n / ((tEnd - tApp) / 1000)).toLocaleString('en')} rows/s incl. the indexes) into ${dataDir}`,
  );
  return info;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node --import tsx bench/support/seed-calls.ts <data-dir> [calls=1000000]');
    process.exit(2);
  }
  await seedCalls(path.resolve(dir), Number(process.argv[3] ?? 1_000_000));
}
