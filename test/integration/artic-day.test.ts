import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { CallCentre } from '../support/call-centre.ts';
import { ManualClock } from '../../src/domain/clock.ts';

const START = '2026-03-02T09:00:00.000Z';
const S = Date.parse(START);
const CLIENT = 9500;

/**
 * A scripted day on the sandbox, on virtual time (seconds from 09:00 UTC, a Monday; the queues' zone is UTC):
 *
 * Teams Sales (Ann, Bob) and Support (Cat, Dan). Queue Sales: longest idle, ring 10 s, maximum wait 60 s then the
 * Support queue, wrap-up 10 s, service level 20 s, short abandon 5 s. Queue Support: maximum wait 30 s then voicemail,
 * no wrap-up, service level 15 s. A menu: 1 Sales, 2 a second menu whose 1 is Support. Phones: Ann answers after 2 s,
 * Bob after 4 s, Cat after 3 s, Dan never. Everyone logs in at 0. Holds redirect every second (poll 1 s).
 *
 *  t     what happens (the journal it writes)
 *  10    C1 → Sales: Ann (idle as long as Bob, created first) rings 2 s: CONNECT 12 (hold 2); talks 60, the caller hangs up: COMPLETECALLER 72; Ann wraps up to 82
 *  20    C2 → Sales: Bob rings 4 s: CONNECT 24 (hold 4); talks 30, Bob hangs up: COMPLETEAGENT 54; Bob wraps up to 64
 *  30    C3 → Sales: nobody free; holds; at 64 Bob is free: offered, CONNECT 68 (hold 38); talks 20: COMPLETECALLER 88; wrap-up to 98
 *  40    C4 → Sales (position 2) hangs up after 3 s: ABANDON 43 (wait 3: a short abandon)
 *  45    C5 → Sales (position 2) hangs up after 20 s (C3 took Bob at 64): ABANDON 65 (wait 20)
 *  100   C6 → Sales: Ann (idle since 72) before Bob (since 88): CONNECT 102 (hold 2); talks 10: COMPLETECALLER 112; wrap-up to 122…
 *  105   Bob pauses (lunch)
 *  118   Ann logs off: her wrap-up ends after 6 s of 10
 *  120   C7 → Sales: only Bob logged in, paused; after 60 s: EXITWITHTIMEOUT 180 → Support: ENTERQUEUE 180, Cat (idle as long as Dan, created first): CONNECT 183 (hold 3); talks 25: COMPLETECALLER 208
 *  200   C8 → Support: Dan rings 10 s: RINGNOANSWER 210; then Cat (free since 208): CONNECT 213 (hold 13); talks 40, Cat hangs up: COMPLETEAGENT 253
 *  300   Bob unpauses (195 s of lunch); 310 Dan logs off; 320 Cat pauses (training)
 *  330   C9 → Support: only Cat, paused: EXITWITHTIMEOUT 360 (wait 30) → voicemail, no message
 *  400   Cat logs off (UNPAUSE after 80 s of training, AGENTLOGOFF)
 *  410   C10 → Support: nobody logged in: ENTERQUEUE and EXITEMPTY 410 → voicemail
 *  500   C11 → the menu, presses 2 then 1 (prompts 3 s and 2 s, a second per digit): Support at 507, nobody logged in: EXITEMPTY
 *  3590  C12 → Sales (09:59:50): Bob: CONNECT 3594 (hold 4); talks 30: COMPLETECALLER 3624 (10:00:24), wrap-up to 3634
 *  3700  Bob logs off
 */
