import type { Clock } from '../../domain/clock.ts';
import { newId } from '../../domain/ids.ts';
import { isOpen } from '../../domain/artic/hours.ts';
import type { ArticRoute } from '../../domain/artic/plan.ts';
import type { LegResult } from '../../telephony/call-events.ts';
import type { QueueStep } from '../../telephony/call-plan.ts';
import type { QueueHold, QueueOffer } from '../../telephony/adapters/twiml/render-queue.ts';
import type { Executor } from '../../storage/database.ts';
import {
  appendJournal,
  countWaiting,
  findAgent,
  findQueue,
  findQueueCall,
  insertQueueCall,
  loggedInAgentsFor,
  moveQueueCall,
  openQueueCallsOf,
  reserveAgent,
  updateAgent,
  waitingIn,
  type AgentRow,
  type JournalRow,
  type QueueCallRow,
  type QueueRow,
} from '../../storage/artic/queue.repository.ts';
import { agentFree, journalRow, pendingAfterCall } from './agent-state.ts';

/** What the caller's next document does in the queue: hold, ring agents, or leave it (then the plan goes on). */
export type QueueDecision =
  | { kind: 'offer'; offer: QueueOffer; agents: AgentRow[] }
  | { kind: 'hold'; hold: QueueHold }
  | { kind: 'left'; left: 'overflow' | 'closed' | 'answered' | 'abandoned' };

/** The call as the queue sees it. */
export interface QueueCaller {
  callId: number;
  clientId: number;
  carrier: string;
  carrierCallId: string;
  caller: string | null;
}

/** How an offer ended: the dial action's result, the talk, whether the caller had hung up, which leg answered. */
export interface OfferOutcome {
  result: LegResult;
  talkSec: number;
  callerGone: boolean;
  answeredLegId: string | null;
  carrierLegId: string | null;
}

const secs = (fromIso: string, to: Date) => Math.max(0, Math.round((to.getTime() - Date.parse(fromIso)) / 1000));
const parse = <T>(json: string | null, fallback: T): T => (json ? (JSON.parse(json) as T) : fallback);

/** The route an exit leads to, as the journal's data4 names it. */
function routeName(json: string): string {
  const r = parse<ArticRoute>(json, { kind: 'voicemail' });
  const kind = r.kind ?? r.action ?? 'hangup';
  return kind === 'queue' ? `queue:${r.queue_id ?? ''}` : kind === 'team' ? `team:${r.team_id ?? ''}` : kind;
}

function skillsOk(agent: AgentRow, queue: QueueRow): boolean {
  const need = parse<string[]>(queue.skills, []);
  if (!need.length) return true;
  const has = new Set(parse<string[]>(agent.skills, []));
  return need.every((s) => has.has(s));
}

/**
 * The ARTIC queue engine (issue #14), carrier-neutral: runs inside the write transaction of the carrier request that
 * asks (new call, hold redirect, dial action, leg and status callbacks), changes the queue call and the agents with
 * conditional updates (an agent is never offered two calls; a queue call moves on once) and appends the journal in
 * the same transaction. Offers go to the longest-waiting callers first: a caller is offered an agent only while fewer
 * callers waited longer than there are free agents.
 */
export class QueueEngine {
  constructor(private readonly clock: Clock) {}

  private journal(at: Date, clientId: number, event: string, x: Parameters<typeof journalRow>[3]): JournalRow {
    return journalRow(at, clientId, event, x);
  }

