/** Timestamps are ISO 8601 UTC strings on both dialects (as everywhere). Migration 022. */
type Ts = string;

export interface ArticTeamTable {
  id: string;
  client_id: number;
  name: string;
  created_at: Ts;
  updated_at: Ts;
}

/** The agent's live state: logged_out | available | ringing | on_call | wrapup | paused. */
export type AgentState = 'logged_out' | 'available' | 'ringing' | 'on_call' | 'wrapup' | 'paused';

export interface ArticAgentTable {
  id: string;
  client_id: number;
  name: string;
  /** E.164 phone number or a `sip:` URI. */
  answer_point: string;
  /** JSON array of skill names. */
  skills: string;
  /** The UserAPI user who acts as this agent (their session or API key). */
  user_id: string | null;
  /** 1: may act for the agents of the agent's teams. */
  supervisor: number;
  state: AgentState;
  state_since: Ts | null;
  pause_reason: string | null;
  /** ringing: when the offer lapses; wrapup: when wrap-up ends. */
  busy_until: Ts | null;
  queue_call_id: string | null;
  logged_in_at: Ts | null;
  last_call_end_at: Ts | null;
  calls_since_login: number;
  last_offered_at: Ts | null;
  /** `pause:<reason>` or `logoff`, asked for during a call: carried out when the call ends. */
  pending_action: string | null;
  created_at: Ts;
  updated_at: Ts;
}

export interface ArticAgentTeamTable {
  agent_id: string;
  team_id: string;
}

export type QueueStrategy = 'ring_all' | 'longest_idle' | 'round_robin' | 'fewest_calls';

export interface ArticQueueTable {
  id: string;
  client_id: number;
  name: string;
  strategy: QueueStrategy;
  ring_time_sec: number;
  max_wait_sec: number;
  wrapup_sec: number;
  service_level_sec: number;
  short_abandon_sec: number;
  /** How long one hold document lasts before the carrier asks again (the redirect loop). */
  poll_sec: number;
  hold_music_url: string | null;
  hold_text: string | null;
  announce_position: number;
  leave_when_empty: number;
  /** JSON array: an agent must have every one of these skills. */
  skills: string;
  timezone: string;
  /** JSON [{ day, open, close }] or null (always open). */
  hours: string | null;
  /** JSON ['YYYY-MM-DD']. */
  holidays: string;
  /** JSON route after the maximum wait (or with nobody logged in). */
  overflow: string;
  /** JSON route outside business hours. */
  closed_route: string;
  created_at: Ts;
  updated_at: Ts;
}

export interface ArticQueueTeamTable {
  queue_id: string;
  team_id: string;
}

export interface ArticMenuTable {
  id: string;
  client_id: number;
  name: string;
  prompt_text: string | null;
  prompt_url: string | null;
  timeout_sec: number;
  /** JSON [{ digit, name?, action, queue_id?, menu_id?, text? }]. */
  options: string;
  /** JSON route when no digit is pressed. */
  otherwise: string;
  created_at: Ts;
  updated_at: Ts;
}

export type QueueCallState = 'waiting' | 'ringing' | 'connected' | 'done';

export interface ArticQueueCallTable {
  id: string;
  client_id: number;
  queue_id: string;
  call_id: number;
  carrier: string;
  carrier_call_id: string;
  step_id: string;
  state: QueueCallState;
  entered_at: Ts;
  orig_position: number;
  agent_id: string | null;
  /** JSON array of the agents the call is offered to now. */
  offered_agents: string | null;
  /** JSON array of agents who were offered the call and did not take it. */
  tried_agents: string;
  offered_at: Ts | null;
  connected_at: Ts | null;
  extra_team_id: string | null;
  overflowed_at: Ts | null;
  ended_at: Ts | null;
  outcome: 'answered' | 'abandoned' | 'timeout' | 'empty' | null;
}

export interface ArticJournalTable {
  id: string;
  client_id: number;
  at: Ts;
  at_ms: number;
  entered_ms: number | null;
  /** The Telltale call id, or NONE for agent events. */
  call_id: string;
  /** The queue id, or NONE. */
  queue_id: string;
  /** The agent id, or NONE. */
  agent_id: string;
  event: string;
  data1: string;
  data2: string;
  data3: string;
  data4: string;
  data5: string;
}
