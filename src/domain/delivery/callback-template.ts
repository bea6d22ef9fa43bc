import { DateTime } from 'luxon';
import { CALL_STATUSES, type CallStatusCode } from '../calls/call-status.ts';
import { parseNumber, toAvanserFormat } from '../phone.ts';
import { audioUrl, avanserCaller } from '../report/formats.ts';
import { parseJsonObject, type CallRecord } from '../calls/call.ts';

/**
 * The HTTP Callback tags: every tag of the seed's "HTTP Callback: Full Parameter List", plus `[[tag]]`/`[[curl]]`
 * (custom_id / custom_group, from the seed's example URL). Tag names are matched case-insensitively.
 */
export const CALLBACK_TAGS = [
  'clientid', 'callid', 'callstatus', 'callcode', 'uniqueid', 'adname', 'bnum', 'duration', 'unixtime', 'tzdate', 'calldate', 'ucalldate',
  'ani', 'target', 'clocation', 'cstate', 'ccountry', 'targetname', 'label',
  ...Array.from({ length: 10 }, (_, i) => [`cd_cp${String(i + 1).padStart(2, '0')}`, `feat${String(i + 1).padStart(2, '0')}`]).flat(),
  'ivr',
  'dl:url', 'dl:source', 'dl:medium', 'dl:term', 'dl:campaign', 'dl:location', 'dl:state', 'dl:country',
  'web:usercode', 'web:sessioncode', 'web:gclid',
  'audio',
  'aparty:e164', 'aparty:state', 'aparty:country', 'bparty:e164', 'cparty:e164', 'cparty:country',
  'call:disposition', 'call:utcdate', 'call:direction',
  'sentiment:score', 'sentiment:agent', 'sentiment:caller', 'sentiment:talkMost', 'sentiment:communication', 'sentiment:conduct',
  'sentiment:politeness', 'sentiment:highRisk', 'sentiment:badAttitude', 'sentiment:slangUsed', 'sentiment:profanityUsed',
  'tag', 'curl',
  // Telltale's call-centre tags (not in the seed): the queue, agent and outcome of an ARTIC call, empty for other calls.
  'artic:isArtic', 'artic:queue', 'artic:agent', 'artic:outcome', 'artic:wait',
] as const;

export type CallbackTag = (typeof CALLBACK_TAGS)[number];

const BY_LOWER = new Map<string, CallbackTag>(CALLBACK_TAGS.map((t) => [t.toLowerCase(), t]));
const TAG_RE = /\[\[([^\[\]]*)\]\]/g;

/** The parts of a call record the tags are made from (a `calls` row satisfies it). */
export type CallForTags = Pick<
  CallRecord,
  | 'id'
  | 'unique_id'
  | 'direction'
  | 'tracking_number'
  | 'tracking_name'
  | 'target_number'
  | 'target_name'
  | 'caller_number'
  | 'caller_withheld'
  | 'caller_location'
  | 'caller_state'
  | 'caller_country'
  | 'timezone'
  | 'started_at'
  | 'duration'
  | 'status_code'
  | 'status'
  | 'disposition'
  | 'has_audio'
  | 'audio_token'
  | 'label'
  | 'ivr'
  | 'features'
  | 'custom_id'
  | 'custom_group'
  | 'dni'
  | 'sentiment'
  | 'artic'
  | 'finalized_at'
  | 'ended_at'
>;

export interface TagContext {
  clientId: number;
  /** The service's name, when the call record carries no tracking name. */
  serviceName?: string | null;
  serviceCustomId?: string | null;
  serviceCustomGroup?: string | null;
  /** TT_PUBLIC_URL: recordings are served at `{publicUrl}/recordings/{audio_token}.wav`. */
  publicUrl: string;
}

/** Tags in a template that Telltale does not know (they are replaced by an empty value). */
export function unknownTags(template: string): string[] {
  const out = new Set<string>();
  for (const m of template.matchAll(TAG_RE)) if (!BY_LOWER.has(m[1].trim().toLowerCase())) out.add(m[1]);
  return [...out];
}

