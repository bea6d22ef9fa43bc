import { AppError, type FieldError } from '../errors.ts';
import { parseNumber } from '../phone.ts';
import { checkUrlShape } from '../delivery/url-policy.ts';
import { checkHolidays, checkHours, checkTimeZone, type OpeningRange } from './hours.ts';
import { checkMenuOptions, checkMenuRoute, checkQueueRoute, menuRouteReferences, queueRouteReferences, type MenuOption, type MenuRoute, type QueueRoute, type Reference } from './routing.ts';

export { isOpen, type BusinessHours, type OpeningRange } from './hours.ts';
export type { MenuOption, MenuRoute, QueueRoute, Reference } from './routing.ts';

/**
 * ARTIC's configuration, checked before anything is stored (issue #14): teams, agents, queues and IVR menus as the
 * admin API takes them. `full` validates a creation (required fields, defaults filled); otherwise only the fields
 * given (a PATCH). References to other rows (team ids, queue ids, a user) come back from `*References` for the
 * service to check against the account's rows. Errors: AppError validation_failed with every problem found.
 */

export const QUEUE_STRATEGIES = ['ring_all', 'longest_idle', 'round_robin', 'fewest_calls'] as const;
export type QueueStrategy = (typeof QUEUE_STRATEGIES)[number];

export const MAX_NAME = 100;
export const MAX_SKILLS = 20;
export const MAX_SKILL = 40;
export const MAX_TEAM_IDS = 50;
export const MAX_URL = 2000;
export const MAX_HOLD_TEXT = 2000;
export const DEFAULT_COUNTRY = 'AU';

/** Queue integer settings: [min, max, default] (seconds). */
export const QUEUE_NUMBERS = {
  ring_time_sec: [5, 120, 20],
  max_wait_sec: [10, 7200, 300],
  wrapup_sec: [0, 600, 10],
  service_level_sec: [1, 600, 20],
  short_abandon_sec: [0, 60, 5],
  poll_sec: [1, 60, 5],
  timeout_sec: [1, 30, 5],
} as const;

export interface TeamSettings {
  name: string;
}

export interface AgentSettings {
  name: string;
  /** E.164 or `sip:user@host` */
  answer_point: string;
  skills: string[];
  team_ids: string[];
  user_id: string | null;
  supervisor: boolean;
}

export interface QueueSettings {
  name: string;
  strategy: QueueStrategy;
  ring_time_sec: number;
  max_wait_sec: number;
  wrapup_sec: number;
  service_level_sec: number;
  short_abandon_sec: number;
  poll_sec: number;
  hold_music_url: string | null;
  hold_text: string | null;
  announce_position: boolean;
  leave_when_empty: boolean;
  skills: string[];
  team_ids: string[];
  timezone: string;
  hours: OpeningRange[] | null;
  holidays: string[];
  overflow: QueueRoute;
  closed_route: QueueRoute;
}

export interface MenuSettings {
  name: string;
  prompt_text: string | null;
  prompt_url: string | null;
  timeout_sec: number;
  options: MenuOption[];
  otherwise: MenuRoute;
}

export type In<T> = { [K in keyof T]?: unknown };

function fail(errors: FieldError[]): never {
  throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
}

function checkName(v: unknown, errors: FieldError[]): string | undefined {
  if (typeof v === 'string' && v.trim() && v.trim().length <= MAX_NAME) return v.trim();
  errors.push({ path: 'name', message: v === undefined ? 'is required' : `must be text of 1 to ${MAX_NAME} characters` });
  return undefined;
}

function checkBool(v: unknown, path: string, errors: FieldError[]): boolean | undefined {
  if (typeof v === 'boolean') return v;
  errors.push({ path, message: 'must be true or false' });
  return undefined;
}

