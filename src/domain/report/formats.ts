import { CALL_STATUSES, type CallStatusCode } from '../calls/call-status.ts';
import { getCountries, getCountryCallingCode } from 'libphonenumber-js/max';
import { toAvanserFormat } from '../phone.ts';
import type { CallRecord } from '../calls/call.ts';

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
