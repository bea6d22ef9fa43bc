import { assignIds, DEFAULT_VOICEMAIL_TEXT, VOICEMAIL_MAX_SEC, type CallPlan, type GatherStep, type PlayStep, type QueueStep, type RecordStep, type Step } from '../../telephony/call-plan.ts';

/** Where a queue sends a call after the maximum wait or outside hours, and what a menu digit does (stored as JSON). */
export interface ArticRoute {
  kind?: string;
  action?: string;
  queue_id?: string | null;
  menu_id?: string | null;
  team_id?: string | null;
  text?: string | null;
}

export interface PlanQueue {
  id: string;
  name: string;
  overflow: string;
  closed_route: string;
}

export interface PlanMenu {
  id: string;
  name: string;
  prompt_text: string | null;
  prompt_url: string | null;
  timeout_sec: number;
  options: string;
  otherwise: string;
}

export interface ArticSetup {
  queues: Map<string, PlanQueue>;
  menus: Map<string, PlanMenu>;
  /** Whether the service records its calls (the agent's conversation). */
  record: boolean;
}

export const QUEUE_SORRY_TEXT = 'Sorry, nobody can take your call now. Please call again later.';
/** How deep queues overflowing into queues and menus opening menus may go in one call's plan (loops end there). */
const MAX_DEPTH = 6;

const parse = <T>(json: string | null | undefined, fallback: T): T => {
  if (!json) return fallback;
  try {
    return JSON.parse(json) as T;
  } catch {
    return fallback;
  }
};

type Draft = Omit<Step, 'id'>;

function voicemail(): Draft[] {
  return [
    { kind: 'play', text: DEFAULT_VOICEMAIL_TEXT } as Omit<PlayStep, 'id'>,
    { kind: 'record', maxLengthSec: VOICEMAIL_MAX_SEC, beep: true, finishOnKey: '#', silenceTimeoutSec: 5 } as Omit<RecordStep, 'id'>,
  ];
}

function prompt(text: string | null | undefined): Draft[] {
  return [{ kind: 'play', text: text || QUEUE_SORRY_TEXT } as Omit<PlayStep, 'id'>, { kind: 'hangup' }];
}

/**
 * The call plan of a `queue` service: its queue, or its menu's tree down to queues, with each queue's overflow and
 * closed routes (a pure function of the set-up when the call arrives; a team overflow is decided by the engine, and
 * what follows it is the sorry prompt). Queue → queue and menu → menu chains stop after MAX_DEPTH with the prompt.
 */
export function buildArticPlan(target: { queueId?: string | null; menuId?: string | null }, setup: ArticSetup): CallPlan {
  const route = (r: ArticRoute, depth: number): Draft[] => {
    const kind = r.kind ?? r.action ?? 'hangup';
    if (depth > MAX_DEPTH) return prompt(null);
    switch (kind) {
      case 'queue':
        return r.queue_id ? queue(r.queue_id, depth + 1) : prompt(null);
      case 'menu':
        return r.menu_id ? menu(r.menu_id, depth + 1) : prompt(null);
      case 'voicemail':
        return voicemail();
      case 'prompt':
        return prompt(r.text);
      case 'team':
        return prompt(null);
      default:
        return [{ kind: 'hangup' }];
    }
  };
  const queue = (id: string, depth: number): Draft[] => {
    const q = setup.queues.get(id);
    if (!q) return prompt(null);
    const step: Omit<QueueStep, 'id'> = {
      kind: 'queue',
      queueId: q.id,
      queueName: q.name,
      record: setup.record,
      onOverflow: route(parse<ArticRoute>(q.overflow, { kind: 'voicemail' }), depth) as Step[],
      onClosed: route(parse<ArticRoute>(q.closed_route, { kind: 'voicemail' }), depth) as Step[],
    };
    return [step];
  };
  const menu = (id: string, depth: number): Draft[] => {
    const m = setup.menus.get(id);
    if (!m) return prompt(null);
    const options = parse<(ArticRoute & { digit: string; name?: string | null })[]>(m.options, []);
    const text = m.prompt_text || options.map((o) => `For ${o.name ?? `option ${o.digit}`}, press ${o.digit}.`).join(' ');
    const g: Omit<GatherStep, 'id'> = {
      kind: 'gather',
      prompt: (m.prompt_url ? { kind: 'play', audioUrl: m.prompt_url } : { kind: 'play', text }) as PlayStep,
      numDigits: 1,
      timeoutSec: m.timeout_sec,
      branches: options.map((o) => ({ digits: o.digit, name: o.name ?? null, steps: route(o, depth) as Step[] })),
      otherwise: route(parse<ArticRoute>(m.otherwise, { kind: 'hangup' }), depth) as Step[],
    };
    return [g];
  };
  const steps = target.menuId ? menu(target.menuId, 0) : target.queueId ? queue(target.queueId, 0) : prompt(null);
  return { version: 1, serviceType: 'queue', steps: assignIds(steps as Step[], '') };
}