function checkInt(v: unknown, path: keyof typeof QUEUE_NUMBERS, errors: FieldError[]): number | undefined {
  const [min, max] = QUEUE_NUMBERS[path];
  if (Number.isInteger(v) && (v as number) >= min && (v as number) <= max) return v as number;
  errors.push({ path, message: `must be a whole number of seconds from ${min} to ${max}` });
  return undefined;
}

/** Skill names: 1 to 40 letters, digits, spaces, `_`, `.` or `-`, compared in lower case; at most 20, no repeats. */
export function checkSkills(v: unknown, path: string, errors: FieldError[]): string[] | undefined {
  if (!Array.isArray(v)) return void errors.push({ path, message: `must be a list of up to ${MAX_SKILLS} skill names` });
  if (v.length > MAX_SKILLS) return void errors.push({ path, message: `at most ${MAX_SKILLS} skills` });
  const before = errors.length;
  const out: string[] = [];
  v.forEach((s: unknown, i) => {
    const t = typeof s === 'string' ? s.trim().toLowerCase() : '';
    if (!t || t.length > MAX_SKILL || !/^[\p{L}\p{N}][\p{L}\p{N} _.-]*$/u.test(t)) errors.push({ path: `${path}[${i}]`, message: `must be a short name (1 to ${MAX_SKILL} letters, digits, spaces, _ . -)` });
    else if (!out.includes(t)) out.push(t);
  });
  return errors.length > before ? undefined : out;
}

function checkIds(v: unknown, path: string, errors: FieldError[], min: number): string[] | undefined {
  if (!Array.isArray(v) || v.length < min || v.length > MAX_TEAM_IDS) return void errors.push({ path, message: min ? `must list 1 to ${MAX_TEAM_IDS} teams` : `must be a list of at most ${MAX_TEAM_IDS} team ids` });
  const before = errors.length;
  v.forEach((x: unknown, i) => {
    if (typeof x !== 'string' || !x.trim() || x.length > 100) errors.push({ path: `${path}[${i}]`, message: 'must be a team id' });
  });
  return errors.length > before ? undefined : [...new Set((v as string[]).map((x) => x.trim()))];
}

function checkUrl(v: unknown, path: string, errors: FieldError[]): string | null | undefined {
  if (v === null || v === '') return null;
  const bad = typeof v !== 'string' ? 'must be an absolute http(s) URL' : v.length > MAX_URL ? `must be at most ${MAX_URL} characters` : checkUrlShape(v);
  if (bad) return void errors.push({ path, message: bad });
  return v as string;
}

function checkText(v: unknown, path: string, max: number, errors: FieldError[]): string | null | undefined {
  if (v === null || (typeof v === 'string' && !v.trim())) return null;
  if (typeof v === 'string' && v.length <= max) return v.trim();
  return void errors.push({ path, message: `must be text of at most ${max} characters, or null` });
}

/** An answer point: a phone number (E.164, or national in Australia) as E.164, or a `sip:user@host[:port]` URI. */
export function parseAnswerPoint(v: unknown): string | null {
  if (typeof v !== 'string' || v.length > 200) return null;
  const t = v.trim();
  const host = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*';
  const sip = new RegExp(`^sip:([A-Za-z0-9._~+*#%!$&'()=-]+)@(${host})(:\\d{1,5})?$`, 'i').exec(t);
  if (sip) return `sip:${sip[1]}@${sip[2].toLowerCase()}${sip[3] ?? ''}`;
  // Digits and the usual separators only: libphonenumber would read past trailing text.
  if (!/^\+?[\d\s().-]+$/.test(t)) return null;
  return parseNumber(t, DEFAULT_COUNTRY)?.e164 ?? null;
}

// ---- teams

export function validateTeam(input: In<TeamSettings>, full: boolean): Partial<TeamSettings> {
  const errors: FieldError[] = [];
  const out: Partial<TeamSettings> = {};
  if (full || input.name !== undefined) out.name = checkName(input.name, errors);
  if (errors.length) fail(errors);
  return out;
}

// ---- agents

