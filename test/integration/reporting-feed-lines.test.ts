import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import pino from 'pino';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { insertReportCalls } from '../support/report-factory.ts';
import { accountWithUser, callRow, liveService, voicemailWithRecording } from '../support/calls.ts';
import { Receiver } from '../support/receiver.ts';
import { ManualClock } from '../../src/domain/clock.ts';
import { FEED_CALL_COLUMNS, feedRecord } from '../../src/domain/report/feed-record.ts';
import { feedCallFromRow, feedRowFromCall } from '../../src/domain/report/feed-row.ts';
import { feedCsvLine, feedLineKey } from '../../src/domain/report/feed-line.ts';
import { FeedWriter } from '../../src/domain/report/feed-output.ts';
import { streamFeedRows, type FeedLineStats } from '../../src/storage/reporting/feed-stream.repository.ts';
import { createApp } from '../../src/app.ts';
import { buildServer } from '../../src/http/server.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { App } from '../../src/app.ts';

const PUBLIC_URL = 'https://tt.example/base';
const YEAR = { from: '2025-12-31T13:00:00.000Z', to: '2026-12-31T13:00:00.000Z' };

/** Adversarial calls: quoting, line breaks, unicode, empty vs NULL, withheld callers, countries, zones, Sydney DST, audio. */
const SEEDS = [
  { started_at: '2026-05-26T08:00:00Z', tracking_name: 'Smith, "Jones" & <Co>\r\nLine 2', tracking_notes: 'a\nb', custom_id: 'ad,1', custom_group: 'g"1', private_reference: '"', status_code: 0 },
  { started_at: '2026-05-26T08:00:01Z', tracking_name: 'Café ☕ 東京 e\u0301 𝄞', target_name: 'Ünïcødé, "quoted"', caller_location: 'São Paulo', custom_id: '', custom_group: null, private_reference: '' },
  { started_at: '2026-05-26T08:00:02Z', custom_id: null, custom_group: '', tracking_notes: '', target_name: null, target_number: null },
  { started_at: '2026-05-27T01:00:00Z', caller_number: null, caller_withheld: 1, caller_location: null, caller_state: null, caller_country: null, status_code: 4 },
  { started_at: '2026-05-27T01:00:01Z', caller_number: '+61412345678', caller_withheld: 1, status_code: 2 },
  { started_at: '2026-05-28T01:00:00Z', caller_number: '+14155550123', caller_country: 'US', caller_state: 'CA', caller_location: 'San Francisco', timezone: 'America/Los_Angeles' },
  { started_at: '2026-05-28T02:00:00Z', caller_number: '+447700900123', caller_country: 'GB', caller_location: 'London', timezone: 'Europe/London', tracking_number: '+442071234567' },
  { started_at: '2026-05-28T03:00:00Z', caller_number: '+6421123456', caller_country: 'NZ', timezone: 'Pacific/Auckland', target_number: '+6493001234' },
  { started_at: '2026-05-28T04:00:00Z', timezone: 'Asia/Kolkata', duration: 0, status_code: null },
  // Sydney DST ends 2026-04-05 03:00 +11 → 02:00 +10: 02:30 happens twice.
  { started_at: '2026-04-04T15:30:00Z', duration: 3600 }, // 02:30 +11, ends 02:30 +10
  { started_at: '2026-04-04T16:30:00Z' }, // 02:30 +10
  { started_at: '2026-04-04T15:59:59Z', duration: 2 }, // 02:59:59 +11 → 02:00:01 +10
  // Sydney DST starts 2026-10-04 02:00 +10 → 03:00 +11.
  { started_at: '2026-10-03T15:59:30Z', duration: 60 },
  { started_at: '2026-10-03T16:00:00Z' },
  { started_at: '2026-06-01T01:00:00Z', has_audio: 1, audio_token: 'tok/with space&?', status_code: 7, ended_at: null, duration: 45 },
  { started_at: '2026-06-01T01:00:01Z', has_audio: 1, audio_token: 'plainToken123', status_code: 0 },
  { started_at: '2026-06-01T01:00:02Z', has_audio: 1, audio_token: null },
  { started_at: '2026-06-01T01:00:03Z', has_audio: 0, audio_token: 'unused' },
  {
    started_at: '2026-06-02T01:00:00Z',
    features: JSON.stringify([{ name: 'a', value: '3' }, { name: 'b', value: 'x' }, { value: 2.5 }, {}, {}, {}, { value: '-4' }, { name: 'h', value: 'eight, "8"' }, { name: 'i', value: 'line\nbreak' }]),
    status: 'Custom status',
  },
  { started_at: '2026-06-02T01:00:01Z', features: 'not json', unique_id: 'U,"1"' },
];

