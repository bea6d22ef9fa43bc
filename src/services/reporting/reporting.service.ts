import { CALL_STATUSES } from '../../domain/calls/call-status.ts';
import { webapiCall, WEBAPI_FIELDS, type WebapiCall } from '../../domain/report/webapi-call.ts';
import { exportColumns, exportRecord } from '../../domain/report/call-export.ts';
import type { ReportCall } from '../../domain/report/formats.ts';
import type { Clock } from '../../domain/clock.ts';
import { AppError, fieldError } from '../../domain/errors.ts';
import { parseNumber } from '../../domain/phone.ts';
import { decodeCursor, encodeCursor } from '../../domain/cursor.ts';
import { parseSearch } from '../../domain/callwork/call-work.ts';
import { localDay, localPeriods, parseBound, type Interval } from '../../domain/report/report-time.ts';
import type { Storage } from '../../storage/database.ts';
import * as accounts from '../../storage/accounts/account.repository.ts';
import * as reports from '../../storage/reporting/report.repository.ts';
import type { CallFilter, SummaryKey } from '../../storage/reporting/report.repository.ts';

/** Call filters as a user writes them (query parameters). */
export interface CallFilterIn {
  from?: string;
  to?: string;
  tracking_number?: string;
  /** status names or codes, comma-separated: `Missed`, `1`, `Answered,Missed` */
  status?: string;
  caller?: string;
  custom_id?: string;
  custom_group?: string;
  direction?: string;
  has_audio?: boolean;
  test?: boolean;
  /** The call-log search (UserAPI): words over caller number, tracking name, label and notes (parseSearch). */
  q?: string;
}

const STATUS_BY_NAME = new Map(Object.entries(CALL_STATUSES).map(([code, name]) => [name.toLowerCase(), Number(code)]));
const DIRECTIONS = ['call-in', 'call-out'];

/** Status names or codes (comma-separated) as codes; a clear error naming `field` otherwise. */
export function parseStatuses(text: string, field: string): number[] {
  const out: number[] = [];
  for (const raw of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (/^\d+$/.test(raw) && Number(raw) in CALL_STATUSES) out.push(Number(raw));
    else if (STATUS_BY_NAME.has(raw.toLowerCase())) out.push(STATUS_BY_NAME.get(raw.toLowerCase())!);
    else throw fieldError(field, `"${raw}" is not a call status; use a code (${Object.keys(CALL_STATUSES).join(', ')}) or a name (${Object.values(CALL_STATUSES).join(', ')})`);
  }
  if (!out.length) throw fieldError(field, 'is empty');
  return out;
}

/** A number in E.164, `+CC-LOCAL` or national form (in the account's country), or `Private`. */
export function parseFilterNumber(text: string, field: string, allowPrivate: boolean): string {
  const t = text.trim();
  if (allowPrivate && t.toLowerCase() === 'private') return 'Private';
  const p = parseNumber(t, 'AU');
  if (!p) throw fieldError(field, `"${text}" is not a valid phone number (E.164 like +61290088888, or +61-0290088888)`);
  return p.e164;
}

/** Turns user filters into storage filters: times in the account's zone, numbers to E.164, statuses to codes. */
export function toCallFilter(q: CallFilterIn, zone: string): CallFilter {
  const f: CallFilter = {};
  if (q.from !== undefined) {
    const d = parseBound(q.from, zone, false);
    if (!d) throw fieldError('from', 'must be YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] (account time) or an ISO 8601 instant with an offset');
    f.from = d.toISOString();
  }
  if (q.to !== undefined) {
    const d = parseBound(q.to, zone, true);
    if (!d) throw fieldError('to', 'must be YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] (account time) or an ISO 8601 instant with an offset');
    f.to = d.toISOString();
  }
  if (f.from && f.to && f.from >= f.to) throw fieldError('to', 'must be after from');
  if (q.tracking_number !== undefined) f.trackingNumber = parseFilterNumber(q.tracking_number, 'tracking_number', false);
  if (q.status !== undefined) f.statusCodes = parseStatuses(q.status, 'status');
  if (q.caller !== undefined) f.caller = parseFilterNumber(q.caller, 'caller', true);
  if (q.custom_id !== undefined) f.customId = q.custom_id;
  if (q.custom_group !== undefined) f.customGroup = q.custom_group;
  if (q.direction !== undefined) {
    if (!DIRECTIONS.includes(q.direction)) throw fieldError('direction', 'must be call-in or call-out');
    f.direction = q.direction;
  }
  if (q.has_audio !== undefined) f.hasAudio = q.has_audio;
  if (q.test !== undefined) f.isTest = q.test;
  // An empty `q=` is no search: every call matches.
  if (q.q !== undefined && q.q.trim() !== '') f.search = parseSearch(q.q, 'q');
  return f;
}