export function validateAgent(input: In<AgentSettings>, full: boolean): Partial<AgentSettings> {
  const errors: FieldError[] = [];
  const out: Partial<AgentSettings> = full ? { skills: [], team_ids: [], user_id: null, supervisor: false } : {};
  if (full || input.name !== undefined) out.name = checkName(input.name, errors);
  if (full || input.answer_point !== undefined) {
    const ap = parseAnswerPoint(input.answer_point);
    if (ap) out.answer_point = ap;
    else errors.push({ path: 'answer_point', message: input.answer_point === undefined ? 'is required (a phone number or a sip: URI)' : `${JSON.stringify(input.answer_point)} is neither a phone number (E.164, e.g. +61290088888) nor a sip:user@host URI` });
  }
  if (input.skills !== undefined) out.skills = checkSkills(input.skills, 'skills', errors);
  if (input.team_ids !== undefined) out.team_ids = checkIds(input.team_ids, 'team_ids', errors, 0);
  if (input.user_id !== undefined) {
    if (input.user_id === null || input.user_id === '') out.user_id = null;
    else if (typeof input.user_id === 'string' && input.user_id.length <= 100) out.user_id = input.user_id.trim();
    else errors.push({ path: 'user_id', message: 'must be the id of a user of the account, or null' });
  }
  if (input.supervisor !== undefined) out.supervisor = checkBool(input.supervisor, 'supervisor', errors);
  if (errors.length) fail(errors);
  return out;
}

export function agentReferences(a: Partial<AgentSettings>): Reference[] {
  return (a.team_ids ?? []).map((id, i) => ({ path: `team_ids[${i}]`, kind: 'team', id }));
}

// ---- queues

export const QUEUE_DEFAULTS = {
  strategy: 'longest_idle' as QueueStrategy,
  ring_time_sec: QUEUE_NUMBERS.ring_time_sec[2],
  max_wait_sec: QUEUE_NUMBERS.max_wait_sec[2],
  wrapup_sec: QUEUE_NUMBERS.wrapup_sec[2],
  service_level_sec: QUEUE_NUMBERS.service_level_sec[2],
  short_abandon_sec: QUEUE_NUMBERS.short_abandon_sec[2],
  poll_sec: QUEUE_NUMBERS.poll_sec[2],
  hold_music_url: null,
  hold_text: null,
  announce_position: true,
  leave_when_empty: true,
  skills: [] as string[],
  hours: null,
  holidays: [] as string[],
  overflow: { kind: 'voicemail' } as QueueRoute,
  closed_route: { kind: 'voicemail' } as QueueRoute,
};

/**
 * A queue. `selfId`: its id (no route may send calls back to it); `defaultTimezone`: the account's, for a new queue
 * that names none.
 */
export function validateQueue(input: In<QueueSettings>, opts: { full: boolean; selfId?: string; defaultTimezone?: string }): Partial<QueueSettings> {
  const errors: FieldError[] = [];
  const full = opts.full;
  const out: Partial<QueueSettings> = full ? { ...QUEUE_DEFAULTS, skills: [], holidays: [], timezone: opts.defaultTimezone ?? 'UTC' } : {};
  const given = (k: keyof QueueSettings) => input[k] !== undefined;
  if (full || given('name')) out.name = checkName(input.name, errors);
  if (given('strategy')) {
    if (!(QUEUE_STRATEGIES as readonly unknown[]).includes(input.strategy)) errors.push({ path: 'strategy', message: `must be one of ${QUEUE_STRATEGIES.join(', ')}` });
    else out.strategy = input.strategy as QueueStrategy;
  }
  for (const k of ['ring_time_sec', 'max_wait_sec', 'wrapup_sec', 'service_level_sec', 'short_abandon_sec', 'poll_sec'] as const) {
    if (given(k)) out[k] = checkInt(input[k], k, errors);
  }
  if (given('hold_music_url')) out.hold_music_url = checkUrl(input.hold_music_url, 'hold_music_url', errors);
  if (given('hold_text')) out.hold_text = checkText(input.hold_text, 'hold_text', MAX_HOLD_TEXT, errors);
  for (const k of ['announce_position', 'leave_when_empty'] as const) if (given(k)) out[k] = checkBool(input[k], k, errors);
  if (given('skills')) out.skills = checkSkills(input.skills, 'skills', errors);
  if (full || given('team_ids')) out.team_ids = checkIds(input.team_ids, 'team_ids', errors, 1);
  if (given('timezone')) out.timezone = checkTimeZone(input.timezone, 'timezone', errors);
  if (given('hours')) out.hours = checkHours(input.hours, 'hours', errors);
  if (given('holidays')) out.holidays = checkHolidays(input.holidays, 'holidays', errors);
  if (given('overflow')) out.overflow = checkQueueRoute(input.overflow, 'overflow', errors, { selfId: opts.selfId, allowTeam: true });
  if (given('closed_route')) out.closed_route = checkQueueRoute(input.closed_route, 'closed_route', errors, { selfId: opts.selfId, allowTeam: false });
  if (errors.length) fail(errors);
  return out;
}

