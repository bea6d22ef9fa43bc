import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { articMetrics, type ArticMetrics, type MetricsInput } from './metrics.ts';
import type { JournalRow } from './journal.ts';
import { AGENT_TEAMS, fixtureJournal, PERIOD, QUEUES, T0, TEAMS } from '../../../test/support/artic-journal.ts';

// Every expected figure below is worked out by hand from the journal in test/support/artic-journal.ts (its comment
// tells the story); times there are seconds after T0, the period is [0, 7200) by hour (UTC): bucket 0 = [0, 3600),
// bucket 1 = [3600, 7200).

const input = (over: Partial<MetricsInput> = {}): MetricsInput => ({
  queues: new Map(Object.entries(QUEUES)),
  agentTeams: new Map(Object.entries(AGENT_TEAMS)),
  teams: TEAMS,
  ...PERIOD,
  interval: 'hour',
  zone: 'UTC',
  lookback_ms: 3_600_000,
  ...over,
});
const report = (over: Partial<MetricsInput> = {}) => articMetrics(fixtureJournal(), input(over));
const row = <K extends 'queues' | 'teams' | 'agents'>(m: ArticMetrics, g: K, id: string, bucket: number) => m[g].rows.find((r) => r.id === id && r.bucket === bucket)?.figures as ArticMetrics[K]['rows'][number]['figures'];
const total = <K extends 'queues' | 'teams' | 'agents'>(m: ArticMetrics, g: K, id: string) => m[g].totals.find((r) => r.id === id)?.figures as ArticMetrics[K]['totals'][number]['figures'];