function script(cc: CallCentre, n: { sales: string; support: string; menu: string }) {
  cc.phones = { '+61400009501': { outcome: 'answered', answer_after: 2 }, '+61400009502': { outcome: 'answered', answer_after: 4 }, '+61400009503': { outcome: 'answered', answer_after: 3 }, '+61400009504': { outcome: 'no-answer' } };
  for (const a of ['Ann', 'Bob', 'Cat', 'Dan']) cc.action(0, a, 'login');
  const caller = (i: number) => `+613900095${String(i).padStart(2, '0')}`;
  cc.call(10, { to: n.sales, from: caller(1), talk: 60, hangs_up: 'caller' });
  cc.call(20, { to: n.sales, from: caller(2), talk: 30, hangs_up: 'agent' });
  cc.call(30, { to: n.sales, from: caller(3), talk: 20, hangs_up: 'caller' });
  cc.call(40, { to: n.sales, from: caller(4), hang_up_after: 3 });
  cc.call(45, { to: n.sales, from: caller(5), hang_up_after: 20 });
  cc.call(100, { to: n.sales, from: caller(6), talk: 10, hangs_up: 'caller' });
  cc.action(105, 'Bob', 'pause', 'lunch');
  cc.action(118, 'Ann', 'logout');
  cc.call(120, { to: n.sales, from: caller(7), talk: 25, hangs_up: 'caller' });
  cc.call(200, { to: n.support, from: caller(8), talk: 40, hangs_up: 'agent' });
  cc.action(300, 'Bob', 'unpause');
  cc.action(310, 'Dan', 'logout');
  cc.action(320, 'Cat', 'pause', 'training');
  cc.call(330, { to: n.support, from: caller(9) });
  cc.action(400, 'Cat', 'logout');
  cc.call(410, { to: n.support, from: caller(10) });
  cc.call(500, { to: n.menu, from: caller(11), digits: '21' });
  cc.call(3590, { to: n.sales, from: caller(12), talk: 30, hangs_up: 'caller' });
  cc.action(3700, 'Bob', 'logout');
}

/** The journal as `second event agent data…`, by time. */
const EXPECTED_JOURNAL = [
  '0 AGENTLOGIN Ann', '0 AGENTLOGIN Bob', '0 AGENTLOGIN Cat', '0 AGENTLOGIN Dan',
  '10 ENTERQUEUE - Sales', '12 CONNECT Ann Sales 2', '20 ENTERQUEUE - Sales', '24 CONNECT Bob Sales 4', '30 ENTERQUEUE - Sales',
  '40 ENTERQUEUE - Sales', '43 ABANDON - Sales 2|2|3', '45 ENTERQUEUE - Sales', '54 COMPLETEAGENT Bob Sales 4|30|1|10',
  '65 ABANDON - Sales 1|2|20', '68 CONNECT Bob Sales 38', '72 COMPLETECALLER Ann Sales 2|60|1|10', '88 COMPLETECALLER Bob Sales 38|20|1|10',
  '100 ENTERQUEUE - Sales', '102 CONNECT Ann Sales 2', '105 PAUSE Bob lunch', '112 COMPLETECALLER Ann Sales 2|10|1|10', '118 AGENTLOGOFF Ann +61400009501|118',
  '120 ENTERQUEUE - Sales', '180 EXITWITHTIMEOUT - Sales 1|1|60|queue:Support', '180 ENTERQUEUE - Support', '183 CONNECT Cat Support 3',
  '200 ENTERQUEUE - Support', '208 COMPLETECALLER Cat Support 3|25|1|0', '210 RINGNOANSWER Dan Support 10000', '213 CONNECT Cat Support 13', '253 COMPLETEAGENT Cat Support 13|40|1|0',
  '300 UNPAUSE Bob lunch|195', '310 AGENTLOGOFF Dan +61400009504|310', '320 PAUSE Cat training',
  '330 ENTERQUEUE - Support', '360 EXITWITHTIMEOUT - Support 1|1|30|voicemail', '400 UNPAUSE Cat training|80', '400 AGENTLOGOFF Cat +61400009503|400',
  '410 ENTERQUEUE - Support', '410 EXITEMPTY - Support 1|1|0|voicemail', '507 ENTERQUEUE - Support', '507 EXITEMPTY - Support 1|1|0|voicemail',
  '3590 ENTERQUEUE - Sales', '3594 CONNECT Bob Sales 4', '3624 COMPLETECALLER Bob Sales 4|30|1|10', '3700 AGENTLOGOFF Bob +61400009502|3700',
];

