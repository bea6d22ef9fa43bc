// The WebAPI's CSV export of the call log (GET /webapi/v1/calls/export): every matching call across internal keyset
// pages, the list's filters, `fields`, local times with a `timezone` column, formula-safe cells, the row cap and its
// header, the download's name; another account's calls never, wrong credentials 401.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { insertReportCalls, reportCallRow } from '../support/report-factory.ts';
import { lockoutOff } from '../support/userapi.ts';
import { DateTime } from 'luxon';

const BULK = 2150;

for (const dialect of DIALECTS) {
  describe(`WebAPI CSV export of calls (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let a: Awaited<ReturnType<typeof makeAccount>>;
    let b: Awaited<ReturnType<typeof makeAccount>>;
    let special: number[];
    const bIds: number[] = [];
    before(async () => {
      t = await buildTestApp(dialect);
      a = await makeAccount(t.app, 8401, { timezone: 'Australia/Perth' });
      b = await makeAccount(t.app, 8402);
      await lockoutOff(t.app, [8401, 8402]);
      // 2,150 calls an hour apart from 2026-01-01 (more than two of the export's internal pages of 1,000); every 10th busy.
      const base = Date.parse('2026-01-01T00:00:00.000Z');
      const rows = Array.from({ length: BULK }, (_, i) =>
        reportCallRow(8401, { started_at: new Date(base + i * 3_600_000).toISOString(), status_code: i % 10 === 0 ? 2 : 0, custom_group: i % 3 === 0 ? 'radio' : 'web', timezone: 'Australia/Perth' }),
      );
      for (let i = 0; i < rows.length; i += 200) await t.app.storage.db.insertInto('calls').values(rows.slice(i, i + 200)).execute();
      special = await insertReportCalls(t.app, 8401, [
        { started_at: '2025-12-31T23:30:00.000Z', status_code: 0, label: '=HYPERLINK("http://evil.example","click")', custom_id: '@SUM(A1)', tracking_name: 'Spring, "Sale"\nRadio', timezone: 'Australia/Perth' },
      ]);
      bIds.push(...(await insertReportCalls(t.app, 8402, [{ started_at: '2026-01-02T00:00:00.000Z' }, { started_at: '2026-01-03T00:00:00.000Z' }])));
    });
    after(async () => t?.close());

    const exportCsv = (query: string, auth = a.auth) => t.server.inject({ url: `/webapi/v1/calls/export${query ? `?${query}` : ''}`, headers: { authorization: auth } });
    const table = (body: string) => parse(body, { bom: true, columns: true }) as Record<string, string>[];

    it('streams every matching call across internal pages, newest first, as a CSV download with a header row', async () => {
      const res = await exportCsv('');
      assert.equal(res.statusCode, 200, res.body.slice(0, 500));
      assert.match(String(res.headers['content-type']), /^text\/csv; charset=utf-8/);
      const today = DateTime.now().setZone('Australia/Perth').toFormat('yyyy-MM-dd');
      assert.equal(res.headers['content-disposition'], `attachment; filename="calls-8401-${today}.csv"`);
      assert.equal(res.headers['x-export-truncated'], 'false');
      assert.equal(res.headers['x-export-limit'], '100000');
      assert.ok(res.body.startsWith('\uFEFFid,unique_id,'), res.body.slice(0, 80));
      assert.ok(res.body.includes('\r\n'));
      const rows = table(res.body);
      assert.equal(rows.length, BULK + 1);
      assert.equal(new Set(rows.map((r) => r.id)).size, BULK + 1);
      const starts = rows.map((r) => Number(r.started_at_unix));
      assert.deepEqual(starts, [...starts].sort((x, y) => y - x), 'newest first');
      assert.ok(!rows.some((r) => bIds.includes(Number(r.id))), 'no call of another account');
      assert.ok(!Object.keys(rows[0]).some((k) => k.endsWith('_at_local')));
      assert.ok(rows.every((r) => r.timezone === 'Australia/Perth' && r.client_id === '8401'));
    });

    it('honours the list’s filters and order, and fields picks the columns (timezone always added)', async () => {
      const busy = table((await exportCsv('status=Busy')).body);
      assert.equal(busy.length, BULK / 10);
      assert.ok(busy.every((r) => r.status === 'Busy' && r.status_code === '2'));
      const radio = table((await exportCsv('custom_group=radio&status=2')).body);
      assert.equal(radio.length, Array.from({ length: BULK }, (_, i) => i).filter((i) => i % 3 === 0 && i % 10 === 0).length);
      // from/to are account time (Perth, +08:00): 2026-01-01 local is 2025-12-31T16:00Z .. 2026-01-01T16:00Z: the special call and hours 0–15.
      const day = table((await exportCsv('from=2026-01-01&to=2026-01-01&order=asc')).body);
      assert.equal(day.length, 17);
      assert.equal(Number(day[0].id), special[0]);
      assert.equal(day[1].started_at, '2026-01-01 08:00:00', 'local wall time in the account zone');
      assert.equal(day[1].started_at_unix, String(Date.parse('2026-01-01T00:00:00Z') / 1000));
      const picked = await exportCsv('fields=id,started_at,status&limit_is_not_a_filter=1');
      assert.equal(picked.statusCode, 400, 'unknown query parameters are refused');
      const cols = await exportCsv('fields=id,started_at,status&status=Busy&order=asc');
      assert.equal(cols.statusCode, 200, cols.body);
      const lines = cols.body.replace(/^\uFEFF/, '').split('\r\n');
      assert.equal(lines[0], 'id,started_at,status,timezone');
      assert.equal(lines[1].split(',')[1], '2026-01-01 08:00:00');
      assert.equal(lines.filter(Boolean).length, 1 + BULK / 10);
    });

    it('quotes what needs quoting and neutralises spreadsheet formulas, keeping plain and E.164 numbers', async () => {
      const rows = table((await exportCsv('from=2026-01-01 07:00&to=2026-01-01 07:59')).body);
      assert.equal(rows.length, 1);
      const r = rows[0];
      assert.equal(r.label, `'=HYPERLINK("http://evil.example","click")`);
      assert.equal(r.custom_id, "'@SUM(A1)");
      assert.equal(r.tracking_name, 'Spring, "Sale"\nRadio');
      assert.equal(r.caller_number, '+61290088888');
      assert.equal(r.caller_number_local, "'+61-0290088888");
      assert.equal(r.duration, '17');
      assert.equal(r.has_audio, 'false');
    });

    it('stops at the row cap and says so in X-Export-Truncated', async () => {
      const reports = t.app.reporting.reports;
      const saved = reports.exportLimits;
      reports.exportLimits = { pageSize: 7, maxRows: 20 };
      try {
        const cut = await exportCsv('status=Busy');
        assert.equal(cut.headers['x-export-truncated'], 'true');
        assert.equal(cut.headers['x-export-limit'], '20');
        const rows = table(cut.body);
        assert.equal(rows.length, 20);
        assert.equal(new Set(rows.map((r) => r.id)).size, 20);
        // Exactly the cap: all of them, not truncated.
        const whole = await exportCsv('status=Busy&from=2026-01-01&to=2026-01-09 07:59');
        assert.equal(table(whole.body).length, 20);
        assert.equal(whole.headers['x-export-truncated'], 'false');
      } finally {
        reports.exportLimits = saved;
      }
    });

    it('answers a header row alone when nothing matches, and bad filters with a 400 naming the field', async () => {
      const none = await exportCsv('from=2030-01-01');
      assert.equal(none.statusCode, 200);
      assert.equal(table(none.body).length, 0);
      assert.ok(none.body.replace(/^\uFEFF/, '').startsWith('id,unique_id,'));
      for (const [q, field] of [['fields=id,nope', 'fields'], ['fields=started_at_local', 'fields'], ['status=Sleeping', 'status'], ['from=yesterday', 'from'], ['order=sideways', 'order'], ['format=xml', 'format'], ['caller=12', 'caller']] as const) {
        const res = await exportCsv(q);
        assert.equal(res.statusCode, 400, `${q}: ${res.body}`);
        assert.ok(res.json().errors.some((e: { path: string }) => e.path.includes(field)), `${q}: ${res.body}`);
      }
    });

    it('exports only the caller’s account: another account’s client_id is refused, and wrong credentials get 401', async () => {
      const mine = table((await exportCsv('', b.auth)).body);
      assert.deepEqual(mine.map((r) => Number(r.id)).sort(), [...bIds].sort());
      const cross = await exportCsv('client_id=8402');
      assert.equal(cross.statusCode, 403, cross.body);
      for (const headers of [{}, { authorization: basic(a.username, 'wrong-password') }, { authorization: 'Bearer ttk_nope' }, { cookie: 'tt_session=tts_nope' }]) {
        const res = await t.server.inject({ url: '/webapi/v1/calls/export', headers });
        assert.equal(res.statusCode, 401, JSON.stringify(headers));
        assert.ok(!res.body.includes('unique_id'));
      }
    });
  });
}
