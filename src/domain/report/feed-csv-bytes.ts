import { CALL_STATUSES, type CallStatusCode } from '../calls/call-status.ts';
import { hourInfo, isStoredIso, localFromIso, unixFromIso, zonedFromIso, type HourInfo } from './report-time.ts';
import { avanserNumber, parseFeatures } from './formats.ts';
import { articOf, numericParam } from './feed-record.ts';
import { ID, UNIQUE_ID, CLIENT_ID, DIRECTION, TRACKING_NUMBER, TRACKING_NAME, TRACKING_NOTES, TARGET_NUMBER, TARGET_NAME, CALLER_NUMBER, CALLER_WITHHELD, CALLER_LOCATION, CALLER_STATE, CALLER_COUNTRY, TIMEZONE, STARTED_AT, ENDED_AT, DURATION, CONNECTION_DURATION, TALK_DURATION, STATUS_CODE, STATUS, HAS_AUDIO, AUDIO_TOKEN, FEATURES, CUSTOM_ID, CUSTOM_GROUP, PRIVATE_REFERENCE, ARTIC, type FeedRow } from './feed-row.ts';

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
    this.int(r[ARTIC] ? 1 : 0);
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
    this.int(0);
    // The call-centre fields (empty for most calls), then CRLF in place of the last separator.
    if (r[ARTIC]) {
      const a = articOf(r[ARTIC] as string);
      this.cell(a.queue);
      this.cell(a.agent);
    } else {
      this.sep();
      this.sep();
    }
    this.room(2);
    this.buf[this.off - 1] = 13;
    this.buf[this.off++] = 10;
  }
}
