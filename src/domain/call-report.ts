import { CALL_STATUSES, type CallStatusCode } from './call-status.ts';
import { getCountries, getCountryCallingCode } from 'libphonenumber-js/max';
import { toAvanserFormat } from './phone.ts';
import { localDateTime, localFromIso, unixFromIso, utcDateTime, zonedDateTime, zonedFromIso } from './report-time.ts';

/** The columns of a call that the reports read (the `calls` table, migrations 002 and 005). */
export interface ReportCall {
  id: number;
  unique_id: string;
  client_id: number;
  service_id: string | null;
  direction: string;
  state: string;
  tracking_number: string;
  tracking_name: string | null;
  tracking_notes: string | null;
  target_number: string | null;
  target_name: string | null;
  caller_number: string | null;
  caller_withheld: number;
  caller_location: string | null;
  caller_state: string | null;
  caller_country: string | null;
  timezone: string;
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  duration: number;
  connection_duration: number;
  talk_duration: number;
  status_code: number | null;
  status: string | null;
  disposition: string | null;
  has_audio: number;
  audio_token: string | null;
  recording_path: string | null;
  recording_duration: number | null;
  label: string | null;
  ivr: string | null;
  features: string;
  custom_id: string | null;
  custom_group: string | null;
  dni: string | null;
  sentiment: string | null;
  is_test: number;
  private_reference?: string | null;
  finalized_at: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * `+CC-LOCAL` for many numbers fast: libphonenumber costs ~20 µs a number, too slow for a million-row feed. The
 * trunk prefix it adds depends on the country code and the leading digits, so the prefix learnt from one number
 * is reused for numbers with the same code, first four national digits and length.
 */
const prefixRules = new Map<string, string | null>();
const CALLING_CODES = new Set(getCountries().map((c) => getCountryCallingCode(c) as string));

/** Splits E.164 into calling code and national number (codes are prefix-free, so the first match is the one). */
function splitE164(e164: string): [string, string, string] | null {
  if (!/^\+\d{4,16}$/.test(e164)) return null;
  for (let n = 1; n <= 3; n++) {
    const cc = e164.slice(1, 1 + n);
    if (CALLING_CODES.has(cc)) return [e164, cc, e164.slice(1 + n)];
  }
  return null;
}

/** Recently formatted numbers: tracking and answer-point numbers repeat on most calls. */
const formatted = new Map<string, string>();

export function avanserNumber(e164: string | null | undefined): string {
  if (!e164) return '';
  const hit = formatted.get(e164);
  if (hit !== undefined) return hit;
  const out = avanserNumberUncached(e164);
  if (formatted.size >= 20_000) formatted.clear();
  formatted.set(e164, out);
  return out;
}

function avanserNumberUncached(e164: string): string {
  const m = splitE164(e164);
  if (!m) return toAvanserFormat(e164);
  const key = `${m[1]}|${m[2].slice(0, 4)}|${m[2].length}`;
  const rule = prefixRules.get(key);
  if (rule !== undefined && rule !== null) return `+${m[1]}-${rule}${m[2]}`;
  const full = toAvanserFormat(e164);
  if (rule === undefined) {
    const expectedHead = `+${m[1]}-`;
    let learnt: string | null = null;
    if (full.startsWith(expectedHead) && full.endsWith(m[2])) learnt = full.slice(expectedHead.length, full.length - m[2].length);
    if (prefixRules.size > 100_000) prefixRules.clear();
    prefixRules.set(key, learnt !== null && /^\d{0,3}$/.test(learnt) ? learnt : null);
  }
  return full;
}

/** The caller as the AVANSER surfaces write it: `+CC-LOCAL`, or `Private` when withheld. */
export function avanserCaller(c: Pick<ReportCall, 'caller_number' | 'caller_withheld'>): string {
  return c.caller_withheld || !c.caller_number ? 'Private' : avanserNumber(c.caller_number);
}

export function statusName(c: Pick<ReportCall, 'status' | 'status_code'>): string {
  if (c.status) return c.status;
  return c.status_code !== null && c.status_code in CALL_STATUSES ? CALL_STATUSES[c.status_code as CallStatusCode] : '';
}

/** Where a call's recording is served (the call path's authenticated, unguessable URL). */
export function audioUrl(publicUrl: string, c: Pick<ReportCall, 'has_audio' | 'audio_token'>): string {
  return c.has_audio && c.audio_token ? `${publicUrl}/recordings/${encodeURIComponent(c.audio_token)}.wav` : '';
}

export interface Feature {
  name?: unknown;
  value?: unknown;
}

export function parseFeatures(json: string | null): Feature[] {
  if (!json) return [];
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? (v as Feature[]) : [];
  } catch {
    return [];
  }
}

