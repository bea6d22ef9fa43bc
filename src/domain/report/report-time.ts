import { DateTime, IANAZone } from 'luxon';

/**
 * Time-zone arithmetic for reports. Calls are stored in UTC; reports speak the account's zone. Formatting a
 * million rows through luxon costs seconds, so the zone offset is cached per UTC day (a day whose start and end
 * share an offset has it throughout: no zone changes its offset and back within a day), else per UTC hour (the
 * same rule), and local times are formatted by hand.
 */
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const offsetCache = new Map<string, number>();
const dayOffsetCache = new Map<string, number | null>();

function luxonOffset(zone: string, ms: number): number {
  return DateTime.fromMillis(ms, { zone }).offset;
}

/** The zone's offset throughout one UTC day, or null when it changes that day. */
function dayOffset(zone: string, day: number): number | null {
  const key = `${zone}|${day}`;
  let v = dayOffsetCache.get(key);
  if (v !== undefined) return v;
  const start = luxonOffset(zone, day * DAY_MS);
  v = start === luxonOffset(zone, day * DAY_MS + DAY_MS - 1) ? start : null;
  if (dayOffsetCache.size > 100_000) dayOffsetCache.clear();
  dayOffsetCache.set(key, v);
  return v;
}

/** The zone's UTC offset in minutes at an instant. */
export function offsetMinutes(zone: string, ms: number): number {
  const day = dayOffset(zone, Math.floor(ms / DAY_MS));
  if (day !== null) return day;
  const hour = Math.floor(ms / HOUR_MS);
  const key = `${zone}|${hour}`;
  const hit = offsetCache.get(key);
  if (hit !== undefined) return hit;
  const start = luxonOffset(zone, hour * HOUR_MS);
  const end = luxonOffset(zone, hour * HOUR_MS + HOUR_MS - 1);
  // A transition inside this hour: answer exactly and do not cache.
  if (start !== end) return luxonOffset(zone, ms);
  if (offsetCache.size > 200_000) offsetCache.clear();
  offsetCache.set(key, start);
  return start;
}

const p2 = (n: number) => (n < 10 ? `0${n}` : String(n));

function localDate(ms: number, offset: number): Date {
  return new Date(ms + offset * 60_000);
}

function offsetText(offset: number, colon: boolean): string {
  const sign = offset < 0 ? '-' : '+';
  const a = Math.abs(offset);
  return `${sign}${p2(Math.floor(a / 60))}${colon ? ':' : ''}${p2(a % 60)}`;
}

/** Local wall time `YYYY-MM-DD HH:MM:SS`, as the feed's `call_start_time` and the legacy API's `date`. */
export function localDateTime(zone: string, ms: number): string {
  const d = localDate(ms, offsetMinutes(zone, ms));
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
}

