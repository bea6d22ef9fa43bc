import type { CallPlan } from '../../telephony/call-plan.ts';

/** What a call session keeps of its service when the call arrives: the plan, the tracking number and the target. */
export interface SessionPlan {
  plan: CallPlan;
  tracking: string;
  target: { number: string | null; name: string | null };
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/**
 * A session's plan as stored (JSON), parsed once: calls to the same service store the same plan, and every callback of
 * a call reads it again. Kept read-only (frozen), the newest 512.
 */
const plans = new Map<string, SessionPlan>();
export function sessionPlan(json: string): SessionPlan {
  let sp = plans.get(json);
  if (!sp) {
    sp = deepFreeze(JSON.parse(json) as SessionPlan);
    if (plans.size >= 512) plans.delete(plans.keys().next().value!);
    plans.set(json, sp);
  }
  return sp;
}
