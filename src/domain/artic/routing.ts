import type { FieldError } from '../errors.ts';

/**
 * Where a call goes: a queue's overflow (after the maximum wait, or with nobody logged in) and closed route (outside
 * business hours) are `QueueRoute`s ({kind, …}); a menu's options and its `otherwise` (no digit pressed in time) are
 * `MenuRoute`s ({action, …}). Only the fields of the kind are kept.
 */
export const QUEUE_ROUTE_KINDS = ['queue', 'team', 'voicemail', 'prompt', 'hangup'] as const;
export const MENU_ACTIONS = ['queue', 'menu', 'voicemail', 'prompt', 'hangup'] as const;

export type QueueRoute = { kind: 'queue'; queue_id: string } | { kind: 'team'; team_id: string } | { kind: 'voicemail' } | { kind: 'prompt'; text: string } | { kind: 'hangup' };
export type MenuRoute = { action: 'queue'; queue_id: string } | { action: 'menu'; menu_id: string } | { action: 'voicemail' } | { action: 'prompt'; text: string } | { action: 'hangup' };
export type MenuOption = MenuRoute & { digit: string; name: string | null };

/** An id another row of the account must have: checked by the service against the database. */
export interface Reference {
  path: string;
  kind: 'team' | 'queue' | 'menu';
  id: string;
}

export const MAX_OPTIONS = 12;
export const MAX_ID = 100;
export const MAX_PROMPT_TEXT = 2000;

