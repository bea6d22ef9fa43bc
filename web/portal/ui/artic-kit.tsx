// What the call-centre pages share: the ARTIC answers' shapes, the section's tabs, the agent states with their colours
// and words, a clock that ticks every second (in step with the server's), and the live report: GET
// /artic/v1/reports/realtime, then the Server-Sent Events of /artic/v1/reports/stream (`event: realtime`, the same
// JSON), reconnecting after an error.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { Link } from '../lib/router.tsx';
import { duration } from '../lib/format.ts';

export type AgentState = 'available' | 'ringing' | 'on_call' | 'wrapup' | 'paused' | 'logged_out';

export interface Team {
  id: string;
  name: string;
  agent_ids: string[];
  queue_ids: string[];
}

export interface Agent {
  id: string;
  name: string;
  answer_point: string;
  skills: string[];
  team_ids: string[];
  user_id: string | null;
  supervisor: boolean;
  state: AgentState;
  state_since: string | null;
  pause_reason: string | null;
}

export interface Queue {
  id: string;
  name: string;
  strategy: string;
  ring_time_sec: number;
  max_wait_sec: number;
  wrapup_sec: number;
  service_level_sec: number;
  team_ids: string[];
  open_now: boolean;
}

/** GET /artic/v1/me and the agent actions' answer. */
export interface MyAgent {
  id: string;
  name: string;
  answer_point: string;
  state: AgentState;
  state_since: string | null;
  pause_reason: string | null;
  pending_action: string | null;
  logged_in_at: string | null;
}

export interface Realtime {
  at: string;
  states: Record<AgentState, number>;
  agents: { id: string; name: string; state: AgentState; since: string | null; pause_reason: string | null; queue_call_id: string | null; queue_id: string | null; call_id: number | null }[];
  queues: { id: string; name: string; calls_waiting: number; calls_connected: number; longest_wait_sec: number; oldest_entered_at: string | null; agents_available: number; agents_logged_in: number }[];
}

/** In the board's order: who can take a call first, who is gone last. */
export const AGENT_STATES: [AgentState, string, string][] = [
  ['available', 'Available', 'ok'],
  ['ringing', 'Ringing', 'info'],
  ['on_call', 'On call', 'info'],
  ['wrapup', 'Wrap-up', 'warn'],
  ['paused', 'Paused', 'warn'],
  ['logged_out', 'Logged out', 'neutral'],
];
const STATE = Object.fromEntries(AGENT_STATES.map(([s, label, tone]) => [s, { label, tone }]));

export function AgentStateBadge(props: { state: AgentState; reason?: string | null }) {
  const s = STATE[props.state] ?? { label: props.state, tone: 'neutral' };
  return (
    <span class={`badge ${s.tone} agent-state`} data-state={props.state}>
      {s.label}
      {props.state === 'paused' && props.reason ? `: ${props.reason}` : ''}
    </span>
  );
}

export const STRATEGIES: [string, string][] = [
  ['longest_idle', 'Longest idle'],
  ['round_robin', 'Round robin'],
  ['fewest_calls', 'Fewest calls'],
  ['ring_all', 'Ring all'],
];
export const strategyText = (s: string) => STRATEGIES.find(([k]) => k === s)?.[1] ?? s;

const TABS: [string, string][] = [
  ['/call-centre', 'Live board'],
  ['/call-centre/agents', 'Agents'],
  ['/call-centre/setup', 'Set-up'],
  ['/call-centre/history', 'History'],
];

/** The section's tabs (each a page of its own, so each view is a URL). */
export function CallCentreTabs(props: { here: string; children?: ComponentChildren }) {
  return (
    <nav aria-label="Call centre views" class="cc-tabs">
      <ul class="tabs">
        {TABS.map(([path, label]) => (
          <li key={path}>
            <Link href={path} aria-current={path === props.here ? 'page' : undefined}>
              {label}
            </Link>
          </li>
        ))}
      </ul>
      {props.children}
    </nav>
  );
}

/** The server's time now, to the second: re-renders every second; `offsetMs` is the server's clock minus the browser's. */
export function useNow(offsetMs = 0): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return now + offsetMs;
}

/** Seconds from an ISO instant to `now` as m:ss (— when none). */
export function since(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  return duration(Math.max(0, Math.floor((now - Date.parse(iso)) / 1000)));
}

export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

export interface LiveReport {
  data: Realtime | undefined;
  error: unknown;
  status: LiveStatus;
  /** The server's clock minus the browser's when the last report came (so the waits tick in the server's time). */
  offsetMs: number;
  /** When (browser time) the last report came. */
  receivedAt: number;
}

const RETRY_MS = [1000, 2000, 5000, 10_000, 15_000];

/**
 * The real-time report, kept current by the stream. On an error the stream is closed, the report read once through
 * the API (a 401 there ends the session as everywhere in the portal; its error is shown), and the stream opened again
 * after a growing pause.
 */
export function useRealtime(): LiveReport {
  const [state, setState] = useState<LiveReport>({ data: undefined, error: null, status: 'connecting', offsetMs: 0, receivedAt: 0 });
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    let es: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    const take = (r: Realtime, status?: LiveStatus) => setState((s) => ({ data: r, error: null, status: status ?? s.status, offsetMs: Date.parse(r.at) - Date.now(), receivedAt: Date.now() }));
    const read = async (): Promise<boolean> => {
      try {
        take(await api<Realtime>('/artic/v1/reports/realtime'));
        return true;
      } catch (error) {
        if (alive.current) setState((s) => ({ ...s, error }));
        return false;
      }
    };
    const open = () => {
      if (!alive.current) return;
      es = new EventSource('/artic/v1/reports/stream');
      es.addEventListener('open', () => {
        failures = 0;
        setState((s) => ({ ...s, status: 'live' }));
      });
      es.addEventListener('realtime', (e) => {
        try {
          take(JSON.parse((e as MessageEvent<string>).data) as Realtime, 'live');
        } catch {
          /* a broken event: the next one replaces it */
        }
      });
      es.addEventListener('error', () => {
        es?.close();
        es = null;
        if (!alive.current) return;
        setState((s) => ({ ...s, status: 'reconnecting' }));
        const wait = RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)];
        timer = setTimeout(async () => {
          await read();
          open();
        }, wait);
      });
    };
    read().then(open);
    return () => {
      alive.current = false;
      clearTimeout(timer);
      es?.close();
    };
  }, []);
  return state;
}

/** "Live" or "Reconnecting…", announced when it changes. */
export function LiveIndicator(props: { status: LiveStatus }) {
  const [text, tone] = props.status === 'live' ? ['Live', 'ok'] : props.status === 'connecting' ? ['Connecting…', 'info'] : ['Reconnecting…', 'warn'];
  return (
    <span class={`badge ${tone} live-indicator`} role="status" data-live={props.status}>
      <span class="live-dot" aria-hidden="true" /> {text}
    </span>
  );
}

/** Names of ids (team names of a queue, …), — when none. */
export function names(ids: string[], all: { id: string; name: string }[] | undefined): string {
  if (!ids.length) return '—';
  const by = new Map((all ?? []).map((x) => [x.id, x.name]));
  return ids.map((id) => by.get(id) ?? id).join(', ');
}