describe('ARTIC historical metrics (hand-computed journal)', () => {
  const m = report();

  it('cuts the period into the hour buckets', () => {
    assert.deepEqual(m.buckets, [
      { start_ms: T0, end_ms: T0 + 3_600_000, local_start_ms: T0 },
      { start_ms: T0 + 3_600_000, end_ms: T0 + 7_200_000, local_start_ms: T0 + 3_600_000 },
    ]);
  });

  it('queue_1, first hour: calls by their entry (c7 enters at 3590, ends at 4200 in the second hour)', () => {
    // c1, c2, c6, c7 answered (holds 15, 40, 200, 5; within 20 s: c1, c7); c3 (wait 3 < 5: short) and c4 (60)
    // abandoned; c5 timed out; c6 overflowed to team_2.
    assert.deepEqual(row(m, 'queues', 'queue_1', 0), {
      offered: 7, // 4 + 2 + 1
      answered: 4,
      answered_within_sl: 2,
      abandoned: 2,
      abandoned_short: 1,
      abandoned_long: 1,
      overflowed: 1,
      overflowed_to_team: 1,
      service_level: 0.3333, // 2 ÷ (7 − 1)
      service_level_completed: 0.5, // 2 ÷ 4
      abandon_rate: 0.1667, // 1 ÷ 6
      asa: 65, // (15 + 40 + 200 + 5) ÷ 4
      longest_wait: 200, // holds 15 40 200 5, waits 3 60 120
      avg_talk: 537.5, // (285 + 560 + 700 + 605) ÷ 4
      avg_wrapup: 21.25, // taken: c1 10 (cut by PAUSE at 320), c2 15 (cut by AGENTLOGOFF at 1215), c6 30, c7 30 → 85 ÷ 4
      avg_handle: 558.75, // (2150 + 85) ÷ 4
    });
  });

  it('queue_1, second hour: an EXITEMPTY alone; queue_2: a short and a long abandon', () => {
    assert.deepEqual(row(m, 'queues', 'queue_1', 1), {
      offered: 1, answered: 0, answered_within_sl: 0, abandoned: 0, abandoned_short: 0, abandoned_long: 0, overflowed: 1, overflowed_to_team: 0,
      service_level: 0, service_level_completed: null, abandon_rate: 0, asa: null, longest_wait: 0, avg_talk: null, avg_wrapup: null, avg_handle: null,
    });
    // c9 wait 8 < 10 (short), c10 wait 12: service level 0 ÷ (2 − 1), abandon rate 1 ÷ (2 − 1).
    assert.deepEqual(row(m, 'queues', 'queue_2', 1), {
      offered: 2, answered: 0, answered_within_sl: 0, abandoned: 2, abandoned_short: 1, abandoned_long: 1, overflowed: 0, overflowed_to_team: 0,
      service_level: 0, service_level_completed: null, abandon_rate: 1, asa: null, longest_wait: 12, avg_talk: null, avg_wrapup: null, avg_handle: null,
    });
    assert.equal(row(m, 'queues', 'queue_2', 0), undefined, 'no call entered queue_2 in the first hour');
  });

  it('queue totals over the period, and over all queues', () => {
    const q1 = total(m, 'queues', 'queue_1');
    assert.deepEqual([q1.offered, q1.overflowed, q1.service_level, q1.abandon_rate, q1.asa, q1.longest_wait], [8, 2, 0.2857, 0.1429, 65, 200]); // 2 ÷ 7, 1 ÷ 7
    assert.deepEqual(m.queues.all, {
      offered: 10, answered: 4, answered_within_sl: 2, abandoned: 4, abandoned_short: 2, abandoned_long: 2, overflowed: 2, overflowed_to_team: 1,
      service_level: 0.25, // 2 ÷ (10 − 2)
      service_level_completed: 0.5,
      abandon_rate: 0.25, // 2 ÷ 8
      asa: 65, longest_wait: 200, avg_talk: 537.5, avg_wrapup: 21.25, avg_handle: 558.75,
    });
  });

  it('agent_a: logged in before the period, talk sliced across the hour, a wrap-up cut by a pause, still paused at the end', () => {
    // First hour: login 0–3600; pause break 320–920; talk c1 25–310 (285) + c7 3595–3600 (5); wrap 310–320.
    // Calls answered: c1 and c7 (both entered in the first hour), holds 15 and 5, talks 285 and 605, wraps 10 and 30.
    assert.deepEqual(row(m, 'agents', 'agent_a', 0), {
      answered: 2, answered_within_sl: 2, service_level_completed: 1, asa: 10, longest_wait: 15, avg_talk: 445, avg_wrapup: 20, avg_handle: 465, missed_offers: 0,
      login_sec: 3600, pause_sec: 600, pauses: [{ reason: 'break', sec: 600 }], talk_sec: 290, wrapup_sec: 10,
      occupancy: 0.1, // (290 + 10) ÷ (3600 − 600)
    });
    // Second hour: login 3600 (still logged in at the end); lunch 5000–7200; talk 3600–4200; wrap 4200–4230.
    assert.deepEqual(row(m, 'agents', 'agent_a', 1), {
      answered: 0, answered_within_sl: 0, service_level_completed: null, asa: null, longest_wait: null, avg_talk: null, avg_wrapup: null, avg_handle: null, missed_offers: 0,
      login_sec: 3600, pause_sec: 2200, pauses: [{ reason: 'lunch', sec: 2200 }], talk_sec: 600, wrapup_sec: 30,
      occupancy: 0.45, // 630 ÷ 1400
    });
    const a = total(m, 'agents', 'agent_a');
    assert.deepEqual([a.login_sec, a.pause_sec, a.pauses, a.talk_sec, a.wrapup_sec, a.occupancy], [7200, 2800, [{ reason: 'break', sec: 600 }, { reason: 'lunch', sec: 2200 }], 890, 40, 0.2114]); // 930 ÷ 4400
  });

  it('agent_b: a missed offer, a wrap-up cut by the log-off; agent_c: login from 3000, a missed offer in the second hour', () => {
    assert.deepEqual(row(m, 'agents', 'agent_b', 0), {
      answered: 1, answered_within_sl: 0, service_level_completed: 0, asa: 40, longest_wait: 40, avg_talk: 560, avg_wrapup: 15, avg_handle: 575, missed_offers: 1,
      login_sec: 1215, pause_sec: 0, pauses: [], talk_sec: 560, wrapup_sec: 15,
      occupancy: 0.4733, // 575 ÷ 1215
    });
    const c0 = row(m, 'agents', 'agent_c', 0);
    assert.deepEqual([c0.answered, c0.asa, c0.avg_wrapup, c0.login_sec, c0.talk_sec, c0.wrapup_sec, c0.missed_offers, c0.occupancy], [1, 200, 30, 600, 400, 0, 0, 0.6667]); // 400 ÷ 600
    const c1 = row(m, 'agents', 'agent_c', 1);
    assert.deepEqual([c1.answered, c1.login_sec, c1.talk_sec, c1.wrapup_sec, c1.missed_offers, c1.occupancy], [0, 2400, 300, 30, 1, 0.1375]); // 330 ÷ 2400
    assert.equal(total(m, 'agents', 'agent_c').occupancy, 0.2433); // 730 ÷ 3000
  });

  it('lists an agent without activity in the totals only; sums all agents', () => {
    assert.deepEqual(m.agents.totals.map((t) => t.id), ['agent_a', 'agent_b', 'agent_c', 'agent_d']);
    const d = total(m, 'agents', 'agent_d');
    assert.deepEqual([d.answered, d.login_sec, d.occupancy, d.asa], [0, 0, null, null]);
    assert.ok(!m.agents.rows.some((r) => r.id === 'agent_d'));
    const all = m.agents.all;
    assert.deepEqual([all.answered, all.missed_offers, all.login_sec, all.pause_sec, all.talk_sec, all.wrapup_sec, all.occupancy, all.asa], [4, 2, 11415, 2800, 2150, 85, 0.2594, 65]); // 2235 ÷ 8615
  });

  it('teams: their current agents summed, their answered calls, the calls overflowed to them; an agent in two teams counts once over all', () => {
    // team_1 = agent_a + agent_b, first hour: c1, c7, c2 answered (holds 15 5 40, talks 285 605 560, wraps 10 30 15).
    assert.deepEqual(row(m, 'teams', 'team_1', 0), {
      answered: 3, answered_within_sl: 2, service_level_completed: 0.6667, asa: 20, longest_wait: 40, avg_talk: 483.333, avg_wrapup: 18.333, avg_handle: 501.667, missed_offers: 1,
      login_sec: 4815, pause_sec: 600, pauses: [{ reason: 'break', sec: 600 }], talk_sec: 850, wrapup_sec: 25,
      occupancy: 0.2076, // 875 ÷ 4215
      overflowed_to_team: 0,
    });
    // team_2 = agent_a + agent_c: c6 overflowed to it (entered in the first hour).
    const t2 = row(m, 'teams', 'team_2', 0);
    assert.deepEqual([t2.answered, t2.asa, t2.avg_talk, t2.avg_wrapup, t2.avg_handle, t2.overflowed_to_team, t2.login_sec, t2.talk_sec, t2.occupancy], [3, 73.333, 530, 23.333, 553.333, 1, 4200, 690, 0.1944]);
    const t2b = row(m, 'teams', 'team_2', 1);
    assert.deepEqual([t2b.login_sec, t2b.pause_sec, t2b.talk_sec, t2b.wrapup_sec, t2b.missed_offers, t2b.occupancy], [6000, 2200, 900, 60, 1, 0.2526]); // 960 ÷ 3800
    assert.deepEqual(m.teams.totals.map((t) => [t.id, t.figures.login_sec, t.figures.occupancy]), [['team_1', 8415, 0.268], ['team_2', 10200, 0.2243], ['team_3', 0, null]]);
    const all = m.teams.all;
    assert.deepEqual([all.answered, all.login_sec, all.talk_sec, all.overflowed_to_team, all.occupancy], [4, 11415, 2150, 1, 0.2594]);
  });

  it('gives the same figures whatever the rows’ order in a millisecond-sorted feed, and with rows outside the window', () => {
    const shuffled = [...fixtureJournal()].reverse();
    assert.deepEqual(articMetrics(shuffled, input()).queues.all, m.queues.all);
    const extra: JournalRow[] = [
      { at_ms: T0 - 86_400_000, entered_ms: T0 - 86_400_000, queue_id: 'queue_1', agent_id: 'NONE', event: 'ABANDON', data1: '1', data2: '1', data3: '9', data4: '' },
      { at_ms: T0 + 7_300_000, entered_ms: T0 + 7_250_000, queue_id: 'queue_1', agent_id: 'NONE', event: 'ABANDON', data1: '1', data2: '1', data3: '9', data4: '' },
    ];
    assert.deepEqual(articMetrics([...fixtureJournal(), ...extra], input()).queues.all, m.queues.all);
  });
});