  /** A caller arrives at a queue step: closed (outside hours), empty (nobody logged in), or in the queue and offered. */
  async enter(tx: Executor, caller: QueueCaller, step: QueueStep): Promise<QueueDecision> {
    const now = this.clock.now();
    const q = await findQueue(tx, step.queueId);
    if (!q || q.client_id !== caller.clientId) return { kind: 'left', left: 'overflow' };
    if (!isOpen({ timezone: q.timezone, hours: parse(q.hours, null), holidays: parse<string[]>(q.holidays, []) }, now)) {
      await appendJournal(tx, [this.journal(now, caller.clientId, 'EXITCLOSED', { queueId: q.id, data: ['', '', '', routeName(q.closed_route)] })]);
      return { kind: 'left', left: 'closed' };
    }
    const position = (await countWaiting(tx, q.id)) + 1;
    const qc: QueueCallRow = {
      id: newId('qc', now.getTime()),
      client_id: caller.clientId,
      queue_id: q.id,
      call_id: caller.callId,
      carrier: caller.carrier,
      carrier_call_id: caller.carrierCallId,
      step_id: step.id,
      state: 'waiting',
      entered_at: now.toISOString(),
      orig_position: position,
      agent_id: null,
      offered_agents: null,
      tried_agents: '[]',
      offered_at: null,
      connected_at: null,
      extra_team_id: null,
      overflowed_at: null,
      ended_at: null,
      outcome: null,
    };
    await insertQueueCall(tx, qc);
    await appendJournal(tx, [this.journal(now, caller.clientId, 'ENTERQUEUE', { qc, data: ['', caller.caller ?? '', position] })]);
    return this.next(tx, qc, q, true);
  }

  /** The hold document asks again (a redirect): still waiting, offered now, or out after the maximum wait. */
  async poll(tx: Executor, qcId: string): Promise<QueueDecision> {
    const qc = await findQueueCall(tx, qcId);
    if (!qc) return { kind: 'left', left: 'abandoned' };
    if (qc.state !== 'waiting') return this.replay(tx, qc);
    const q = await findQueue(tx, qc.queue_id);
    if (!q) return { kind: 'left', left: 'overflow' };
    return this.next(tx, qc, q, false);
  }

  /** A repeated request for a queue call that moved on: the same kind of answer, nothing changed. */
  private async replay(tx: Executor, qc: QueueCallRow): Promise<QueueDecision> {
    if (qc.state === 'done') return { kind: 'left', left: qc.outcome === 'timeout' || qc.outcome === 'empty' ? 'overflow' : qc.outcome === 'answered' ? 'answered' : 'abandoned' };
    const q = await findQueue(tx, qc.queue_id);
    return { kind: 'hold', hold: { kind: 'hold', stepId: qc.step_id, queueCallId: qc.id, position: null, text: null, musicUrl: q?.hold_music_url ?? null, pollSec: q?.poll_sec ?? 5 } };
  }

  private async leave(tx: Executor, qc: QueueCallRow, event: 'EXITWITHTIMEOUT' | 'EXITEMPTY' | 'ABANDON', now: Date, q: QueueRow | undefined, position: number): Promise<boolean> {
    const moved = await moveQueueCall(tx, qc.id, qc.state, { state: 'done', ended_at: now.toISOString(), outcome: event === 'ABANDON' ? 'abandoned' : event === 'EXITEMPTY' ? 'empty' : 'timeout', offered_agents: null });
    if (!moved) return false;
    const wait = secs(qc.entered_at, now);
    const data = event === 'ABANDON' ? [position, qc.orig_position, wait] : [position, qc.orig_position, wait, q ? routeName(q.overflow) : ''];
    await appendJournal(tx, [this.journal(now, qc.client_id, event, { qc, data })]);
    return true;
  }

