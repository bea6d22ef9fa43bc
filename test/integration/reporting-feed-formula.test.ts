import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, basic, makeAccount, type TestApp } from '../support/app.ts';
import { insertReportCalls } from '../support/report-factory.ts';
import { FEED_CALL_COLUMNS } from '../../src/domain/report/feed-record.ts';
import { feedCsvLine, feedLineKey } from '../../src/domain/report/feed-line.ts';
import { protectCsvLine } from '../../src/domain/report/feed-output.ts';

const DANGEROUS = {
  started_at: '2026-05-26T08:00:00Z',
  custom_id: '=HYPERLINK("http://evil.example/?x","Click me")',
  custom_group: '@SUM(1+1)',
  tracking_name: '-2+3+cmd|\' /C calc\'!A0',
  tracking_notes: '\t=1+1',
  private_reference: '+1',
  features: JSON.stringify([{ name: 'score', value: '-4' }]),
};

for (const dialect of DIALECTS) {
  describe(`CSV feed formula protection: off byte for byte as stored, on neutralised (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let auth: string;
    let ids: number[];
    const feeds: Record<'off' | 'on', string> = { off: '', on: '' };

    before(async () => {
      t = await buildTestApp(dialect);
      auth = (await makeAccount(t.app, 7501)).auth;
      ids = await insertReportCalls(t.app, 7501, [DANGEROUS, { started_at: '2026-05-26T09:00:00Z', custom_id: 'harmless', custom_group: 'a=b' }]);
      // Each call's stored line, as finalization writes it (SQLite's feed copies it; PostgreSQL formats live).
      for (const id of ids) {
        const r = await t.app.storage.db.selectFrom('calls').select([...FEED_CALL_COLUMNS]).where('id', '=', id).executeTakeFirstOrThrow();
        await t.app.storage.db.updateTable('calls').set({ feed_csv: feedCsvLine(r as never, t.config.publicUrl), feed_csv_key: feedLineKey(t.config.publicUrl) }).where('id', '=', id).execute();
      }
      for (const mode of ['off', 'on'] as const) {
        const res = await t.server.inject({
          method: 'POST',
          url: '/webapi/v1/feeds',
          headers: { authorization: auth },
          payload: { auth: 'basic', username: `feed-${mode}`, password: 'feed-password-1', ...(mode === 'on' ? { csv_formula_protection: true } : {}) },
        });
        assert.equal(res.statusCode, 201, res.body);
        assert.equal(res.json().csv_formula_protection, mode === 'on');
        feeds[mode] = res.json().id;
      }
    });
    after(async () => t?.close());

    const csvOf = async (mode: 'off' | 'on') => {
      const res = await t.server.inject({ url: `/feeds/${feeds[mode]}/2026/05.csv`, headers: { authorization: basic(`feed-${mode}`, 'feed-password-1') } });
      assert.equal(res.statusCode, 200, res.body);
      return res.body;
    };
    const storedLines = async () =>
      (await t.app.storage.db.selectFrom('calls').select(['feed_csv']).where('id', 'in', ids).orderBy('started_at').execute()).map((r) => r.feed_csv!);

    it('without the option serves the stored lines byte for byte, formulas and all (the default is unchanged)', async () => {
      const body = await csvOf('off');
      const lines = body.split('\r\n');
      assert.deepEqual(lines.slice(1, -1), await storedLines());
      assert.ok(body.includes(',@SUM(1+1),"=HYPERLINK(""http://evil.example/?x"",""Click me"")",'), body);
    });

    it('with the option neutralises every cell that would run as a formula, and only those', async () => {
      const body = await csvOf('on');
      const [header, first, second, end] = body.split('\r\n');
      assert.equal(end, '');
      assert.equal(header, (await csvOf('off')).split('\r\n')[0]);
      const stored = await storedLines();
      assert.equal(first, protectCsvLine(stored[0]));
      assert.equal(second, protectCsvLine(stored[1]));
      // Hand-written golden cells of the dangerous call.
      for (const cell of [
        `,"'@SUM(1+1)","'=HYPERLINK(""http://evil.example/?x"",""Click me"")","'+1",`,
        `,"'-2+3+cmd|' /C calc'!A0","'\t=1+1",`,
        `,"'+61-0290088888",NSW,7501,`,
        `,"'+61-0289996235",0`,
        `,-4,0,0,0,0,0,0,,,`,
      ]) {
        assert.ok(first.includes(cell), `${JSON.stringify(cell)} in ${JSON.stringify(first)}`);
      }
      assert.doesNotMatch(first, /(^|,)"?[=@]/, 'no cell begins a formula');
      assert.ok(second.includes(',a=b,harmless,'), second);
    });

    it('leaves the JSON and XML feeds of a protected feed as they are', async () => {
      for (const ext of ['json', 'xml']) {
        const on = await t.server.inject({ url: `/feeds/${feeds.on}/2026/05.${ext}`, headers: { authorization: basic('feed-on', 'feed-password-1') } });
        const off = await t.server.inject({ url: `/feeds/${feeds.off}/2026/05.${ext}`, headers: { authorization: basic('feed-off', 'feed-password-1') } });
        assert.equal(on.body, off.body, ext);
      }
    });
  });
}
