import { sql, type SelectQueryBuilder } from 'kysely';
import type { Database } from '../schema.ts';
import type { Dialect, Executor } from '../database.ts';
import type { ReportCall } from '../../domain/report/formats.ts';
import type { SearchWord } from '../../domain/callwork/call-work.ts';

/** Calls that reports show: ended (or finalized); a call still in progress is not reported yet. */
const IN_PROGRESS = 'in_progress';

export interface CallFilter {
  /** UTC ISO bounds, from inclusive, to exclusive */
  from?: string;
  to?: string;
  trackingNumber?: string;
  statusCodes?: number[];
  /** E.164, or 'Private' for withheld callers */
  caller?: string;
  customId?: string;
  customGroup?: string;
  direction?: string;
  hasAudio?: boolean;
  isTest?: boolean;
  /** The call-log search (domain/callwork/call-work.ts parseSearch): every word must match; needs the dialect. */
  search?: SearchWord[];
}

export interface Keyset {
  startedAt: string;
  id: number;
}

type CallQuery = SelectQueryBuilder<Database, 'calls', object>;

/**
 * ASCII-only case folding in SQL, alike on both dialects: SQLite's lower() folds A–Z only; PostgreSQL's lower() would
 * fold other letters too, so it translates A–Z.
 */
function fold(dialect: Dialect, expr: ReturnType<typeof sql.ref>) {
  return dialect === 'postgres' ? sql<string>`translate(${expr}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')` : sql<string>`lower(${expr})`;
}

/**
 * One search word: the tracking name, the label or one of the call's notes contains it (folded), or, for a number,
 * the caller's number contains its digits. The account's calls are read through the (client_id, started_at, id)
 * index in page order; a call's notes through call_notes (call_id, …), or the account's notes through (client_id, …).
 */
function searchWord(dialect: Dialect, clientId: number, w: SearchWord) {
  const like = (col: string) => sql<boolean>`${fold(dialect, sql.ref(col))} like ${w.pattern} escape '\\'`;
  const parts = [
    sql<boolean>`(calls.tracking_name is not null and ${like('calls.tracking_name')})`,
    sql<boolean>`(calls.label is not null and ${like('calls.label')})`,
    // The account's own notes only: the planner may read them all at once (by client_id) rather than call by call.
    sql<boolean>`exists (select 1 from call_notes where call_notes.client_id = ${clientId} and call_notes.call_id = calls.id and ${like('call_notes.text')})`,
  ];
  if (w.digits) parts.push(sql<boolean>`(calls.caller_withheld = 0 and calls.caller_number like ${`%${w.digits}%`})`);
  return sql<boolean>`(${sql.join(parts, sql` or `)})`;
}

/** The WHERE of every report query: the account, reportable states and the filters (the search needs the dialect). */
export function applyFilter(q: CallQuery, clientId: number, f: CallFilter, dialect?: Dialect): CallQuery {
  if (f.search?.length && !dialect) throw new Error('applyFilter: a search needs the dialect (use storage.repos.reports)');
  return q
    .where('client_id', '=', clientId)
    .where('state', '<>', IN_PROGRESS)
    .$if(f.from !== undefined, (x) => x.where('started_at', '>=', f.from!))
    .$if(f.to !== undefined, (x) => x.where('started_at', '<', f.to!))
    .$if(f.trackingNumber !== undefined, (x) => x.where('tracking_number', '=', f.trackingNumber!))
    .$if(f.statusCodes !== undefined, (x) => x.where('status_code', 'in', f.statusCodes!))
    .$if(f.caller === 'Private', (x) => x.where((eb) => eb.or([eb('caller_withheld', '=', 1), eb('caller_number', 'is', null)])))
    .$if(f.caller !== undefined && f.caller !== 'Private', (x) => x.where('caller_number', '=', f.caller!).where('caller_withheld', '=', 0))
    .$if(f.customId !== undefined, (x) => x.where('custom_id', '=', f.customId!))
    .$if(f.customGroup !== undefined, (x) => x.where('custom_group', '=', f.customGroup!))
    .$if(f.direction !== undefined, (x) => x.where('direction', '=', f.direction!))
    .$if(f.hasAudio !== undefined, (x) => x.where('has_audio', '=', f.hasAudio ? 1 : 0))
    .$if(f.isTest !== undefined, (x) => x.where('is_test', '=', f.isTest ? 1 : 0))
    .$if(!!f.search?.length, (x) => f.search!.reduce((y, w) => y.where(searchWord(dialect!, clientId, w)), x)) as CallQuery;
}

function rows(r: unknown[]): ReportCall[] {
  return r as ReportCall[];
}

/** One page of calls in (started_at, id) order, after (or before, newest first) the keyset. */
export async function listCalls(db: Executor, clientId: number, f: CallFilter, opts: { after?: Keyset; order: 'asc' | 'desc'; limit: number }, dialect?: Dialect): Promise<ReportCall[]> {
  let q = applyFilter(db.selectFrom('calls'), clientId, f, dialect);
  if (opts.after) {
    const k = opts.after;
    q = q.where(opts.order === 'desc' ? sql<boolean>`(started_at, id) < (${k.startedAt}, ${k.id})` : sql<boolean>`(started_at, id) > (${k.startedAt}, ${k.id})`) as CallQuery;
  }
  return rows(await q.selectAll('calls').orderBy('started_at', opts.order).orderBy('id', opts.order).limit(opts.limit).execute());
}