  /** The waiting caller's next step: out after the maximum wait, out when nobody is logged in, an offer, or hold on. */
  private async next(tx: Executor, qc: QueueCallRow, q: QueueRow, entering: boolean): Promise<QueueDecision> {
    const now = this.clock.now();
    const nowIso = now.toISOString();
    const waiting = await waitingIn(tx, q.id);
    const rank = Math.max(0, waiting.findIndex((w) => w.id === qc.id));
    const limitFrom = qc.overflowed_at ?? qc.entered_at;
    if (now.getTime() - Date.parse(limitFrom) >= q.max_wait_sec * 1000) {
      const overflow = parse<ArticRoute>(q.overflow, { kind: 'voicemail' });
      if ((overflow.kind ?? overflow.action) === 'team' && overflow.team_id && !qc.extra_team_id) {
        await moveQueueCall(tx, qc.id, 'waiting', { extra_team_id: overflow.team_id, overflowed_at: nowIso });
        await appendJournal(tx, [this.journal(now, qc.client_id, 'OVERFLOW', { qc, data: [`team:${overflow.team_id}`, '', secs(qc.entered_at, now)] })]);
        qc = { ...qc, extra_team_id: overflow.team_id, overflowed_at: nowIso };
      } else {
        await this.leave(tx, qc, 'EXITWITHTIMEOUT', now, q, rank + 1);
        return { kind: 'left', left: 'overflow' };
      }
    }
    const agents = (await loggedInAgentsFor(tx, q.id, qc.extra_team_id)).filter((a) => skillsOk(a, q));
    if (q.leave_when_empty && agents.length === 0) {
      await this.leave(tx, qc, 'EXITEMPTY', now, q, rank + 1);
      return { kind: 'left', left: 'overflow' };
    }
    const free = agents.filter((a) => agentFree(a, nowIso));
    const tried = new Set(parse<string[]>(qc.tried_agents, []));
    let candidates = free.filter((a) => !tried.has(a.id));
    if (!candidates.length && free.length) {
      // Everyone free has had the call once: start a new round.
      candidates = free;
      tried.clear();
    }
    const hold: QueueDecision = {
      kind: 'hold',
      hold: { kind: 'hold', stepId: qc.step_id, queueCallId: qc.id, position: entering && q.announce_position ? rank + 1 : null, text: entering ? q.hold_text : null, musicUrl: q.hold_music_url, pollSec: q.poll_sec },
    };
    const mayOffer = q.strategy === 'ring_all' ? rank === 0 : rank < free.length;
    if (!mayOffer || !candidates.length) return hold;
    const chosen = q.strategy === 'ring_all' ? candidates : [pick(q.strategy, candidates)];
    const busyUntil = new Date(now.getTime() + (q.ring_time_sec + 15) * 1000).toISOString();
    const taken: AgentRow[] = [];
    for (const a of chosen) {
      if (await reserveAgent(tx, a.id, nowIso, { state: 'ringing', state_since: nowIso, busy_until: busyUntil, queue_call_id: qc.id, last_offered_at: nowIso, updated_at: nowIso })) taken.push(a);
    }
    if (!taken.length) return hold;
    const moved = await moveQueueCall(tx, qc.id, 'waiting', { state: 'ringing', offered_agents: JSON.stringify(taken.map((a) => a.id)), offered_at: nowIso, tried_agents: JSON.stringify([...tried]) });
    if (!moved) {
      for (const a of taken) await this.release(tx, a.id, qc.id, now);
      return this.replay(tx, qc);
    }
    const offerId = `${qc.step_id}~${now.getTime().toString(36)}`;
    return {
      kind: 'offer',
      agents: taken,
      offer: { kind: 'offer', offerId, queueCallId: qc.id, agents: taken.map((a, i) => ({ legId: `${offerId}.${i}`, answerPoint: a.answer_point })), ringSec: q.ring_time_sec, record: false },
    };
  }

  /** An agent whose offer ended without a call: free again (or paused / logged off as they asked meanwhile). */
  private async release(tx: Executor, agentId: string, qcId: string, now: Date): Promise<void> {
    const a = await findAgent(tx, agentId);
    if (!a || a.queue_call_id !== qcId || a.state !== 'ringing') return;
    const nowIso = now.toISOString();
    await updateAgent(tx, a.id, { state: 'available', state_since: nowIso, busy_until: null, queue_call_id: null, updated_at: nowIso });
    await this.applyPending(tx, { ...a, state: 'available' }, now);
  }