/** The value of every tag for one call, as text (empty when the call has no value for it). */
export function callbackValues(call: CallForTags, ctx: TagContext): Record<CallbackTag, string> {
  const start = DateTime.fromISO(call.started_at, { zone: 'utc' });
  const local = start.setZone(call.timezone).isValid ? start.setZone(call.timezone) : start;
  const generated = DateTime.fromISO(call.finalized_at ?? call.ended_at ?? call.started_at, { zone: 'utc' });
  const features = parseFeatures(call.features);
  const dni = parseJsonObject(call.dni);
  const sentiment = parseJsonObject(call.sentiment);
  const artic = parseJsonObject(call.artic ?? null);
  const local164 = (n: string | null) => (n ? toAvanserFormat(n) : '');
  const code = call.status_code;
  const v: Record<string, string> = {
    clientid: String(ctx.clientId),
    callid: String(call.id),
    callstatus: call.status ?? (code !== null && code in CALL_STATUSES ? CALL_STATUSES[code as CallStatusCode] : ''),
    callcode: code === null ? '' : String(code),
    uniqueid: call.unique_id,
    adname: call.tracking_name ?? ctx.serviceName ?? '',
    bnum: local164(call.tracking_number),
    duration: String(call.duration),
    // "Unixtime, now": when the callback was generated, i.e. the call's finalization (stable across retries).
    unixtime: String(Math.floor(generated.toSeconds())),
    tzdate: local.toISO({ suppressMilliseconds: true }) ?? '',
    calldate: local.toFormat('dd/MM/yyyy'),
    ucalldate: String(Math.floor(start.toSeconds())),
    ani: avanserCaller(call),
    target: local164(call.target_number),
    clocation: call.caller_location ?? '',
    cstate: call.caller_state ?? '',
    ccountry: call.caller_country ?? '',
    targetname: call.target_name ?? '',
    label: call.label ?? '',
    ivr: call.ivr ?? '',
    audio: audioUrl(ctx.publicUrl, call),
    'aparty:e164': call.caller_withheld ? '' : (call.caller_number ?? ''),
    'aparty:state': call.caller_state ?? '',
    'aparty:country': call.caller_country ?? '',
    'bparty:e164': call.tracking_number,
    'cparty:e164': call.target_number ?? '',
    'cparty:country': call.target_number ? (parseNumber(call.target_number)?.country ?? '') : '',
    'call:disposition': call.disposition ?? '',
    'call:utcdate': start.toISO({ suppressMilliseconds: true }) ?? '',
    'call:direction': call.direction,
    tag: call.custom_id ?? ctx.serviceCustomId ?? '',
    curl: call.custom_group ?? ctx.serviceCustomGroup ?? '',
    'artic:isArtic': call.artic ? '1' : '0',
    'artic:queue': text(artic.queue),
    'artic:agent': text(artic.agent),
    'artic:outcome': text(artic.outcome),
    'artic:wait': artic.wait_sec === undefined || artic.wait_sec === null ? '' : String(artic.wait_sec),
  };
  for (let i = 0; i < 10; i++) {
    const nn = String(i + 1).padStart(2, '0');
    v[`feat${nn}`] = text(features[i]?.name);
    v[`cd_cp${nn}`] = text(features[i]?.value);
  }
  for (const k of ['url', 'source', 'medium', 'term', 'campaign', 'location', 'state', 'country']) v[`dl:${k}`] = text(dni[k]);
  for (const k of ['usercode', 'sessioncode', 'gclid']) v[`web:${k}`] = text(dni[k]);
  for (const t of CALLBACK_TAGS) if (t.startsWith('sentiment:')) v[t] = text(sentiment[t.slice(10)]);
  return v as Record<CallbackTag, string>;
}

/** Replaces every `[[tag]]` with its URL-encoded value; unknown tags become empty. */
export function renderTemplate(template: string, values: Record<string, string>): string {
  return template.replace(TAG_RE, (_m, name: string) => {
    const tag = BY_LOWER.get(name.trim().toLowerCase());
    return tag ? encodeURIComponent(values[tag] ?? '') : '';
  });
}

/** Booleans as 1/0 (as the original's flags), numbers and text as written, anything else empty. */
function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number' || typeof v === 'string') return String(v);
  return '';
}


/** Features are up to ten `{name, value}` pairs in slot order (feat01/cd_cp01 first); a null keeps a slot empty. */
function parseFeatures(json: string): ({ name?: unknown; value?: unknown } | null)[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.map((f) => (f && typeof f === 'object' ? (f as { name?: unknown; value?: unknown }) : null)) : [];
  } catch {
    return [];
  }
}
