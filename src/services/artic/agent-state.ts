import { newId } from '../../domain/ids.ts';
import type { AgentRow, JournalRow, QueueCallRow } from '../../storage/artic/queue.repository.ts';

/** One journal row (the contract: README "Call centre", the queue event journal). */
export function journalRow(at: Date, clientId: number, event: string, x: { qc?: QueueCallRow | null; queueId?: string; agentId?: string | null; data?: (string | number)[] }): JournalRow {
  const d = (x.data ?? []).map((v) => String(v));
  return {
    id: newId('qev', at.getTime()),
    client_id: clientId,
    at: at.toISOString(),
    at_ms: at.getTime(),
    entered_ms: x.qc ? Date.parse(x.qc.entered_at) : null,
    call_id: x.qc ? String(x.qc.call_id) : 'NONE',
    queue_id: x.qc?.queue_id ?? x.queueId ?? 'NONE',
    agent_id: x.agentId ?? 'NONE',
    event,
    data1: d[0] ?? '',
    data2: d[1] ?? '',
    data3: d[2] ?? '',
    data4: d[3] ?? '',
    data5: d[4] ?? '',
  };
}

/** Free for an offer at `nowIso`: available, in a wrap-up that has ended, or holding an offer that lapsed. */
export function agentFree(a: Pick<AgentRow, 'state' | 'busy_until'>, nowIso: string): boolean {
  return a.state === 'available' || ((a.state === 'wrapup' || a.state === 'ringing') && !!a.busy_until && a.busy_until <= nowIso);
}

/** The state an agent is in for reports and actions: a wrap-up that has ended is `available`. */
export function effectiveState(a: Pick<AgentRow, 'state' | 'busy_until'>, nowIso: string): AgentRow['state'] {
  return a.state === 'wrapup' && a.busy_until && a.busy_until <= nowIso ? 'available' : a.state;
}

export interface AgentChange {
  patch: Partial<AgentRow>;
  events: { event: string; data: (string | number)[] }[];
}

const secs = (fromIso: string | null, to: Date) => (fromIso ? Math.max(0, Math.round((to.getTime() - Date.parse(fromIso)) / 1000)) : 0);

/** Logs an agent off: an open pause ends first (UNPAUSE), then AGENTLOGOFF with the time logged in. */
export function logoffChange(a: AgentRow, now: Date): AgentChange {
  const nowIso = now.toISOString();
  const events: AgentChange['events'] = [];
  if (a.state === 'paused') events.push({ event: 'UNPAUSE', data: [a.pause_reason ?? '', secs(a.state_since, now)] });
  events.push({ event: 'AGENTLOGOFF', data: [a.answer_point, secs(a.logged_in_at, now)] });
  return { patch: { state: 'logged_out', state_since: nowIso, pause_reason: null, busy_until: null, queue_call_id: null, pending_action: null, logged_in_at: null, updated_at: nowIso }, events };
}

/** Pauses an agent with a reason (a pause with another reason ends the first: UNPAUSE then PAUSE). */
export function pauseChange(a: AgentRow, reason: string, now: Date): AgentChange {
  const nowIso = now.toISOString();
  const events: AgentChange['events'] = [];
  if (a.state === 'paused') events.push({ event: 'UNPAUSE', data: [a.pause_reason ?? '', secs(a.state_since, now)] });
  events.push({ event: 'PAUSE', data: [reason] });
  return { patch: { state: 'paused', state_since: nowIso, pause_reason: reason, busy_until: null, pending_action: null, updated_at: nowIso }, events };
}

/** What a pause or log-off asked for during a call does once the call has ended. */
export function pendingAfterCall(a: AgentRow, now: Date): AgentChange {
  const p = a.pending_action ?? '';
  if (p === 'logoff') return logoffChange(a, now);
  if (p.startsWith('pause:')) return pauseChange(a, p.slice('pause:'.length), now);
  return { patch: { pending_action: null }, events: [] };
}