/** Rules across fields, on the queue as it will be stored (a PATCH merged into the stored queue). */
export function checkQueueWhole(q: QueueSettings): void {
  const errors: FieldError[] = [];
  if (q.short_abandon_sec > q.max_wait_sec) errors.push({ path: 'short_abandon_sec', message: `must be at most max_wait_sec (${q.max_wait_sec})` });
  if (q.overflow.kind === 'team' && q.team_ids.includes(q.overflow.team_id)) errors.push({ path: 'overflow.team_id', message: 'already serves this queue: name another team' });
  if (errors.length) fail(errors);
}

export function queueReferences(q: Partial<QueueSettings>): Reference[] {
  return [...(q.team_ids ?? []).map((id, i): Reference => ({ path: `team_ids[${i}]`, kind: 'team', id })), ...queueRouteReferences(q.overflow, 'overflow'), ...queueRouteReferences(q.closed_route, 'closed_route')];
}

// ---- menus

export function validateMenu(input: In<MenuSettings>, opts: { full: boolean; selfId?: string }): Partial<MenuSettings> {
  const errors: FieldError[] = [];
  const full = opts.full;
  const out: Partial<MenuSettings> = full ? { prompt_text: null, prompt_url: null, timeout_sec: QUEUE_NUMBERS.timeout_sec[2], otherwise: { action: 'hangup' } } : {};
  if (full || input.name !== undefined) out.name = checkName(input.name, errors);
  if (input.prompt_text !== undefined) out.prompt_text = checkText(input.prompt_text, 'prompt_text', MAX_HOLD_TEXT, errors);
  if (input.prompt_url !== undefined) out.prompt_url = checkUrl(input.prompt_url, 'prompt_url', errors);
  if (input.timeout_sec !== undefined) out.timeout_sec = checkInt(input.timeout_sec, 'timeout_sec', errors);
  if (full || input.options !== undefined) out.options = checkMenuOptions(input.options, 'options', errors, opts.selfId);
  if (input.otherwise !== undefined) out.otherwise = checkMenuRoute(input.otherwise, 'otherwise', errors, { selfId: opts.selfId });
  if (errors.length) fail(errors);
  return out;
}

/** A menu says something: prompt_text (spoken) or prompt_url (played), on the menu as it will be stored. */
export function checkMenuWhole(m: MenuSettings): void {
  if (!m.prompt_text && !m.prompt_url) fail([{ path: 'prompt_text', message: 'give prompt_text or prompt_url (what the caller hears before choosing)' }]);
}

export function menuReferences(m: Partial<MenuSettings>): Reference[] {
  return [...(m.options ?? []).flatMap((o, i) => menuRouteReferences(o, `options[${i}]`)), ...menuRouteReferences(m.otherwise, 'otherwise')];
}
