import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { realtimeKey, realtimeReport, type RealtimeInput } from './realtime.ts';

const NOW = Date.parse('2026-03-02T10:00:00.000Z');
const iso = (s: number) => new Date(NOW + s * 1000).toISOString();

function input(): RealtimeInput {
  const agent = (id: string, state: RealtimeInput['agents'][number]['state'], extra: Partial<RealtimeInput['agents'][number]> = {}) => ({ id, name: id.toUpperCase(), skills: '[]', state, state_since: iso(-300), pause_reason: null, busy_until: null, queue_call_id: null, ...extra });
  return {
    agents: [
      agent('a', 'available', { skills: '["french"]' }),
      agent('b', 'wrapup', { busy_until: iso(-5) }), // wrap-up over: available
      agent('c', 'wrapup', { busy_until: iso(20) }),
      agent('d', 'on_call', { queue_call_id: 'qc2' }),
      agent('e', 'paused', { pause_reason: 'lunch' }),
      agent('f', 'logged_out'),
      agent('g', 'ringing', { queue_call_id: 'qc1', busy_until: iso(10) }),
    ],
    queues: [
      { id: 'q1', name: 'Sales', skills: '[]' },
      { id: 'q2', name: 'French', skills: '["french"]' },
    ],
    queueTeams: [
      { queue_id: 'q1', team_id: 't1' },
      { queue_id: 'q2', team_id: 't1' },
    ],
    agentTeams: ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((agent_id) => ({ agent_id, team_id: 't1' })),
    calls: [
      { id: 'qc1', queue_id: 'q1', call_id: 11, state: 'ringing', entered_at: iso(-90), agent_id: null },
      { id: 'qc2', queue_id: 'q1', call_id: 12, state: 'connected', entered_at: iso(-200), agent_id: 'd' },
      { id: 'qc3', queue_id: 'q1', call_id: 13, state: 'waiting', entered_at: iso(-30.5), agent_id: null },
    ],
  };
}

describe('ARTIC real-time report', () => {
  it('agents by state (an ended wrap-up is available since its end), the call they are on; per queue the waiting callers and available agents', () => {
    const r = realtimeReport(input(), NOW);
    assert.deepEqual(r.states, { available: 2, ringing: 1, on_call: 1, wrapup: 1, paused: 1, logged_out: 1 });
    const b = r.agents.find((a) => a.id === 'b')!;
    assert.deepEqual([b.state, b.since], ['available', iso(-5)]);
    assert.deepEqual(r.agents.find((a) => a.id === 'd'), { id: 'd', name: 'D', state: 'on_call', since: iso(-300), pause_reason: null, queue_call_id: 'qc2', queue_id: 'q1', call_id: 12 });
    assert.equal(r.agents.find((a) => a.id === 'e')!.pause_reason, 'lunch');
    assert.deepEqual(r.queues, [
      { id: 'q1', name: 'Sales', calls_waiting: 2, calls_connected: 1, longest_wait_sec: 90, oldest_entered_at: iso(-90), agents_available: 2, agents_logged_in: 6 },
      { id: 'q2', name: 'French', calls_waiting: 0, calls_connected: 0, longest_wait_sec: 0, oldest_entered_at: null, agents_available: 1, agents_logged_in: 1 },
    ]);
  });

  it('the change key ignores the clock but not a state change', () => {
    const a = realtimeReport(input(), NOW);
    const later = realtimeReport(input(), NOW + 3000);
    assert.notEqual(later.queues[0].longest_wait_sec, a.queues[0].longest_wait_sec);
    assert.equal(realtimeKey(later), realtimeKey(a));
    // c's wrap-up ends at +20 s: it becomes available.
    assert.notEqual(realtimeKey(realtimeReport(input(), NOW + 21_000)), realtimeKey(a));
  });
});
