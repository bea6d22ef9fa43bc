/**
 * The carrier-neutral call plan (telephony.md 5.2): what a call does, built from the service as it is when the call
 * arrives. Adapters render it for a carrier; steps carry stable ids (paths) so a carrier's action callbacks can say
 * where the call is.
 */

export type Step = TransferStep | PlayStep | RecordStep | GatherStep | QueueStep | { kind: 'hangup'; id: string } | { kind: 'reject'; id: string; reason: 'busy' | 'rejected' };

/**
 * The caller waits in an ARTIC queue and is offered to its agents (services/artic/queue-engine.service.ts decides what
 * each document does: hold, offer, overflow). `onOverflow` runs when the call leaves after the maximum wait (or with
 * nobody logged in), `onClosed` outside business hours.
 */
export interface QueueStep {
  kind: 'queue';
  id: string;
  queueId: string;
  queueName: string;
  record: boolean;
  onOverflow: Step[];
  onClosed: Step[];
}

export interface TransferStep {
  kind: 'transfer';
  id: string;
  /** E.164 answer points, rung at the same time. */
  targets: string[];
  targetName: string | null;
  ringTimeoutSec: number;
  record: boolean;
  callerId: 'caller' | 'tracking';
  timeLimitSec?: number;
  /** Steps when nobody answered (busy, no answer, failed), e.g. a voicemail. */
  onFail?: Step[];
}

export interface PlayStep {
  kind: 'play';
  id: string;
  audioUrl?: string;
  text?: string;
  voice?: string;
  loop?: number;
}

export interface RecordStep {
  kind: 'record';
  id: string;
  maxLengthSec: number;
  beep: boolean;
  finishOnKey?: string;
  silenceTimeoutSec?: number;
}

export interface GatherBranch {
  digits: string;
  name: string | null;
  steps: Step[];
}

export interface GatherStep {
  kind: 'gather';
  id: string;
  prompt: PlayStep;
  numDigits: number;
  timeoutSec: number;
  branches: GatherBranch[];
  otherwise: Step[];
}

export type ServiceType = 'transfer' | 'voicemail' | 'prompt' | 'ivr' | 'queue';

export interface CallPlan {
  version: 1;
  serviceType: ServiceType;
  steps: Step[];
}

export interface IvrOption {
  digit: string;
  name?: string | null;
  target_number?: string | null;
  target_name?: string | null;
}

/** The service fields a plan reads (a services row satisfies it). */
export interface PlanService {
  type: string;
  target_number: string | null;
  target_name: string | null;
  prompt_url: string | null;
  prompt_text: string | null;
  ring_timeout?: number;
  record?: number;
  voicemail_fallback?: number;
  ivr_options?: string | null;
}

export const DEFAULT_RING_TIMEOUT_SEC = 30;
export const VOICEMAIL_MAX_SEC = 120;
export const DEFAULT_VOICEMAIL_TEXT = 'Please leave a message after the tone.';
export const DEFAULT_PROMPT_TEXT = 'Thank you for calling.';

export function parseIvrOptions(json: string | null | undefined): IvrOption[] {
  if (!json) return [];
  const v = JSON.parse(json) as unknown;
  return Array.isArray(v) ? (v as IvrOption[]) : [];
}

/** Builds the plan for one call from the service (a pure function: same service, same plan). */
export function buildCallPlan(svc: PlanService): CallPlan {
  const type = svc.type as ServiceType;
  const greeting = (fallbackText: string): Omit<PlayStep, 'id'> =>
    svc.prompt_url ? { kind: 'play', audioUrl: svc.prompt_url } : { kind: 'play', text: svc.prompt_text || fallbackText };
  const voicemail = (): Omit<Step, 'id'>[] => [greeting(DEFAULT_VOICEMAIL_TEXT), { kind: 'record', maxLengthSec: VOICEMAIL_MAX_SEC, beep: true, finishOnKey: '#', silenceTimeoutSec: 5 } as Omit<RecordStep, 'id'>];
  const transfer = (target: string, name: string | null): Omit<TransferStep, 'id'> => ({
    kind: 'transfer',
    targets: [target],
    targetName: name,
    ringTimeoutSec: svc.ring_timeout ?? DEFAULT_RING_TIMEOUT_SEC,
    record: svc.record === 1,
    callerId: 'caller',
    onFail: svc.voicemail_fallback === 1 ? (voicemail() as Step[]) : undefined,
  });
  let steps: Omit<Step, 'id'>[];
  switch (type) {
    case 'transfer':
      steps = [transfer(svc.target_number ?? '', svc.target_name)];
      break;
    case 'voicemail':
      steps = voicemail();
      break;
    case 'prompt':
      steps = [greeting(DEFAULT_PROMPT_TEXT), { kind: 'hangup' }];
      break;
    case 'ivr': {
      const options = parseIvrOptions(svc.ivr_options);
      const menuText = svc.prompt_text || options.map((o) => `For ${o.name ?? `option ${o.digit}`}, press ${o.digit}.`).join(' ') || DEFAULT_PROMPT_TEXT;
      const prompt = svc.prompt_url ? { kind: 'play' as const, audioUrl: svc.prompt_url } : { kind: 'play' as const, text: menuText };
      steps = [
        {
          kind: 'gather',
          prompt,
          numDigits: 1,
          timeoutSec: 5,
          branches: options.map((o) => ({
            digits: o.digit,
            name: o.name ?? null,
            steps: (o.target_number ? [transfer(o.target_number, o.target_name ?? o.name ?? null)] : voicemail()) as Step[],
          })),
          otherwise: (svc.target_number ? [transfer(svc.target_number, svc.target_name)] : [{ kind: 'hangup' }]) as Step[],
        } as Omit<GatherStep, 'id'>,
      ];
      break;
    }
    case 'queue':
      throw new Error('a queue service’s plan is built from its call-centre set-up (domain/artic/plan.ts)');
    default:
      throw new Error(`unknown service type ${svc.type}`);
  }
  return { version: 1, serviceType: type, steps: assignIds(steps as Step[], '') };
}