export function parseObject(json: string | null): Record<string, unknown> {
  if (!json) return {};
  try {
    const v = JSON.parse(json) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const ms = (iso: string) => Date.parse(iso);
const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** The seed's standard Data Feed record: exactly its field names, in its order (alphabetical, as the seed prints it). */
export const FEED_FIELDS = [
  'call_audio_url',
  'call_connection_duration',
  'call_direction',
  'call_duration',
  'call_end_time',
  'call_has_audio',
  'call_id',
  'call_is_artic',
  'call_local_time',
  'call_param_01',
  'call_param_02',
  'call_param_03',
  'call_param_04',
  'call_param_05',
  'call_param_06',
  'call_param_07',
  'call_param_08',
  'call_param_09',
  'call_start_time',
  'call_status',
  'call_status_code',
  'call_talk_duration',
  'call_timezone',
  'call_tz_end_time',
  'call_tz_start_time',
  'call_u_end_time',
  'call_u_start_time',
  'call_unique_id',
  'caller_country',
  'caller_location',
  'caller_number',
  'caller_state',
  'client_id',
  'custom_group',
  'custom_id',
  'private_reference',
  'target_name',
  'target_number',
  'tracking_master_id',
  'tracking_name',
  'tracking_notes',
  'tracking_number',
  'tracking_wpc_id',
] as const;

export type FeedField = (typeof FEED_FIELDS)[number];

/** The call columns a feed record is made of (feeds read only these). */
export const FEED_CALL_COLUMNS = [
  'id', 'unique_id', 'client_id', 'direction', 'tracking_number', 'tracking_name', 'tracking_notes', 'target_number', 'target_name', 'caller_number',
  'caller_withheld', 'caller_location', 'caller_state', 'caller_country', 'timezone', 'started_at', 'ended_at', 'duration', 'connection_duration',
  'talk_duration', 'status_code', 'status', 'has_audio', 'audio_token', 'features', 'custom_id', 'custom_group', 'private_reference',
] as const;
export type FeedCall = Pick<ReportCall, (typeof FEED_CALL_COLUMNS)[number]>;
export type FeedRecord = Record<FeedField, string | number | null>;

function numericParam(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : 0;
}

/**
 * One call as a feed record. Times: `call_start_time`/`call_end_time`/`call_local_time` are wall times in the call's
 * zone, `call_tz_*` carry the offset (`+1000`), `call_u_*` are unix seconds. `call_param_01`…`07` are the numeric
 * values of feature parameters 1–7 (0 when absent or not numeric), `08`/`09` the text of parameters 8 and 9.
 */
export function feedRecord(c: FeedCall, publicUrl: string): FeedRecord {
  const zone = c.timezone;
  const startIso = c.started_at;
  const endIso = c.ended_at ?? new Date(ms(startIso) + c.duration * 1000).toISOString();
  const features = c.features && c.features !== '[]' ? parseFeatures(c.features) : [];
  const startLocal = localFromIso(zone, startIso);
  return {
    call_audio_url: audioUrl(publicUrl, c),
    call_connection_duration: c.connection_duration,
    call_direction: c.direction,
    call_duration: c.duration,
    call_end_time: localFromIso(zone, endIso),
    call_has_audio: c.has_audio ? 1 : 0,
    call_id: Number(c.id),
    call_is_artic: 0,
    call_local_time: startLocal,
    call_param_01: numericParam(features[0]?.value),
    call_param_02: numericParam(features[1]?.value),
    call_param_03: numericParam(features[2]?.value),
    call_param_04: numericParam(features[3]?.value),
    call_param_05: numericParam(features[4]?.value),
    call_param_06: numericParam(features[5]?.value),
    call_param_07: numericParam(features[6]?.value),
    call_param_08: features[7]?.value == null ? '' : String(features[7].value),
    call_param_09: features[8]?.value == null ? '' : String(features[8].value),
    call_start_time: startLocal,
    call_status: statusName(c),
    call_status_code: c.status_code ?? 0,
    call_talk_duration: c.talk_duration,
    call_timezone: zone,
    call_tz_end_time: zonedFromIso(zone, endIso),
    call_tz_start_time: zonedFromIso(zone, startIso),
    call_u_end_time: unixFromIso(endIso),
    call_u_start_time: unixFromIso(startIso),
    call_unique_id: c.unique_id,
    caller_country: c.caller_country ?? '',
    caller_location: c.caller_location ?? '',
    caller_number: avanserCaller(c),
    caller_state: c.caller_state ?? '',
    client_id: Number(c.client_id),
    custom_group: c.custom_group ?? '',
    custom_id: c.custom_id ?? '',
    private_reference: c.private_reference ?? null,
    target_name: c.target_name ?? '',
    target_number: avanserNumber(c.target_number),
    tracking_master_id: 0,
    tracking_name: c.tracking_name ?? '',
    tracking_notes: c.tracking_notes ?? '',
    tracking_number: avanserNumber(c.tracking_number),
    tracking_wpc_id: 0,
  };
}

/** One call as the WebAPI shows it: every field of the record, numbers in E.164 and `+CC-LOCAL`, times in UTC and local. */
export function webapiCall(c: ReportCall, publicUrl: string) {
  const zone = c.timezone;
  const local = (iso: string | null) => (iso ? zonedDateTime(zone, ms(iso), true) : null);
  const features = parseFeatures(c.features).map((f) => ({ name: f.name == null ? '' : String(f.name), value: f.value == null ? '' : String(f.value) }));
  return {
    id: Number(c.id),
    unique_id: c.unique_id,
    client_id: Number(c.client_id),
    service_id: c.service_id,
    direction: c.direction,
    state: c.state,
    is_test: c.is_test === 1,
    tracking_number: c.tracking_number,
    tracking_number_local: avanserNumber(c.tracking_number),
    tracking_name: c.tracking_name,
    tracking_notes: c.tracking_notes,
    target_number: c.target_number,
    target_number_local: c.target_number ? avanserNumber(c.target_number) : null,
    target_name: c.target_name,
    caller_number: c.caller_withheld ? null : c.caller_number,
    caller_number_local: avanserCaller(c),
    caller_withheld: c.caller_withheld === 1,
    caller_location: c.caller_location,
    caller_state: c.caller_state,
    caller_country: c.caller_country,
    timezone: zone,
    started_at: c.started_at,
    started_at_local: local(c.started_at),
    started_at_unix: unix(c.started_at),
    answered_at: c.answered_at,
    answered_at_local: local(c.answered_at),
    ended_at: c.ended_at,
    ended_at_local: local(c.ended_at),
    ended_at_unix: c.ended_at ? unix(c.ended_at) : null,
    duration: c.duration,
    connection_duration: c.connection_duration,
    talk_duration: c.talk_duration,
    status_code: c.status_code,
    status: statusName(c),
    disposition: c.disposition,
    has_audio: c.has_audio === 1,
    audio_url: audioUrl(publicUrl, c) || null,
    recording_duration: c.recording_duration,
    label: c.label,
    ivr: c.ivr,
    features,
    custom_id: c.custom_id,
    custom_group: c.custom_group,
    private_reference: c.private_reference ?? null,
    dni: parseObject(c.dni),
    sentiment: parseObject(c.sentiment),
    finalized_at: c.finalized_at,
    created_at: c.created_at,
    updated_at: c.updated_at,
  };
}

export type WebapiCall = ReturnType<typeof webapiCall>;
export const WEBAPI_FIELDS = Object.keys(
  webapiCall(
    {
      id: 0, unique_id: '', client_id: 0, service_id: null, direction: '', state: '', tracking_number: '', tracking_name: null, tracking_notes: null,
      target_number: null, target_name: null, caller_number: null, caller_withheld: 0, caller_location: null, caller_state: null, caller_country: null,
      timezone: 'UTC', started_at: '1970-01-01T00:00:00.000Z', answered_at: null, ended_at: null, duration: 0, connection_duration: 0, talk_duration: 0,
      status_code: null, status: null, disposition: null, has_audio: 0, audio_token: null, recording_path: null, recording_duration: null, label: null,
      ivr: null, features: '[]', custom_id: null, custom_group: null, dni: null, sentiment: null, is_test: 0, finalized_at: null, created_at: '', updated_at: '',
    },
    '',
  ),
) as (keyof WebapiCall)[];

/** Options of the legacy `getCDR` action (`yes`/`no` flags). */
export interface LegacyCdrOptions {
  localtime: boolean;
  web: boolean;
  wav: boolean;
  features: boolean;
  detailed: boolean;
  /** question id → answer, when `evaluations=yes` */
  evaluations?: { questionIds: number[]; answers: Map<number, string> };
}

const str = (v: unknown) => (v == null ? '' : String(v));

/**
 * One call as the legacy JSON API's `getCDR` returns it, with its field names (misspellings `webCampagin` and
 * `webLandning` included). `target_*` is the tracking number and `answer_*` the answer point there.
 */
export function legacyCdr(c: ReportCall, publicUrl: string, o: LegacyCdrOptions): Record<string, unknown> {
  const start = ms(c.started_at);
  const row: Record<string, unknown> = {
    id: Number(c.id),
    date: o.localtime ? localDateTime(c.timezone, start) : utcDateTime(start),
    duration: c.duration,
    caller_number: avanserCaller(c),
    target_number: avanserNumber(c.tracking_number),
    target_name: c.tracking_name ?? '',
    status_code: c.status_code,
    status_name: statusName(c),
  };
  if (o.detailed) {
    Object.assign(row, {
      answer_number: avanserNumber(c.target_number),
      answer_name: c.target_name ?? '',
      country: c.caller_country ?? '',
      state: c.caller_state ?? '',
      location: c.caller_location ?? '',
      spooler_id: null,
      label: c.label ?? '',
      type: c.direction,
      custom_id: c.custom_id ?? '',
      custom_group: c.custom_group ?? '',
      timezone: c.timezone,
      unique_id: c.unique_id,
      disposition: c.disposition ?? '',
      talk_duration: c.talk_duration,
      is_test: c.is_test,
    });
  }
  if (o.wav) row.audio = audioUrl(publicUrl, c);
  if (o.web) {
    const d = parseObject(c.dni);
    Object.assign(row, {
      webSource: str(d.source),
      webMedium: str(d.medium),
      webCampagin: str(d.campaign),
      webKeyword: str(d.term ?? d.keyword),
      webReferrer: str(d.referrer),
      webUrl: str(d.url),
      webLandning: str(d.landing ?? d.url),
      webConversion: str(d.conversion),
      IP: str(d.ip),
      IPlocation: str(d.ip_location ?? d.location),
    });
  }
  if (o.features) {
    const f = parseFeatures(c.features);
    row.ivr = c.ivr ?? '';
    for (let i = 0; i < 10; i++) {
      const nn = String(i + 1).padStart(2, '0');
      row[`feat${nn}`] = str(f[i]?.name);
      row[`cd_cp${nn}`] = str(f[i]?.value);
    }
  }
  if (o.evaluations) for (const q of o.evaluations.questionIds) row[`eval_${q}`] = o.evaluations.answers.get(q) ?? '';
  return row;
}
