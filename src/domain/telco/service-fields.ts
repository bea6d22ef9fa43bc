import { AppError, type FieldError } from '../errors.ts';
import { parseNumber } from '../phone.ts';
import { checkUrlShape } from '../delivery/url-policy.ts';
import { unknownTags } from '../delivery/callback-template.ts';

/** The Telco API's service fields: what an order may set on a service, checked before anything is stored. */

export const SERVICE_TYPES = ['transfer', 'voicemail', 'prompt', 'ivr', 'queue'] as const;
export const NOTIFY_STATUSES = ['answered', 'missed', 'busy', 'failed', 'abandoned', 'voicemail', 'ivr'] as const;

export interface NotificationIn {
  channel: 'email' | 'sms';
  to: string;
  statuses: string[];
}

export interface ServiceFieldsIn {
  type?: string;
  name?: string | null;
  target_number?: string | null;
  target_name?: string | null;
  prompt_url?: string | null;
  prompt_text?: string | null;
  custom_id?: string | null;
  custom_group?: string | null;
  call_callback_uri?: string | null;
  /** GET (default) or POST with a JSON body of the same fields. */
  call_callback_method?: string;
  sms_forward_uri?: string | null;
  notifications?: NotificationIn[];
  ring_timeout?: number;
  record?: boolean;
  voicemail_fallback?: boolean;
  ivr_options?: { digit: string; name?: string | null; target_number?: string | null; target_name?: string | null }[] | null;
  /** queue: the ARTIC queue the calls wait in (or artic_menu_id: the menu that leads to queues). */
  artic_queue_id?: string | null;
  artic_menu_id?: string | null;
}

export interface CriteriaIn {
  country?: string;
  class?: string;
  area?: string;
  contains?: string;
  sms?: boolean;
}

export interface RequestIn {
  type: 'new' | 'update' | 'decommission';
  callback_uri?: string;
  service_id?: string;
  number?: string;
  criteria?: CriteriaIn;
  service?: ServiceFieldsIn;
}

/** A service's settings as stored (booleans as 0/1, lists as JSON text). */
export interface ServiceSettings {
  type: string;
  name: string | null;
  target_number: string | null;
  target_name: string | null;
  prompt_url: string | null;
  prompt_text: string | null;
  custom_id: string | null;
  custom_group: string | null;
  call_callback_uri: string | null;
  /** GET (default) or POST: how the HTTP Callback is sent. */
  call_callback_method: string;
  sms_forward_uri: string | null;
  /** JSON [{channel, to, statuses}]. */
  notifications: string;
  /** Transfer: seconds the answer point rings. */
  ring_timeout: number;
  /** Transfer: 1 to record the answered call. */
  record: number;
  /** Transfer: 1 to take a voicemail on busy / no answer / failure. */
  voicemail_fallback: number;
  /** IVR: JSON [{digit, name?, target_number?, target_name?}]. */
  ivr_options: string | null;
  /** queue: the ARTIC queue or menu the calls go to (migration 022; one of the two). */
  artic_queue_id?: string | null;
  artic_menu_id?: string | null;
}

/**
 * Service columns a request may set, after validation; null clears a field. `answer_point_id` links the service to
 * a named answer point (set by the UserAPI with the answer point's number; a Telco API change of the target clears it).
 */
export type ServiceChanges = Partial<ServiceSettings> & { answer_point_id?: string | null };

/** Non-fatal remarks on a request: tags of the HTTP Callback template Telltale does not know (sent empty). */
export function requestWarnings(input: RequestIn): FieldError[] {
  const uri = input.service?.call_callback_uri;
  if (!uri) return [];
  return unknownTags(uri).map((t) => ({ path: 'service.call_callback_uri', message: `unknown tag [[${t}]] will be sent empty` }));
}