/** Local time with its offset, `2020-05-26T17:00:01+1000` (colon = false, the feed's form) or `+10:00` (ISO 8601 extended). */
export function zonedDateTime(zone: string, ms: number, colon = false): string {
  const offset = offsetMinutes(zone, ms);
  const d = localDate(ms, offset);
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}T${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}${offsetText(offset, colon)}`;
}

/** UTC wall time `YYYY-MM-DD HH:MM:SS`. */
export function utcDateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
}

export function isZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;
const ABSOLUTE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * A time bound given by a user: `YYYY-MM-DD` or `YYYY-MM-DD HH:MM[:SS]` (wall time in `zone`) or an ISO 8601
 * instant with `Z` or an offset. A date-only `end` bound means the end of that day (the start of the next).
 * Returns the instant as a Date, or null when the text is not one of these forms.
 */
export function parseBound(text: string, zone: string, end: boolean): Date | null {
  const t = text.trim();
  let dt: DateTime;
  let m = DATE_ONLY.exec(t) ?? LOCAL_DATETIME.exec(t);
  if (m) {
    dt = DateTime.fromObject({ year: +m[1], month: +m[2], day: +m[3], hour: m[4] ? +m[4] : 0, minute: m[5] ? +m[5] : 0, second: m[6] ? +m[6] : 0 }, { zone });
    // Refuse dates that do not exist (2026-02-31) rather than rolling them over.
    if (!dt.isValid || dt.month !== +m[2] || dt.day !== +m[3]) return null;
    if (end && m[4] === undefined) dt = dt.plus({ days: 1 });
  } else if (ABSOLUTE.test(t)) {
    dt = DateTime.fromISO(t, { setZone: true });
    m = null;
  } else return null;
  if (!dt.isValid) return null;
  return dt.toJSDate();
}

/** The UTC range [start, end) of a local year, month or day in `zone`. */
export function localPeriodRange(zone: string, year: number, month?: number, day?: number): { start: Date; end: Date } | null {
  const start = DateTime.fromObject({ year, month: month ?? 1, day: day ?? 1 }, { zone });
  if (!start.isValid || start.year !== year || (month && start.month !== month) || (day && start.day !== day)) return null;
  const end = start.plus(day ? { days: 1 } : month ? { months: 1 } : { years: 1 });
  return { start: start.toJSDate(), end: end.toJSDate() };
}

export type Interval = 'day' | 'week' | 'month';

/** Local periods (day, ISO week from Monday, month) covering [from, to) in `zone`: label and UTC bounds. */
export function localPeriods(zone: string, from: Date, to: Date, interval: Interval): { label: string; start: number; end: number }[] {
  let cur = DateTime.fromJSDate(from, { zone }).startOf(interval === 'week' ? 'week' : interval === 'month' ? 'month' : 'day');
  const out: { label: string; start: number; end: number }[] = [];
  while (cur.toMillis() < to.getTime()) {
    const next = cur.plus(interval === 'week' ? { weeks: 1 } : interval === 'month' ? { months: 1 } : { days: 1 });
    out.push({ label: interval === 'month' ? cur.toFormat('yyyy-MM') : cur.toFormat('yyyy-MM-dd'), start: cur.toMillis(), end: next.toMillis() });
    cur = next;
    if (out.length > 10_000) break;
  }
  return out;
}

/** Today's local date in `zone` as YYYY-MM-DD. */
export function localDay(zone: string, at: Date): string {
  return DateTime.fromJSDate(at, { zone }).toFormat('yyyy-MM-dd');
}

/** The next instant at local wall time HH:MM in `zone` strictly after `after` (DST-aware: a skipped time moves forward). */
export function nextLocalTime(zone: string, hhmm: string, after: Date): Date {
  const [h, m] = hhmm.split(':').map(Number);
  let d = DateTime.fromJSDate(after, { zone }).set({ hour: h, minute: m, second: 0, millisecond: 0 });
  if (d.toMillis() <= after.getTime()) d = d.plus({ days: 1 }).set({ hour: h, minute: m });
  return d.toJSDate();
}

export interface HourInfo {
  /** local `YYYY-MM-DD HH` of this UTC hour */
  localHead: string;
  /** local `YYYY-MM-DDTHH` */
  zonedHead: string;
  offsetText: string;
  hourUnix: number;
}
const hourInfoCache = new Map<string, HourInfo | null>();

/**
 * What every instant of one UTC hour has in common in a zone, when the zone's offset is whole hours and does not
 * change within that hour (then minutes and seconds are the same locally as in UTC); null otherwise.
 */
export function hourInfo(zone: string, iso: string): HourInfo | null {
  const key = zone + iso.slice(0, 13);
  let h = hourInfoCache.get(key);
  if (h !== undefined) return h;
  const hourMs = Date.parse(`${iso.slice(0, 13)}:00:00.000Z`);
  const off = offsetMinutes(zone, hourMs);
  if (off % 60 !== 0 || off !== offsetMinutes(zone, hourMs + HOUR_MS - 1)) h = null;
  else {
    const d = new Date(hourMs + off * 60_000);
    const head = `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`;
    h = { localHead: `${head} ${p2(d.getUTCHours())}`, zonedHead: `${head}T${p2(d.getUTCHours())}`, offsetText: offsetText(off, false), hourUnix: hourMs / 1000 };
  }
  if (hourInfoCache.size > 200_000) hourInfoCache.clear();
  hourInfoCache.set(key, h);
  return h;
}

/** True for the form the database stores: `YYYY-MM-DDTHH:MM:SS.sssZ`. */
export const isStoredIso = (iso: string) => iso.length === 24 && iso.charCodeAt(23) === 90 && iso.charCodeAt(10) === 84;

/** localDateTime for a stored ISO instant, without Date objects in the common case (a feed formats millions). */
export function localFromIso(zone: string, iso: string): string {
  const h = isStoredIso(iso) ? hourInfo(zone, iso) : null;
  return h ? h.localHead + iso.slice(13, 19) : localDateTime(zone, Date.parse(iso));
}

/** zonedDateTime (`…T17:00:01+1000`) for a stored ISO instant. */
export function zonedFromIso(zone: string, iso: string): string {
  const h = isStoredIso(iso) ? hourInfo(zone, iso) : null;
  return h ? h.zonedHead + iso.slice(13, 19) + h.offsetText : zonedDateTime(zone, Date.parse(iso));
}

/** Unix seconds of a stored ISO instant. */
export function unixFromIso(iso: string): number {
  if (isStoredIso(iso)) {
    const h = hourInfoCache.get(`UTC${iso.slice(0, 13)}`) ?? hourInfo('UTC', iso);
    if (h) return h.hourUnix + ((iso.charCodeAt(14) - 48) * 10 + iso.charCodeAt(15) - 48) * 60 + (iso.charCodeAt(17) - 48) * 10 + iso.charCodeAt(18) - 48;
  }
  return Math.floor(Date.parse(iso) / 1000);
}
