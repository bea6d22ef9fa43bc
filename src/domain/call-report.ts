import { CALL_STATUSES, type CallStatusCode } from './call-status.ts';
import { getCountries, getCountryCallingCode } from 'libphonenumber-js/max';
import { toAvanserFormat } from './phone.ts';
import { hourInfo, isStoredIso, localDateTime, localFromIso, unixFromIso, utcDateTime, zonedDateTime, zonedFromIso, type HourInfo } from './report-time.ts';
import { parseJsonObject, type CallRecord } from './call.ts';

/** The columns of a call that the reports read (all but the carrier's own ids). */
export type ReportCall = Omit<CallRecord, 'carrier' | 'carrier_call_id'>;

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

/**
 * The call columns a feed record is made of (feeds read only these). Stored feed lines are kept fresh by a trigger on
 * these columns (migration 009): changing this list needs a migration re-creating that trigger, and a FEED_LINE_FORMAT
 * bump.
 */
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

/** A feed call as an array of FEED_CALL_COLUMNS values, in that order (how the feed reads rows: no object per row). */
export type FeedRow = unknown[];

// Positions in FeedRow; checked against FEED_CALL_COLUMNS when this module loads.
const ID = 0, UNIQUE_ID = 1, CLIENT_ID = 2, DIRECTION = 3, TRACKING_NUMBER = 4, TRACKING_NAME = 5, TRACKING_NOTES = 6, TARGET_NUMBER = 7;
const TARGET_NAME = 8, CALLER_NUMBER = 9, CALLER_WITHHELD = 10, CALLER_LOCATION = 11, CALLER_STATE = 12, CALLER_COUNTRY = 13, TIMEZONE = 14;
const STARTED_AT = 15, ENDED_AT = 16, DURATION = 17, CONNECTION_DURATION = 18, TALK_DURATION = 19, STATUS_CODE = 20, STATUS = 21, HAS_AUDIO = 22;
const AUDIO_TOKEN = 23, FEATURES = 24, CUSTOM_ID = 25, CUSTOM_GROUP = 26, PRIVATE_REFERENCE = 27;
{
  const at = { ID, UNIQUE_ID, CLIENT_ID, DIRECTION, TRACKING_NUMBER, TRACKING_NAME, TRACKING_NOTES, TARGET_NUMBER, TARGET_NAME, CALLER_NUMBER, CALLER_WITHHELD, CALLER_LOCATION, CALLER_STATE, CALLER_COUNTRY, TIMEZONE, STARTED_AT, ENDED_AT, DURATION, CONNECTION_DURATION, TALK_DURATION, STATUS_CODE, STATUS, HAS_AUDIO, AUDIO_TOKEN, FEATURES, CUSTOM_ID, CUSTOM_GROUP, PRIVATE_REFERENCE };
  for (const [k, i] of Object.entries(at)) if (FEED_CALL_COLUMNS[i] !== k.toLowerCase()) throw new Error(`FeedRow position ${i} is not ${k.toLowerCase()}`);
}

/** A FeedRow as a FeedCall object (the JSON and XML feeds and the tests use the object form). */
export function feedCallFromRow(a: FeedRow): FeedCall {
  return {
    id: a[ID] as number, unique_id: a[UNIQUE_ID] as string, client_id: a[CLIENT_ID] as number, direction: a[DIRECTION] as string,
    tracking_number: a[TRACKING_NUMBER] as string, tracking_name: a[TRACKING_NAME] as string | null, tracking_notes: a[TRACKING_NOTES] as string | null,
    target_number: a[TARGET_NUMBER] as string | null, target_name: a[TARGET_NAME] as string | null, caller_number: a[CALLER_NUMBER] as string | null,
    caller_withheld: a[CALLER_WITHHELD] as number, caller_location: a[CALLER_LOCATION] as string | null, caller_state: a[CALLER_STATE] as string | null,
    caller_country: a[CALLER_COUNTRY] as string | null, timezone: a[TIMEZONE] as string, started_at: a[STARTED_AT] as string, ended_at: a[ENDED_AT] as string | null,
    duration: a[DURATION] as number, connection_duration: a[CONNECTION_DURATION] as number, talk_duration: a[TALK_DURATION] as number,
    status_code: a[STATUS_CODE] as number | null, status: a[STATUS] as string | null, has_audio: a[HAS_AUDIO] as number, audio_token: a[AUDIO_TOKEN] as string | null,
    features: a[FEATURES] as string, custom_id: a[CUSTOM_ID] as string | null, custom_group: a[CUSTOM_GROUP] as string | null,
    private_reference: a[PRIVATE_REFERENCE] as string | null,
  };
}