/**
 * Click-to-call: the agent has answered the leg the carrier placed to them; the call dials the customer with the
 * service's number as the caller id, ringing as long as the service rings its answer point, recorded when it records.
 */
export function buildClickToCallPlan(customer: string, svc: Pick<PlanService, 'ring_timeout' | 'record'>): CallPlan {
  const dial: Omit<TransferStep, 'id'> = { kind: 'transfer', targets: [customer], targetName: null, ringTimeoutSec: svc.ring_timeout ?? DEFAULT_RING_TIMEOUT_SEC, record: svc.record === 1, callerId: 'tracking' };
  return { version: 1, serviceType: 'transfer', steps: assignIds([dial as Step], '') };
}

/** Ids are paths: `0`, `0.f.1` (second step of the first step's onFail), `0.b2.0` (first step of the third branch), `0.o.0`, `0.x.0` (a queue's overflow), `0.c.0` (a queue's closed route). */
export function assignIds(steps: Step[], prefix: string): Step[] {
  return steps.map((s, i) => {
    const id = prefix ? `${prefix}.${i}` : String(i);
    const out = { ...s, id } as Step;
    if (out.kind === 'transfer' && out.onFail) out.onFail = assignIds(out.onFail, `${id}.f`);
    if (out.kind === 'gather') {
      out.prompt = { ...out.prompt, id: `${id}.p` };
      out.branches = out.branches.map((b, j) => ({ ...b, steps: assignIds(b.steps, `${id}.b${j}`) }));
      out.otherwise = assignIds(out.otherwise, `${id}.o`);
    }
    if (out.kind === 'queue') {
      out.onOverflow = assignIds(out.onOverflow, `${id}.x`);
      out.onClosed = assignIds(out.onClosed, `${id}.c`);
    }
    return out;
  });
}

interface Located {
  step: Step;
  list: Step[];
  index: number;
}

/** Finds a step by id anywhere in the plan. */
export function findStep(plan: CallPlan, id: string): Located | null {
  const walk = (list: Step[]): Located | null => {
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (s.id === id) return { step: s, list, index: i };
      if (s.kind === 'transfer' && s.onFail) {
        const hit = walk(s.onFail);
        if (hit) return hit;
      }
      if (s.kind === 'gather') {
        for (const b of s.branches) {
          const hit = walk(b.steps);
          if (hit) return hit;
        }
        const hit = walk(s.otherwise);
        if (hit) return hit;
      }
      if (s.kind === 'queue') {
        const hit = walk(s.onOverflow) ?? walk(s.onClosed);
        if (hit) return hit;
      }
    }
    return null;
  };
  return walk(plan.steps);
}

export type StepResult = { kind: 'transfer'; answered: boolean } | { kind: 'gather'; digits: string } | { kind: 'record' } | { kind: 'queue'; left: 'overflow' | 'closed' | 'answered' | 'abandoned' };

/** The steps a call runs after an action step finished (an unknown step id ends the call). */
export function continuation(plan: CallPlan, stepId: string, result: StepResult): Step[] {
  const at = findStep(plan, stepId);
  if (!at) return [];
  const rest = at.list.slice(at.index + 1);
  const s = at.step;
  if (s.kind === 'transfer' && result.kind === 'transfer' && !result.answered && s.onFail) return s.onFail;
  if (s.kind === 'gather' && result.kind === 'gather') {
    const branch = s.branches.find((b) => b.digits === result.digits);
    return branch ? branch.steps : s.otherwise;
  }
  if (s.kind === 'queue' && result.kind === 'queue') return result.left === 'overflow' ? s.onOverflow : result.left === 'closed' ? s.onClosed : [{ kind: 'hangup', id: `${s.id}.h` }];
  return rest;
}

/** The steps one carrier document runs: up to and including the first step that waits for an action callback. */
export function segment(steps: Step[]): Step[] {
  const out: Step[] = [];
  for (const s of steps) {
    out.push(s);
    if (s.kind === 'transfer' || s.kind === 'gather' || s.kind === 'record' || s.kind === 'queue' || s.kind === 'hangup' || s.kind === 'reject') break;
  }
  return out;
}

/** The option name of the gather branch chosen with these digits, if any. */
export function branchName(plan: CallPlan, gatherId: string, digits: string): string | null {
  const at = findStep(plan, gatherId);
  if (!at || at.step.kind !== 'gather') return null;
  return at.step.branches.find((b) => b.digits === digits)?.name ?? null;
}
