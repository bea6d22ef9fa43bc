import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/domain/clock.ts';
import { newId } from '../../src/domain/ids.ts';
import { articMetrics } from '../../src/domain/artic/metrics.ts';
import type { App } from '../../src/app.ts';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { lockoutOff } from '../support/userapi.ts';
import { assertField } from '../support/artic.ts';
import { AGENT_TEAMS, fixtureJournal, PERIOD, QUEUES, T0, TEAMS, type FixtureRow } from '../support/artic-journal.ts';

const A = 7401;
const B = 7402;
const NOW = '2026-03-02T03:00:00.000Z';
const iso = (ms: number) => new Date(ms).toISOString();

/** The fixture's set-up (test/support/artic-journal.ts) for account A, a queue and an agent of its own for B. */
async function setUp(app: App): Promise<void> {
  const db = app.storage.db;
  const now = NOW;
  const queue = (id: string, clientId: number, name: string, sl: number, short: number) => ({
    id, client_id: clientId, name, strategy: 'ring_all' as const, ring_time_sec: 15, max_wait_sec: 120, wrapup_sec: 30, service_level_sec: sl, short_abandon_sec: short, poll_sec: 20,
    timezone: 'UTC', overflow: '{"kind":"hangup"}', closed_route: '{"kind":"hangup"}', skills: '[]', announce_position: 1, leave_when_empty: 1, holidays: '[]', created_at: now, updated_at: now,
  });
  await db.insertInto('artic_queues').values([queue('queue_1', A, 'Sales', QUEUES.queue_1.service_level_sec, QUEUES.queue_1.short_abandon_sec), queue('queue_2', A, 'Support', QUEUES.queue_2.service_level_sec, QUEUES.queue_2.short_abandon_sec), queue('queue_b', B, 'B sales', 20, 5)]).execute();
  await db.insertInto('artic_teams').values([...TEAMS.map((id, i) => ({ id, client_id: A, name: `Team ${i + 1}`, created_at: now, updated_at: now })), { id: 'team_b', client_id: B, name: 'B team', created_at: now, updated_at: now }]).execute();
  const agent = (id: string, clientId: number, name: string) => ({ id, client_id: clientId, name, answer_point: '+61400000001', skills: '[]', supervisor: 0, calls_since_login: 0, state: 'logged_out' as const, created_at: now, updated_at: now });
  await db.insertInto('artic_agents').values([...Object.keys(AGENT_TEAMS).map((id) => agent(id, A, `Agent ${id.slice(6).toUpperCase()}`)), agent('agent_b1', B, 'B one')]).execute();
  await db.insertInto('artic_agent_teams').values([...Object.entries(AGENT_TEAMS).flatMap(([agent_id, ts]) => ts.map((team_id) => ({ agent_id, team_id }))), { agent_id: 'agent_b1', team_id: 'team_b' }]).execute();
  await db.insertInto('artic_queue_teams').values([{ queue_id: 'queue_1', team_id: 'team_1' }, { queue_id: 'queue_2', team_id: 'team_2' }, { queue_id: 'queue_b', team_id: 'team_b' }]).execute();
  const journal = (clientId: number, rows: FixtureRow[]) => rows.map((r) => ({ ...r, id: newId('qev', r.at_ms), client_id: clientId, at: iso(r.at_ms), data5: '' }));
  await db.insertInto('artic_journal').values(journal(A, fixtureJournal())).execute();
  // B: a caller entering 23:30 Sydney time (+11) on 2 March who abandons at 00:05 on the 3rd, within B's period too.
  const bEntered = Date.parse('2026-03-02T12:30:00Z');
  const b = (at: number, event: string, data: string[]): FixtureRow => ({ at_ms: at, entered_ms: bEntered, call_id: '900', queue_id: 'queue_b', agent_id: 'NONE', event, data1: data[0] ?? '', data2: data[1] ?? '', data3: data[2] ?? '', data4: '' });
  await db.insertInto('artic_journal').values(journal(B, [b(bEntered, 'ENTERQUEUE', ['', '+61411000009', '1']), b(bEntered + 2_100_000, 'ABANDON', ['1', '1', '2100'])])).execute();
}