describe('ARTIC historical metrics: edges', () => {
  const base = (rows: JournalRow[], over: Partial<MetricsInput> = {}) => articMetrics(rows, input({ agentTeams: new Map([['e', []]]), teams: [], queues: new Map([['q', { service_level_sec: 20, short_abandon_sec: 5 }]]), ...over }));
  const ev = (s: number, event: string, data: (string | number)[] = [], entered: number | null = null, agent = 'e'): JournalRow => ({
    at_ms: T0 + s * 1000, entered_ms: entered === null ? null : T0 + entered * 1000, queue_id: entered === null ? 'NONE' : 'q', agent_id: agent, event,
    data1: String(data[0] ?? ''), data2: String(data[1] ?? ''), data3: String(data[2] ?? ''), data4: String(data[3] ?? ''),
  });

  it('a wrap-up that began before the period counts from `from`; the call entered before it does not count', () => {
    // Logged in at −1000; completes a call at −10 (talk 50: −60…−10) with 30 s of wrap-up: −10…20, 20 s of it in the period.
    const m = base([ev(-1000, 'AGENTLOGIN'), ev(-60, 'CONNECT', [5], -65), ev(-10, 'COMPLETEAGENT', [5, 50, 1, 30], -65), ev(100, 'AGENTLOGOFF')]);
    assert.deepEqual(m.agents.rows.map((r) => [r.bucket, r.figures.answered, r.figures.login_sec, r.figures.talk_sec, r.figures.wrapup_sec, r.figures.occupancy]), [[0, 0, 100, 0, 20, 0.2]]);
    assert.equal(m.queues.all.offered, 0);
  });

  it('a pause with another reason ends the first; a log-off ends a pause; nothing counts while logged out', () => {
    // Paused a 100–400, b 400–500; paused c 800–1000 ended by the log-off at 1000; a PAUSE at 1500 while logged out.
    const m = base([ev(0, 'AGENTLOGIN'), ev(100, 'PAUSE', ['a']), ev(400, 'PAUSE', ['b']), ev(500, 'UNPAUSE', ['b']), ev(800, 'PAUSE', ['c']), ev(1000, 'AGENTLOGOFF'), ev(1500, 'PAUSE', ['d'])]);
    const e = m.agents.totals[0].figures;
    assert.deepEqual([e.login_sec, e.pause_sec, e.pauses], [1000, 600, [{ reason: 'a', sec: 300 }, { reason: 'b', sec: 100 }, { reason: 'c', sec: 200 }]]);
  });

  it('a pause written with the completion (asked for during the call) leaves no wrap-up', () => {
    const m = base([ev(0, 'AGENTLOGIN'), ev(10, 'CONNECT', [10], 0), ev(70, 'COMPLETECALLER', [10, 60, 1, 30], 0), ev(70, 'PAUSE', ['coffee']), ev(200, 'UNPAUSE', ['coffee'])]);
    const q = m.queues.all;
    assert.deepEqual([q.answered, q.answered_within_sl, q.avg_wrapup, q.avg_handle], [1, 1, 0, 60]);
    assert.deepEqual([m.agents.all.wrapup_sec, m.agents.all.pause_sec, m.agents.all.login_sec], [0, 130, 7200]);
  });

  it('a hold exactly at the service level is within it; a wait exactly at the short-abandon threshold is not short', () => {
    const m = base([ev(0, 'AGENTLOGIN'), ev(20, 'COMPLETEAGENT', [20, 0, 1, 0], 0), ev(25, 'ABANDON', [1, 1, 5], 20), ev(30, 'ABANDON', [1, 1, 4.5], 25.5)]);
    const q = m.queues.all;
    assert.deepEqual([q.answered_within_sl, q.abandoned, q.abandoned_short, q.longest_wait], [1, 2, 1, 20]);
  });

  it('quarter-hour edges: a call entering at 00:14:59.999 is in the first quarter hour, agent time splits at 00:15', () => {
    const m = base([ev(0, 'AGENTLOGIN'), ev(899.999, 'ABANDON', [1, 1, 0], 899.999), ev(900, 'ABANDON', [1, 1, 0], 900), ev(1000, 'AGENTLOGOFF')], { interval: '15m', to_ms: T0 + 1_800_000 });
    assert.deepEqual(m.queues.rows.map((r) => [r.bucket, r.figures.abandoned]), [[0, 1], [1, 1]]);
    assert.deepEqual(m.agents.rows.map((r) => [r.bucket, r.figures.login_sec]), [[0, 900], [1, 100]]);
  });

  it('a period that starts inside a bucket clips it (its label is the bucket’s start)', () => {
    const m = base([ev(0, 'AGENTLOGIN'), ev(7000, 'AGENTLOGOFF')], { from_ms: T0 + 600_000 });
    assert.deepEqual(m.buckets[0], { start_ms: T0 + 600_000, end_ms: T0 + 3_600_000, local_start_ms: T0 });
    assert.deepEqual(m.agents.rows.map((r) => r.figures.login_sec), [3000, 3400]);
  });

  it('an empty period: every known entity in the totals, nothing in the rows', () => {
    const m = base([]);
    assert.deepEqual([m.queues.rows.length, m.agents.rows.length, m.queues.totals.length, m.agents.totals.length], [0, 0, 1, 1]);
    assert.deepEqual([m.queues.all.offered, m.queues.all.service_level, m.agents.all.occupancy], [0, null, null]);
  });
});
