import { fieldError } from '../errors.ts';
import { localDateTime } from './report-time.ts';
import { WEBAPI_FIELDS, type WebapiCall } from './webapi-call.ts';

/** The CSV export's time columns: local wall time `YYYY-MM-DD HH:MM:SS` in the export's zone (its `timezone` column). */
const TIME_FIELDS = new Set<string>(['started_at', 'answered_at', 'ended_at', 'finalized_at', 'created_at', 'updated_at']);

/**
 * The CSV export's columns, in the WebAPI's field order: every WebAPI field but the `*_at_local` ones (every time
 * column is already local). `timezone` is the account's zone the times are written in.
 */
export const EXPORT_FIELDS = WEBAPI_FIELDS.filter((f) => !/_at_local$/.test(f)) as (keyof WebapiCall)[];

/** The columns asked for with `fields` (comma-separated; default every export field); `timezone` is always among them. */
export function exportColumns(text: string | undefined): (keyof WebapiCall)[] {
  if (text === undefined || text.trim() === '') return [...EXPORT_FIELDS];
  const wanted = [...new Set(text.split(',').map((s) => s.trim()).filter(Boolean))];
  const unknown = wanted.filter((w) => !(EXPORT_FIELDS as string[]).includes(w));
  if (unknown.length) throw fieldError('fields', `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; known: ${EXPORT_FIELDS.join(', ')}`);
  if (!wanted.includes('timezone')) wanted.push('timezone');
  return wanted as (keyof WebapiCall)[];
}

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?[0-9]+(\.[0-9]+)?$/;
const E164 = /^\+[0-9]{6,15}$/;

/**
 * A cell as text. Spreadsheet formula injection (OWASP "CSV Injection"): text that begins with `=`, `+`, `-`, `@`, a
 * tab or a carriage return gets a leading `'`, so Excel, LibreOffice and Google Sheets show it instead of running it
 * (a label `=HYPERLINK(…)`, a `+CC-LOCAL` number that would be computed); plain numbers and E.164 numbers, which
 * cannot carry a formula, are kept.
 */
export function exportCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  let s: string;
  if (typeof v === 'string') s = v;
  else if (Array.isArray(v)) s = v.length ? JSON.stringify(v) : '';
  else if (typeof v === 'object') s = Object.keys(v).length ? JSON.stringify(v) : '';
  else s = String(v);
  return FORMULA_START.test(s) && !PLAIN_NUMBER.test(s) && !E164.test(s) ? `'${s}` : s;
}

/** One call as a CSV record of `columns`: times as local wall time in `zone`, `timezone` as `zone`. */
export function exportRecord(c: WebapiCall, columns: readonly (keyof WebapiCall)[], zone: string): string[] {
  return columns.map((k) => {
    if (k === 'timezone') return zone;
    const v = c[k];
    if (TIME_FIELDS.has(k)) return typeof v === 'string' && v ? localDateTime(zone, Date.parse(v)) : '';
    return exportCell(v);
  });
}