function callCursor(c: ReportCall, order: 'asc' | 'desc'): string {
  return encodeCursor(JSON.stringify([c.started_at, Number(c.id), order]));
}

/** A calls cursor is the keyset (start, id) of the last call given and the order it was given in. */
function callKeyset(cursor: string, order: 'asc' | 'desc'): reports.Keyset {
  const [startedAt, id, madeFor] = decodeCursor(cursor, (key) => {
    let v: unknown;
    try {
      v = JSON.parse(key);
    } catch {
      return null;
    }
    return Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v[0]) && Number.isInteger(v[1]) ? (v as [string, number, unknown]) : null;
  });
  if (madeFor !== order) throw fieldError('cursor', `was made for order=${String(madeFor)}; keep the order of the first page`);
  return { startedAt, id };
}

export interface SummaryRow {
  period: string;
  period_start: string;
  group: string | number | null;
  calls: number;
  answered: number;
  answered_rate: number;
  total_duration: number;
  average_duration: number;
  total_talk_duration: number;
  average_talk_duration: number;
}

/** The WebAPI's reads: filtered call pages, one call, summaries. */
export class ReportingService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly opts: { publicUrl: string },
  ) {}

  async zoneOf(clientId: number): Promise<string> {
    const a = await accounts.findAccount(this.storage.db, clientId);
    if (!a) throw new AppError('not_found', `account ${clientId} does not exist`);
    return a.timezone;
  }

  /** One page of calls, newest first by default; the cursor is a keyset, so inserts never shift or repeat rows. */
  async listCalls(clientId: number, q: CallFilterIn & { limit?: number; cursor?: string; order?: 'asc' | 'desc'; fields?: string }) {
    const zone = await this.zoneOf(clientId);
    const filter = toCallFilter(q, zone);
    const order = q.order ?? 'desc';
    const limit = q.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw fieldError('limit', 'must be 1 to 1000');
    const fields = parseFields(q.fields);
    const after = q.cursor ? callKeyset(q.cursor, order) : undefined;
    const page = await this.storage.repos.reports.listCalls(this.storage.db, clientId, filter, { after, order, limit: limit + 1 });
    const items = page.slice(0, limit);
    return {
      calls: items.map((c) => project(webapiCall(c, this.opts.publicUrl), fields)),
      next_cursor: page.length > limit ? callCursor(items[items.length - 1], order) : null,
      timezone: zone,
    };
  }

  /**
   * Every matching call as CSV records (the same filters as listCalls), newest first by default: read page by page
   * along the keyset (constant memory), at most `exportLimits.maxRows` (`truncated` says whether more matched when the
   * export started). Times are local wall times in the account's zone, given in the `timezone` column.
   */
  async exportCalls(clientId: number, q: CallFilterIn & { order?: 'asc' | 'desc'; fields?: string }) {
    const zone = await this.zoneOf(clientId);
    const filter = toCallFilter(q, zone);
    const order = q.order ?? 'desc';
    const columns = exportColumns(q.fields);
    const { pageSize, maxRows } = this.exportLimits;
    const truncated = await reports.hasMoreCallsThan(this.storage.db, clientId, filter, maxRows, this.storage.dialect);
    const { storage, opts } = this;
    async function* records(): AsyncGenerator<string[]> {
      let after: reports.Keyset | undefined;
      let left = maxRows;
      while (left > 0) {
        const page = await storage.repos.reports.listCalls(storage.db, clientId, filter, { after, order, limit: Math.min(pageSize, left) });
        for (const c of page) yield exportRecord(webapiCall(c, opts.publicUrl), columns, zone);
        left -= page.length;
        if (page.length < Math.min(pageSize, left + page.length)) return;
        const last = page[page.length - 1];
        after = { startedAt: last.started_at, id: Number(last.id) };
      }
    }
    return { zone, columns: columns as string[], truncated, maxRows, fileDate: localDay(zone, this.clock.now()), records: records() };
  }

  /** The export's internal page size and its row cap (documented: 100,000 rows); tests lower them. */
  exportLimits = { pageSize: 1000, maxRows: 100_000 };

  async getCall(clientId: number, id: number, fieldsText?: string) {
    const c = await reports.findCall(this.storage.db, clientId, id);
    if (!c) throw new AppError('not_found', `call ${id} does not exist`);
    return project(webapiCall(c, this.opts.publicUrl), parseFields(fieldsText));
  }

  /** Counts, answered rate and durations per local day/week/month and per status, tracking number, custom group or source. */
  async summary(clientId: number, q: CallFilterIn & { interval?: Interval; group_by?: SummaryKey }) {
    const zone = await this.zoneOf(clientId);
    const interval = q.interval ?? 'day';
    const groupBy = q.group_by ?? 'none';
    const now = this.clock.now();
    // Default range: the current local month so far.
    const filter = toCallFilter({ ...q, from: q.from ?? localPeriods(zone, now, new Date(now.getTime() + 1), 'month')[0].label + '-01' }, zone);
    const from = new Date(filter.from!);
    const to = filter.to ? new Date(filter.to) : now;
    if (to.getTime() - from.getTime() > 370 * 86_400_000 * (interval === 'day' ? 1 : 5)) throw fieldError('to', `the range is too long for interval=${interval} (at most ${interval === 'day' ? 'a year' : 'five years'})`);
    const periods = localPeriods(zone, from, to, interval);
    // Periods start on whole UTC hours unless the zone's offset has minutes (India, Nepal, …): then use quarter hours.
    const quarters = periods.some((p) => p.start % 3_600_000 !== 0);
    const buckets = await this.storage.repos.reports.summaryBuckets(this.storage.db, clientId, { ...filter, to: to.toISOString() }, groupBy, quarters);
    const acc = new Map<string, SummaryRow>();
    for (const b of buckets) {
      const t = Date.parse(`${b.hour}:00:00.000Z`) + b.quarter * 900_000;
      const p = findPeriod(periods, t);
      if (!p) continue;
      const group = groupBy === 'status' && b.key !== null ? Number(b.key) : b.key;
      const k = `${p.label}\u0000${String(group)}`;
      let row = acc.get(k);
      if (!row) {
        row = { period: p.label, period_start: new Date(p.start).toISOString(), group, calls: 0, answered: 0, answered_rate: 0, total_duration: 0, average_duration: 0, total_talk_duration: 0, average_talk_duration: 0 };
        acc.set(k, row);
      }
      row.calls += b.calls;
      row.answered += b.answered;
      row.total_duration += b.duration;
      row.total_talk_duration += b.talk;
    }
    const rows = [...acc.values()].sort((a, b) => (a.period_start < b.period_start ? -1 : a.period_start > b.period_start ? 1 : String(a.group ?? '').localeCompare(String(b.group ?? ''))));
    for (const r of rows) {
      r.answered_rate = r.calls ? Math.round((r.answered / r.calls) * 10_000) / 10_000 : 0;
      r.average_duration = r.calls ? Math.round((r.total_duration / r.calls) * 10) / 10 : 0;
      r.average_talk_duration = r.calls ? Math.round((r.total_talk_duration / r.calls) * 10) / 10 : 0;
    }
    const totals = rows.reduce((t, r) => ({ calls: t.calls + r.calls, answered: t.answered + r.answered, total_duration: t.total_duration + r.total_duration, total_talk_duration: t.total_talk_duration + r.total_talk_duration }), { calls: 0, answered: 0, total_duration: 0, total_talk_duration: 0 });
    return {
      timezone: zone,
      interval,
      group_by: groupBy,
      from: from.toISOString(),
      to: to.toISOString(),
      rows: groupBy === 'status' ? rows.map((r) => ({ ...r, status: r.group === null ? null : (CALL_STATUSES[r.group as keyof typeof CALL_STATUSES] ?? null) })) : rows,
      totals: { ...totals, answered_rate: totals.calls ? Math.round((totals.answered / totals.calls) * 10_000) / 10_000 : 0 },
    };
  }
}

function findPeriod(periods: { label: string; start: number; end: number }[], t: number) {
  let lo = 0;
  let hi = periods.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const p = periods[mid];
    if (t < p.start) hi = mid - 1;
    else if (t >= p.end) lo = mid + 1;
    else return p;
  }
  return undefined;
}

function parseFields(text: string | undefined): (keyof WebapiCall)[] | null {
  if (text === undefined || text.trim() === '') return null;
  const wanted = text.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = wanted.filter((w) => !(WEBAPI_FIELDS as string[]).includes(w));
  if (unknown.length) throw fieldError('fields', `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; known: ${WEBAPI_FIELDS.join(', ')}`);
  return wanted as (keyof WebapiCall)[];
}

function project(c: WebapiCall, fields: (keyof WebapiCall)[] | null): Partial<WebapiCall> {
  if (!fields) return c;
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f] = c[f];
  return out as Partial<WebapiCall>;
}