/** Validates service fields; `full` for a new service (type required). Returns the columns to write. */
export function validateServiceFields(s: ServiceFieldsIn, full: boolean): ServiceChanges {
  const errors: FieldError[] = [];
  const out: ServiceChanges = {};
  const p = (f: string) => `service.${f}`;
  if (full && !s.type) errors.push({ path: p('type'), message: 'is required' });
  if (s.type !== undefined) {
    if (!(SERVICE_TYPES as readonly string[]).includes(s.type)) errors.push({ path: p('type'), message: `must be one of ${SERVICE_TYPES.join(', ')}` });
    else out.type = s.type;
  }
  const text = (f: keyof ServiceFieldsIn, max: number) => {
    const v = s[f];
    if (v === undefined) return;
    if (v === null || v === '') return void ((out as Record<string, unknown>)[f] = null);
    if (typeof v !== 'string' || v.length > max) errors.push({ path: p(f), message: `must be text of at most ${max} characters` });
    else (out as Record<string, unknown>)[f] = v;
  };
  for (const f of ['name', 'target_name', 'custom_id', 'custom_group'] as const) text(f, 255);
  text('prompt_text', 2000);
  if (s.target_number !== undefined && s.target_number !== null && s.target_number !== '') {
    const parsed = parseNumber(s.target_number);
    if (!parsed) errors.push({ path: p('target_number'), message: `"${s.target_number}" is not a valid phone number (use E.164, e.g. +61290088888)` });
    else out.target_number = parsed.e164;
  } else if (s.target_number !== undefined) out.target_number = null;
  for (const f of ['prompt_url', 'call_callback_uri', 'sms_forward_uri'] as const) {
    const v = s[f];
    if (v === undefined) continue;
    if (v === null || v === '') {
      out[f] = null;
      continue;
    }
    const bad = checkUrlShape(v);
    if (bad) errors.push({ path: p(f), message: bad });
    else if (v.length > 4000) errors.push({ path: p(f), message: 'must be at most 4000 characters' });
    else out[f] = v;
  }
  if (s.call_callback_method !== undefined) {
    const m = String(s.call_callback_method).toUpperCase();
    if (m !== 'GET' && m !== 'POST') errors.push({ path: p('call_callback_method'), message: 'must be GET or POST' });
    else out.call_callback_method = m;
  }
  if (s.notifications !== undefined) {
    s.notifications.forEach((n, i) => {
      const np = `${p('notifications')}[${i}]`;
      if (n.channel === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(n.to)) errors.push({ path: `${np}.to`, message: 'must be an e-mail address' });
      if (n.channel === 'sms' && !parseNumber(n.to)) errors.push({ path: `${np}.to`, message: 'must be a phone number in E.164' });
      n.statuses.forEach((st, j) => {
        if (!(NOTIFY_STATUSES as readonly string[]).includes(st)) errors.push({ path: `${np}.statuses[${j}]`, message: `must be one of ${NOTIFY_STATUSES.join(', ')}` });
      });
    });
    out.notifications = JSON.stringify(s.notifications.map((n) => ({ ...n, to: n.channel === 'sms' ? parseNumber(n.to)?.e164 ?? n.to : n.to })));
  }
  validateCallFields(s, out, errors, full);
  const type = out.type ?? s.type;
  if (full && type === 'transfer' && !out.target_number) errors.push({ path: p('target_number'), message: 'is required for a transfer service' });
  if (errors.length) throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
  return out;
}

/** Call handling (issue 3): ring timeout, recording, voicemail fallback, IVR options. */
function validateCallFields(s: ServiceFieldsIn, out: ServiceChanges, errors: FieldError[], full: boolean): void {
  const p = (f: string) => `service.${f}`;
  if (s.ring_timeout !== undefined) {
    if (!Number.isInteger(s.ring_timeout) || s.ring_timeout < 5 || s.ring_timeout > 120) errors.push({ path: p('ring_timeout'), message: 'must be a whole number of seconds from 5 to 120' });
    else out.ring_timeout = s.ring_timeout;
  }
  for (const f of ['record', 'voicemail_fallback'] as const) {
    if (s[f] === undefined) continue;
    if (typeof s[f] !== 'boolean') errors.push({ path: p(f), message: 'must be true or false' });
    else out[f] = s[f] ? 1 : 0;
  }
  if (s.ivr_options !== undefined) {
    if (s.ivr_options === null) out.ivr_options = null;
    else {
      const seen = new Set<string>();
      const options = s.ivr_options.map((o, i) => {
        const op = `${p('ivr_options')}[${i}]`;
        if (!/^[0-9*#]$/.test(o.digit ?? '')) errors.push({ path: `${op}.digit`, message: 'must be one key: 0-9, * or #' });
        else if (seen.has(o.digit)) errors.push({ path: `${op}.digit`, message: `${o.digit} is used by another option` });
        seen.add(o.digit);
        let target: string | null = null;
        if (o.target_number) {
          target = parseNumber(o.target_number)?.e164 ?? null;
          if (!target) errors.push({ path: `${op}.target_number`, message: `"${o.target_number}" is not a valid phone number (use E.164, e.g. +61290088888)` });
        }
        return { digit: o.digit, name: o.name ?? null, target_number: target, target_name: o.target_name ?? null };
      });
      if (!options.length) errors.push({ path: p('ivr_options'), message: 'needs at least one option' });
      out.ivr_options = JSON.stringify(options);
    }
  }
  for (const f of ['artic_queue_id', 'artic_menu_id'] as const) {
    const v = s[f];
    if (v === undefined) continue;
    if (v !== null && (typeof v !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(v))) errors.push({ path: p(f), message: 'must be the id of a call-centre queue (or menu) of the account' });
    else out[f] = v;
  }
  const type = out.type ?? s.type;
  if (full && type === 'queue' && !out.artic_queue_id && !out.artic_menu_id) errors.push({ path: p('artic_queue_id'), message: 'is required for a queue service (or artic_menu_id)' });
  if (out.artic_queue_id && out.artic_menu_id) errors.push({ path: p('artic_menu_id'), message: 'give artic_queue_id or artic_menu_id, not both' });
  if (full && type === 'ivr' && !out.ivr_options) errors.push({ path: p('ivr_options'), message: 'is required for an ivr service (at least one option)' });
}
