import type { AgentState } from '../../storage/artic/artic.tables.ts';

/**
 * The ARTIC real-time report (pure): agents by state, and per queue the callers waiting, the longest current wait and
 * the agents available to take its calls. Read from artic_agents and artic_queue_calls, which the engine writes in the
 * same transactions as the journal.
 */

export const AGENT_STATES: readonly AgentState[] = ['available', 'ringing', 'on_call', 'wrapup', 'paused', 'logged_out'];

export interface RealtimeInput {
  agents: { id: string; name: string; skills: string; state: AgentState; state_since: string | null; pause_reason: string | null; busy_until: string | null; queue_call_id: string | null }[];
  queues: { id: string; name: string; skills: string }[];
  queueTeams: { queue_id: string; team_id: string }[];
  agentTeams: { agent_id: string; team_id: string }[];
  /** Callers not done (waiting, ringing an agent, connected). */
  calls: { id: string; queue_id: string; call_id: number; state: string; entered_at: string; agent_id: string | null }[];
}

export interface RealtimeAgent {
  id: string;
  name: string;
  /** An agent in wrap-up whose wrap-up has ended is `available` (since its end). */
  state: AgentState;
  since: string | null;
  pause_reason: string | null;
  /** The queue call the agent is ringing for or on, its queue and its Telltale call id. */
  queue_call_id: string | null;
  queue_id: string | null;
  call_id: number | null;
}

export interface RealtimeQueue {
  id: string;
  name: string;
  /** Callers not yet answered (waiting, or ringing an agent). */
  calls_waiting: number;
  calls_connected: number;
  /** Seconds the longest-waiting caller has waited so far (0 when none waits). */
  longest_wait_sec: number;
  /** When that caller entered the queue (null when none waits): the wait counts up from it. */
  oldest_entered_at: string | null;
  /** Agents available now in the queue's teams with every skill it asks for. */
  agents_available: number;
  /** Agents logged in (any state but logged_out) in the queue's teams with its skills. */
  agents_logged_in: number;
}

export interface RealtimeReport {
  at: string;
  states: Record<AgentState, number>;
  agents: RealtimeAgent[];
  queues: RealtimeQueue[];
}

function list(json: string | null): string[] {
  try {
    const v = JSON.parse(json ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** The report at `nowMs`. */
export function realtimeReport(input: RealtimeInput, nowMs: number): RealtimeReport {
  const nowIso = new Date(nowMs).toISOString();
  const calls = new Map(input.calls.map((c) => [c.id, c]));
  const states = Object.fromEntries(AGENT_STATES.map((s) => [s, 0])) as Record<AgentState, number>;
  const agents: RealtimeAgent[] = input.agents.map((a) => {
    const ended = a.state === 'wrapup' && a.busy_until !== null && a.busy_until <= nowIso;
    const state: AgentState = ended ? 'available' : a.state;
    states[state] = (states[state] ?? 0) + 1;
    const busy = state === 'ringing' || state === 'on_call';
    const qc = busy && a.queue_call_id ? calls.get(a.queue_call_id) : undefined;
    return {
      id: a.id,
      name: a.name,
      state,
      since: ended ? a.busy_until : a.state_since,
      pause_reason: state === 'paused' ? a.pause_reason : null,
      queue_call_id: busy ? a.queue_call_id : null,
      queue_id: qc?.queue_id ?? null,
      call_id: qc?.call_id ?? null,
    };
  });
  const teamsOf = new Map<string, Set<string>>();
  for (const m of input.agentTeams) {
    let s = teamsOf.get(m.agent_id);
    if (!s) teamsOf.set(m.agent_id, (s = new Set()));
    s.add(m.team_id);
  }
  const skillsOf = new Map(input.agents.map((a) => [a.id, new Set(list(a.skills))]));
  const queues: RealtimeQueue[] = input.queues.map((q) => {
    const teams = new Set(input.queueTeams.filter((t) => t.queue_id === q.id).map((t) => t.team_id));
    const need = list(q.skills);
    const serving = agents.filter((a) => [...(teamsOf.get(a.id) ?? [])].some((t) => teams.has(t)) && need.every((s) => skillsOf.get(a.id)?.has(s)));
    const mine = input.calls.filter((c) => c.queue_id === q.id);
    const waiting = mine.filter((c) => c.state === 'waiting' || c.state === 'ringing');
    const oldest = waiting.reduce<string | null>((m, c) => (m === null || c.entered_at < m ? c.entered_at : m), null);
    return {
      id: q.id,
      name: q.name,
      calls_waiting: waiting.length,
      calls_connected: mine.filter((c) => c.state === 'connected').length,
      longest_wait_sec: oldest === null ? 0 : Math.max(0, Math.floor((nowMs - Date.parse(oldest)) / 1000)),
      oldest_entered_at: oldest,
      agents_available: serving.filter((a) => a.state === 'available').length,
      agents_logged_in: serving.filter((a) => a.state !== 'logged_out').length,
    };
  });
  return { at: nowIso, states, agents, queues };
}

/** What the stream compares to decide whether the report changed: everything but the clock (`at`, the waits counting up). */
export function realtimeKey(r: RealtimeReport): string {
  return JSON.stringify({ ...r, at: undefined, queues: r.queues.map((q) => ({ ...q, longest_wait_sec: undefined })) });
}