/** Whether more than `n` calls match (one index step past the n-th, not a count of them all): the export's cap. */
export async function hasMoreCallsThan(db: Executor, clientId: number, f: CallFilter, n: number, dialect?: Dialect): Promise<boolean> {
  const r = await applyFilter(db.selectFrom('calls'), clientId, f, dialect).select('id').orderBy('started_at').orderBy('id').limit(1).offset(n).executeTakeFirst();
  return r !== undefined;
}

export async function findCall(db: Executor, clientId: number, id: number): Promise<ReportCall | undefined> {
  const r = await db.selectFrom('calls').selectAll().where('client_id', '=', clientId).where('id', '=', id).where('state', '<>', IN_PROGRESS).executeTakeFirst();
  return r as ReportCall | undefined;
}

/** Streams every matching call in (started_at, id) order in keyset batches: memory stays flat whatever the size. */
export async function* streamCalls(db: Executor, clientId: number, f: CallFilter, batch = 2000): AsyncGenerator<ReportCall[]> {
  let after: Keyset | undefined;
  for (;;) {
    const page = await listCalls(db, clientId, f, { after, order: 'asc', limit: batch });
    if (page.length === 0) return;
    yield page;
    if (page.length < batch) return;
    const last = page[page.length - 1];
    after = { startedAt: last.started_at, id: Number(last.id) };
  }
}

/** What a feed's ETag and Last-Modified are made of: how many calls match, the newest change and the highest id. */
export async function callStamp(db: Executor, clientId: number, f: CallFilter): Promise<{ count: number; lastUpdated: string | null; maxId: number }> {
  const r = await applyFilter(db.selectFrom('calls'), clientId, f)
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('updated_at').as('u'), eb.fn.max('id').as('m')])
    .executeTakeFirstOrThrow();
  return { count: Number(r.n), lastUpdated: (r.u as string | null) ?? null, maxId: Number(r.m ?? 0) };
}

export type SummaryKey = 'status' | 'tracking_number' | 'custom_group' | 'source' | 'none';

export interface SummaryBucket {
  /** UTC time bucket: `YYYY-MM-DDTHH` and, when quarter hours are asked for, the quarter 0–3 */
  hour: string;
  quarter: number;
  key: string | number | null;
  calls: number;
  answered: number;
  duration: number;
  talk: number;
}

/** Counts and sums per UTC hour (or quarter hour) and key; the service folds hours into local days, weeks or months. */
export async function summaryBuckets(db: Executor, dialect: Dialect, clientId: number, f: CallFilter, key: SummaryKey, quarters: boolean): Promise<SummaryBucket[]> {
  const keyExpr =
    key === 'status'
      ? sql`status_code`
      : key === 'tracking_number'
        ? sql`tracking_number`
        : key === 'custom_group'
          ? sql`custom_group`
          : key === 'source'
            ? dialect === 'postgres'
              ? sql`(case when dni is null or dni = '' then null else (dni::jsonb ->> 'source') end)`
              : sql`(case when json_valid(dni) then json_extract(dni, '$.source') end)`
            : sql`null`;
  const hour = sql<string>`substr(started_at, 1, 13)`;
  const quarter = quarters ? sql<number>`cast(substr(started_at, 15, 2) as integer) / 15` : sql<number>`0`;
  const r = await applyFilter(db.selectFrom('calls'), clientId, f)
    .select([
      hour.as('hour'),
      quarter.as('quarter'),
      keyExpr.as('key'),
      sql<number>`count(*)`.as('calls'),
      sql<number>`sum(case when status_code = 0 then 1 else 0 end)`.as('answered'),
      sql<number>`sum(duration)`.as('duration'),
      sql<number>`sum(talk_duration)`.as('talk'),
    ])
    .groupBy([sql`1`, sql`2`, sql`3`])
    .execute();
  return r.map((x) => ({ hour: x.hour, quarter: Number(x.quarter), key: x.key as string | number | null, calls: Number(x.calls), answered: Number(x.answered), duration: Number(x.duration), talk: Number(x.talk) }));
}

/** The legacy `getCDR` page: calls after `last_id` in id order, within the time range. */
export async function legacyCalls(db: Executor, clientId: number, f: CallFilter, lastId: number, limit: number): Promise<ReportCall[]> {
  return rows(await applyFilter(db.selectFrom('calls'), clientId, f).selectAll().where('id', '>', lastId).orderBy('id').limit(limit).execute());
}

export async function evaluationQuestions(db: Executor, clientId: number) {
  const r = await db.selectFrom('evaluation_questions').select(['id', 'title', 'text']).where('client_id', '=', clientId).orderBy('position').orderBy('id').execute();
  return r.map((q) => ({ id: Number(q.id), title: q.title, text: q.text }));
}

/** Evaluation answers of these calls: call id → (question id → yes/no). */
export async function evaluationAnswers(db: Executor, callIds: number[]): Promise<Map<number, Map<number, string>>> {
  const out = new Map<number, Map<number, string>>();
  if (!callIds.length) return out;
  const r = await db.selectFrom('call_evaluations').select(['call_id', 'question_id', 'answer']).where('call_id', 'in', callIds).execute();
  for (const a of r) {
    const m = out.get(Number(a.call_id)) ?? new Map<number, string>();
    m.set(Number(a.question_id), a.answer);
    out.set(Number(a.call_id), m);
  }
  return out;
}