  /** Carries out a pause or log-off the agent asked for during the call. */
  private async applyPending(tx: Executor, a: AgentRow, now: Date): Promise<void> {
    if (!a.pending_action) return;
    const change = pendingAfterCall(a, now);
    await updateAgent(tx, a.id, change.patch);
    await appendJournal(tx, change.events.map((e) => this.journal(now, a.client_id, e.event, { agentId: a.id, data: e.data })));
  }

  /** An agent's leg answered: CONNECT, the agent is on the call, the other agents of a ring_all offer are freed. */
  async legAnswered(tx: Executor, qcId: string, legId: string, carrierLegId: string | null): Promise<void> {
    const qc = await findQueueCall(tx, qcId);
    if (!qc || qc.state !== 'ringing') return;
    const offered = parse<string[]>(qc.offered_agents, []);
    const agentId = offered[Number(legId.split('.').pop())] ?? offered[0];
    if (!agentId) return;
    await this.connect(tx, qc, agentId, carrierLegId, this.clock.now());
  }

  private async connect(tx: Executor, qc: QueueCallRow, agentId: string, carrierLegId: string | null, at: Date): Promise<QueueCallRow> {
    const atIso = at.toISOString();
    if (!(await moveQueueCall(tx, qc.id, 'ringing', { state: 'connected', agent_id: agentId, connected_at: atIso }))) return qc;
    await updateAgent(tx, agentId, { state: 'on_call', state_since: atIso, busy_until: null, updated_at: atIso });
    for (const other of parse<string[]>(qc.offered_agents, [])) if (other !== agentId) await this.release(tx, other, qc.id, at);
    const ring = qc.offered_at ? secs(qc.offered_at, at) : 0;
    await appendJournal(tx, [this.journal(at, qc.client_id, 'CONNECT', { qc, agentId, data: [secs(qc.entered_at, at), carrierLegId ?? '', ring] })]);
    return { ...qc, state: 'connected', agent_id: agentId, connected_at: atIso };
  }

  /** The call was answered and has ended (or was never answered): COMPLETE*, the agent into wrap-up. */
  private async complete(tx: Executor, qc: QueueCallRow, q: QueueRow | undefined, talkSec: number, callerGone: boolean, now: Date): Promise<void> {
    if (!qc.agent_id || !(await moveQueueCall(tx, qc.id, 'connected', { state: 'done', ended_at: now.toISOString(), outcome: 'answered' }))) return;
    const wrap = q?.wrapup_sec ?? 0;
    const hold = qc.connected_at ? secs(qc.entered_at, new Date(qc.connected_at)) : 0;
    await appendJournal(tx, [this.journal(now, qc.client_id, callerGone ? 'COMPLETECALLER' : 'COMPLETEAGENT', { qc, agentId: qc.agent_id, data: [hold, talkSec, qc.orig_position, wrap] })]);
    const a = await findAgent(tx, qc.agent_id);
    if (!a) return;
    const nowIso = now.toISOString();
    const patch: Partial<AgentRow> = { state: wrap > 0 ? 'wrapup' : 'available', state_since: nowIso, busy_until: wrap > 0 ? new Date(now.getTime() + wrap * 1000).toISOString() : null, queue_call_id: null, last_call_end_at: nowIso, calls_since_login: a.calls_since_login + 1, updated_at: nowIso };
    await updateAgent(tx, a.id, patch);
    await this.applyPending(tx, { ...a, ...patch }, now);
  }