for (const dialect of DIALECTS) {
  describe(`ARTIC reports under /artic/v1/reports (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    const clock = new ManualClock(NOW);
    let a: { auth: string; username: string };
    let b: { auth: string };
    const get = (url: string, auth: string | undefined, headers: Record<string, string> = {}) => t.server.inject({ method: 'GET', url: `/artic/v1${url}`, headers: { ...(auth ? { authorization: auth } : {}), ...headers } });
    const period = `from=${encodeURIComponent(iso(PERIOD.from_ms))}&to=${encodeURIComponent(iso(PERIOD.to_ms))}`;

    before(async () => {
      t = await buildTestApp(dialect, { clock, listen: true });
      a = await makeAccount(t.app, A, { timezone: 'UTC' });
      b = await makeAccount(t.app, B, { timezone: 'Australia/Sydney' });
      await setUp(t.app);
    });
    after(async () => t?.close());

    it('answers 401 without or with wrong credentials', async () => {
      await lockoutOff(t.app, [A, B]);
      for (const url of ['/reports/realtime', `/reports/historical?${period}`, '/reports/stream']) {
        for (const auth of [undefined, basic(a.username, 'wrong-password')]) {
          const r = await get(url, auth);
          assert.equal(r.statusCode, 401, `${url}: ${r.body}`);
          assert.equal(r.json().code, 'unauthorized');
        }
      }
    });

    it('the historical report per queue, team and agent is the journal’s figures (the same as the pure computation)', async () => {
      const expected = articMetrics(fixtureJournal(), { queues: new Map(Object.entries(QUEUES)), agentTeams: new Map(Object.entries(AGENT_TEAMS)), teams: TEAMS, ...PERIOD, interval: 'hour', zone: 'UTC', lookback_ms: 3_600_000 });
      for (const [group, g] of [['queue', expected.queues], ['team', expected.teams], ['agent', expected.agents]] as const) {
        const r = await get(`/reports/historical?${period}&interval=hour&group=${group}`, a.auth);
        assert.equal(r.statusCode, 200, r.body);
        const body = r.json();
        assert.deepEqual([body.timezone, body.interval, body.group, body.from, body.to], ['UTC', 'hour', group, iso(PERIOD.from_ms), iso(PERIOD.to_ms)]);
        const strip = ({ period: _p, period_start: _s, period_end: _e, id: _i, name: _n, ...figures }: Record<string, unknown>) => figures;
        assert.deepEqual(body.rows.map((x: Record<string, unknown>) => [x.id, x.period_start, strip(x)]), g.rows.map((x) => [x.id, iso(expected.buckets[x.bucket].start_ms), x.figures]), group);
        assert.deepEqual(body.totals.map((x: Record<string, unknown>) => [x.id, strip(x)]), g.totals.map((x) => [x.id, x.figures]), group);
        assert.deepEqual(body.all, g.all, group);
      }
      const q = (await get(`/reports/historical?${period}&interval=hour&group=queue`, a.auth)).json();
      const first = q.rows[0];
      // Hand-computed (src/domain/artic/metrics.test.ts): queue_1's first hour.
      assert.deepEqual([first.period, first.period_start, first.period_end, first.id, first.name], ['2026-03-02T00:00:00+00:00', iso(T0), iso(T0 + 3_600_000), 'queue_1', 'Sales']);
      assert.deepEqual([first.offered, first.answered, first.abandoned_short, first.service_level, first.service_level_completed, first.asa, first.longest_wait, first.avg_wrapup], [7, 4, 1, 0.3333, 0.5, 65, 200, 21.25]);
      const agents = (await get(`/reports/historical?${period}&interval=day&group=agent`, a.auth)).json();
      assert.deepEqual(agents.totals.map((x: { id: string; name: string; login_sec: number; occupancy: number | null }) => [x.id, x.name, x.login_sec, x.occupancy]), [['agent_a', 'Agent A', 7200, 0.2114], ['agent_b', 'Agent B', 1215, 0.4733], ['agent_c', 'Agent C', 3000, 0.2433], ['agent_d', 'Agent D', 0, null]]);
      assert.equal(agents.rows.length, 3, 'one day bucket per active agent');
    });

    it('reads closed days once: a report over them is the same from the packed days kept', async () => {
      clock.set('2026-03-09T00:00:00.000Z');
      try {
        const url = `/reports/historical?${period}&interval=hour&group=agent`;
        const first = await get(url, a.auth);
        const again = await get(url, a.auth);
        assert.equal(first.statusCode, 200, first.body);
        assert.deepEqual(again.json(), first.json());
        assert.deepEqual(first.json().all.login_sec, 11415);
      } finally {
        clock.set(NOW);
      }
    });

    it('answers XML with format=xml or Accept: application/xml', async () => {
      for (const [url, headers] of [[`/reports/historical?${period}&group=agent&format=xml`, {}], [`/reports/historical?${period}&group=agent`, { accept: 'application/xml' }]] as const) {
        const r = await get(url, a.auth, headers);
        assert.equal(r.statusCode, 200, r.body);
        assert.match(String(r.headers['content-type']), /^application\/xml/);
        assert.match(r.body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<historical><timezone>UTC<\/timezone><interval>hour<\/interval><group>agent<\/group>/);
        assert.match(r.body, /<rows><row><period>2026-03-02T00:00:00\+00:00<\/period><period_start>2026-03-02T00:00:00.000Z<\/period_start>/);
        assert.match(r.body, /<pauses><pause><reason>break<\/reason><sec>600<\/sec><\/pause><\/pauses>/);
        assert.match(r.body, /<totals><total><id>agent_a<\/id><name>Agent A<\/name>/);
      }
      const rt = await get('/reports/realtime?format=xml', a.auth);
      assert.match(rt.body, /<realtime><at>2026-03-02T03:00:00.000Z<\/at><states><available>\d+<\/available>/);
      assert.match(rt.body, /<agents><agent><id>agent_a<\/id>/);
    });

    it('buckets by local day in the account’s time zone; one account never sees another’s data', async () => {
      const r = (await get('/reports/historical?from=2026-03-02&to=2026-03-04&interval=day', b.auth)).json();
      assert.equal(r.timezone, 'Australia/Sydney');
      assert.equal(r.from, '2026-03-01T13:00:00.000Z');
      // Entered 23:30 on the 2nd, abandoned at 00:05 on the 3rd: the 2nd's call.
      assert.deepEqual(r.rows.map((x: { period: string; id: string; abandoned: number; longest_wait: number }) => [x.period, x.id, x.abandoned, x.longest_wait]), [['2026-03-02T00:00:00+11:00', 'queue_b', 1, 2100]]);
      assert.deepEqual(r.totals.map((x: { id: string }) => x.id), ['queue_b']);
      const mine = (await get(`/reports/historical?${period}`, a.auth)).json();
      assert.ok(!JSON.stringify(mine).includes('queue_b'));
      assert.equal((await get(`/reports/historical?${period}&client_id=${A}`, b.auth)).statusCode, 403);
      const rt = (await get('/reports/realtime', b.auth)).json();
      assert.deepEqual([rt.agents.map((x: { id: string }) => x.id), rt.queues.map((x: { id: string }) => x.id)], [['agent_b1'], ['queue_b']]);
      assert.equal((await get(`/reports/realtime?client_id=${A}`, b.auth)).statusCode, 403);
    });

    it('answers 400 naming the field for bad input', async () => {
      const cases: [string, string][] = [
        ['', 'from'],
        ['from=yesterday', 'from'],
        ['from=2026-02-30', 'from'],
        ['from=2026-03-02&to=soon', 'to'],
        ['from=2026-03-02&to=2026-03-02T00:00:00Z', 'to'],
        ['from=2026-03-02&to=2026-03-01', 'to'],
        ['from=2026-01-01&to=2026-04-04', 'to'], // 94 days (a date alone ends with its day)
        ['from=2026-03-02&interval=week', 'interval'],
        ['from=2026-03-02&group=caller', 'group'],
        ['from=2026-03-02&format=csv', 'format'],
        ['from=2026-03-02&colour=red', 'colour'],
        ['from=2026-03-02&client_id=x', 'client_id'],
      ];
      for (const [q, field] of cases) assertField(await get(`/reports/historical?${q}`, a.auth), field, q);
      assert.equal((await get('/reports/historical?from=2026-01-01&to=2026-04-03', a.auth)).statusCode, 200, '93 days is allowed');
      assertField(await get('/reports/realtime?extra=1', a.auth), 'extra', 'realtime');
    });

    it('the real-time report: agents by state, the call they are on, per queue the callers waiting and agents available', async () => {
      const db = t.app.storage.db;
      const at = (s: number) => iso(Date.parse(NOW) + s * 1000);
      const call = (id: string, callId: number, state: 'waiting' | 'ringing' | 'connected', entered: number, agent: string | null) => ({ id, client_id: A, queue_id: 'queue_1', call_id: callId, carrier: 'sandbox', carrier_call_id: `CA${callId}`, step_id: 's1', state, entered_at: at(entered), orig_position: 1, agent_id: agent, tried_agents: '[]' });
      await db.insertInto('artic_queue_calls').values([call('qc1', 101, 'connected', -300, 'agent_a'), call('qc2', 102, 'waiting', -75, null), call('qc3', 103, 'ringing', -40, null), { ...call('qc4', 104, 'waiting', -900, null), state: 'done' as const }]).execute();
      await db.updateTable('artic_agents').set({ state: 'on_call', state_since: at(-290), queue_call_id: 'qc1', logged_in_at: at(-3000) }).where('id', '=', 'agent_a').execute();
      await db.updateTable('artic_agents').set({ state: 'wrapup', state_since: at(-40), busy_until: at(-10), logged_in_at: at(-3000) }).where('id', '=', 'agent_b').execute();
      await db.updateTable('artic_agents').set({ state: 'paused', state_since: at(-60), pause_reason: 'lunch', logged_in_at: at(-3000) }).where('id', '=', 'agent_c').execute();
      const r = await get('/reports/realtime', a.auth);
      assert.equal(r.statusCode, 200, r.body);
      const body = r.json();
      assert.equal(body.at, NOW);
      assert.deepEqual(body.states, { available: 1, ringing: 0, on_call: 1, wrapup: 0, paused: 1, logged_out: 1 });
      assert.deepEqual(body.agents.map((x: Record<string, unknown>) => [x.id, x.state, x.since, x.pause_reason, x.queue_call_id, x.queue_id, x.call_id]), [
        ['agent_a', 'on_call', at(-290), null, 'qc1', 'queue_1', 101],
        ['agent_b', 'available', at(-10), null, null, null, null],
        ['agent_c', 'paused', at(-60), 'lunch', null, null, null],
        ['agent_d', 'logged_out', null, null, null, null, null],
      ]);
      // queue_1 is served by team_1 (agent_a, agent_b); queue_2 by team_2 (agent_a, agent_c).
      assert.deepEqual(body.queues, [
        { id: 'queue_1', name: 'Sales', calls_waiting: 2, calls_connected: 1, longest_wait_sec: 75, oldest_entered_at: at(-75), agents_available: 1, agents_logged_in: 2 },
        { id: 'queue_2', name: 'Support', calls_waiting: 0, calls_connected: 0, longest_wait_sec: 0, oldest_entered_at: null, agents_available: 0, agents_logged_in: 2 },
      ]);
    });

    it('streams the real-time report as Server-Sent Events: one event at once, another on a change', async () => {
      const ctrl = new AbortController();
      const res = await fetch(`${t.url}/artic/v1/reports/stream`, { headers: { authorization: a.auth }, signal: ctrl.signal });
      assert.equal(res.status, 200);
      assert.match(String(res.headers.get('content-type')), /^text\/event-stream/);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      const nextEvent = async (timeoutMs: number): Promise<{ event: string; data: any }> => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const end = buffer.indexOf('\n\n');
          if (end >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (block.startsWith(':')) continue; // a comment (keep-alive)
            const event = /^event: (.*)$/m.exec(block)?.[1] ?? '';
            const data = /^data: (.*)$/m.exec(block)?.[1] ?? 'null';
            return { event, data: JSON.parse(data) };
          }
          const left = deadline - Date.now();
          if (left <= 0) throw new Error(`no event within ${timeoutMs} ms; got ${JSON.stringify(buffer)}`);
          const chunk = await Promise.race([reader.read(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no event within ${timeoutMs} ms`)), left))]);
          if (chunk.done) throw new Error('the stream ended');
          buffer += decoder.decode(chunk.value, { stream: true });
        }
      };
      try {
        const first = await nextEvent(3000);
        assert.equal(first.event, 'realtime');
        assert.equal(first.data.agents.find((x: { id: string }) => x.id === 'agent_d').state, 'logged_out');
        await t.app.storage.db.updateTable('artic_agents').set({ state: 'available', state_since: NOW, logged_in_at: NOW }).where('id', '=', 'agent_d').execute();
        const second = await nextEvent(5000);
        assert.equal(second.event, 'realtime');
        assert.equal(second.data.agents.find((x: { id: string }) => x.id === 'agent_d').state, 'available');
        assert.equal(second.data.states.available, 2);
      } finally {
        ctrl.abort();
        await reader.cancel().catch(() => {});
      }
    });
  });
}