for (const dialect of DIALECTS) {
  describe(`ARTIC: a scripted call-centre day (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let auth: string;
    const names = new Map<string, string>();
    before(async () => {
      const clock = new ManualClock('2026-03-02T08:00:00.000Z');
      t = await buildTestApp(dialect, { clock });
      const acct = await makeAccount(t.app, CLIENT);
      auth = acct.auth;
      const cc = new CallCentre(t.app, clock, CLIENT);
      const sales = await cc.team('Sales');
      const support = await cc.team('Support');
      names.set(sales, 'Sales');
      names.set(support, 'Support');
      for (const [i, [name, team]] of ([['Ann', sales], ['Bob', sales], ['Cat', support], ['Dan', support]] as const).entries()) names.set(await cc.agent(name, `+6140000950${i + 1}`, [team]), name);
      const qSupport = await cc.queue('Support', [support], { ring_time_sec: 10, max_wait_sec: 30, wrapup_sec: 0, service_level_sec: 15, short_abandon_sec: 5, poll_sec: 1, announce_position: false, overflow: { kind: 'voicemail' } });
      const qSales = await cc.queue('Sales', [sales], { ring_time_sec: 10, max_wait_sec: 60, wrapup_sec: 10, service_level_sec: 20, short_abandon_sec: 5, poll_sec: 1, announce_position: false, overflow: { kind: 'queue', queue_id: qSupport } });
      names.set(qSales, 'Sales');
      names.set(qSupport, 'Support');
      const sub = await cc.menu('Support menu', { prompt_text: 'Press 1 for support.', options: [{ digit: '1', name: 'Support', action: 'queue', queue_id: qSupport }] });
      const top = await cc.menu('Main menu', {
        prompt_text: 'Press 1 for sales, 2 for support.',
        options: [
          { digit: '1', name: 'Sales', action: 'queue', queue_id: qSales },
          { digit: '2', name: 'Support', action: 'menu', menu_id: sub },
        ],
      });
      const numbers = { sales: await cc.number('+61290009501', { artic_queue_id: qSales }), support: await cc.number('+61290009502', { artic_queue_id: qSupport }), menu: await cc.number('+61290009503', { artic_menu_id: top }) };
      clock.set(START);
      script(cc, numbers);
      const run = await cc.run();
      assert.deepEqual(run.refused, []);
      if (process.env.TRACE_DAY) for (const c of run.calls) console.log(c.trace.join('\n'));
      await t.app.worker.drain();
    });
    after(() => t?.close());

    it('writes the journal the script implies, event by event', async () => {
      const rows = await t.app.storage.db.selectFrom('artic_journal').selectAll().where('client_id', '=', CLIENT).orderBy('at_ms').orderBy('id').execute();
      const line = (r: (typeof rows)[number]) => {
        const at = (Number(r.at_ms) - S) / 1000;
        const who = r.agent_id === 'NONE' ? '-' : names.get(r.agent_id);
        if (r.queue_id === 'NONE') return r.event === 'AGENTLOGIN' ? `${at} AGENTLOGIN ${who}` : r.event === 'PAUSE' ? `${at} PAUSE ${who} ${r.data1}` : `${at} ${r.event} ${who} ${r.data1}|${r.data2}`;
        const data = r.event === 'ENTERQUEUE' ? '' : r.event === 'CONNECT' ? ` ${r.data1}` : ` ${[r.data1, r.data2, r.data3, r.data4.replace(/^queue:(.+)$/, (_m, id: string) => `queue:${names.get(id)}`)].join('|').replace(/\|+$/, '')}`;
        return `${at} ${r.event} ${who} ${names.get(r.queue_id)}${data}`;
      };
      // Events of one instant from concurrent requests (the four log-ins at 0) may commit in any order: compare per instant.
      const byInstant = (xs: string[]) => [...xs].sort((a, b) => Number(a.split(' ')[0]) - Number(b.split(' ')[0]) || (a < b ? -1 : a > b ? 1 : 0));
      assert.deepEqual(byInstant(rows.map(line)), byInstant(EXPECTED_JOURNAL));
      // Within one request the order is the journal's own: the overflow leaves Sales before it enters Support.
      const at180 = rows.map(line).filter((l) => l.startsWith('180 '));
      assert.deepEqual(at180, ['180 EXITWITHTIMEOUT - Sales 1|1|60|queue:Support', '180 ENTERQUEUE - Support']);
    });

    const historical = async (group: string, interval = 'day') => {
      const r = await t.server.inject({ url: `/artic/v1/reports/historical?from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z&interval=${interval}&group=${group}`, headers: { authorization: auth } });
      assert.equal(r.statusCode, 200, r.body);
      return r.json() as { rows: (Record<string, unknown> & { id: string; period_start: string })[]; totals: (Record<string, unknown> & { id: string })[]; all: Record<string, unknown> };
    };
    /** Rates come rounded to 4 decimals. */
    const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
    const pick = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));
    const byName = <T extends { id: string }>(list: T[], name: string) => list.find((x) => names.get(x.id) === name)!;
    const QUEUE_KEYS = ['offered', 'answered', 'answered_within_sl', 'abandoned', 'abandoned_short', 'abandoned_long', 'overflowed', 'overflowed_to_team', 'service_level', 'service_level_completed', 'abandon_rate', 'asa', 'longest_wait', 'avg_talk', 'avg_wrapup', 'avg_handle'];
    const AGENT_KEYS = ['answered', 'missed_offers', 'login_sec', 'pause_sec', 'pauses', 'talk_sec', 'wrapup_sec', 'occupancy'];

    it('gives every historical queue metric the script implies (by hand, in the comments)', async () => {
      const r = await historical('queue');
      // Sales: C1–C7 and C12 entered (8); answered C1, C2, C3, C6, C12 with holds 2, 4, 38, 2, 4 (Σ 50) and talks 60, 30,
      // 20, 10, 30 (Σ 150); within 20 s: all but C3 (4); abandoned C4 (3 s, short) and C5 (20 s); C7 overflowed after 60 s.
      // Wrap-ups 10, 10, 10, 6 (C6: Ann logged off), 10: Σ 46.
      assert.deepEqual(pick(byName(r.totals, 'Sales'), QUEUE_KEYS), {
        offered: 8, answered: 5, answered_within_sl: 4, abandoned: 2, abandoned_short: 1, abandoned_long: 1, overflowed: 1, overflowed_to_team: 0,
        service_level: r4(4 / 7), service_level_completed: r4(4 / 5), abandon_rate: r4(1 / 7), asa: 10, longest_wait: 60, avg_talk: 30, avg_wrapup: 9.2, avg_handle: 39.2,
      });
      // Support: C7 (at 180), C8, C9, C10, C11 entered (5); answered C7 (hold 3, talk 25) and C8 (hold 13, talk 40), both
      // within 15 s; C9 overflowed after 30 s, C10 and C11 found nobody logged in; no wrap-up.
      assert.deepEqual(pick(byName(r.totals, 'Support'), QUEUE_KEYS), {
        offered: 5, answered: 2, answered_within_sl: 2, abandoned: 0, abandoned_short: 0, abandoned_long: 0, overflowed: 3, overflowed_to_team: 0,
        service_level: r4(2 / 5), service_level_completed: 1, abandon_rate: 0, asa: 8, longest_wait: 30, avg_talk: 32.5, avg_wrapup: 0, avg_handle: 32.5,
      });
    });

    it('gives every historical agent and team metric the script implies', async () => {
      const r = await historical('agent');
      // Ann: logged in 0–118; C1 and C6 (talk 70, wrap 10 + 6). Bob: 0–3700, lunch 105–300; C2, C3, C12 (talk 80, wrap
      // 30). Cat: 0–400, training 320–400; C7 and C8 (talk 65). Dan: 0–310; missed C8's first offer.
      assert.deepEqual(pick(byName(r.totals, 'Ann'), AGENT_KEYS), { answered: 2, missed_offers: 0, login_sec: 118, pause_sec: 0, pauses: [], talk_sec: 70, wrapup_sec: 16, occupancy: r4(86 / 118) });
      assert.deepEqual(pick(byName(r.totals, 'Bob'), AGENT_KEYS), { answered: 3, missed_offers: 0, login_sec: 3700, pause_sec: 195, pauses: [{ reason: 'lunch', sec: 195 }], talk_sec: 80, wrapup_sec: 30, occupancy: r4(110 / 3505) });
      assert.deepEqual(pick(byName(r.totals, 'Cat'), AGENT_KEYS), { answered: 2, missed_offers: 0, login_sec: 400, pause_sec: 80, pauses: [{ reason: 'training', sec: 80 }], talk_sec: 65, wrapup_sec: 0, occupancy: r4(65 / 320) });
      assert.deepEqual(pick(byName(r.totals, 'Dan'), AGENT_KEYS), { answered: 0, missed_offers: 1, login_sec: 310, pause_sec: 0, pauses: [], talk_sec: 0, wrapup_sec: 0, occupancy: 0 });
      const teams = await historical('team');
      assert.deepEqual(pick(byName(teams.totals, 'Sales'), ['answered', 'missed_offers', 'login_sec', 'pause_sec', 'talk_sec', 'wrapup_sec']), { answered: 5, missed_offers: 0, login_sec: 3818, pause_sec: 195, talk_sec: 150, wrapup_sec: 46 });
      assert.deepEqual(pick(byName(teams.totals, 'Support'), ['answered', 'missed_offers', 'login_sec', 'pause_sec', 'talk_sec', 'wrapup_sec']), { answered: 2, missed_offers: 1, login_sec: 710, pause_sec: 80, talk_sec: 65, wrapup_sec: 0 });
    });

    it('slices agent time by hour and buckets calls by their entry: C12 entered at 09:59:50 and talked into 10:00', async () => {
      const r = await historical('agent', 'hour');
      const bob = r.rows.filter((x) => names.get(x.id) === 'Bob');
      const at = (iso: string) => bob.find((x) => Date.parse(x.period_start) === Date.parse(iso))!;
      // 09:00–10:00: logged in 3600 s, lunch 195 s, talks 30 + 20 + 6 (C12 from 3594), wrap-ups 10 + 10; three calls answered.
      assert.deepEqual(pick(at('2026-03-02T09:00:00Z'), ['answered', 'login_sec', 'pause_sec', 'talk_sec', 'wrapup_sec']), { answered: 3, login_sec: 3600, pause_sec: 195, talk_sec: 56, wrapup_sec: 20 });
      // 10:00–: logged in 100 s (to 3700), talks 24, wraps up 10; no call entered then.
      assert.deepEqual(pick(at('2026-03-02T10:00:00Z'), ['answered', 'login_sec', 'pause_sec', 'talk_sec', 'wrapup_sec']), { answered: 0, login_sec: 100, pause_sec: 0, talk_sec: 24, wrapup_sec: 10 });
      const q = await historical('queue', 'hour');
      const sales = q.rows.filter((x) => names.get(x.id) === 'Sales');
      assert.deepEqual(sales.map((x) => [x.period_start, x.offered]), [['2026-03-02T09:00:00.000Z', 8]]);
    });

    it('records each call: ARTIC, its queue, agent and outcome; the menu call’s IVR digits', async () => {
      const calls = await t.app.storage.db.selectFrom('calls').select(['caller_number', 'status', 'state', 'artic', 'ivr', 'target_name', 'talk_duration']).where('client_id', '=', CLIENT).orderBy('started_at').execute();
      assert.equal(calls.length, 12);
      assert.ok(calls.every((c) => c.state === 'finalized' && c.artic), 'every call finalized, every one an ARTIC call');
      const by = (i: number) => calls.find((c) => c.caller_number === `+613900095${String(i).padStart(2, '0')}`)!;
      const artic = (i: number) => JSON.parse(by(i).artic!) as { queue: string; agent: string | null; outcome: string; wait_sec: number; queues: number };
      assert.deepEqual([by(1).status, by(1).target_name, by(1).talk_duration, artic(1).agent, artic(1).outcome, artic(1).wait_sec], ['Answered', 'Ann', 60, 'Ann', 'answered', 2]);
      assert.deepEqual([by(4).status, artic(4).outcome, artic(4).wait_sec], ['Abandoned', 'abandoned', 3]);
      assert.deepEqual([by(7).status, by(7).target_name, artic(7).queue, artic(7).queues, artic(7).agent], ['Answered', 'Cat', 'Support', 2, 'Cat']);
      assert.deepEqual([by(8).target_name, artic(8).wait_sec], ['Cat', 13]);
      assert.deepEqual([artic(9).outcome, artic(10).outcome, artic(11).outcome, by(11).ivr], ['timeout', 'empty', 'empty', '2,1']);
      const feed = await t.server.inject({ method: 'GET', url: `/webapi/v1/calls?limit=50`, headers: { authorization: auth } });
      assert.equal(feed.statusCode, 200, feed.body);
    });
  });
}

export { CLIENT, S, basic };