  /**
   * The dial action of an offer: answered (talked, then someone hung up) completes the queue call; the caller gone
   * while it rang is an abandon; otherwise each offered agent missed it (RINGNOANSWER) and the caller is offered to
   * the next agent at once, or holds again.
   */
  async offerEnded(tx: Executor, qcId: string, o: OfferOutcome): Promise<QueueDecision> {
    let qc = await findQueueCall(tx, qcId);
    if (!qc) return { kind: 'left', left: 'abandoned' };
    if (qc.state !== 'ringing' && qc.state !== 'connected') return this.replay(tx, qc);
    const now = this.clock.now();
    const q = await findQueue(tx, qc.queue_id);
    const offered = parse<string[]>(qc.offered_agents, []);
    if (o.result === 'answered') {
      if (qc.state === 'ringing') {
        const i = o.answeredLegId ? Number(o.answeredLegId.split('.').pop()) : 0;
        qc = await this.connect(tx, qc, offered[i] ?? offered[0], o.carrierLegId, new Date(now.getTime() - o.talkSec * 1000));
      }
      await this.complete(tx, qc, q, o.talkSec, o.callerGone, now);
      return { kind: 'left', left: 'answered' };
    }
    if (qc.state === 'connected') {
      await this.complete(tx, qc, q, qc.connected_at ? secs(qc.connected_at, now) : 0, true, now);
      return { kind: 'left', left: 'answered' };
    }
    if (o.result === 'canceled' || o.callerGone) {
      const position = (await waitingIn(tx, qc.queue_id)).length + 1;
      if (await this.leave(tx, qc, 'ABANDON', now, q, position)) for (const id of offered) await this.release(tx, id, qc.id, now);
      return { kind: 'left', left: 'abandoned' };
    }
    const ringMs = qc.offered_at ? Math.max(0, now.getTime() - Date.parse(qc.offered_at)) : 0;
    const tried = [...new Set([...parse<string[]>(qc.tried_agents, []), ...offered])];
    if (!(await moveQueueCall(tx, qc.id, 'ringing', { state: 'waiting', offered_agents: null, offered_at: null, tried_agents: JSON.stringify(tried) }))) return this.replay(tx, qc);
    await appendJournal(tx, offered.map((id) => this.journal(now, qc.client_id, 'RINGNOANSWER', { qc, agentId: id, data: [ringMs] })));
    for (const id of offered) await this.release(tx, id, qc.id, now);
    if (!q) return { kind: 'left', left: 'overflow' };
    return this.next(tx, { ...qc, state: 'waiting', offered_agents: null, offered_at: null, tried_agents: JSON.stringify(tried) }, q, false);
  }

  /** The carrier says the call ended: whatever queue call is still open ends now (abandon, or completed by the caller). */
  async callEnded(tx: Executor, carrier: string, carrierCallId: string): Promise<void> {
    const now = this.clock.now();
    for (const qc of await openQueueCallsOf(tx, carrier, carrierCallId)) {
      const q = await findQueue(tx, qc.queue_id);
      if (qc.state === 'connected') await this.complete(tx, qc, q, qc.connected_at ? secs(qc.connected_at, now) : 0, true, now);
      else {
        const position = qc.state === 'waiting' ? Math.max(1, (await waitingIn(tx, qc.queue_id)).findIndex((w) => w.id === qc.id) + 1) : 1;
        if (await this.leave(tx, qc, 'ABANDON', now, q, position)) for (const id of parse<string[]>(qc.offered_agents, [])) await this.release(tx, id, qc.id, now);
      }
    }
  }
}

/** The agent a strategy picks among the free ones (ties: the agent id, so the choice is deterministic). */
function pick(strategy: string, agents: AgentRow[]): AgentRow {
  const idle = (a: AgentRow) => a.last_call_end_at ?? a.logged_in_at ?? '';
  const by = (key: (a: AgentRow) => string | number) => [...agents].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id < b.id ? -1 : 1))[0];
  switch (strategy) {
    case 'round_robin':
      return by((a) => a.last_offered_at ?? '');
    case 'fewest_calls':
      return [...agents].sort((a, b) => a.calls_since_login - b.calls_since_login || (idle(a) < idle(b) ? -1 : idle(a) > idle(b) ? 1 : 0) || (a.id < b.id ? -1 : 1))[0];
    default:
      return by(idle);
  }
}
