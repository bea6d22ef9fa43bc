import { DateTime, IANAZone } from 'luxon';
import type { FieldError } from '../errors.ts';

/**
 * A queue's business hours: weekly opening ranges in the queue's time zone, and holidays (local dates closed all
 * day). Hours null: always open (holidays still close it). A range never crosses midnight (close > open): a night
 * shift is two ranges, `22:00`–`24:00` on one day and `00:00`–`06:00` on the next.
 */
export interface OpeningRange {
  /** 0 = Sunday … 6 = Saturday */
  day: number;
  /** 'HH:MM', local, inclusive */
  open: string;
  /** 'HH:MM' ('24:00' = the end of the day), local, exclusive */
  close: string;
}

export interface BusinessHours {
  timezone: string;
  hours: OpeningRange[] | null;
  holidays: string[];
}

export const MAX_RANGES = 70;
export const MAX_HOLIDAYS = 400;

const OPEN = /^([01]\d|2[0-3]):[0-5]\d$/;
const CLOSE = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether the queue takes calls at `at`: the local date is no holiday and the local time is inside a range of its weekday. */
export function isOpen(queue: BusinessHours, at: Date): boolean {
  let local = DateTime.fromJSDate(at, { zone: queue.timezone });
  if (!local.isValid) local = DateTime.fromJSDate(at, { zone: 'UTC' });
  if (queue.holidays.includes(local.toFormat('yyyy-MM-dd'))) return false;
  if (queue.hours === null) return true;
  // luxon: 1 = Monday … 7 = Sunday
  const day = local.weekday % 7;
  const hm = local.toFormat('HH:mm');
  return queue.hours.some((r) => r.day === day && r.open <= hm && hm < r.close);
}

export function isTimeZone(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 64 && IANAZone.isValidZone(v);
}

export function checkTimeZone(v: unknown, path: string, errors: FieldError[]): string | undefined {
  if (isTimeZone(v)) return v;
  errors.push({ path, message: `${JSON.stringify(v)} is not an IANA time zone (e.g. Australia/Sydney, Europe/London, UTC)` });
  return undefined;
}

/** Opening ranges, sorted by day and time; null stays null (always open). */
export function checkHours(v: unknown, path: string, errors: FieldError[]): OpeningRange[] | null | undefined {
  if (v === null) return null;
  if (!Array.isArray(v)) return void errors.push({ path, message: 'must be a list of {day, open, close} or null (always open)' });
  if (v.length > MAX_RANGES) return void errors.push({ path, message: `at most ${MAX_RANGES} ranges` });
  const before = errors.length;
  const out: OpeningRange[] = [];
  v.forEach((r: unknown, i) => {
    const p = `${path}[${i}]`;
    if (!r || typeof r !== 'object' || Array.isArray(r)) return void errors.push({ path: p, message: 'must be {day, open, close}' });
    const { day, open, close } = r as Record<string, unknown>;
    let ok = true;
    if (!Number.isInteger(day) || (day as number) < 0 || (day as number) > 6) {
      errors.push({ path: `${p}.day`, message: 'must be a whole number from 0 (Sunday) to 6 (Saturday)' });
      ok = false;
    }
    if (typeof open !== 'string' || !OPEN.test(open)) {
      errors.push({ path: `${p}.open`, message: 'must be a local time HH:MM (00:00 to 23:59)' });
      ok = false;
    }
    if (typeof close !== 'string' || !CLOSE.test(close)) {
      errors.push({ path: `${p}.close`, message: 'must be a local time HH:MM (00:01 to 24:00)' });
      ok = false;
    }
    if (ok && (close as string) <= (open as string)) {
      errors.push({ path: `${p}.close`, message: `must be after open (${open as string}); split a range that crosses midnight in two` });
      ok = false;
    }
    if (ok) out.push({ day: day as number, open: open as string, close: close as string });
  });
  if (errors.length > before) return undefined;
  return out.sort((a, b) => a.day - b.day || a.open.localeCompare(b.open) || a.close.localeCompare(b.close));
}

/** Holiday dates 'YYYY-MM-DD' (real calendar dates), sorted, without repeats. */
export function checkHolidays(v: unknown, path: string, errors: FieldError[]): string[] | undefined {
  if (!Array.isArray(v)) return void errors.push({ path, message: "must be a list of local dates 'YYYY-MM-DD'" });
  if (v.length > MAX_HOLIDAYS) return void errors.push({ path, message: `at most ${MAX_HOLIDAYS} dates` });
  const before = errors.length;
  v.forEach((d: unknown, i) => {
    if (!isCalendarDate(d)) errors.push({ path: `${path}[${i}]`, message: "must be a date 'YYYY-MM-DD'" });
  });
  if (errors.length > before) return undefined;
  return [...new Set(v as string[])].sort();
}

function isCalendarDate(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  const m = DATE.exec(v);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}