/** A FeedCall as a FeedRow (the PostgreSQL path reads objects). */
export function feedRowFromCall(c: Partial<ReportCall>): FeedRow {
  return FEED_CALL_COLUMNS.map((k) => c[k]);
}

const CSV_SPECIAL = /[",\r\n]/;
/** RFC 4180 text field: quoted when it holds a comma, quote, CR or LF (quotes doubled). */
const csvText = (v: string) => (CSV_SPECIAL.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** Seconds since the hour of a stored instant (`…THH:MM:SS.sssZ`). */
const minSec = (iso: string) => ((iso.charCodeAt(14) - 48) * 10 + iso.charCodeAt(15) - 48) * 60 + (iso.charCodeAt(17) - 48) * 10 + iso.charCodeAt(18) - 48;

/** Where one instant's UTC hour stands in a zone: rows come in time order, so the same hour repeats row after row. */
class HourMemo {
  zone = '';
  prefix = '\u0000';
  info: HourInfo | null = null;
  at(zone: string, iso: string): HourInfo | null {
    if (zone !== this.zone || !iso.startsWith(this.prefix)) {
      this.zone = zone;
      this.prefix = iso.slice(0, 13);
      this.info = hourInfo(zone, iso);
    }
    return this.info;
  }
}

/**
 * Feed records as CSV straight from FeedRows into UTF-8 bytes: byte for byte what FeedWriter writes for feedRecord()
 * (a test compares the two), without a record object, an intermediate string per line or a separate encoding pass
 * (measured: building, joining and encoding line strings cost about as much as reading the rows). The formatted
 * numbers, the hour of the zone and the feature parameters are remembered from row to row.
 */
export class FeedCsvBytes {
  private readonly start = new HourMemo();
  private readonly end = new HourMemo();
  private lastFeatures: unknown = '[]';
  private lastParams = '0,0,0,0,0,0,0,,';
  private readonly audioHead: string;
  private buf: Buffer;
  private off = 0;

  constructor(publicUrl: string, chunkBytes = 64 * 1024) {
    this.audioHead = `${publicUrl}/recordings/`;
    this.buf = Buffer.allocUnsafe(chunkBytes + 4096);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.off;
  }

  /** What has been written, as its own Buffer; the writer starts afresh. */
  take(): Buffer {
    // A copy of just what was written, and the working buffer reused: cheaper than a fresh working-size buffer each
    // time, and the chunks in flight hold no spare room.
    const out = Buffer.allocUnsafe(this.off);
    this.buf.copy(out, 0, 0, this.off);
    this.off = 0;
    return out;
  }

  private room(n: number): void {
    if (this.off + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.off + n));
    this.buf.copy(next, 0, 0, this.off);
    this.buf = next;
  }

  /** Text already escaped (or known to need none), as UTF-8. */
  private raw(v: string): void {
    const n = v.length;
    this.room(n * 3 + 1);
    const b = this.buf;
    let o = this.off;
    let i = 0;
    for (; i < n; i++) {
      const c = v.charCodeAt(i);
      if (c >= 0x80) break;
      b[o++] = c;
    }
    if (i < n) o = this.off + b.write(v, this.off, 'utf8');
    b[o++] = 44;
    this.off = o;
  }

  private int(v: number): void {
    if (v >= 0 && v < 1e15 && Math.floor(v) === v && !Object.is(v, -0)) {
      this.room(17);
      const b = this.buf;
      let o = this.off;
      if (v < 10) b[o++] = 48 + v;
      else {
        let digits = 1;
        for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
        o += digits;
        for (let i = o - 1, x = v; i >= this.off; i--, x = Math.floor(x / 10)) b[i] = 48 + (x % 10);
      }
      b[o++] = 44;
      this.off = o;
    } else this.raw(`${v}`);
  }

  /** A record value as the CSV writer writes it: null/undefined empty, numbers as text, text RFC 4180-escaped, UTF-8. */
  private cell(v: unknown): void {
    if (typeof v === 'string') this.text(v);
    else if (typeof v === 'number') this.int(v);
    else if (v === null || v === undefined) this.sep();
    else this.text(String(v));
  }

  private sep(): void {
    this.room(1);
    this.buf[this.off++] = 44;
  }

  private text(v: string): void {
    const n = v.length;
    this.room(n * 3 + 3);
    const b = this.buf;
    let o = this.off;
    let i = 0;
    for (; i < n; i++) {
      const c = v.charCodeAt(i);
      if (c >= 0x80 || c === 34 || c === 44 || c === 13 || c === 10) break;
      b[o++] = c;
    }
    if (i < n) {
      // Rare: quotes needed, or non-ASCII text: start over through Buffer's own UTF-8 encoder.
      o = this.off + b.write(CSV_SPECIAL.test(v) ? `"${v.replace(/"/g, '""')}"` : v, this.off, 'utf8');
    }
    b[o++] = 44;
    this.off = o;
  }

  private number(e164: unknown): void {
    if (!e164) this.sep();
    else this.text(avanserNumber(e164 as string));
  }

  private params(json: unknown): string {
    if (json === this.lastFeatures) return this.lastParams;
    const features = json && json !== '[]' ? parseFeatures(json as string) : [];
    const text = (v: unknown) => (v == null ? '' : csvText(String(v)));
    const p = `${numericParam(features[0]?.value)},${numericParam(features[1]?.value)},${numericParam(features[2]?.value)},${numericParam(features[3]?.value)},${numericParam(features[4]?.value)},${numericParam(features[5]?.value)},${numericParam(features[6]?.value)},${text(features[7]?.value)},${text(features[8]?.value)}`;
    this.lastFeatures = json;
    this.lastParams = p;
    return p;
  }

  /** head (ASCII), then `:MM:SS` of a stored instant, then tail (ASCII), then the separator. */
  private time(head: string, iso: string, tail: string): void {
    this.room(head.length + tail.length + 8);
    const b = this.buf;
    let o = this.off;
    for (let i = 0; i < head.length; i++) b[o++] = head.charCodeAt(i);
    for (let i = 13; i < 19; i++) b[o++] = iso.charCodeAt(i);
    for (let i = 0; i < tail.length; i++) b[o++] = tail.charCodeAt(i);
    b[o++] = 44;
    this.off = o;
  }

  /**
   * Writes a record stored as text by feedCsvLine() (the line without its CRLF), then CRLF: what row() would write for
   * the same call, copied instead of formatted.
   */
  line(v: string): void {
    // Buffer's own UTF-8 encoder: measured faster than a byte loop for whole lines (~340 bytes).
    this.room(v.length * 3 + 2);
    const b = this.buf;
    let o = this.off + b.write(v, this.off, 'utf8');
    b[o++] = 13;
    b[o++] = 10;
    this.off = o;
  }

  /** One record as text, without its CRLF, and nothing kept in the writer (feedCsvLine). */
  lineOf(r: FeedRow): string {
    const from = this.off;
    try {
      this.row(r);
      return this.buf.toString('utf8', from, this.off - 2);
    } finally {
      this.off = from;
    }
  }

  /** Writes one record and its CRLF. */
  row(r: FeedRow): void {
    const zone = r[TIMEZONE] as string;
    const startIso = r[STARTED_AT] as string;
    const endIso = (r[ENDED_AT] as string | null) ?? new Date(Date.parse(startIso) + (r[DURATION] as number) * 1000).toISOString();
    // Stored instants (the common case) are written from the hour's cached local head and the instant's own
    // minutes and seconds, without building the strings; anything else takes the general path.
    const hs = isStoredIso(startIso) ? this.start.at(zone, startIso) : null;
    const he = isStoredIso(endIso) ? this.end.at(zone, endIso) : null;
    const token = r[AUDIO_TOKEN] as string | null;
    if (r[HAS_AUDIO] && token) this.text(`${this.audioHead}${encodeURIComponent(token)}.wav`);
    else this.sep();
    this.cell(r[CONNECTION_DURATION]);
    this.cell(r[DIRECTION]);
    this.cell(r[DURATION]);
    if (he) this.time(he.localHead, endIso, '');
    else this.text(localFromIso(zone, endIso));
    this.int(r[HAS_AUDIO] ? 1 : 0);
    this.int(Number(r[ID]));
    this.int(0);
    const startLocal = hs ? null : localFromIso(zone, startIso);
    if (hs) this.time(hs.localHead, startIso, '');
    else this.text(startLocal!);
    this.raw(this.params(r[FEATURES]));
    if (hs) this.time(hs.localHead, startIso, '');
    else this.text(startLocal!);
    const status = r[STATUS] as string | null;
    const code = r[STATUS_CODE] as number | null;
    if (status) this.cell(status);
    else if (code !== null && code in CALL_STATUSES) this.text(CALL_STATUSES[code as CallStatusCode]);
    else this.sep();
    this.cell(code ?? 0);
    this.cell(r[TALK_DURATION]);
    this.cell(zone);
    if (he) this.time(he.zonedHead, endIso, he.offsetText);
    else this.text(zonedFromIso(zone, endIso));
    if (hs) this.time(hs.zonedHead, startIso, hs.offsetText);
    else this.text(zonedFromIso(zone, startIso));
    this.int(he ? he.hourUnix + minSec(endIso) : unixFromIso(endIso));
    this.int(hs ? hs.hourUnix + minSec(startIso) : unixFromIso(startIso));
    this.cell(r[UNIQUE_ID]);
    this.cell(r[CALLER_COUNTRY]);
    this.cell(r[CALLER_LOCATION]);
    if (r[CALLER_WITHHELD] || !r[CALLER_NUMBER]) this.raw('Private');
    else this.number(r[CALLER_NUMBER]);
    this.cell(r[CALLER_STATE]);
    this.int(Number(r[CLIENT_ID]));
    this.cell(r[CUSTOM_GROUP]);
    this.cell(r[CUSTOM_ID]);
    this.cell(r[PRIVATE_REFERENCE]);
    this.cell(r[TARGET_NAME]);
    this.number(r[TARGET_NUMBER]);
    this.int(0);
    this.cell(r[TRACKING_NAME]);
    this.cell(r[TRACKING_NOTES]);
    this.number(r[TRACKING_NUMBER]);
    // The last field, 0, then CRLF in place of its separator.
    this.room(3);
    this.buf[this.off++] = 48;
    this.buf[this.off++] = 13;
    this.buf[this.off++] = 10;
  }
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
    dni: parseJsonObject(c.dni),
    sentiment: parseJsonObject(c.sentiment),
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
    const d = parseJsonObject(c.dni);
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

/**
 * Stored feed lines (issue #5): a finalized call keeps its CSV feed record in `calls.feed_csv`, and the CSV feed copies
 * it instead of formatting the call again. A line depends on its call row (any other write to the row clears it: a
 * trigger on SQLite, migration 009) and, outside the row, on what feedLineKey() names; the feed serves a stored line only
 * when its `feed_csv_key` is the current key, and formats the call live otherwise. Bump FEED_LINE_FORMAT when the CSV
 * record changes, so that lines written by an older version are not served.
 */
export const FEED_LINE_FORMAT = 1;

/**
 * What a stored line depends on outside its call row: the line format, the time-zone database (offsets and DST rules of
 * the call's zone) and the public URL (recording links). The zone itself is the call's own `timezone` column.
 */
export function feedLineKey(publicUrl: string): string {
  return `${FEED_LINE_FORMAT}|${process.versions.tz ?? ''}|${publicUrl}`;
}

let lineWriter: FeedCsvBytes | null = null;
let lineWriterUrl = '';

/**
 * A call's CSV feed record exactly as the feed writes it (FeedCsvBytes.row), without the CRLF: from a FeedRow or a call
 * row object. A few µs (the hour of the zone is remembered between calls, as in the feed).
 */
export function feedCsvLine(call: FeedRow | Partial<ReportCall>, publicUrl: string): string {
  if (!lineWriter || lineWriterUrl !== publicUrl) {
    lineWriter = new FeedCsvBytes(publicUrl, 4096);
    lineWriterUrl = publicUrl;
  }
  return lineWriter.lineOf(Array.isArray(call) ? call : feedRowFromCall(call));
}

/**
 * The stored-line columns of a finalized call as it will be stored (`{ ...call, ...patch }`), for the UPDATE that
 * finalizes it: its line and key, or nulls when the call cannot be formatted (the feed then formats it live, and fails
 * there as it always did) — finalization never fails for its feed line.
 */
export function feedLineColumns(call: Partial<ReportCall>, publicUrl: string): { feed_csv: string | null; feed_csv_key: string | null } {
  try {
    return { feed_csv: feedCsvLine(call, publicUrl), feed_csv_key: feedLineKey(publicUrl) };
  } catch {
    return { feed_csv: null, feed_csv_key: null };
  }
}
