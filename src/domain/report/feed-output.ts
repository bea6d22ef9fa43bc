import { FEED_FIELDS, feedRecord, type FeedRecord } from './feed-record.ts';
import { FeedCsvBytes } from './feed-csv-bytes.ts';
import { feedCallFromRow, type FeedRow } from './feed-row.ts';

export type FeedFormat = 'json' | 'csv' | 'xml';
export const FEED_FORMATS: FeedFormat[] = ['json', 'csv', 'xml'];

export const FEED_CONTENT_TYPES: Record<FeedFormat, string> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
  xml: 'application/xml; charset=utf-8',
};

const CSV_SPECIAL = /[",\r\n]/;

/** RFC 4180 field: quoted when it holds a comma, quote, CR or LF (quotes doubled). */
export function csvField(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * Spreadsheet formula injection (OWASP "CSV Injection"): a cell that begins with `=`, `+`, `-`, `@`, a tab or a
 * carriage return is run as a formula by Excel, LibreOffice and Google Sheets (`=HYPERLINK(…)`, `@SUM(…)`). With a
 * feed's `csv_formula_protection` such a cell gets a leading `'` (shown as text, never run) and is always quoted, its
 * quotes doubled. A plain number (`-5`, `-0.25`) is left alone: a spreadsheet reads it as that number, it cannot carry
 * a formula, and numeric columns stay numeric. Caller numbers such as `+61-0290088888` are not plain numbers, so they
 * are neutralised too (a spreadsheet would otherwise compute 61 − 290088888).
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?[0-9]+(\.[0-9]+)?$/;
/** A line none of whose cells (at the start, or after a comma, inside quotes or not) can begin a formula. */
const NO_FORMULA_CELL = /^(?!"?[=+\-@\t\r])(?!.*,"?[=+\-@\t\r])/s;

/** One CSV cell's value as a protected cell: neutralised and quoted when it could run as a formula, else as csvField. */
export function protectedCsvCell(v: string): string {
  if (FORMULA_START.test(v) && !PLAIN_NUMBER.test(v)) return `"'${v.replace(/"/g, '""')}"`;
  return csvField(v);
}

/**
 * An RFC 4180 record (without its CRLF) with every cell that could run as a formula neutralised (protectedCsvCell);
 * the other cells are kept byte for byte, and a line without such a cell is returned as is.
 */
export function protectCsvLine(line: string): string {
  if (NO_FORMULA_CELL.test(line)) return line;
  let out = '';
  let i = 0;
  const n = line.length;
  for (;;) {
    const start = i;
    let value: string;
    if (line.charCodeAt(i) === 34) {
      // Quoted: up to the quote that is not doubled.
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) {
          v += line.slice(i);
          i = n;
          break;
        }
        v += line.slice(i, q);
        if (line.charCodeAt(q + 1) === 34) {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      value = v;
      const comma = line.indexOf(',', i);
      i = comma < 0 ? n : comma;
    } else {
      const comma = line.indexOf(',', i);
      i = comma < 0 ? n : comma;
      value = line.slice(start, i);
    }
    out += FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? protectedCsvCell(value) : line.slice(start, i);
    if (i >= n) return out;
    out += ',';
    i++;
  }
}

export interface FeedWriterOptions {
  /** CSV: neutralise cells that a spreadsheet would run as formulas (protectCsvLine); off by default. */
  csvFormulaProtection?: boolean;
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
function xmlText(v: string): string {
  // eslint-disable-next-line no-control-regex
  return v.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '').replace(/[&<>"']/g, (c) => ESC[c]);
}

/** Writes feed records in one format, piece by piece: a head, each batch of records, a tail. */
export class FeedWriter {
  private first = true;
  private csv: FeedCsvBytes | null = null;
  private parts: string[] = [];
  private size = 0;
  constructor(
    readonly format: FeedFormat,
    private readonly publicUrl = '',
    /** push() hands out chunks of about this many bytes: a socket write carries hundreds of records */
    private readonly chunkBytes = 64 * 1024,
    private readonly options: FeedWriterOptions = {},
  ) {}

  /**
   * Adds a batch of calls read as FeedRows (or, for CSV, stored lines); returns a chunk of the body once one is full.
   * CSV is written straight into bytes without record objects (the hot path); JSON and XML go through feedRecord().
   */
  push(rows: readonly (FeedRow | string)[]): Buffer | null {
    if (this.format === 'csv') {
      const csv = (this.csv ??= new FeedCsvBytes(this.publicUrl, this.chunkBytes));
      if (this.options.csvFormulaProtection) {
        // The protected feed takes the line (stored, or formatted) and neutralises it; the fast path below is untouched.
        for (const r of rows) csv.line(protectCsvLine(typeof r === 'string' ? r : csv.lineOf(r)));
        return csv.length >= this.chunkBytes ? csv.take() : null;
      }
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i];
        // A string is the call's stored CSV line (feedCsvLine(), issue #5): copied as it is.
        if (typeof r === 'string') csv.line(r);
        else csv.row(r);
      }
      return csv.length >= this.chunkBytes ? csv.take() : null;
    }
    const s = this.records(
      rows.map((r) => {
        if (typeof r === 'string') throw new Error(`a stored CSV line cannot be written as ${this.format}`);
        return feedRecord(feedCallFromRow(r), this.publicUrl);
      }),
    );
    this.parts.push(s);
    this.size += s.length;
    return this.size >= this.chunkBytes ? this.flush() : null;
  }

  /** What push() holds back, or null. */
  flush(): Buffer | null {
    if (this.csv) return this.csv.length ? this.csv.take() : null;
    if (!this.size) return null;
    const out = Buffer.from(this.parts.join(''), 'utf8');
    this.parts = [];
    this.size = 0;
    return out;
  }

  head(): string {
    if (this.format === 'json') return '[';
    if (this.format === 'csv') return `${FEED_FIELDS.join(',')}\r\n`;
    return '<?xml version="1.0" encoding="UTF-8"?>\n<calls>';
  }

  records(recs: FeedRecord[]): string {
    let out = '';
    if (this.format === 'json') {
      for (const r of recs) {
        out += (this.first ? '' : ',') + JSON.stringify(r);
        this.first = false;
      }
    } else if (this.format === 'csv') {
      // Values in FEED_FIELDS order (the record's own key order), escaped and joined: measured ~30 % faster than
      // concatenating field by field.
      const lines: string[] = new Array(recs.length);
      for (let n = 0; n < recs.length; n++) {
        const v = Object.values(recs[n]) as (string | number | null)[];
        for (let i = 0; i < v.length; i++) {
          const x = v[i];
          v[i] = x === null ? '' : typeof x === 'number' ? x : CSV_SPECIAL.test(x) ? `"${x.replace(/"/g, '""')}"` : x;
        }
        lines[n] = this.options.csvFormulaProtection ? protectCsvLine(v.join(',')) : v.join(',');
      }
      if (lines.length) out = `${lines.join('\r\n')}\r\n`;
    } else {
      for (const r of recs) {
        let el = '<call>';
        for (const f of FEED_FIELDS) {
          const v = r[f];
          el += v === null ? `<${f}/>` : `<${f}>${typeof v === 'number' ? v : xmlText(v)}</${f}>`;
        }
        out += `${el}</call>`;
      }
    }
    return out;
  }

  tail(): string {
    if (this.format === 'json') return ']';
    if (this.format === 'csv') return '';
    return '</calls>\n';
  }
}
