import { AppError, fieldError } from '../../domain/errors.ts';
import type { Clock } from '../../domain/clock.ts';
import { can, type Role } from '../../domain/accounts/roles.ts';
import { parseAnswerPoint } from '../../domain/artic/config.ts';
import type { Principal } from '../accounts/principal.ts';
import type { Executor, Storage } from '../../storage/database.ts';
import { agentsOfUser, appendJournal, findAgent, sharesTeam, updateAgent, type AgentRow } from '../../storage/artic/queue.repository.ts';
import { effectiveState, journalRow, logoffChange, pauseChange, type AgentChange } from './agent-state.ts';

export type AgentAction = { kind: 'login'; answerPoint?: string } | { kind: 'logout' } | { kind: 'pause'; reason: string } | { kind: 'unpause' } | { kind: 'answer_point'; answerPoint: string };

/** The agent's state as the actions API answers it. */
export interface AgentStateView {
  id: string;
  name: string;
  answer_point: string;
  state: AgentRow['state'];
  state_since: string | null;
  pause_reason: string | null;
  /** A pause (`pause:<reason>`) or `logoff` asked for during a call, done when it ends. */
  pending_action: string | null;
  logged_in_at: string | null;
}

const REASON = /^[A-Za-z0-9 _.-]{1,40}$/;

/** An answer point as stored (E.164 or a sip: URI; the set-up API's rule), or 400 naming the field. */
function normaliseAnswerPoint(v: string, field: string): string {
  const p = parseAnswerPoint(v);
  if (!p) throw fieldError(field, `"${v}" is neither a phone number (E.164, e.g. +61290088888) nor a sip:user@host URI`);
  return p;
}

/**
 * The ARTIC actions API (issue #14): an agent logs in and out, pauses with a reason and unpauses, and sets the answer
 * point calls are offered to. Each change and its journal rows (AGENTLOGIN, AGENTLOGOFF, PAUSE, UNPAUSE) are one
 * transaction. During a call (ringing or on it) a pause or log-off waits for the call's end.
 *
 * Who may act: the user mapped to the agent; a supervisor agent for the agents of their teams; a user whose role has
 * `settings` in the account for every agent of it. Another account's agent is not found (404).
 */
export class AgentActionsService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
  ) {}

  /** The agent acting here, or a 403 naming why not. */
  private async authorise(db: Executor, principal: Principal, clientId: number, agent: AgentRow): Promise<void> {
    const role = principal.roles[clientId] as Role | undefined;
    if (role && can(role, 'settings')) return;
    if (agent.user_id === principal.userId) return;
    const me = await agentsOfUser(db, clientId, principal.userId);
    if (await sharesTeam(db, me.filter((a) => a.supervisor === 1).map((a) => a.id), agent.id)) return;
    throw new AppError('forbidden', me.length ? 'an agent acts only for themselves (a supervisor also for the agents of their teams)' : 'you are not an agent of this account: ask an admin to link your user to an agent');
  }

  /** The agent mapped to the signed-in user (`/artic/v1/me`). */
  async myAgent(principal: Principal, clientId: number): Promise<AgentStateView> {
    const [a] = await agentsOfUser(this.storage.db, clientId, principal.userId);
    if (!a) throw new AppError('not_found', 'no agent of this account is linked to your user');
    return view(a, this.clock.now().toISOString());
  }

  async act(principal: Principal, clientId: number, agentId: string, action: AgentAction): Promise<AgentStateView> {
    if (action.kind === 'pause' && !REASON.test(action.reason)) throw fieldError('reason', 'must be 1–40 letters, digits, spaces, dots, dashes or underscores');
    const point = action.kind === 'answer_point' || (action.kind === 'login' && action.answerPoint) ? normaliseAnswerPoint((action as { answerPoint: string }).answerPoint, 'answer_point') : null;
    return this.storage.writes.run(async (tx) => {
      const a = await findAgent(tx, agentId);
      if (!a || a.client_id !== clientId) throw new AppError('not_found', `no agent ${agentId} in this account`);
      await this.authorise(tx, principal, clientId, a);
      const now = this.clock.now();
      const nowIso = now.toISOString();
      const busy = a.state === 'ringing' || a.state === 'on_call';
      let change: AgentChange;
      switch (action.kind) {
        case 'login':
          if (a.state !== 'logged_out') throw new AppError('conflict', `agent ${a.name} is already logged in`);
          change = {
            patch: { state: 'available', state_since: nowIso, logged_in_at: nowIso, calls_since_login: 0, pause_reason: null, pending_action: null, busy_until: null, ...(point ? { answer_point: point } : {}), updated_at: nowIso },
            events: [{ event: 'AGENTLOGIN', data: [point ?? a.answer_point] }],
          };
          break;
        case 'logout':
          if (a.state === 'logged_out') throw new AppError('conflict', `agent ${a.name} is not logged in`);
          change = busy ? { patch: { pending_action: 'logoff', updated_at: nowIso }, events: [] } : logoffChange(a, now);
          break;
        case 'pause':
          if (a.state === 'logged_out') throw new AppError('conflict', `agent ${a.name} is not logged in`);
          change = busy ? { patch: { pending_action: `pause:${action.reason}`, updated_at: nowIso }, events: [] } : pauseChange(a, action.reason, now);
          break;
        case 'unpause':
          if (a.pending_action?.startsWith('pause:')) change = { patch: { pending_action: null, updated_at: nowIso }, events: [] };
          else if (a.state !== 'paused') throw new AppError('conflict', `agent ${a.name} is not paused`);
          else change = { patch: { state: 'available', state_since: nowIso, pause_reason: null, updated_at: nowIso }, events: [{ event: 'UNPAUSE', data: [a.pause_reason ?? '', Math.max(0, Math.round((now.getTime() - Date.parse(a.state_since ?? nowIso)) / 1000))] }] };
          break;
        case 'answer_point':
          change = { patch: { answer_point: point!, updated_at: nowIso }, events: [] };
          break;
      }
      await updateAgent(tx, a.id, change.patch);
      await appendJournal(tx, change.events.map((e) => journalRow(now, clientId, e.event, { agentId: a.id, data: e.data })));
      return view({ ...a, ...change.patch } as AgentRow, nowIso);
    });
  }
}

function view(a: AgentRow, nowIso: string): AgentStateView {
  const state = effectiveState(a, nowIso);
  return { id: a.id, name: a.name, answer_point: a.answer_point, state, state_since: state === a.state ? a.state_since : a.busy_until, pause_reason: a.pause_reason, pending_action: a.pending_action, logged_in_at: a.logged_in_at };
}