function obj(v: unknown): Record<string, unknown> | null {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function id(v: unknown, path: string, errors: FieldError[]): string | undefined {
  if (typeof v === 'string' && v.trim() && v.length <= MAX_ID) return v.trim();
  errors.push({ path, message: v === undefined || v === null || v === '' ? 'is required' : `must be an id of at most ${MAX_ID} characters` });
  return undefined;
}

function promptText(v: unknown, path: string, errors: FieldError[]): string | undefined {
  if (typeof v === 'string' && v.trim() && v.length <= MAX_PROMPT_TEXT) return v.trim();
  errors.push({ path, message: v === undefined || v === null || v === '' ? 'is required (the text spoken)' : `must be text of 1 to ${MAX_PROMPT_TEXT} characters` });
  return undefined;
}

/** Fields that do not belong to the kind are refused, so a typo never passes silently. */
function refuseOthers(r: Record<string, unknown>, allowed: string[], path: string, what: string, errors: FieldError[]) {
  for (const k of Object.keys(r)) if (!allowed.includes(k) && r[k] !== undefined && r[k] !== null) errors.push({ path: `${path}.${k}`, message: `is not used by ${what}` });
}

/**
 * A queue route. `selfId`: the queue's own id (a queue never overflows to itself); `allowTeam`: only the overflow may
 * name a team (the call stays in the queue, offered to that team's agents too).
 */
export function checkQueueRoute(v: unknown, path: string, errors: FieldError[], opts: { selfId?: string; allowTeam: boolean }): QueueRoute | undefined {
  const r = obj(v);
  if (!r) return void errors.push({ path, message: `must be a route {kind: ${QUEUE_ROUTE_KINDS.join(' | ')}, …}` });
  const kinds = opts.allowTeam ? QUEUE_ROUTE_KINDS : QUEUE_ROUTE_KINDS.filter((k) => k !== 'team');
  const kind = r.kind;
  if (typeof kind !== 'string' || !(kinds as readonly string[]).includes(kind)) {
    const hint = kind === 'team' ? ' (a team is an overflow only: outside hours no agent takes calls)' : '';
    return void errors.push({ path: `${path}.kind`, message: `must be one of ${kinds.join(', ')}${hint}` });
  }
  const before = errors.length;
  let out: QueueRoute | undefined;
  if (kind === 'queue') {
    refuseOthers(r, ['kind', 'queue_id'], path, 'a queue route', errors);
    const q = id(r.queue_id, `${path}.queue_id`, errors);
    if (q !== undefined && q === opts.selfId) errors.push({ path: `${path}.queue_id`, message: 'must be another queue (not this one)' });
    else if (q !== undefined) out = { kind, queue_id: q };
  } else if (kind === 'team') {
    refuseOthers(r, ['kind', 'team_id'], path, 'a team route', errors);
    const t = id(r.team_id, `${path}.team_id`, errors);
    if (t !== undefined) out = { kind, team_id: t };
  } else if (kind === 'prompt') {
    refuseOthers(r, ['kind', 'text'], path, 'a prompt route', errors);
    const text = promptText(r.text, `${path}.text`, errors);
    if (text !== undefined) out = { kind, text };
  } else {
    refuseOthers(r, ['kind'], path, `a ${kind} route`, errors);
    out = { kind: kind as 'voicemail' | 'hangup' };
  }
  return errors.length > before ? undefined : out;
}

/** A menu action (an option without its digit and name, or `otherwise`). `selfId`: the menu's own id. */
export function checkMenuRoute(v: unknown, path: string, errors: FieldError[], opts: { selfId?: string; extra?: string[] }): MenuRoute | undefined {
  const r = obj(v);
  if (!r) return void errors.push({ path, message: `must be {action: ${MENU_ACTIONS.join(' | ')}, …}` });
  const action = r.action;
  if (typeof action !== 'string' || !(MENU_ACTIONS as readonly string[]).includes(action)) return void errors.push({ path: `${path}.action`, message: `must be one of ${MENU_ACTIONS.join(', ')}` });
  const extra = opts.extra ?? [];
  const before = errors.length;
  let out: MenuRoute | undefined;
  if (action === 'queue') {
    refuseOthers(r, ['action', 'queue_id', ...extra], path, 'the action queue', errors);
    const q = id(r.queue_id, `${path}.queue_id`, errors);
    if (q !== undefined) out = { action, queue_id: q };
  } else if (action === 'menu') {
    refuseOthers(r, ['action', 'menu_id', ...extra], path, 'the action menu', errors);
    const m = id(r.menu_id, `${path}.menu_id`, errors);
    if (m !== undefined && m === opts.selfId) errors.push({ path: `${path}.menu_id`, message: 'must be another menu (not this one)' });
    else if (m !== undefined) out = { action, menu_id: m };
  } else if (action === 'prompt') {
    refuseOthers(r, ['action', 'text', ...extra], path, 'the action prompt', errors);
    const text = promptText(r.text, `${path}.text`, errors);
    if (text !== undefined) out = { action, text };
  } else {
    refuseOthers(r, ['action', ...extra], path, `the action ${action}`, errors);
    out = { action: action as 'voicemail' | 'hangup' };
  }
  return errors.length > before ? undefined : out;
}

/** A menu's options: 1 to 12, one key each (0-9, * or #), no key twice; sorted as given. */
export function checkMenuOptions(v: unknown, path: string, errors: FieldError[], selfId?: string): MenuOption[] | undefined {
  if (!Array.isArray(v) || v.length < 1 || v.length > MAX_OPTIONS) return void errors.push({ path, message: `must be a list of 1 to ${MAX_OPTIONS} options` });
  const before = errors.length;
  const seen = new Set<string>();
  const out: MenuOption[] = [];
  v.forEach((o: unknown, i) => {
    const p = `${path}[${i}]`;
    const r = obj(o);
    if (!r) return void errors.push({ path: p, message: 'must be {digit, name?, action, …}' });
    const digit = r.digit;
    if (typeof digit !== 'string' || !/^[0-9*#]$/.test(digit)) errors.push({ path: `${p}.digit`, message: 'must be one key: 0-9, * or #' });
    else if (seen.has(digit)) errors.push({ path: `${p}.digit`, message: `${digit} is used by another option` });
    else seen.add(digit);
    let name: string | null = null;
    if (r.name !== undefined && r.name !== null && r.name !== '') {
      if (typeof r.name !== 'string' || r.name.length > 100) errors.push({ path: `${p}.name`, message: 'must be text of at most 100 characters' });
      else name = r.name.trim() || null;
    }
    const route = checkMenuRoute(r, p, errors, { selfId, extra: ['digit', 'name'] });
    if (route && typeof digit === 'string') out.push({ digit, name, ...route });
  });
  return errors.length > before ? undefined : out;
}

export function queueRouteReferences(r: QueueRoute | undefined, path: string): Reference[] {
  if (r?.kind === 'queue') return [{ path: `${path}.queue_id`, kind: 'queue', id: r.queue_id }];
  if (r?.kind === 'team') return [{ path: `${path}.team_id`, kind: 'team', id: r.team_id }];
  return [];
}

export function menuRouteReferences(r: MenuRoute | undefined, path: string): Reference[] {
  if (r?.action === 'queue') return [{ path: `${path}.queue_id`, kind: 'queue', id: r.queue_id }];
  if (r?.action === 'menu') return [{ path: `${path}.menu_id`, kind: 'menu', id: r.menu_id }];
  return [];
}
