/**
 * Source rules of a tracking code (source-level DNI): conditions on the visit, tried in priority order (the array
 * order); the first rule whose conditions all hold gives the visitor its service's number. Matching is pure and
 * bounded: exact comparisons, domain suffixes, substring and `*` wildcard patterns, never a regular expression from
 * an account run on a visitor's text (no catastrophic backtracking on a public endpoint).
 */
import { fieldError, type FieldError } from '../errors.ts';

export const RULE_FIELDS = ['utm_source', 'utm_medium', 'utm_campaign', 'referrer_domain', 'landing_contains', 'landing_matches', 'gclid', 'fbclid'] as const;
export type RuleField = (typeof RULE_FIELDS)[number];

/** One condition set; every given condition must hold. */
export interface RuleWhen {
  /** equal, case-insensitive */
  utm_source?: string;
  utm_medium?: string;
  utm_campaign?: string;
  /** the referrer's host is this domain or one of its subdomains (`google.com` matches `www.google.com`) */
  referrer_domain?: string;
  /** the landing URL contains this text (case-insensitive) */
  landing_contains?: string;
  /** the whole landing URL matches this pattern, `*` standing for any run of characters (case-insensitive) */
  landing_matches?: string;
  /** true: the landing URL carries a gclid; false: it carries none */
  gclid?: boolean;
  fbclid?: boolean;
}

export interface SourceRule {
  when: RuleWhen;
  service_id: string;
}

/** What rules look at, taken from the visit (visit-data.ts). */
export interface RuleInput {
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  /** host of the referrer, lower case, or null */
  referrer_host: string | null;
  /** the landing URL (the page URL when the script had none) */
  landing_url: string;
  gclid: string | null;
  fbclid: string | null;
}

const MAX_TEXT = 200;
const MAX_STARS = 8;
export const MAX_RULES = 50;

/** The index of the first rule that matches, or -1. */
export function matchRule(rules: readonly SourceRule[], v: RuleInput): number {
  for (let i = 0; i < rules.length; i++) if (ruleHolds(rules[i].when, v)) return i;
  return -1;
}

export function ruleHolds(w: RuleWhen, v: RuleInput): boolean {
  const eq = (want: string | undefined, got: string | null) => want === undefined || (got !== null && got.toLowerCase() === want.toLowerCase());
  if (!eq(w.utm_source, v.utm_source) || !eq(w.utm_medium, v.utm_medium) || !eq(w.utm_campaign, v.utm_campaign)) return false;
  if (w.referrer_domain !== undefined) {
    const d = w.referrer_domain.toLowerCase().replace(/^\.+/, '');
    const h = v.referrer_host;
    if (!h || !(h === d || h.endsWith(`.${d}`))) return false;
  }
  const landing = v.landing_url.toLowerCase();
  if (w.landing_contains !== undefined && !landing.includes(w.landing_contains.toLowerCase())) return false;
  if (w.landing_matches !== undefined && !globMatch(w.landing_matches.toLowerCase(), landing)) return false;
  if (w.gclid !== undefined && w.gclid !== !!v.gclid) return false;
  if (w.fbclid !== undefined && w.fbclid !== !!v.fbclid) return false;
  return true;
}

/** `*` matches any run of characters; everything else literally. Linear-time two-pointer matching (no backtracking blow-up). */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Checks rules given as JSON (the API); returns them normalized, or the field errors (paths like `rules[0].when.utm_source`). */
export function validateRules(input: unknown, path = 'rules'): { rules: SourceRule[]; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const rules: SourceRule[] = [];
  if (!Array.isArray(input)) return { rules, errors: [{ path, message: 'must be an array of {when, service_id}' }] };
  if (input.length > MAX_RULES) errors.push({ path, message: `at most ${MAX_RULES} rules` });
  input.slice(0, MAX_RULES).forEach((r, i) => {
    const at = `${path}[${i}]`;
    if (!r || typeof r !== 'object') return void errors.push({ path: at, message: 'must be an object {when, service_id}' });
    const { when, service_id } = r as { when?: unknown; service_id?: unknown };
    if (typeof service_id !== 'string' || !service_id) errors.push({ path: `${at}.service_id`, message: 'is required' });
    if (!when || typeof when !== 'object' || Array.isArray(when)) return void errors.push({ path: `${at}.when`, message: 'must be an object of conditions' });
    const w: RuleWhen = {};
    const entries = Object.entries(when as Record<string, unknown>);
    if (!entries.length) errors.push({ path: `${at}.when`, message: `needs at least one condition (${RULE_FIELDS.join(', ')})` });
    for (const [k, v] of entries) {
      const fp = `${at}.when.${k}`;
      if (!(RULE_FIELDS as readonly string[]).includes(k)) {
        errors.push({ path: fp, message: `unknown condition (known: ${RULE_FIELDS.join(', ')})` });
      } else if (k === 'gclid' || k === 'fbclid') {
        if (typeof v !== 'boolean') errors.push({ path: fp, message: 'must be true or false' });
        else w[k] = v;
      } else if (typeof v !== 'string' || !v.trim() || v.length > MAX_TEXT) {
        errors.push({ path: fp, message: `must be text of 1 to ${MAX_TEXT} characters` });
      } else if (k === 'landing_matches' && (v.match(/\*/g)?.length ?? 0) > MAX_STARS) {
        errors.push({ path: fp, message: `at most ${MAX_STARS} wildcards (*)` });
      } else {
        (w as Record<string, string>)[k] = v.trim();
      }
    }
    if (typeof service_id === 'string' && service_id) rules.push({ when: w, service_id });
  });
  return { rules, errors };
}

/**
 * One rule as the CLI writes it: `CONDITION[,CONDITION…]:SERVICE_ID`, a condition being `field=value` or a bare
 * `gclid` / `fbclid` (present; `gclid=false` for absent). Example: `utm_source=google,utm_medium=cpc:sv_…`.
 */
export function parseRuleText(text: string): SourceRule {
  const i = text.lastIndexOf(':');
  if (i <= 0 || i === text.length - 1) throw fieldError('rule', `"${text}" must look like utm_source=google:SERVICE_ID`);
  const service_id = text.slice(i + 1).trim();
  const when: Record<string, unknown> = {};
  for (const part of text.slice(0, i).split(',')) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    const value = eq < 0 ? undefined : part.slice(eq + 1).trim();
    if (key === 'gclid' || key === 'fbclid') when[key] = value === undefined || !['false', 'no', '0', 'absent'].includes(value.toLowerCase());
    else if (key === 'referrer') when.referrer_domain = value;
    else when[key] = value;
  }
  const { rules, errors } = validateRules([{ when, service_id }], 'rule');
  if (errors.length) throw fieldError('rule', `"${text}": ${errors.map((e) => `${e.path.replace(/^rule\[0\]\.?/, '')} ${e.message}`).join('; ')}`);
  return rules[0];
}