/** The feed as the object path writes it (feedRecord → FeedWriter.records): independent of FeedCsvBytes and stored lines. */
async function referenceCsv(app: App, clientId: number, publicUrl: string): Promise<string> {
  const rows = await app.storage.db
    .selectFrom('calls')
    .select([...FEED_CALL_COLUMNS])
    .where('client_id', '=', clientId)
    .where('state', '<>', 'in_progress')
    .where('started_at', '>=', YEAR.from)
    .where('started_at', '<', YEAR.to)
    .orderBy('started_at')
    .orderBy('id')
    .execute();
  const w = new FeedWriter('csv', publicUrl);
  return w.head() + w.records(rows.map((r) => feedRecord(feedCallFromRow(feedRowFromCall(r as never)), publicUrl)));
}

/** Stores each call's line as finalization does: computed from the row as stored, written with its key. */
async function storeLines(app: App, ids: number[], publicUrl: string) {
  for (const id of ids) {
    const r = await app.storage.db.selectFrom('calls').select([...FEED_CALL_COLUMNS]).where('id', '=', id).executeTakeFirstOrThrow();
    await app.storage.db.updateTable('calls').set({ feed_csv: feedCsvLine(r as never, publicUrl), feed_csv_key: feedLineKey(publicUrl) }).where('id', '=', id).execute();
  }
}

async function lineOf(app: App, id: number) {
  return app.storage.db.selectFrom('calls').select(['feed_csv', 'feed_csv_key']).where('id', '=', id).executeTakeFirstOrThrow();
}

