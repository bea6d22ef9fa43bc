import { AppError, type FieldError } from '../../domain/errors.ts';
import type { SandboxCarrier, SimPhone, SimResult, SimScript } from '../../telephony/sandbox/sandbox-carrier.ts';
import { VirtualTime } from '../../telephony/sandbox/virtual-time.ts';
import type { ManualClock } from '../../domain/clock.ts';
import type { Principal } from '../accounts/principal.ts';
import type { AgentAction, AgentActionsService } from './agent-actions.service.ts';

/**
 * A scripted call-centre day for the sandbox (`telltale sim day FILE`, and the tests): agents' phones, agent actions
 * and calls at seconds from the start, all on one virtual timeline (nothing waits for real time).
 *
 * ```json
 * { "phones": { "+61400000001": { "outcome": "answered", "answer_after": 3 } },
 *   "events": [
 *     { "at": 0, "agent": "Ann", "action": "login" },
 *     { "at": 600, "agent": "Ann", "action": "pause", "reason": "lunch" },
 *     { "at": 30, "call": { "to": "+61290009001", "from": "+61390000001", "talk": 60, "hang_up_after": 40, "hangs_up": "caller", "digits": "1" } } ] }
 * ```
 */
export interface Scenario {
  phones?: Record<string, { outcome: SimPhone['outcome']; answer_after?: number }>;
  events: ScenarioEvent[];
}

export type ScenarioEvent =
  | { at: number; agent: string; action: 'login' | 'logout' | 'pause' | 'unpause'; reason?: string; answer_point?: string }
  | { at: number; call: { to: string; from: string; talk?: number; hang_up_after?: number; hangs_up?: 'caller' | 'agent'; digits?: string; voicemail?: number } };

export interface ScenarioRun {
  calls: SimResult[];
  /** Agent actions refused (e.g. pausing an agent who is not logged in), each with its time. */
  refused: string[];
  startedAt: string;
  endedAt: string;
}

const OUTCOMES = ['answered', 'no-answer', 'busy', 'failed'];
const ACTIONS = ['login', 'logout', 'pause', 'unpause'];

/** Checks a scenario's shape; 400-style errors naming the field. */
export function checkScenario(v: unknown): Scenario {
  const errors: FieldError[] = [];
  const s = v as Scenario;
  if (!s || typeof s !== 'object' || !Array.isArray(s.events)) throw new AppError('validation_failed', 'events: must be a list', [{ path: 'events', message: 'must be a list' }]);
  for (const [n, p] of Object.entries(s.phones ?? {})) if (!OUTCOMES.includes(p?.outcome)) errors.push({ path: `phones.${n}.outcome`, message: `must be one of ${OUTCOMES.join(', ')}` });
  s.events.forEach((e, i) => {
    if (typeof e?.at !== 'number' || e.at < 0) errors.push({ path: `events[${i}].at`, message: 'must be the seconds from the start (0 or more)' });
    if ('call' in e) {
      if (!e.call?.to || !e.call?.from) errors.push({ path: `events[${i}].call`, message: 'needs to and from' });
    } else if (!('agent' in e) || !ACTIONS.includes(e.action)) errors.push({ path: `events[${i}]`, message: `an agent event needs agent and action (${ACTIONS.join(', ')})` });
    else if (e.action === 'pause' && !e.reason) errors.push({ path: `events[${i}].reason`, message: 'is required to pause' });
  });
  if (errors.length) throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
  return s;
}

/**
 * Runs a scenario: sets the phones, then plays every event at its second from `clock`'s current time, on virtual
 * time driving `clock` (the app's clock, so the queue engine and the journal see the script's instants). Agents are
 * named by id or by name. Returns when every call has ended.
 */
export async function runScenario(
  deps: { sandbox: SandboxCarrier; agentActions: AgentActionsService; agentsOf: (clientId: number) => Promise<{ id: string; name: string }[]> },
  clock: ManualClock,
  clientId: number,
  scenario: Scenario,
): Promise<ScenarioRun> {
  const time = new VirtualTime(clock);
  const start = clock.now().getTime();
  const admin: Principal = { userId: 'scenario', username: 'scenario', clientIds: [clientId], roles: { [clientId]: 'owner' } };
  for (const [number, p] of Object.entries(scenario.phones ?? {})) deps.sandbox.setPhone(number, { outcome: p.outcome, answerAfterSec: p.answer_after });
  const agents = await deps.agentsOf(clientId);
  const agentId = (ref: string) => agents.find((a) => a.id === ref)?.id ?? agents.find((a) => a.name === ref)?.id;
  const run: ScenarioRun = { calls: [], refused: [], startedAt: new Date(start).toISOString(), endedAt: '' };
  await Promise.all(
    scenario.events.map((e) =>
      time.task(async () => {
        await time.until(start + e.at * 1000);
        if ('call' in e) {
          const c = e.call;
          const script: SimScript = { to: c.to, from: c.from, time, talkSec: c.talk, hangUpAfterSec: c.hang_up_after, hangsUp: c.hangs_up, digits: c.digits, voicemailSec: c.voicemail };
          run.calls.push(await deps.sandbox.placeCall(script));
          return;
        }
        const id = agentId(e.agent);
        if (!id) {
          run.refused.push(`t=${e.at} ${e.action} ${e.agent}: no such agent`);
          return;
        }
        const action: AgentAction = e.action === 'pause' ? { kind: 'pause', reason: e.reason ?? '' } : e.action === 'login' ? { kind: 'login', answerPoint: e.answer_point } : { kind: e.action };
        await deps.agentActions.act(admin, clientId, id, action).catch((err) => run.refused.push(`t=${e.at} ${e.action} ${e.agent}: ${(err as Error).message}`));
      }),
    ),
  );
  run.endedAt = clock.now().toISOString();
  return run;
}
