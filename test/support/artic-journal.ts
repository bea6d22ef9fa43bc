import type { ArticJournalTable } from '../../src/storage/artic/artic.tables.ts';

/**
 * A small queue journal whose every report figure is worked out by hand (src/domain/artic/metrics.test.ts), used by
 * the metrics unit tests and the reports' integration tests. Times are seconds after T0 (UTC); the period is
 * [T0, T0 + 2 h) by hour.
 *
 *   queue_1 (service level 20 s, short abandon 5 s), queue_2 (30 s, 10 s); team_1 = {agent_a, agent_b},
 *   team_2 = {agent_a, agent_c}, team_3 without agents; agent_d never logs in.
 *
 *   -600 agent_a logs in (before the period)             0 agent_b logs in
 *     10 c1 enters queue_1; agent_b misses it (20); agent_a answers at 25 (hold 15), completes at 310 (talk 285,
 *        wrap-up 30, cut at 320 by agent_a's PAUSE break: 10 taken); agent_a unpauses at 920
 *    600 c2 enters queue_1; agent_b answers at 640 (hold 40), completes at 1200 (talk 560), logs off at 1215 (wrap 15)
 *   1200 c3 enters queue_1, abandons at 1203 (wait 3: short)      1800 c4 enters, abandons at 1860 (wait 60)
 *   2400 c5 enters queue_1, leaves at 2520 for voicemail (EXITWITHTIMEOUT, wait 120)
 *   3000 agent_c logs in; c6 enters queue_1, overflows to team_2 at 3120, agent_c answers at 3200 (hold 200),
 *        completes at 3900 (talk 700, wrap 30)
 *   3590 c7 enters queue_1 (first hour); agent_a answers at 3595 (hold 5), completes at 4200 (talk 605: 5 s in the
 *        first hour, 600 in the second; wrap 30)
 *   3600 c9 enters queue_2, abandons at 3608 (wait 8: short there)
 *   4000 c10 enters queue_2; agent_c misses it (4010); it abandons at 4012 (wait 12)
 *   5000 agent_a pauses (lunch) and is still paused at the end   6000 agent_c logs off
 *   6600 c8 enters queue_1 and leaves at once (EXITEMPTY, wait 0)
 */
export const T0 = Date.parse('2026-03-02T00:00:00.000Z');
export const PERIOD = { from_ms: T0, to_ms: T0 + 7_200_000 };
export const QUEUES = { queue_1: { service_level_sec: 20, short_abandon_sec: 5 }, queue_2: { service_level_sec: 30, short_abandon_sec: 10 } };
export const AGENT_TEAMS: Record<string, string[]> = { agent_a: ['team_1', 'team_2'], agent_b: ['team_1'], agent_c: ['team_2'], agent_d: [] };
export const TEAMS = ['team_1', 'team_2', 'team_3'];

export type FixtureRow = Pick<ArticJournalTable, 'at_ms' | 'entered_ms' | 'call_id' | 'queue_id' | 'agent_id' | 'event' | 'data1' | 'data2' | 'data3' | 'data4'>;

const at = (s: number) => T0 + s * 1000;
const d = (data: (string | number)[]) => ({ data1: String(data[0] ?? ''), data2: String(data[1] ?? ''), data3: String(data[2] ?? ''), data4: String(data[3] ?? '') });
const entered: Record<string, number> = { c1: 10, c2: 600, c3: 1200, c4: 1800, c5: 2400, c6: 3000, c7: 3590, c9: 3600, c10: 4000, c8: 6600 };
const queueOf: Record<string, string> = { c9: 'queue_2', c10: 'queue_2' };

function caller(s: number, event: string, call: string, agent: string, data: (string | number)[] = []): FixtureRow {
  return { at_ms: at(s), entered_ms: at(entered[call]), call_id: call.slice(1), queue_id: queueOf[call] ?? 'queue_1', agent_id: agent, event, ...d(data) };
}
function agentEvent(s: number, event: string, agent: string, data: (string | number)[] = []): FixtureRow {
  return { at_ms: at(s), entered_ms: null, call_id: 'NONE', queue_id: 'NONE', agent_id: agent, event, ...d(data) };
}
const enter = (call: string) => caller(entered[call], 'ENTERQUEUE', call, 'NONE', ['', '+61411000000', 1]);

/** The journal, in the order the engine writes it. */
export function fixtureJournal(): FixtureRow[] {
  return [
    agentEvent(-600, 'AGENTLOGIN', 'agent_a', ['+61400000001']),
    agentEvent(0, 'AGENTLOGIN', 'agent_b', ['+61400000002']),
    enter('c1'),
    caller(20, 'RINGNOANSWER', 'c1', 'agent_b', [10_000]),
    caller(25, 'CONNECT', 'c1', 'agent_a', [15, 'CA1', 5]),
    caller(310, 'COMPLETECALLER', 'c1', 'agent_a', [15, 285, 1, 30]),
    agentEvent(320, 'PAUSE', 'agent_a', ['break']),
    enter('c2'),
    caller(640, 'CONNECT', 'c2', 'agent_b', [40, 'CA2', 3]),
    agentEvent(920, 'UNPAUSE', 'agent_a', ['break', 600]),
    caller(1200, 'COMPLETEAGENT', 'c2', 'agent_b', [40, 560, 1, 30]),
    enter('c3'),
    caller(1203, 'ABANDON', 'c3', 'NONE', [1, 1, 3]),
    agentEvent(1215, 'AGENTLOGOFF', 'agent_b', ['+61400000002', 1215]),
    enter('c4'),
    caller(1860, 'ABANDON', 'c4', 'NONE', [1, 1, 60]),
    enter('c5'),
    caller(2520, 'EXITWITHTIMEOUT', 'c5', 'NONE', [1, 1, 120, 'voicemail']),
    agentEvent(3000, 'AGENTLOGIN', 'agent_c', ['+61400000003']),
    enter('c6'),
    caller(3120, 'OVERFLOW', 'c6', 'NONE', ['team:team_2', '', 120]),
    caller(3200, 'CONNECT', 'c6', 'agent_c', [200, 'CA6', 2]),
    enter('c7'),
    caller(3595, 'CONNECT', 'c7', 'agent_a', [5, 'CA7', 5]),
    enter('c9'),
    caller(3608, 'ABANDON', 'c9', 'NONE', [1, 1, 8]),
    caller(3900, 'COMPLETECALLER', 'c6', 'agent_c', [200, 700, 1, 30]),
    enter('c10'),
    caller(4010, 'RINGNOANSWER', 'c10', 'agent_c', [10_000]),
    caller(4012, 'ABANDON', 'c10', 'NONE', [1, 1, 12]),
    caller(4200, 'COMPLETEAGENT', 'c7', 'agent_a', [5, 605, 1, 30]),
    agentEvent(5000, 'PAUSE', 'agent_a', ['lunch']),
    agentEvent(6000, 'AGENTLOGOFF', 'agent_c', ['+61400000003', 3000]),
    enter('c8'),
    caller(6600, 'EXITEMPTY', 'c8', 'NONE', [1, 1, 0, 'voicemail']),
  ];
}
