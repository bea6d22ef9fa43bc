import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/domain/clock.ts';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { heartbeat, liveServices, trackingCode, visit } from '../support/dni.ts';

const MIN = 60_000;

for (const dialect of DIALECTS) {
  describe(`DNI visits and leases (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    const clock = new ManualClock('2026-03-02T01:00:00.000Z');
    let pool: { id: string; number: string }[];
    let rule: { id: string; number: string };
    let fallback: { id: string; number: string };
    let poolCode: number;
    let lockedCode: number;
    before(async () => {
      t = await buildTestApp(dialect, { clock });
      await makeAccount(t.app, 5995);
      await makeAccount(t.app, 6001);
      pool = await liveServices(t.app, 5995, '+61290001001', 3);
      [rule] = await liveServices(t.app, 5995, '+61290002001', 1);
      [fallback] = await liveServices(t.app, 5995, '+61290003001', 1);
      const c = await trackingCode(t.app, 5995, { pool: pool.map((p) => p.id), rules: [{ when: { utm_source: 'google', gclid: true }, service_id: rule.id }], hold_minutes: 30, cooldown_minutes: 5 });
      poolCode = c.tracking_code;
      const locked = await trackingCode(t.app, 5995, { origins: ['https://shop.example', 'https://*.brand.example'], fallback_service_id: fallback.id });
      lockedCode = locked.tracking_code;
    });
    after(async () => t?.close());

    it('leases a pool number to a new visitor and answers the contract fields with CORS for the page origin', async () => {
      const r = await visit(t.server, { client_id: 5995, tracking_code: String(poolCode), page_url: 'https://shop.example/solar?utm_source=facebook' });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.headers['access-control-allow-origin'], 'https://shop.example');
      assert.match(String(r.headers.vary), /origin/i);
      const b = r.json();
      assert.match(b.visitor_id, /^v_[A-Za-z0-9_-]{8,}$/);
      assert.equal(b.tracking_code, poolCode);
      assert.equal(b.is_default, false);
      assert.equal(b.e164, pool[0].number);
      assert.equal(b.number, '0290001001');
      assert.equal(b.text, '02 9000 1001');
      assert.deepEqual(b.replace, ['+61401020304']);
      assert.equal(b.heartbeat_seconds, 60);
      assert.equal(b.cookie_days, 90);
      assert.equal(b.lease_expires_at, new Date(clock.now().getTime() + 30 * MIN).toISOString());
    });

    it('accepts application/json too, and gives a source rule’s number before the pool', async () => {
      const r = await t.server.inject({
        method: 'POST',
        url: '/dni/v1/visit',
        headers: { 'content-type': 'application/json', origin: 'https://shop.example' },
        payload: { client_id: '5995', tracking_code: poolCode, page_url: 'https://shop.example/p', landing_url: 'https://shop.example/?utm_source=Google&gclid=abc', referrer: 'https://www.google.com/' },
      });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().e164, rule.number);
      assert.equal(r.json().lease_expires_at, null);
      assert.equal(r.json().is_default, false);
    });

    it('keeps a returning visitor on its number, extends the lease by heartbeat, then lets it go after hold + cool-down', async () => {
      clock.set('2026-03-02T02:00:00.000Z');
      const first = (await visit(t.server, { client_id: 5995, tracking_code: poolCode })).json();
      const again = (await visit(t.server, { client_id: 5995, tracking_code: poolCode, visitor_id: first.visitor_id, page_url: 'https://shop.example/contact' })).json();
      assert.equal(again.visitor_id, first.visitor_id);
      assert.equal(again.e164, first.e164, 'same number for the returning visitor');
      clock.advance(20 * MIN);
      const hb = await heartbeat(t.server, { client_id: 5995, tracking_code: poolCode, visitor_id: first.visitor_id });
      assert.equal(hb.statusCode, 200, hb.body);
      assert.equal(hb.headers['access-control-allow-origin'], 'https://shop.example');
      assert.equal(hb.json().e164, first.e164);
      assert.equal(hb.json().lease_expires_at, new Date(clock.now().getTime() + 30 * MIN).toISOString());
      // 31 minutes after the heartbeat: the hold has passed, the cool-down has not; a newcomer cannot have it.
      clock.advance(31 * MIN);
      const held = await Promise.all([1, 2, 3].map(() => visit(t.server, { client_id: 5995, tracking_code: poolCode })));
      const numbers = held.map((h) => h.json().e164);
      assert.ok(!numbers.includes(first.e164), `in cool-down: ${numbers}`);
      // The heartbeat of the lapsed visitor still takes it back: nobody has taken it since.
      const back = await heartbeat(t.server, { client_id: 5995, tracking_code: poolCode, visitor_id: first.visitor_id });
      assert.equal(back.statusCode, 200, back.body);
      assert.equal(back.json().e164, first.e164);
    });

    it('falls back to the business number when the pool is exhausted, and a number freed after hold + cool-down goes to the next visitor', async () => {
      clock.set('2026-03-03T00:00:00.000Z');
      // Everything from before has lapsed by a day: three visitors take the three numbers, the fourth gets the default.
      const got = [];
      for (let i = 0; i < 4; i++) got.push((await visit(t.server, { client_id: 5995, tracking_code: poolCode })).json());
      assert.deepEqual(got.slice(0, 3).map((g) => g.e164).sort(), pool.map((p) => p.number).sort());
      assert.equal(got[3].is_default, true);
      assert.equal(got[3].e164, '+61401020304');
      assert.equal(got[3].number, '0401020304');
      assert.equal(got[3].lease_expires_at, null);
      // Two visitors keep theirs alive; the third stops. Hold (30) + cool-down (5) later, its number is free again.
      clock.advance(25 * MIN);
      for (const g of got.slice(0, 2)) assert.equal((await heartbeat(t.server, { client_id: 5995, tracking_code: poolCode, visitor_id: g.visitor_id })).statusCode, 200);
      clock.advance(10 * MIN + 1000);
      const next = (await visit(t.server, { client_id: 5995, tracking_code: poolCode })).json();
      assert.equal(next.e164, got[2].e164, 'the lapsed number, after its cool-down');
      // …and now the lapsed visitor's heartbeat is refused: its number went to someone else.
      const lost = await heartbeat(t.server, { client_id: 5995, tracking_code: poolCode, visitor_id: got[2].visitor_id });
      assert.equal(lost.statusCode, 404);
      assert.equal(lost.json().code, 'not_found');
      assert.equal(lost.headers['access-control-allow-origin'], 'https://shop.example', 'the script can read the 404');
      // No number is ever held by two visitors at once: one row per number.
      const rows = await t.app.storage.db.selectFrom('dni_pool_numbers').select(['number', 'visitor_id']).execute();
      assert.equal(new Set(rows.map((r) => r.visitor_id)).size, rows.length);
    });

    it('gives the fallback service when nothing matches and there is no pool; allows listed origins and wildcard subdomains', async () => {
      for (const origin of ['https://shop.example', 'https://www.brand.example']) {
        const r = await visit(t.server, { client_id: 5995, tracking_code: lockedCode, page_url: `${origin}/` }, { origin });
        assert.equal(r.statusCode, 200, r.body);
        assert.equal(r.headers['access-control-allow-origin'], origin);
        assert.equal(r.json().e164, fallback.number);
        assert.equal(r.json().is_default, false);
      }
    });

    it('refuses a disallowed origin with 403 and no allow-origin header', async () => {
      for (const origin of ['https://evil.example', 'http://shop.example', 'https://brand.example']) {
        const r = await visit(t.server, { client_id: 5995, tracking_code: lockedCode }, { origin });
        assert.equal(r.statusCode, 403, origin);
        assert.equal(r.json().code, 'forbidden');
        assert.equal(r.headers['access-control-allow-origin'], undefined);
      }
    });

    it('answers 404 for an unknown tracking code, and for a client_id that does not own it', async () => {
      const unknown = await visit(t.server, { client_id: 5995, tracking_code: 999 });
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().code, 'not_found');
      const wrong = await visit(t.server, { client_id: 6001, tracking_code: poolCode });
      assert.equal(wrong.statusCode, 404);
      const hb = await heartbeat(t.server, { client_id: 6001, tracking_code: poolCode, visitor_id: 'v_abcdefghijkl' });
      assert.equal(hb.statusCode, 404);
      const unknownVisitor = await heartbeat(t.server, { client_id: 5995, tracking_code: poolCode, visitor_id: 'v_neverissued1' });
      assert.equal(unknownVisitor.statusCode, 404);
    });

    it('answers malformed payloads with 400 naming the field, and oversized bodies with 413', async () => {
      const send = (payload: string, type = 'text/plain;charset=UTF-8') => t.server.inject({ method: 'POST', url: '/dni/v1/visit', headers: { 'content-type': type, origin: 'https://shop.example' }, payload });
      const notJson = await send('{"client_id": 5995,');
      assert.equal(notJson.statusCode, 400);
      assert.equal(notJson.json().code, 'validation_failed');
      const cases: [Record<string, unknown>, string][] = [
        [{ tracking_code: poolCode, page_url: 'https://shop.example/' }, 'client_id'],
        [{ client_id: 'abc', tracking_code: poolCode, page_url: 'https://shop.example/' }, 'client_id'],
        [{ client_id: 5995, tracking_code: -1, page_url: 'https://shop.example/' }, 'tracking_code'],
        [{ client_id: 5995, tracking_code: poolCode }, 'page_url'],
        [{ client_id: 5995, tracking_code: poolCode, page_url: 'javascript:alert(1)' }, 'page_url'],
        [{ client_id: 5995, tracking_code: poolCode, page_url: 'https://shop.example/', referrer: 'not a url' }, 'referrer'],
        [{ client_id: 5995, tracking_code: poolCode, page_url: 'https://shop.example/', visitor_id: 'forged' }, 'visitor_id'],
        [{ client_id: 5995, tracking_code: poolCode, page_url: `https://shop.example/${'x'.repeat(2100)}` }, 'page_url'],
        [{ client_id: 5995, tracking_code: poolCode, page_url: 'https://shop.example/', ga_client_id: 'x'.repeat(101) }, 'ga_client_id'],
      ];
      for (const [body, field] of cases) {
        const r = await send(JSON.stringify(body));
        assert.equal(r.statusCode, 400, `${JSON.stringify(body).slice(0, 80)}: ${r.body}`);
        assert.ok(r.json().errors.some((e: { path: string }) => e.path.startsWith(field)), `${field}: ${r.body}`);
      }
      const big = await send(JSON.stringify({ client_id: 5995, tracking_code: poolCode, page_url: 'https://shop.example/', numbers: ['x'], pad: 'y'.repeat(9000) }));
      assert.equal(big.statusCode, 413);
      const hbBad = await t.server.inject({ method: 'POST', url: '/dni/v1/heartbeat', headers: { 'content-type': 'text/plain', origin: 'https://shop.example' }, payload: JSON.stringify({ client_id: 5995, tracking_code: poolCode }) });
      assert.equal(hbBad.statusCode, 400);
      assert.ok(hbBad.json().errors.some((e: { path: string }) => e.path === 'visitor_id'));
    });

    it('answers CORS preflights', async () => {
      for (const url of ['/dni/v1/visit', '/dni/v1/heartbeat']) {
        const r = await t.server.inject({ method: 'OPTIONS', url, headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
        assert.equal(r.statusCode, 204);
        assert.equal(r.headers['access-control-allow-origin'], 'https://shop.example');
        assert.match(String(r.headers['access-control-allow-methods']), /POST/);
        assert.match(String(r.headers['access-control-allow-headers']), /content-type/);
      }
    });

    it('records the visit: utm_*, gclid, GA client id parts, referrer, user agent and IP', async () => {
      clock.set('2026-03-04T00:00:00.000Z');
      const r = await visit(t.server, {
        client_id: 5995,
        tracking_code: poolCode,
        page_url: 'https://shop.example/checkout',
        landing_url: 'https://shop.example/solar?utm_source=bing&utm_medium=cpc&utm_campaign=Spring%202026&utm_term=solar%20panels&utm_content=ad1&gclid=G-1',
        referrer: 'https://www.bing.com/search?q=solar',
        ga_client_id: 'GA1.2.1234567890.1700000000',
      });
      const row = await t.app.storage.db.selectFrom('dni_visits').selectAll().where('visitor_id', '=', r.json().visitor_id).executeTakeFirstOrThrow();
      assert.equal(row.kind, 'pool');
      const d = JSON.parse(row.data);
      assert.deepEqual(
        { url: d.url, landing: d.landing, source: d.source, medium: d.medium, campaign: d.campaign, term: d.term, content: d.content, gclid: d.gclid, usercode: d.usercode, sessioncode: d.sessioncode, ga: d.ga_client_id, ua: d.user_agent, ip: d.ip, location: d.location },
        { url: 'https://shop.example/checkout', landing: 'https://shop.example/solar?utm_source=bing&utm_medium=cpc&utm_campaign=Spring%202026&utm_term=solar%20panels&utm_content=ad1&gclid=G-1', source: 'bing', medium: 'cpc', campaign: 'Spring 2026', term: 'solar panels', content: 'ad1', gclid: 'G-1', usercode: '1234567890', sessioncode: '1700000000', ga: '1234567890.1700000000', ua: 'Mozilla/5.0 test', ip: '127.0.0.1', location: null },
      );
    });
  });

  describe(`DNI leasing is atomic: 200 visitors at once on a pool of 20 (${dialect.name})`, { skip: dialect.skip }, () => {
    it('ends with exactly 20 leases on 20 distinct numbers and 180 fallbacks', async () => {
      const t = await buildTestApp(dialect, { listen: true });
      try {
        await makeAccount(t.app, 7700);
        const pool = await liveServices(t.app, 7700, '+61291000100', 20);
        const code = await trackingCode(t.app, 7700, { pool: pool.map((p) => p.id) });
        const answers = await Promise.all(
          Array.from({ length: 200 }, () =>
            fetch(`${t.url}/dni/v1/visit`, { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://shop.example' }, body: JSON.stringify({ client_id: 7700, tracking_code: code.tracking_code, visitor_id: null, page_url: 'https://shop.example/' }) }).then(async (r) => ({ status: r.status, body: await r.json() })),
          ),
        );
        assert.ok(answers.every((a) => a.status === 200), JSON.stringify(answers.find((a) => a.status !== 200)));
        const leased = answers.filter((a) => !a.body.is_default);
        assert.equal(leased.length, 20);
        assert.deepEqual([...new Set(leased.map((a) => a.body.e164))].sort(), pool.map((p) => p.number).sort());
        assert.equal(answers.filter((a) => a.body.is_default).length, 180);
        const rows = await t.app.storage.db.selectFrom('dni_pool_numbers').select(['visitor_id']).execute();
        assert.equal(new Set(rows.map((r) => r.visitor_id)).size, 20);
        const fell = await t.app.storage.db.selectFrom('dni_visits').select('id').where('fell_back', '=', 1).execute();
        assert.equal(fell.length, 180);
      } finally {
        await t.close();
      }
    });
  });
}
