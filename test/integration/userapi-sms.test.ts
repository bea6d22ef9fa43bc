import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { liveService } from '../support/calls.ts';
import { ManualClock } from '../../src/domain/clock.ts';

const T0 = '2026-03-02T01:00:00.000Z';

for (const dialect of DIALECTS) {
  describe(`received SMS in the UserAPI and the WebAPI (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    const clock = new ManualClock(T0);
    let a: Awaited<ReturnType<typeof makeAccount>>;
    let b: Awaited<ReturnType<typeof makeAccount>>;
    /** message ids of A in the order received */
    const sent: string[] = [];
    let depotServiceId: string;

    const get = (url: string, auth: string | undefined, headers: Record<string, string> = {}) => t.server.inject({ url, headers: { ...(auth ? { authorization: auth } : {}), ...headers } });

    before(async () => {
      t = await buildTestApp(dialect, { clock });
      a = await makeAccount(t.app, 6500);
      b = await makeAccount(t.app, 6600);
      await liveService(t.app, 6500, '+61290006501', { type: 'voicemail', name: 'Shop' } as never);
      depotServiceId = (await liveService(t.app, 6500, '+61290006502', { type: 'voicemail', name: 'Depot' } as never)).id;
      await liveService(t.app, 6600, '+61290006601', { type: 'voicemail', name: 'B' } as never);
      const send = async (to: string, from: string, text: string) => {
        const r = await t.app.sandbox.sendSms({ to, from, text });
        assert.equal(r.status, 200);
        const row = await t.app.callLookup.findSms('sandbox', r.messageSid);
        assert.ok(row);
        return row.id;
      };
      // Received over three local days (Australia/Sydney, UTC+11): 2, 3 and 4 March.
      sent.push(await send('+61290006501', '+61412000001', 'Is the shop open on Sunday?'));
      clock.set('2026-03-03T01:00:00.000Z');
      sent.push(await send('+61290006502', '+61412000002', 'Delivery & pick-up <today>'));
      clock.set('2026-03-04T01:00:00.000Z');
      sent.push(await send('+61290006501', '+61412000003', 'Thanks!'));
      await send('+61290006601', '+61412000004', 'for B only');
    });
    after(async () => t?.close());

    for (const api of ['userapi', 'webapi'] as const) {
      it(`${api}: lists the account’s messages newest first, with from/to/number filters and keyset paging`, async () => {
        const list = async (query: string, auth = a.auth) => {
          const res = await get(`/${api}/v1/sms?${query}`, auth);
          assert.equal(res.statusCode, 200, res.body);
          return res.json() as { messages: { id: string; body: string; to_number: string; from_number: string }[]; next_cursor: string | null; timezone: string };
        };
        const all = await list('');
        assert.deepEqual(all.messages.map((m) => m.id), [...sent].reverse());
        const { service_id: serviceId, ...second } = all.messages[1] as unknown as Record<string, unknown>;
        assert.deepEqual(second, { id: sent[1], received_at: '2026-03-03T01:00:00.000Z', to_number: '+61290006502', from_number: '+61412000002', body: 'Delivery & pick-up <today>', segments: 1, is_test: false });
        assert.equal(serviceId, depotServiceId);
        assert.equal(all.timezone, 'Australia/Sydney');
        assert.deepEqual((await list('number=%2B61290006501')).messages.map((m) => m.id), [sent[2], sent[0]]);
        assert.deepEqual((await list('number=0290006502')).messages.map((m) => m.id), [sent[1]], 'national form');
        assert.deepEqual((await list('from=2026-03-03&to=2026-03-03')).messages.map((m) => m.id), [sent[1]], 'one local day');
        assert.deepEqual((await list('from=2026-03-03&order=asc')).messages.map((m) => m.id), [sent[1], sent[2]]);
        const pages: string[] = [];
        let cursor: string | null = null;
        do {
          const page = await list(`limit=2${cursor ? `&cursor=${cursor}` : ''}`);
          pages.push(...page.messages.map((m) => m.id));
          cursor = page.next_cursor;
        } while (cursor);
        assert.deepEqual(pages, [...sent].reverse());
        assert.deepEqual((await list('', b.auth)).messages.map((m) => m.body), ['for B only'], 'B reads only its own');
        assert.deepEqual((await list('number=%2B61290006501', b.auth)).messages, [], 'not even by A’s number');
        const other = await get(`/${api}/v1/sms?client_id=6500`, b.auth);
        assert.ok([403, 404].includes(other.statusCode), `B choosing A’s account: ${other.statusCode}`);

        for (const [query, field] of [['number=abc', 'number'], ['from=soon', 'from'], ['limit=0', 'limit'], ['cursor=bm9wZQ', 'cursor'], ['order=up', 'order'], ['colour=red', 'colour']]) {
          const res = await get(`/${api}/v1/sms?${query}`, a.auth);
          assert.equal(res.statusCode, 400, query);
          assert.ok((res.json().errors as { path: string }[]).some((e) => e.path === field), `${query}: ${res.body}`);
        }
        const asc = await list('order=asc&limit=1');
        const wrongOrder = await get(`/${api}/v1/sms?cursor=${asc.next_cursor}`, a.auth);
        assert.equal(wrongOrder.statusCode, 400);
        assert.equal((await get(`/${api}/v1/sms`, undefined)).statusCode, 401);
        assert.equal((await get(`/${api}/v1/sms`, basic(a.username, 'wrong'))).statusCode, 401);
      });
    }

    it('webapi: answers XML with format=xml or Accept: application/xml, as the rest of the WebAPI', async () => {
      for (const res of [await get('/webapi/v1/sms?format=xml', a.auth), await get('/webapi/v1/sms', a.auth, { accept: 'application/xml' })]) {
        assert.equal(res.statusCode, 200);
        assert.match(String(res.headers['content-type']), /^application\/xml/);
        assert.match(res.body, /<response>/);
        assert.match(res.body, /Delivery &amp; pick-up &lt;today&gt;/);
      }
    });
  });
}
