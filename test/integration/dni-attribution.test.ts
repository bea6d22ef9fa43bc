import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/domain/clock.ts';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { Receiver } from '../support/receiver.ts';
import { callRow } from '../support/calls.ts';
import { heartbeat, liveServices, trackingCode, visit } from '../support/dni.ts';

const MIN = 60_000;
const TAGS = ['dl:url', 'dl:source', 'dl:medium', 'dl:term', 'dl:campaign', 'dl:location', 'dl:state', 'dl:country', 'web:usercode', 'web:sessioncode', 'web:gclid'];
const LANDING = 'https://shop.example/solar?utm_source=google&utm_medium=cpc&utm_campaign=Spring%202026&utm_term=solar%20panels&gclid=EAIaIQobChMI-abc_def';

for (const dialect of DIALECTS) {
  describe(`DNI attribution of calls (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let receiver: Receiver;
    const clock = new ManualClock('2026-03-10T00:00:00.000Z');
    let pool: { id: string; number: string }[];
    let ruleSvc: { id: string; number: string };
    let plain: { id: string; number: string };
    let code: number;
    let auth: string;
    const callback = () => `${receiver.url}/cb?call=[[callid]]&bnum=[[bparty:e164]]&${TAGS.map((tag) => `${tag.replace(':', '_')}=[[${tag}]]`).join('&')}&ga=[[web:usercode]].[[web:sessioncode]]`;

    before(async () => {
      receiver = await new Receiver().start();
      // A grace window of 10 minutes after a lease (or a last sighting) ends.
      t = await buildTestApp(dialect, { clock, env: { TT_DNI_GRACE_MINUTES: '10' } });
      auth = (await makeAccount(t.app, 5995, { timezone: 'Australia/Sydney' })).auth;
      const fields = { type: 'voicemail', call_callback_uri: callback() };
      pool = await liveServices(t.app, 5995, '+61290001001', 2, fields);
      [ruleSvc] = await liveServices(t.app, 5995, '+61290002001', 1, fields);
      [plain] = await liveServices(t.app, 5995, '+61290009001', 1, fields);
      code = (await trackingCode(t.app, 5995, { pool: pool.map((p) => p.id), rules: [{ when: { utm_source: 'newsletter' }, service_id: ruleSvc.id }], hold_minutes: 30 })).tracking_code;
    });
    after(async () => {
      await t?.close();
      await receiver?.close();
    });

    /** A sandbox call to `to` starting now (virtual), finalized; its HTTP Callback delivered; the received query. */
    async function call(to: string) {
      const before = receiver.requests.length;
      const sim = await t.app.sandbox.placeCall({ to, from: '+61390012300', outcome: 'answered', voicemailSec: 5, startAt: clock.now() });
      assert.deepEqual(sim.errors, []);
      const row = await callRow(t.app, sim.callSid);
      assert.equal(row.state, 'finalized');
      await t.app.worker.drain();
      const i = receiver.requests.findIndex((r, k) => k >= before && new URL(r.url, 'http://x').searchParams.get('call') === String(row.id));
      assert.ok(i >= 0, 'the callback arrived');
      return { row, q: receiver.query(i) };
    }

    it('attributes a call to a leased number to that visit: HTTP Callback tags, WebAPI, getCDR and summary by source', async () => {
      clock.set('2026-03-10T00:00:00.000Z');
      const v = await visit(t.server, { client_id: 5995, tracking_code: code, page_url: 'https://shop.example/contact', landing_url: LANDING, referrer: 'https://www.google.com/', ga_client_id: 'GA1.2.1234567890.1700000000' });
      assert.equal(v.statusCode, 200, v.body);
      const leased = v.json().e164;
      assert.ok(pool.some((p) => p.number === leased));
      clock.advance(5 * MIN);
      const { row, q } = await call(leased);
      assert.equal(q.bnum, leased);
      assert.deepEqual(
        Object.fromEntries(TAGS.map((tag) => [tag, q[tag.replace(':', '_')]])),
        {
          'dl:url': 'https://shop.example/contact',
          'dl:source': 'google',
          'dl:medium': 'cpc',
          'dl:term': 'solar panels',
          'dl:campaign': 'Spring 2026',
          'dl:location': '',
          'dl:state': '',
          'dl:country': '',
          'web:usercode': '1234567890',
          'web:sessioncode': '1700000000',
          'web:gclid': 'EAIaIQobChMI-abc_def',
        },
      );
      assert.equal(q.ga, '1234567890.1700000000');

      const api = await t.server.inject({ url: `/webapi/v1/calls/${row.id}`, headers: { authorization: auth } });
      assert.equal(api.statusCode, 200, api.body);
      const dni = api.json().call.dni;
      assert.equal(dni.attribution, 'lease');
      assert.equal(dni.tracking_code, code);
      assert.equal(dni.visitor_id, v.json().visitor_id);
      assert.equal(dni.landing, LANDING);
      assert.equal(dni.referrer, 'https://www.google.com/');
      assert.equal(dni.ga_client_id, '1234567890.1700000000');

      const cdr = await t.server.inject({ url: '/JSON?action=getCDR&client_id=5995&date_from=2026-03-10&date_to=2026-03-11', headers: { authorization: auth } });
      assert.equal(cdr.statusCode, 200, cdr.body);
      const c = cdr.json().calls.find((x: { id: number }) => Number(x.id) === Number(row.id));
      assert.deepEqual(
        { webSource: c.webSource, webMedium: c.webMedium, webCampagin: c.webCampagin, webKeyword: c.webKeyword, webReferrer: c.webReferrer, webUrl: c.webUrl, webLandning: c.webLandning, IP: c.IP },
        { webSource: 'google', webMedium: 'cpc', webCampagin: 'Spring 2026', webKeyword: 'solar panels', webReferrer: 'https://www.google.com/', webUrl: 'https://shop.example/contact', webLandning: LANDING, IP: '127.0.0.1' },
      );

      const summary = await t.server.inject({ url: '/webapi/v1/reports/summary?from=2026-03-10&to=2026-03-10&group_by=source', headers: { authorization: auth } });
      assert.equal(summary.statusCode, 200, summary.body);
      assert.deepEqual(summary.json().rows.map((r: { group: string; calls: number }) => [r.group, r.calls]), [['google', 1]]);
    });

    it('keeps attributing within the grace window after the lease ends, and not after it', async () => {
      clock.set('2026-03-11T00:00:00.000Z');
      const v = (await visit(t.server, { client_id: 5995, tracking_code: code, page_url: 'https://shop.example/?utm_source=radio' })).json();
      clock.advance(20 * MIN);
      assert.equal((await heartbeat(t.server, { client_id: 5995, tracking_code: code, visitor_id: v.visitor_id })).statusCode, 200);
      // The lease ends 30 minutes after that heartbeat (00:50); the grace window 10 minutes later (01:00).
      clock.set('2026-03-11T00:58:00.000Z');
      const inGrace = await call(v.e164);
      assert.equal(inGrace.q['dl_source'], 'radio');
      clock.set('2026-03-11T01:01:00.000Z');
      const late = await call(v.e164);
      assert.equal(late.q['dl_source'], '');
      assert.equal(late.q['web_gclid'], '');
      assert.deepEqual(JSON.parse(late.row.dni!), { tracking_code: code, attribution: 'unattributed' });
    });

    it('attributes a call to a source-rule number to the latest visit shown it within the window, else leaves it unattributed', async () => {
      clock.set('2026-03-12T00:00:00.000Z');
      await visit(t.server, { client_id: 5995, tracking_code: code, page_url: 'https://shop.example/?utm_source=newsletter&utm_campaign=march' });
      clock.advance(2 * MIN);
      const second = (await visit(t.server, { client_id: 5995, tracking_code: code, page_url: 'https://shop.example/?utm_source=newsletter&utm_campaign=april' })).json();
      assert.equal(second.e164, ruleSvc.number);
      clock.advance(3 * MIN);
      const shared = await call(ruleSvc.number);
      assert.equal(shared.q['dl_campaign'], 'april', 'the latest visit shown the number');
      assert.equal(JSON.parse(shared.row.dni!).attribution, 'shared_number');
      // Last seen at 00:02, window 10 minutes: at 00:13 nobody is shown it any more.
      clock.set('2026-03-12T00:13:00.000Z');
      const none = await call(ruleSvc.number);
      assert.equal(none.q['dl_campaign'], '');
      assert.equal(JSON.parse(none.row.dni!).attribution, 'unattributed');
    });

    it('leaves calls to numbers outside DNI alone', async () => {
      const { row, q } = await call(plain.number);
      assert.equal(row.dni, null);
      assert.equal(q['dl_source'], '');
    });

    it('counts attributed and unattributed calls in the pool report', async () => {
      const r = await t.server.inject({ url: `/userapi/v1/dni/${code}/report?from=2026-03-10T00:00:00Z&to=2026-03-13T00:00:00Z`, headers: { authorization: auth } });
      assert.equal(r.statusCode, 200, r.body);
      const b = r.json();
      assert.equal(b.calls_attributed, 3);
      assert.equal(b.calls_unattributed, 2);
      assert.equal(b.pool_size, 2);
      assert.equal(b.peak_leases, 1);
      assert.equal(b.hours.length, 72);
      assert.equal(b.hours[0].calls_attributed, 1);
    });
  });
}
