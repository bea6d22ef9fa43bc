import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser } from 'fast-xml-parser';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { insertReportCalls, type ReportCallSeed } from '../support/report-factory.ts';
import { ManualClock } from '../../src/domain/clock.ts';

type Acct = Awaited<ReturnType<typeof makeAccount>>;

for (const dialect of DIALECTS) {
  describe(`WebAPI calls and reports (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let a: Acct;
    let b: Acct;
    const ids: Record<string, number> = {};
    const get = (url: string, acct: Acct = a, headers: Record<string, string> = {}) => t.server.inject({ url, headers: { authorization: acct.auth, ...headers } });

    before(async () => {
      t = await buildTestApp(dialect, { clock: new ManualClock('2026-04-20T00:00:00.000Z') });
      a = await makeAccount(t.app, 5995);
      b = await makeAccount(t.app, 6000);
      // Sydney is UTC+11 in March (DST).
      const seeds: Record<string, ReportCallSeed> = {
        beforeMarch: { started_at: '2026-02-28T12:30:00Z' }, // 2026-02-28 23:30 local
        firstOfMarch: { started_at: '2026-02-28T13:30:00Z', status_code: 0, duration: 60 }, // 2026-03-01 00:30 local
        otherTracking: { started_at: '2026-03-02T01:00:00Z', tracking_number: '+61289990000', status_code: 0, duration: 120 },
        withheld: { started_at: '2026-03-03T01:00:00Z', caller_number: null, caller_withheld: 1, status_code: 4 },
        otherCaller: { started_at: '2026-03-04T01:00:00Z', caller_number: '+61412345678', status_code: 2 },
        custom: { started_at: '2026-03-05T01:00:00Z', custom_id: 'ad-7', custom_group: 'spring', status_code: 0, duration: 30 },
        outbound: { started_at: '2026-03-06T01:00:00Z', direction: 'call-out', status_code: 0, duration: 40 },
        audio: { started_at: '2026-03-07T01:00:00Z', unique_id: 'TT1-1772845200.000042', has_audio: 1, audio_token: 'tok123', recording_path: 'recordings/x.wav', status_code: 7 },
        test: { started_at: '2026-03-08T01:00:00Z', is_test: 1 },
        inProgress: { started_at: '2026-03-09T01:00:00Z', state: 'in_progress', status_code: null },
        lastOfMarch: { started_at: '2026-03-31T12:59:59Z', custom_group: 'spring', dni: JSON.stringify({ source: 'google', campaign: 'c1' }) }, // 23:59:59 local (UTC+11)
        firstOfApril: { started_at: '2026-03-31T13:00:00Z' }, // 2026-04-01 00:00 local
      };
      for (const [k, s] of Object.entries(seeds)) ids[k] = (await insertReportCalls(t.app, a.clientId, [s]))[0];
      ids.otherAccount = (await insertReportCalls(t.app, b.clientId, [{ started_at: '2026-03-10T01:00:00Z', custom_id: 'ad-7' }]))[0];
    });
    after(async () => t?.close());

    const listIds = async (query: string, acct: Acct = a) => {
      const res = await get(`/webapi/v1/calls?${query}`, acct);
      assert.equal(res.statusCode, 200, res.body);
      return (res.json().calls as { id: number }[]).map((c) => c.id).sort((x, y) => x - y);
    };
    const sorted = (...keys: string[]) => keys.map((k) => ids[k]).sort((x, y) => x - y);

    it('refuses wrong credentials with 401 on every WebAPI route', async () => {
      for (const url of ['/webapi/v1/calls', `/webapi/v1/calls/${ids.custom}`, '/webapi/v1/reports/summary', '/webapi/v1/feeds']) {
        const res = await t.server.inject({ url, headers: { authorization: basic(a.username, 'wrong-password') } });
        assert.equal(res.statusCode, 401, url);
        assert.equal((await t.server.inject({ url })).statusCode, 401, url);
      }
    });

    it('never shows one account the calls of another', async () => {
      const all = await listIds('limit=1000');
      assert.ok(!all.includes(ids.otherAccount));
      assert.deepEqual(await listIds('limit=1000', b), [ids.otherAccount]);
      assert.equal((await get(`/webapi/v1/calls/${ids.otherAccount}`)).statusCode, 404);
      assert.deepEqual(await listIds('custom_id=ad-7'), [ids.custom]);
    });

    it('does not report calls still in progress', async () => {
      assert.ok(!(await listIds('limit=1000')).includes(ids.inProgress));
      assert.equal((await get(`/webapi/v1/calls/${ids.inProgress}`)).statusCode, 404);
    });

    it('reads the time range in the account time zone (dates inclusive, to = end of that day)', async () => {
      assert.deepEqual(await listIds('from=2026-03-01&to=2026-03-31'), sorted('firstOfMarch', 'otherTracking', 'withheld', 'otherCaller', 'custom', 'outbound', 'audio', 'test', 'lastOfMarch'));
      assert.deepEqual(await listIds('from=2026-04-01'), sorted('firstOfApril'));
      assert.deepEqual(await listIds('to=2026-02-28'), sorted('beforeMarch'));
      assert.deepEqual(await listIds('from=2026-02-28T13:30:00Z&to=2026-03-01 01:00'), sorted('firstOfMarch'));
    });

    it('filters by tracking number in E.164 or +CC-LOCAL', async () => {
      assert.deepEqual(await listIds('tracking_number=%2B61289990000'), sorted('otherTracking'));
      assert.deepEqual(await listIds('tracking_number=%2B61-0289990000'), sorted('otherTracking'));
    });

    it('filters by status name or code, several at once', async () => {
      assert.deepEqual(await listIds('status=Busy'), sorted('otherCaller'));
      assert.deepEqual(await listIds('status=2'), sorted('otherCaller'));
      assert.deepEqual(await listIds('status=abandoned,Voicemail'), sorted('withheld', 'audio'));
    });

    it('filters by caller, Private for withheld callers', async () => {
      assert.deepEqual(await listIds('caller=%2B61412345678'), sorted('otherCaller'));
      assert.deepEqual(await listIds('caller=Private'), sorted('withheld'));
    });

    it('filters by custom_id, custom_group, direction, has_audio and test', async () => {
      assert.deepEqual(await listIds('custom_id=ad-7'), sorted('custom'));
      assert.deepEqual(await listIds('custom_group=spring'), sorted('custom', 'lastOfMarch'));
      assert.deepEqual(await listIds('direction=call-out'), sorted('outbound'));
      assert.deepEqual(await listIds('has_audio=true'), sorted('audio'));
      assert.equal((await listIds('has_audio=false')).includes(ids.audio), false);
      assert.deepEqual(await listIds('test=true'), sorted('test'));
      assert.equal((await listIds('test=false&limit=1000')).includes(ids.test), false);
    });

    it('answers bad filters with a 400 that names the field', async () => {
      const cases: [string, string][] = [
        ['status=Nope', 'status'],
        ['from=yesterday', 'from'],
        ['to=2026-02-31', 'to'],
        ['from=2026-03-02&to=2026-03-01', 'to'],
        ['limit=5000', 'limit'],
        ['limit=0', 'limit'],
        ['fields=id,bogus', 'fields'],
        ['cursor=not-a-cursor', 'cursor'],
        ['caller=12', 'caller'],
        ['direction=sideways', 'direction'],
        ['has_audio=maybe', 'has_audio'],
        ['colour=blue', 'colour'],
      ];
      for (const [q, field] of cases) {
        const res = await get(`/webapi/v1/calls?${q}`);
        assert.equal(res.statusCode, 400, `${q}: ${res.body}`);
        assert.ok(res.json().errors.some((e: { path: string }) => e.path.includes(field)), `${q}: ${res.body}`);
      }
      assert.equal((await get('/webapi/v1/calls/abc')).statusCode, 400);
      assert.equal((await get('/webapi/v1/reports/summary?interval=hour')).statusCode, 400);
    });

    it('pages with an opaque keyset cursor that stays stable while calls are inserted', async () => {
      const fresh = await makeAccount(t.app, 7100);
      const base = Date.parse('2026-03-10T00:00:00Z');
      const original = await insertReportCalls(t.app, fresh.clientId, Array.from({ length: 25 }, (_, i) => ({ started_at: new Date(base + (i % 5) * 60_000).toISOString() })));
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      let lastKey: [string, number] | null = null;
      do {
        const res = await get(`/webapi/v1/calls?limit=7${cursor ? `&cursor=${cursor}` : ''}`, fresh);
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json() as { calls: { id: number; started_at: string }[]; next_cursor: string | null };
        for (const call of body.calls) {
          const key: [string, number] = [call.started_at, call.id];
          if (lastKey) assert.ok(key[0] < lastKey[0] || (key[0] === lastKey[0] && key[1] < lastKey[1]), 'newest first, strictly');
          lastKey = key;
          seen.push(call.id);
        }
        cursor = body.next_cursor;
        if (pages === 0) {
          // Newer calls and calls at the same instants arrive between pages.
          await insertReportCalls(t.app, fresh.clientId, [{ started_at: '2026-03-11T00:00:00Z' }, { started_at: new Date(base).toISOString() }, { started_at: new Date(base + 4 * 60_000).toISOString() }]);
        }
        pages++;
      } while (cursor);
      assert.equal(new Set(seen).size, seen.length, 'no call twice');
      for (const id of original) assert.ok(seen.includes(id), `call ${id} not skipped`);
      assert.ok(pages >= 4);
    });

    it('returns only the fields asked for', async () => {
      const res = await get(`/webapi/v1/calls?fields=id,status,caller_number_local&custom_id=ad-7`);
      assert.deepEqual(res.json().calls, [{ id: ids.custom, status: 'Answered', caller_number_local: '+61-0290088888' }]);
    });

    it('shows one call with every field, numbers in E.164 and +CC-LOCAL, times in UTC and local', async () => {
      const res = await get(`/webapi/v1/calls/${ids.audio}`);
      assert.equal(res.statusCode, 200, res.body);
      // Every field with its value, written out from the seeded row (report-factory defaults plus the overrides above):
      // a 17 s voicemail (code 7) with a recording, E.164 and +CC-LOCAL numbers, UTC and Sydney (UTC+11) times.
      assert.deepEqual(res.json().call, {
        id: ids.audio,
        unique_id: 'TT1-1772845200.000042',
        client_id: 5995,
        service_id: null,
        direction: 'call-in',
        state: 'finalized',
        is_test: false,
        tracking_number: '+61289996235',
        tracking_number_local: '+61-0289996235',
        tracking_name: 'Tracking Service Name',
        tracking_notes: null,
        target_number: '+61289995916',
        target_number_local: '+61-0289995916',
        target_name: 'Target Name',
        caller_number: '+61290088888',
        caller_number_local: '+61-0290088888',
        caller_withheld: false,
        caller_location: 'Sydney',
        caller_state: 'NSW',
        caller_country: 'AU',
        timezone: 'Australia/Sydney',
        started_at: '2026-03-07T01:00:00.000Z',
        started_at_local: '2026-03-07T12:00:00+11:00',
        started_at_unix: 1772845200,
        answered_at: null,
        answered_at_local: null,
        ended_at: '2026-03-07T01:00:17.000Z',
        ended_at_local: '2026-03-07T12:00:17+11:00',
        ended_at_unix: 1772845217,
        duration: 17,
        connection_duration: 1,
        talk_duration: 0,
        status_code: 7,
        status: 'Voicemail',
        disposition: 'NO ANSWER',
        has_audio: true,
        audio_url: `${t.config.publicUrl}/recordings/tok123.wav`,
        recording_duration: null,
        label: null,
        ivr: null,
        features: [],
        custom_id: null,
        custom_group: null,
        private_reference: null,
        dni: {},
        sentiment: {},
        artic: null,
        finalized_at: '2026-03-07T01:00:19.000Z',
        created_at: '2026-03-07T01:00:00.000Z',
        updated_at: '2026-03-07T01:00:19.000Z',
      });
      const withheld = (await get(`/webapi/v1/calls/${ids.withheld}`)).json().call;
      assert.equal(withheld.caller_number, null);
      assert.equal(withheld.caller_number_local, 'Private');
    });

    it('answers XML on Accept: application/xml or format=xml, parsed back by an XML parser', async () => {
      const parser = new XMLParser({ parseTagValue: false });
      for (const [url, headers] of [
        ['/webapi/v1/calls?custom_group=spring', { accept: 'application/xml' }],
        ['/webapi/v1/calls?custom_group=spring&format=xml', {}],
      ] as const) {
        const res = await get(url, a, headers);
        assert.equal(res.statusCode, 200);
        assert.match(res.headers['content-type'] as string, /application\/xml/);
        assert.ok(res.body.startsWith('<?xml version="1.0" encoding="UTF-8"?>'));
        const doc = parser.parse(res.body);
        const calls = doc.response.calls.call;
        assert.equal(calls.length, 2);
        assert.deepEqual(calls.map((x: { id: string }) => Number(x.id)).sort((p: number, q: number) => p - q), sorted('custom', 'lastOfMarch'));
        assert.equal(calls.find((x: { id: string }) => Number(x.id) === ids.lastOfMarch).dni.source, 'google');
      }
      const json = await get('/webapi/v1/calls?custom_group=spring', a, { accept: 'application/json, application/xml;q=0.5' });
      assert.match(json.headers['content-type'] as string, /application\/json/);
    });

    it('summarises by local day, week and month, by status, tracking number and custom group', async () => {
      const day = (await get('/webapi/v1/reports/summary?from=2026-03-01&to=2026-03-01')).json();
      assert.equal(day.rows.length, 1);
      assert.deepEqual({ period: day.rows[0].period, calls: day.rows[0].calls, answered: day.rows[0].answered, total_duration: day.rows[0].total_duration }, { period: '2026-03-01', calls: 1, answered: 1, total_duration: 60 });

      const month = (await get('/webapi/v1/reports/summary?from=2026-02-01&to=2026-04-30&interval=month')).json();
      assert.deepEqual(month.rows.map((r: { period: string; calls: number }) => [r.period, r.calls]), [['2026-02', 1], ['2026-03', 9], ['2026-04', 1]]);
      const march = month.rows[1];
      assert.equal(march.answered, 4);
      assert.equal(march.answered_rate, 0.4444);
      assert.equal(month.totals.calls, 11);

      const byStatus = (await get('/webapi/v1/reports/summary?from=2026-03-01&to=2026-03-31&interval=month&group_by=status')).json();
      const statuses = Object.fromEntries(byStatus.rows.map((r: { group: number; calls: number }) => [r.group, r.calls]));
      assert.deepEqual(statuses, { 0: 4, 1: 2, 2: 1, 4: 1, 7: 1 });
      assert.equal(byStatus.rows.find((r: { group: number }) => r.group === 7).status, 'Voicemail');

      const byTracking = (await get('/webapi/v1/reports/summary?from=2026-03-01&to=2026-03-31&interval=month&group_by=tracking_number&status=Answered')).json();
      assert.deepEqual(byTracking.rows.map((r: { group: string; calls: number; total_duration: number }) => [r.group, r.calls, r.total_duration]), [['+61289990000', 1, 120], ['+61289996235', 3, 130]]);

      const byGroup = (await get('/webapi/v1/reports/summary?from=2026-03-01&to=2026-03-31&interval=week&group_by=custom_group&custom_group=spring')).json();
      assert.deepEqual(byGroup.rows.map((r: { period: string; group: string; calls: number }) => [r.period, r.group, r.calls]), [['2026-03-02', 'spring', 1], ['2026-03-30', 'spring', 1]]);

      const bySource = (await get('/webapi/v1/reports/summary?from=2026-03-31&to=2026-03-31&group_by=source')).json();
      assert.deepEqual(bySource.rows.map((r: { group: string; calls: number }) => [r.group, r.calls]), [['google', 1]]);

      const xml = await get('/webapi/v1/reports/summary?from=2026-03-01&to=2026-03-31&interval=month&format=xml');
      assert.equal(Number(new XMLParser().parse(xml.body).summary.totals.calls), 9);
    });

    it('puts a call on its local day across the Sydney DST change (a 25-hour day)', async () => {
      const dst = await makeAccount(t.app, 7200);
      // 2026-04-05: 03:00 AEDT becomes 02:00 AEST.
      await insertReportCalls(t.app, dst.clientId, [
        { started_at: '2026-04-04T12:59:59Z' }, // 2026-04-04 23:59:59 +11
        { started_at: '2026-04-04T13:30:00Z' }, // 2026-04-05 00:30 +11
        { started_at: '2026-04-04T15:30:00Z' }, // 02:30 +11 (first time)
        { started_at: '2026-04-04T16:30:00Z' }, // 02:30 +10 (second time)
        { started_at: '2026-04-05T13:30:00Z' }, // 2026-04-05 23:30 +10
        { started_at: '2026-04-05T14:00:00Z' }, // 2026-04-06 00:00 +10
      ]);
      const s = (await get('/webapi/v1/reports/summary?from=2026-04-04&to=2026-04-06', dst)).json();
      assert.deepEqual(s.rows.map((r: { period: string; calls: number }) => [r.period, r.calls]), [['2026-04-04', 1], ['2026-04-05', 4], ['2026-04-06', 1]]);
      const list = (await get('/webapi/v1/calls?from=2026-04-05&to=2026-04-05&order=asc&fields=started_at_local', dst)).json();
      assert.deepEqual(list.calls.map((c: { started_at_local: string }) => c.started_at_local), ['2026-04-05T00:30:00+11:00', '2026-04-05T02:30:00+11:00', '2026-04-05T02:30:00+10:00', '2026-04-05T23:30:00+10:00']);
    });

    it('puts a call on its local day in a zone whose offset has minutes (India, +05:30)', async () => {
      const ist = await makeAccount(t.app, 7201, { timezone: 'Asia/Kolkata' });
      await insertReportCalls(t.app, ist.clientId, [
        { started_at: '2026-05-10T18:29:59Z', status_code: 0 }, // 2026-05-10 23:59:59 +05:30
        { started_at: '2026-05-10T18:30:00Z' }, // 2026-05-11 00:00 +05:30
        { started_at: '2026-05-11T18:29:00Z', status_code: 0 }, // 2026-05-11 23:59 +05:30
      ]);
      const s = (await get('/webapi/v1/reports/summary?from=2026-05-10&to=2026-05-11&group_by=status', ist)).json();
      assert.deepEqual(
        s.rows.map((r: { period: string; group: number; calls: number }) => [r.period, r.group, r.calls]),
        [['2026-05-10', 0, 1], ['2026-05-11', 0, 1], ['2026-05-11', 1, 1]],
      );
      assert.equal(s.totals.calls, 3);
    });
  });

  describe(`WebAPI rate limits (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    const clock = new ManualClock('2026-04-20T00:00:10.000Z');
    before(async () => {
      t = await buildTestApp(dialect, { clock, env: { TT_WEBAPI_RATE_LIMIT: '3', TT_WEBAPI_RATE_WINDOW_SECONDS: '60' } });
    });
    after(async () => t?.close());

    it('publishes RateLimit headers and answers 429 with Retry-After once a user spends the budget', async () => {
      const a = await makeAccount(t.app, 8001);
      const b = await makeAccount(t.app, 8002);
      const remaining: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: a.auth } });
        assert.equal(res.statusCode, 200);
        assert.equal(res.headers['ratelimit-limit'], '3');
        assert.equal(res.headers['ratelimit-policy'], '3;w=60');
        remaining.push(res.headers['ratelimit-remaining'] as string);
      }
      assert.deepEqual(remaining, ['2', '1', '0']);
      const limited = await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: a.auth } });
      assert.equal(limited.statusCode, 429);
      assert.equal(limited.json().code, 'rate_limited');
      assert.equal(limited.headers['retry-after'], '50');
      assert.equal(limited.headers['ratelimit-remaining'], '0');
      // Another user has a budget of their own.
      assert.equal((await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: b.auth } })).statusCode, 200);
      clock.advance(50_000);
      assert.equal((await t.server.inject({ url: '/webapi/v1/calls', headers: { authorization: a.auth } })).statusCode, 200);
    });
  });
}
