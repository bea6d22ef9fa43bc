import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser } from 'fast-xml-parser';
import { digestAuthorization } from '../support/digest-client.ts';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { insertReportCalls } from '../support/report-factory.ts';
import { ManualClock } from '../../src/domain/clock.ts';
import { main } from '../../src/main.ts';

type Acct = Awaited<ReturnType<typeof makeAccount>>;

// The seed's feed record field names, written out here independently of the code under test.
const SEED_FIELDS = `call_audio_url call_connection_duration call_direction call_duration call_end_time call_has_audio call_id call_is_artic call_local_time
call_param_01 call_param_02 call_param_03 call_param_04 call_param_05 call_param_06 call_param_07 call_param_08 call_param_09 call_start_time call_status
call_status_code call_talk_duration call_timezone call_tz_end_time call_tz_start_time call_u_end_time call_u_start_time call_unique_id caller_country
caller_location caller_number caller_state client_id custom_group custom_id private_reference target_name target_number tracking_master_id tracking_name
tracking_notes tracking_number tracking_wpc_id`.split(/\s+/);
// Then Telltale's call-centre fields (issue #14), after the seed's.
const FIELDS = [...SEED_FIELDS, 'artic_queue', 'artic_agent'];

for (const dialect of DIALECTS) {
  describe(`Data Feeds (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let a: Acct;
    let b: Acct;
    const clock = new ManualClock('2026-04-05T03:00:00.000Z'); // 2026-04-05 13:00 in Sydney
    let basicFeed: { id: string; url: string };
    let digestFeed: { id: string };
    let ipFeed: { id: string };
    let bFeed: { id: string };
    const ids: Record<string, number> = {};
    const basicAuth = basic('feeduser', 'feed-password-1');

    const createFeed = async (acct: Acct, body: Record<string, unknown>) => {
      const res = await t.server.inject({ method: 'POST', url: '/webapi/v1/feeds', headers: { authorization: acct.auth }, payload: body });
      assert.equal(res.statusCode, 201, res.body);
      return res.json();
    };
    const feedGet = (path: string, headers: Record<string, string> = { authorization: basicAuth }, remoteAddress?: string) =>
      t.server.inject({ url: `/feeds/${basicFeed.id}/${path}`, headers, ...(remoteAddress ? { remoteAddress } : {}) });

    before(async () => {
      t = await buildTestApp(dialect, { clock, listen: true });
      a = await makeAccount(t.app, 5995);
      b = await makeAccount(t.app, 6000);
      basicFeed = await createFeed(a, { auth: 'basic', username: 'feeduser', password: 'feed-password-1', name: 'main' });
      digestFeed = await createFeed(a, { auth: 'digest', username: 'digestuser', password: 'digest-password-1' });
      ipFeed = await createFeed(a, { auth: 'ip', allow: ['127.0.0.0/8', '2001:db8::/32'] });
      bFeed = await createFeed(b, { auth: 'basic', username: 'buser', password: 'b-password-1' });
      const seeds = {
        seedExample: { started_at: '2026-05-26T07:00:01Z', unique_id: 'ECS8-1590476401.423578', duration: 17, talk_duration: 16, connection_duration: 1, status_code: 1 },
        tricky: { started_at: '2026-05-26T08:00:00Z', tracking_name: 'Smith, "Jones" & <Co>\nLine 2', custom_id: 'ad,1', custom_group: 'g"1', status_code: 0, features: JSON.stringify([{ name: 'a', value: '3' }, { name: 'b', value: 'x' }, {}, {}, {}, {}, {}, { name: 'h', value: 'eight' }, { name: 'i', value: 9 }]), private_reference: 'PR-1' },
        private: { started_at: '2026-05-27T01:00:00Z', caller_number: null, caller_withheld: 1, status_code: 4, has_audio: 1, audio_token: 'aud1' },
        otherCaller: { started_at: '2026-05-28T01:00:00Z', caller_number: '+61412345678', status_code: 2, custom_id: 'ad-9', custom_group: 'autumn' },
        june: { started_at: '2026-06-01T01:00:00Z' },
        dstEve: { started_at: '2026-04-03T12:59:59Z' }, // 2026-04-03 23:59:59 +11
        dstFirst: { started_at: '2026-04-03T13:30:00Z' }, // 2026-04-04 00:30 +11 (yesterday)
        dstA: { started_at: '2026-04-04T15:30:00Z' }, // 2026-04-05 02:30 +11
        dstB: { started_at: '2026-04-04T16:30:00Z' }, // 2026-04-05 02:30 +10
        dstLast: { started_at: '2026-04-05T13:30:00Z' }, // 2026-04-05 23:30 +10
      };
      for (const [k, s] of Object.entries(seeds)) ids[k] = (await insertReportCalls(t.app, a.clientId, [s]))[0];
      ids.otherAccount = (await insertReportCalls(t.app, b.clientId, [{ started_at: '2026-05-26T09:00:00Z' }]))[0];
    });
    after(async () => t?.close());

    it('serves exactly the seed record fields and formats in JSON', async () => {
      const res = await feedGet('2026/05/26.json');
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.headers['content-type'] as string, /application\/json/);
      const recs = JSON.parse(res.body) as Record<string, unknown>[];
      assert.equal(recs.length, 2);
      for (const r of recs) assert.deepEqual(Object.keys(r).sort(), [...FIELDS].sort());
      const r = recs[0];
      assert.deepEqual(
        { ...r, call_id: 0 },
        {
          call_audio_url: '', call_connection_duration: 1, call_direction: 'call-in', call_duration: 17, call_end_time: '2026-05-26 17:00:18', call_has_audio: 0,
          call_id: 0, call_is_artic: 0, call_local_time: '2026-05-26 17:00:01', call_param_01: 0, call_param_02: 0, call_param_03: 0, call_param_04: 0,
          call_param_05: 0, call_param_06: 0, call_param_07: 0, call_param_08: '', call_param_09: '', call_start_time: '2026-05-26 17:00:01', call_status: 'Missed',
          call_status_code: 1, call_talk_duration: 16, call_timezone: 'Australia/Sydney', call_tz_end_time: '2026-05-26T17:00:18+1000',
          call_tz_start_time: '2026-05-26T17:00:01+1000', call_u_end_time: 1779778818, call_u_start_time: 1779778801, call_unique_id: 'ECS8-1590476401.423578',
          caller_country: 'AU', caller_location: 'Sydney', caller_number: '+61-0290088888', caller_state: 'NSW', client_id: 5995, custom_group: '', custom_id: '',
          private_reference: null, target_name: 'Target Name', target_number: '+61-0289995916', tracking_master_id: 0, tracking_name: 'Tracking Service Name',
          tracking_notes: '', tracking_number: '+61-0289996235', tracking_wpc_id: 0, artic_queue: '', artic_agent: '',
        },
      );
      assert.equal(r.call_id, ids.seedExample);
      assert.equal(recs[1].call_param_01, 3);
      assert.equal(recs[1].call_param_02, 0);
      assert.equal(recs[1].call_param_08, 'eight');
      assert.equal(recs[1].call_param_09, '9');
      assert.equal(recs[1].private_reference, 'PR-1');
    });

    it('serves RFC 4180 CSV that csv-parse reads back field for field', async () => {
      const json = JSON.parse((await feedGet('2026/05.json')).body) as Record<string, unknown>[];
      const res = await feedGet('2026/05.csv');
      assert.equal(res.statusCode, 200);
      assert.match(res.headers['content-type'] as string, /text\/csv/);
      assert.ok(res.body.includes('\r\n'));
      const rows = parseCsv(res.body, { columns: true }) as Record<string, string>[];
      assert.deepEqual(Object.keys(rows[0]), FIELDS);
      assert.equal(rows.length, json.length);
      rows.forEach((row, i) => {
        for (const f of FIELDS) assert.equal(row[f], json[i][f] === null ? '' : String(json[i][f]), `${f} of row ${i}`);
      });
      assert.equal(rows[1].tracking_name, 'Smith, "Jones" & <Co>\nLine 2');
    });

    it('serves well-formed XML with a declaration that an XML parser reads back', async () => {
      const json = JSON.parse((await feedGet('2026/05.json')).body) as Record<string, unknown>[];
      const res = await feedGet('2026/05.xml');
      assert.equal(res.statusCode, 200);
      assert.ok(res.body.startsWith('<?xml version="1.0" encoding="UTF-8"?>'));
      const doc = new XMLParser({ parseTagValue: false, ignoreDeclaration: false }).parse(res.body);
      const calls = doc.calls.call as Record<string, string>[];
      assert.equal(calls.length, json.length);
      calls.forEach((c, i) => {
        for (const f of FIELDS) assert.equal(c[f], json[i][f] === null ? '' : String(json[i][f]), `${f} of call ${i}`);
      });
    });

    it('organises by year, month and day in the account zone, and latest is yesterday and today', async () => {
      const idsOf = async (p: string) => (JSON.parse((await feedGet(p)).body) as { call_id: number }[]).map((r) => r.call_id);
      assert.deepEqual(await idsOf('2026/05.json'), [ids.seedExample, ids.tricky, ids.private, ids.otherCaller]);
      assert.deepEqual(await idsOf('2026/06.json'), [ids.june]);
      assert.equal((await idsOf('2026.json')).length, 10);
      assert.deepEqual(await idsOf('2025.json'), []);
      // 2026-04-05 has 25 hours in Sydney; 02:30 happens twice.
      assert.deepEqual(await idsOf('2026/04/05.json'), [ids.dstA, ids.dstB, ids.dstLast]);
      assert.deepEqual(await idsOf('2026/04/03.json'), [ids.dstEve]);
      const day = JSON.parse((await feedGet('2026/04/05.json')).body) as Record<string, string>[];
      assert.deepEqual(day.map((r) => r.call_tz_start_time), ['2026-04-05T02:30:00+1100', '2026-04-05T02:30:00+1000', '2026-04-05T23:30:00+1000']);
      // The clock says 2026-04-05 13:00 in Sydney.
      assert.deepEqual(await idsOf('latest.json'), [ids.dstFirst, ids.dstA, ids.dstB, ids.dstLast]);
      assert.equal((await feedGet('2026/13.json')).statusCode, 400);
      assert.equal((await feedGet('2026/02/30.json')).statusCode, 400);
      assert.equal((await feedGet('2026/05.pdf')).statusCode, 404);
    });

    it('filters by caller_number, call_status, custom_id and custom_group', async () => {
      const idsOf = async (q: string) => {
        const res = await feedGet(`2026/05.json?${q}`);
        assert.equal(res.statusCode, 200, res.body);
        return (JSON.parse(res.body) as { call_id: number }[]).map((r) => r.call_id);
      };
      assert.deepEqual(await idsOf('caller_number=%2B61-0412345678'), [ids.otherCaller]);
      assert.deepEqual(await idsOf('caller_number=Private'), [ids.private]);
      assert.deepEqual(await idsOf('call_status=Missed'), [ids.seedExample]);
      assert.deepEqual(await idsOf('call_status=0,4'), [ids.tricky, ids.private]);
      assert.deepEqual(await idsOf('custom_id=ad-9'), [ids.otherCaller]);
      assert.deepEqual(await idsOf('custom_group=g%221'), [ids.tricky]);
      for (const [q, field] of [['call_status=Nope', 'call_status'], ['caller_number=123', 'caller_number'], ['colour=red', 'colour']]) {
        const res = await feedGet(`2026/05.json?${q}`);
        assert.equal(res.statusCode, 400, q);
        assert.ok(res.body.includes(field), res.body);
      }
    });

    it('answers 304 to If-None-Match and If-Modified-Since until a matching call changes', async () => {
      const first = await feedGet('2026/05.csv');
      const etag = first.headers.etag as string;
      const lastModified = first.headers['last-modified'] as string;
      assert.ok(etag && lastModified);
      assert.equal((await feedGet('2026/05.csv', { authorization: basicAuth, 'if-none-match': etag })).statusCode, 304);
      assert.equal((await feedGet('2026/05.csv', { authorization: basicAuth, 'if-modified-since': lastModified })).statusCode, 304);
      assert.equal((await feedGet('2026/05.json', { authorization: basicAuth, 'if-none-match': etag })).statusCode, 200, 'another format has another ETag');
      assert.equal((await feedGet('2026/05.csv?custom_id=ad-9', { authorization: basicAuth, 'if-none-match': etag })).statusCode, 200, 'another filter has another ETag');
      // A call in another month leaves May's ETag alone; one in May changes it.
      await insertReportCalls(t.app, a.clientId, [{ started_at: '2026-07-01T01:00:00Z' }]);
      assert.equal((await feedGet('2026/05.csv', { authorization: basicAuth, 'if-none-match': etag })).statusCode, 304);
      await insertReportCalls(t.app, a.clientId, [{ started_at: '2026-05-30T01:00:00Z', updated_at: '2026-05-30T01:00:20Z' }]);
      const changed = await feedGet('2026/05.csv', { authorization: basicAuth, 'if-none-match': etag });
      assert.equal(changed.statusCode, 200);
      assert.notEqual(changed.headers.etag, etag);
      // A call updated later (say its recording arrived) changes Last-Modified.
      await t.app.storage.db.updateTable('calls').set({ updated_at: '2026-06-10T00:00:00.000Z', has_audio: 1 }).where('id', '=', ids.otherCaller).execute();
      const later = await feedGet('2026/05.csv', { authorization: basicAuth, 'if-modified-since': lastModified });
      assert.equal(later.statusCode, 200);
      assert.equal(later.headers['last-modified'], new Date('2026-06-10T00:00:00Z').toUTCString());
    });

    it('refuses a Basic feed without, or with wrong, credentials and never serves another account', async () => {
      const none = await feedGet('2026/05.json', {});
      assert.equal(none.statusCode, 401);
      assert.match(none.headers['www-authenticate'] as string, /^Basic realm=/);
      assert.equal((await feedGet('2026/05.json', { authorization: basic('feeduser', 'wrong-password') })).statusCode, 401);
      assert.equal((await feedGet('2026/05.json', { authorization: basic('buser', 'b-password-1') })).statusCode, 401, "B's feed credentials do not open A's feed");
      assert.equal((await feedGet('2026/05.json', { authorization: a.auth })).statusCode, 401, 'portal credentials are not feed credentials');
      const bRes = await t.server.inject({ url: `/feeds/${bFeed.id}/2026/05.json`, headers: { authorization: basic('buser', 'b-password-1') } });
      assert.deepEqual((JSON.parse(bRes.body) as { call_id: number }[]).map((r) => r.call_id), [ids.otherAccount]);
      assert.equal((await t.server.inject({ url: `/feeds/feed_00000000000000000000zz/2026.json`, headers: { authorization: basicAuth } })).statusCode, 404);
      // Feed management is per account too.
      assert.equal((await t.server.inject({ url: `/webapi/v1/feeds/${basicFeed.id}`, headers: { authorization: b.auth } })).statusCode, 404);
      const list = (await t.server.inject({ url: '/webapi/v1/feeds', headers: { authorization: b.auth } })).json();
      assert.deepEqual(list.feeds.map((f: { id: string }) => f.id), [bFeed.id]);
    });

    it('serves an IP allow-list feed to allowed addresses only', async () => {
      const ok = await t.server.inject({ url: `/feeds/${ipFeed.id}/2026/06.json`, remoteAddress: '127.0.0.1' });
      assert.equal(ok.statusCode, 200);
      assert.equal((await t.server.inject({ url: `/feeds/${ipFeed.id}/2026/06.json`, remoteAddress: '2001:db8::5' })).statusCode, 200);
      const refused = await t.server.inject({ url: `/feeds/${ipFeed.id}/2026/06.json`, remoteAddress: '10.1.2.3' });
      assert.equal(refused.statusCode, 403);
      assert.match(refused.json().detail, /10\.1\.2\.3/);
    });

    it('authenticates HTTP Digest (RFC 7616, qop=auth, SHA-256 and MD5) and refuses wrong, replayed and stale answers', async () => {
      const uri = `/feeds/${digestFeed.id}/2026/05.json?custom_id=ad-9`;
      const challenge = await t.server.inject({ url: uri });
      assert.equal(challenge.statusCode, 401);
      const challenges = ([] as string[]).concat(challenge.headers['www-authenticate'] as string | string[]);
      assert.equal(challenges.length, 2);
      assert.match(challenges[0], /^Digest realm="Telltale feeds", qop="auth", algorithm=SHA-256, nonce="[^"]+"/);
      assert.match(challenges[1], /algorithm=MD5/);
      for (const ch of challenges) {
        const auth = digestAuthorization(ch, { username: 'digestuser', password: 'digest-password-1', method: 'GET', uri });
        const ok = await t.server.inject({ url: uri, headers: { authorization: auth } });
        assert.equal(ok.statusCode, 200, ok.body);
        assert.deepEqual((JSON.parse(ok.body) as { call_id: number }[]).map((r) => r.call_id), [ids.otherCaller]);
        assert.equal((await t.server.inject({ url: uri, headers: { authorization: auth } })).statusCode, 401, 'replayed nc');
      }
      const cnonce = 'fixedcnonce';
      const wrong = digestAuthorization(challenges[0], { username: 'digestuser', password: 'not-the-password', method: 'GET', uri, cnonce });
      assert.equal((await t.server.inject({ url: uri, headers: { authorization: wrong } })).statusCode, 401);
      const otherUri = digestAuthorization(challenges[0], { username: 'digestuser', password: 'digest-password-1', method: 'GET', uri: `/feeds/${digestFeed.id}/2026.json`, cnonce, nc: 5 });
      assert.equal((await t.server.inject({ url: uri, headers: { authorization: otherUri } })).statusCode, 401, 'uri must match the request');
      assert.equal((await t.server.inject({ url: uri, headers: { authorization: basic('digestuser', 'digest-password-1') } })).statusCode, 401, 'Basic is not accepted on a Digest feed');
      clock.advance(10 * 60_000);
      const stale = await t.server.inject({ url: uri, headers: { authorization: digestAuthorization(challenges[0], { username: 'digestuser', password: 'digest-password-1', method: 'GET', uri, nc: 9 }) } });
      assert.equal(stale.statusCode, 401);
      assert.match(([] as string[]).concat(stale.headers['www-authenticate'] as string)[0], /stale=true/);
      clock.advance(-10 * 60_000);
    });

    it('works with curl --digest, an independent Digest client', { skip: fs.existsSync('/usr/bin/curl') ? false : 'curl is not installed' }, async () => {
      const { stdout } = await promisify(execFile)('curl', ['-sS', '--fail', '--digest', '-u', 'digestuser:digest-password-1', `${t.url}/feeds/${digestFeed.id}/2026/06.csv`]);
      const rows = parseCsv(stdout, { columns: true }) as Record<string, string>[];
      assert.deepEqual(rows.map((r) => Number(r.call_id)), [ids.june]);
    });

    it('streams a feed larger than one database batch in order', async () => {
      const c = await makeAccount(t.app, 7300);
      const feed = await createFeed(c, { auth: 'ip', allow: ['127.0.0.1'] });
      const base = Date.parse('2026-08-01T00:00:00Z');
      await t.app.storage.db.transaction().execute(async (tx) => {
        await insertReportCalls(t.app, c.clientId, Array.from({ length: 4500 }, (_, i) => ({ started_at: new Date(base + i * 1000).toISOString() })), tx);
      });
      const res = await t.server.inject({ url: `/feeds/${feed.id}/2026/08.csv` });
      const rows = parseCsv(res.body, { columns: true }) as Record<string, string>[];
      assert.equal(rows.length, 4500);
      for (let i = 1; i < rows.length; i++) assert.ok(Number(rows[i].call_u_start_time) > Number(rows[i - 1].call_u_start_time));
    });

    it('creates feeds from the CLI, whose --json line gives the id and url', async () => {
      const env = { TT_DATA_DIR: t.config.dataDir, TT_DATABASE_URL: t.config.databaseUrl ?? '', TT_LOG_LEVEL: 'silent', TT_PUBLIC_URL: t.config.publicUrl };
      const lines: string[] = [];
      const orig = console.log;
      console.log = (s: string) => lines.push(s);
      let code: number;
      try {
        code = await main(['feed', 'create', '--client-id', '5995', '--auth', 'digest', '--username', 'cliuser', '--password', 'cli-password-1', '--json'], env);
      } finally {
        console.log = orig;
      }
      assert.equal(code, 0);
      const out = JSON.parse(lines[0]) as { id: string; url: string; auth: string };
      assert.match(out.id, /^feed_/);
      assert.equal(out.url, `${t.config.publicUrl}/feeds/${out.id}/latest.json`);
      assert.equal(out.auth, 'digest');
      const errs: string[] = [];
      const origErr = console.error;
      console.error = (s: string) => errs.push(s);
      try {
        assert.equal(await main(['feed', 'create', '--client-id', '5995', '--auth', 'ip'], env), 1);
      } finally {
        console.error = origErr;
      }
      assert.match(errs.join('\n'), /allow/);
    });

    it('validates feed creation with 400s that name the field', async () => {
      for (const [body, field] of [
        [{ auth: 'basic', username: 'u' }, 'password'],
        [{ auth: 'ip' }, 'allow'],
        [{ auth: 'ip', allow: ['300.1.1.1/8'] }, 'allow[0]'],
        [{ auth: 'magic' }, 'auth'],
        [{ auth: 'ip', allow: ['127.0.0.1'], upload: { kind: 'sftp', target: 'ftp://x', time: '06:00' } }, 'upload.target'],
        [{ auth: 'ip', allow: ['127.0.0.1'], upload: { kind: 'folder', target: '/tmp/x', time: '25:00' } }, 'upload.time'],
      ] as const) {
        const res = await t.server.inject({ method: 'POST', url: '/webapi/v1/feeds', headers: { authorization: a.auth }, payload: body });
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        assert.ok(res.json().errors.some((e: { path: string }) => e.path === field || e.path.startsWith(field)), `${field}: ${res.body}`);
      }
    });
  });
}