for (const dialect of DIALECTS) {
  describe(`stored CSV feed lines (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let acct: Awaited<ReturnType<typeof makeAccount>>;
    let feedId: string;
    let ids: number[] = [];
    const sqlite = dialect.name === 'sqlite';

    const feedCsv = async (server = t.server) => {
      const res = await server.inject({ url: `/feeds/${feedId}/2026.csv`, remoteAddress: '127.0.0.1' });
      assert.equal(res.statusCode, 200, res.body);
      return res.body;
    };
    /** How the storage layer would make each record now (SQLite: stored vs live). */
    const stats = async (publicUrl = PUBLIC_URL) => {
      const s: FeedLineStats = { stored: 0, live: 0 };
      for await (const _b of streamFeedRows(t.app.storage, acct.clientId, YEAR, undefined, feedLineKey(publicUrl), s));
      return s;
    };

    before(async () => {
      t = await buildTestApp(dialect, { clock: new ManualClock('2026-11-01T00:00:00.000Z'), env: { TT_PUBLIC_URL: PUBLIC_URL } });
      acct = await makeAccount(t.app, 5995);
      const res = await t.server.inject({ method: 'POST', url: '/webapi/v1/feeds', headers: { authorization: acct.auth }, payload: { auth: 'ip', allow: ['127.0.0.0/8'] } });
      assert.equal(res.statusCode, 201, res.body);
      feedId = res.json().id;
      ids = await insertReportCalls(t.app, acct.clientId, SEEDS as never);
    });
    after(async () => t?.close());

    it('the feed from stored lines is byte for byte the feed formatted live, over adversarial data', async () => {
      const reference = await referenceCsv(t.app, acct.clientId, PUBLIC_URL);
      assert.equal(reference.split('\r\n').length - 2 >= SEEDS.length, true);
      // No stored lines yet: every record formatted live.
      const live = await feedCsv();
      assert.equal(live, reference);
      if (sqlite) assert.deepEqual(await stats(), { stored: 0, live: SEEDS.length });
      await storeLines(t.app, ids, PUBLIC_URL);
      if (sqlite) assert.deepEqual(await stats(), { stored: SEEDS.length, live: 0 });
      const stored = await feedCsv();
      assert.equal(stored, reference);
      // Each stored line is exactly that call's record in the feed.
      for (const id of ids) assert.ok(reference.includes(`\r\n${(await lineOf(t.app, id)).feed_csv}\r\n`), `line of call ${id}`);
      // Half the lines stored, half not: the order and bytes are the same.
      await t.app.storage.db.updateTable('calls').set({ feed_csv_key: 'stale' }).where('id', 'in', ids.filter((_, i) => i % 2 === 0)).execute();
      if (sqlite) assert.deepEqual(await stats(), { stored: SEEDS.length / 2, live: SEEDS.length / 2 });
      assert.equal(await feedCsv(), reference);
      await storeLines(t.app, ids, PUBLIC_URL);
    });

    it('any other change to a row clears its line (trigger); the feed shows the current values', async () => {
      const id = ids[0];
      assert.ok((await lineOf(t.app, id)).feed_csv);
      await t.app.storage.db.updateTable('calls').set({ custom_id: 'changed, "now"' }).where('id', '=', id).execute();
      assert.deepEqual(await lineOf(t.app, id), { feed_csv: null, feed_csv_key: null });
      // A change to columns the feed does not show keeps it (the line is made of FEED_CALL_COLUMNS only).
      const id2 = ids[1];
      const kept = await lineOf(t.app, id2);
      await t.app.storage.db.updateTable('calls').set({ label: 'x', disposition: 'BUSY', recording_path: 'r.wav', updated_at: '2026-11-01T00:00:00.000Z' }).where('id', '=', id2).execute();
      assert.deepEqual(await lineOf(t.app, id2), kept);
      // Rewriting the same line with another change is not a new line: cleared.
      const id3 = ids[2];
      const before3 = await lineOf(t.app, id3);
      await t.app.storage.db.updateTable('calls').set({ feed_csv: before3.feed_csv, tracking_name: 'Renamed' }).where('id', '=', id3).execute();
      assert.deepEqual(await lineOf(t.app, id3), { feed_csv: null, feed_csv_key: null });
      // A change of the call's zone clears it.
      const id4 = ids[9];
      await t.app.storage.db.updateTable('calls').set({ timezone: 'Europe/Berlin' }).where('id', '=', id4).execute();
      assert.deepEqual(await lineOf(t.app, id4), { feed_csv: null, feed_csv_key: null });
      // An update that writes a new line keeps it.
      const id5 = ids[3];
      await t.app.storage.db.updateTable('calls').set({ custom_group: 'new', feed_csv: 'new line', feed_csv_key: 'k' }).where('id', '=', id5).execute();
      assert.deepEqual(await lineOf(t.app, id5), { feed_csv: 'new line', feed_csv_key: 'k' });
      await storeLines(t.app, [id5], PUBLIC_URL);

      const csv = await feedCsv();
      assert.equal(csv, await referenceCsv(t.app, acct.clientId, PUBLIC_URL));
      assert.ok(csv.includes('"changed, ""now"""'));
      assert.ok(csv.includes(',Europe/Berlin,'));
      if (sqlite) assert.deepEqual(await stats(), { stored: SEEDS.length - 3, live: 3 });
      await storeLines(t.app, ids, PUBLIC_URL);
    });

    it('setting any column the line is made of clears it, even to the same value; storing the line again keeps it', async () => {
      const id = ids[6];
      for (const c of FEED_CALL_COLUMNS) {
        if (c === 'id') continue;
        assert.ok((await lineOf(t.app, id)).feed_csv, c);
        await sql`update calls set ${sql.ref(c)} = ${sql.ref(c)} where id = ${id}`.execute(t.app.storage.db);
        assert.deepEqual(await lineOf(t.app, id), { feed_csv: null, feed_csv_key: null }, `${c} did not clear the line`);
        await storeLines(t.app, [id], PUBLIC_URL);
        // The same line stored again (only feed_csv and its key set) is kept.
        await storeLines(t.app, [id], PUBLIC_URL);
      }
      assert.ok((await lineOf(t.app, id)).feed_csv);
    });

    it('lines stored under another public URL (or key) are not served: the feed falls back to live formatting', async () => {
      const other = 'http://other.example:8080';
      if (sqlite) assert.deepEqual(await stats(other), { stored: 0, live: SEEDS.length });
      // A second process on the same database with another TT_PUBLIC_URL.
      const config = loadConfig({ TT_DATA_DIR: t.config.dataDir, TT_DATABASE_URL: t.config.databaseUrl ?? '', TT_PORT: '0', TT_LOG_LEVEL: 'silent', TT_PUBLIC_URL: other });
      const app2 = await createApp(config, { log: pino({ level: 'silent' }) });
      const server2 = await buildServer(app2);
      await server2.ready();
      try {
        const csv = await feedCsv(server2);
        assert.equal(csv, await referenceCsv(t.app, acct.clientId, other));
        assert.ok(csv.includes(`${other}/recordings/plainToken123.wav`));
        assert.ok(!csv.includes(PUBLIC_URL));
      } finally {
        await server2.close();
        await app2.close();
      }
      // And the first process still serves its stored lines.
      assert.equal(await feedCsv(), await referenceCsv(t.app, acct.clientId, PUBLIC_URL));
      if (sqlite) assert.deepEqual(await stats(), { stored: SEEDS.length, live: 0 });
    });

    it('the JSON and XML feeds are unaffected by stored lines', async () => {
      await t.app.storage.db.updateTable('calls').set({ feed_csv: 'garbage', feed_csv_key: feedLineKey(PUBLIC_URL) }).where('id', '=', ids[5]).execute();
      for (const ext of ['json', 'xml']) {
        const res = await t.server.inject({ url: `/feeds/${feedId}/2026.${ext}`, remoteAddress: '127.0.0.1' });
        assert.equal(res.statusCode, 200);
        assert.ok(!res.body.includes('garbage'));
        assert.ok(!res.body.includes('feed_csv'));
      }
      // The WebAPI does not show the stored line either.
      const api = await t.server.inject({ url: `/webapi/v1/calls?from=2026-01-01&to=2026-12-31&limit=100`, headers: { authorization: acct.auth } });
      assert.equal(api.statusCode, 200, api.body);
      assert.ok(!api.body.includes('feed_csv'));
      assert.ok(!api.body.includes('garbage'));
      const one = await t.server.inject({ url: `/webapi/v1/calls/${ids[5]}`, headers: { authorization: acct.auth } });
      assert.ok(!one.body.includes('feed_csv'), one.body);
      await storeLines(t.app, [ids[5]], PUBLIC_URL);
    });
    it('stored lines and the feed equal golden lines written by hand from the seed’s Data Feed record', async () => {
      // Typed out from the seed's standard feed record (avanser-api-services-quick-reference, "Data Feeds"): its fields in
      // its order, its time formats, `+CC-LOCAL` numbers, `Private` for a withheld caller; CSV as RFC 4180 (README).
      // Not produced by any formatter. The first call is the seed's own example record, value for value.
      const calls: [Record<string, unknown>, string][] = [
        [
          { id: 67643772, unique_id: 'ECS8-1590476401.423578', started_at: '2020-05-26T07:00:01Z', duration: 17, connection_duration: 1, talk_duration: 16, status_code: 1 },
          ',1,call-in,17,2020-05-26 17:00:18,0,67643772,0,2020-05-26 17:00:01,0,0,0,0,0,0,0,,,2020-05-26 17:00:01,Missed,1,16,Australia/Sydney,2020-05-26T17:00:18+1000,2020-05-26T17:00:01+1000,1590476418,1590476401,ECS8-1590476401.423578,AU,Sydney,+61-0290088888,NSW,5995,,,,Target Name,+61-0289995916,0,Tracking Service Name,,+61-0289996235,0,,',
        ],
        [
          {
            id: 67643773, unique_id: 'ECS8-1590480000.000001', started_at: '2020-05-26T08:00:00Z', duration: 95, connection_duration: 5, talk_duration: 90, status_code: 0,
            has_audio: 1, audio_token: 'tok123', custom_id: 'ad-7', custom_group: 'spring', caller_number: '+61412345678', caller_location: 'Parramatta',
            features: JSON.stringify([{ name: 'Budget', value: '7' }, { name: 'Size', value: 'large' }, {}, {}, {}, {}, { value: 2.5 }, { name: 'Note', value: 'call back, "today"' }, { name: 'Agent', value: 'Kim' }]),
          },
          'https://tt.example/base/recordings/tok123.wav,5,call-in,95,2020-05-26 18:01:35,1,67643773,0,2020-05-26 18:00:00,7,0,0,0,0,0,2.5,"call back, ""today""",Kim,2020-05-26 18:00:00,Answered,0,90,Australia/Sydney,2020-05-26T18:01:35+1000,2020-05-26T18:00:00+1000,1590480095,1590480000,ECS8-1590480000.000001,AU,Parramatta,+61-0412345678,NSW,5995,spring,ad-7,,Target Name,+61-0289995916,0,Tracking Service Name,,+61-0289996235,0,,',
        ],
        [
          { id: 67643774, unique_id: 'ECS8-1590483600.000002', started_at: '2020-05-26T09:00:00Z', duration: 3, status_code: 4, caller_number: null, caller_withheld: 1, caller_location: null, caller_state: null, caller_country: null },
          ',1,call-in,3,2020-05-26 19:00:03,0,67643774,0,2020-05-26 19:00:00,0,0,0,0,0,0,0,,,2020-05-26 19:00:00,Abandoned,4,0,Australia/Sydney,2020-05-26T19:00:03+1000,2020-05-26T19:00:00+1000,1590483603,1590483600,ECS8-1590483600.000002,,,Private,,5995,,,,Target Name,+61-0289995916,0,Tracking Service Name,,+61-0289996235,0,,',
        ],
        [
          { id: 67643775, unique_id: 'ECS8-1590487200.000003', started_at: '2020-05-26T10:00:00Z', tracking_name: 'Smith, "Jones"\r\nLine 2', tracking_notes: 'a\nb', custom_id: 'ad,1', custom_group: 'g"1', private_reference: '"' },
          ',1,call-in,17,2020-05-26 20:00:17,0,67643775,0,2020-05-26 20:00:00,0,0,0,0,0,0,0,,,2020-05-26 20:00:00,Missed,1,0,Australia/Sydney,2020-05-26T20:00:17+1000,2020-05-26T20:00:00+1000,1590487217,1590487200,ECS8-1590487200.000003,AU,Sydney,+61-0290088888,NSW,5995,"g""1","ad,1","""",Target Name,+61-0289995916,0,"Smith, ""Jones""\r\nLine 2","a\nb",+61-0289996235,0,,',
        ],
        [
          // Stored as given: a combining accent (e + U+0301) stays two code points, no normalisation.
          { id: 67643776, unique_id: 'ECS8-1590490800.000004', started_at: '2020-05-26T11:00:00Z', tracking_name: 'Café ☕ 東京 e\u0301 𝄞', target_name: 'Ünïcødé', caller_location: 'São Paulo', caller_number: '+5511987654321', caller_state: 'SP', caller_country: 'BR' },
          ',1,call-in,17,2020-05-26 21:00:17,0,67643776,0,2020-05-26 21:00:00,0,0,0,0,0,0,0,,,2020-05-26 21:00:00,Missed,1,0,Australia/Sydney,2020-05-26T21:00:17+1000,2020-05-26T21:00:00+1000,1590490817,1590490800,ECS8-1590490800.000004,BR,São Paulo,+55-11987654321,SP,5995,,,,Ünïcødé,+61-0289995916,0,Café ☕ 東京 e\u0301 𝄞,,+61-0289996235,0,,',
        ],
      ];
      const golden = calls.map(([, line]) => line);
      const goldenIds = await insertReportCalls(t.app, acct.clientId, calls.map(([seed]) => seed) as never);
      assert.deepEqual(goldenIds, [67643772, 67643773, 67643774, 67643775, 67643776]);
      const day = async () => {
        const res = await t.server.inject({ url: `/feeds/${feedId}/2020/05/26.csv`, remoteAddress: '127.0.0.1' });
        assert.equal(res.statusCode, 200, res.body);
        return res.rawPayload;
      };
      // The header is the seed record's field names, in its order.
      const header =
        'call_audio_url,call_connection_duration,call_direction,call_duration,call_end_time,call_has_audio,call_id,call_is_artic,call_local_time,' +
        'call_param_01,call_param_02,call_param_03,call_param_04,call_param_05,call_param_06,call_param_07,call_param_08,call_param_09,' +
        'call_start_time,call_status,call_status_code,call_talk_duration,call_timezone,call_tz_end_time,call_tz_start_time,call_u_end_time,' +
        'call_u_start_time,call_unique_id,caller_country,caller_location,caller_number,caller_state,client_id,custom_group,custom_id,' +
        'private_reference,target_name,target_number,tracking_master_id,tracking_name,tracking_notes,tracking_number,tracking_wpc_id,artic_queue,artic_agent';
      const want = Buffer.from([header, ...golden, ''].join('\r\n'), 'utf8');
      // Formatted live (no stored lines yet), then from the stored lines: the same bytes, the golden ones.
      assert.deepEqual((await day()).toString('utf8'), want.toString('utf8'));
      assert.ok((await day()).equals(want), 'UTF-8 bytes');
      await storeLines(t.app, goldenIds, PUBLIC_URL);
      for (const [i, id] of goldenIds.entries()) assert.equal((await lineOf(t.app, id)).feed_csv, golden[i], `stored line of call ${id}`);
      assert.ok((await day()).equals(want), 'the feed from stored lines');
    });
  });

  describe(`stored CSV feed lines through the real call path (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let a: Awaited<ReturnType<typeof accountWithUser>>;
    let feedId: string;
    const clock = new ManualClock(new Date('2026-04-04T15:20:00.000Z'));
    before(async () => {
      t = await buildTestApp(dialect, { clock, env: { TT_CALL_GRACE_SECONDS: '60', TT_PUBLIC_URL: PUBLIC_URL } });
      a = await accountWithUser(t.app, 5100, { timezone: 'Australia/Sydney' });
      await liveService(t.app, 5100, '+61290003001', { type: 'voicemail', prompt_text: 'Leave a message' });
      await liveService(t.app, 5100, '+61290001001', { type: 'transfer', name: 'Ads, "spring"', target_number: '+61299998888', record: true, custom_id: 'ad,1' } as never);
      const res = await t.server.inject({ method: 'POST', url: '/webapi/v1/feeds', headers: { authorization: a.auth }, payload: { auth: 'ip', allow: ['127.0.0.0/8'] } });
      assert.equal(res.statusCode, 201, res.body);
      feedId = res.json().id;
    });
    after(async () => t?.close());

    const feedCsv = async () => {
      const res = await t.server.inject({ url: `/feeds/${feedId}/2026.csv`, remoteAddress: '127.0.0.1' });
      assert.equal(res.statusCode, 200, res.body);
      return res.body;
    };

    it('a call finalized through the sandbox carrier has its line, as the feed writes it', async () => {
      // The sandbox carrier runs on its own virtual clock: started at the app's (manual) time, as other sandbox tests do.
      const sim = await t.app.sandbox.placeCall({ to: '+61290001001', from: '+61733331234', outcome: 'answered', answerAfterSec: 4, talkSec: 30, startAt: clock.now() });
      assert.deepEqual(sim.errors, []);
      const call = await callRow(t.app, sim.callSid);
      assert.equal(call.state, 'finalized');
      const stored = await lineOf(t.app, Number(call.id));
      assert.equal(stored.feed_csv_key, feedLineKey(PUBLIC_URL));
      assert.equal(stored.feed_csv, feedCsvLine(call, PUBLIC_URL));
      // Written by hand from the seed's feed record: answered after 4 s, 30 s of talk, 02:20 on the night Sydney leaves
      // DST (still +1100); the service's name and custom_id quoted (RFC 4180). Only the ids and the token are the call's own.
      assert.equal(call.has_audio, 1, 'the recording was copied');
      assert.equal(
        stored.feed_csv,
        `${PUBLIC_URL}/recordings/${call.audio_token}.wav,4,call-in,34,2026-04-05 02:20:34,1,${call.id},0,2026-04-05 02:20:00,0,0,0,0,0,0,0,,,2026-04-05 02:20:00,Answered,0,30,` +
          `Australia/Sydney,2026-04-05T02:20:34+1100,2026-04-05T02:20:00+1100,1775316034,1775316000,${call.unique_id},AU,Brisbane,+61-0733331234,QLD,5100,,"ad,1",,,` +
          '+61-0299998888,0,"Ads, ""spring""",,+61-0290001001,0,,',
      );
      const csv = await feedCsv();
      assert.equal(csv, await referenceCsv(t.app, a.clientId, PUBLIC_URL));
      assert.ok(csv.split('\r\n').includes(stored.feed_csv!));
    });

    it('late data (a recording copied after the grace window) refreshes the line', async () => {
      const media = await new Receiver().start();
      try {
        media.respond = () => 503;
        const sid = 'CAfeedlate';
        await voicemailWithRecording(t.app, t.config.publicUrl, { callSid: sid, to: '+61290003001', from: '+61290088888', recordingSid: 'RE0000000612345678901234567890cd', mediaUrl: `${media.url}/media/RE3`, seconds: 6 });
        clock.advance(61_000);
        await t.app.worker.drain();
        let call = await callRow(t.app, sid);
        assert.equal(call.state, 'finalized');
        assert.equal(call.has_audio, 0);
        const first = await lineOf(t.app, Number(call.id));
        assert.equal(first.feed_csv, feedCsvLine(call, PUBLIC_URL));
        assert.ok(first.feed_csv!.startsWith(','), 'no audio URL yet');

        media.respond = () => 200;
        clock.advance(120_000);
        await t.app.worker.drain();
        call = await callRow(t.app, sid);
        assert.equal(call.has_audio, 1);
        const second = await lineOf(t.app, Number(call.id));
        assert.equal(second.feed_csv_key, feedLineKey(PUBLIC_URL));
        assert.equal(second.feed_csv, feedCsvLine(call, PUBLIC_URL));
        assert.ok(second.feed_csv!.startsWith(`${PUBLIC_URL}/recordings/${call.audio_token}.wav,`));
        const csv = await feedCsv();
        assert.equal(csv, await referenceCsv(t.app, a.clientId, PUBLIC_URL));
        assert.ok(csv.split('\r\n').includes(second.feed_csv!));

        // A later direct change of the row (custom_id through SQL): the line is cleared, the feed shows the new value.
        await sql`update calls set custom_id = ${'edited'} where id = ${Number(call.id)}`.execute(t.app.storage.db);
        assert.deepEqual(await lineOf(t.app, Number(call.id)), { feed_csv: null, feed_csv_key: null });
        const after = await feedCsv();
        assert.equal(after, await referenceCsv(t.app, a.clientId, PUBLIC_URL));
        assert.ok(after.includes(',edited,'));
      } finally {
        await media.close();
      }
    });
  });
}
