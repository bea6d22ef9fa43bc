import type SQLite from 'better-sqlite3';
import type { Insertable } from 'kysely';
import { isUniqueViolation } from '../database.ts';
import type { CallTable, ServiceTable } from '../schema.ts';
import type { CallRecordingRow, CallRow, CallSessionRow, CallStore, CarrierRequestRow, CallEventRow, InboundRoute } from '../calls/telephony.repository.ts';

/**
 * The carrier webhook's hot path on SQLite: the same queries as `callStore`'s Kysely twin in
 * `calls/telephony.repository.ts`, as hand-written statements prepared once and run synchronously inside the write
 * batch (measured: building and compiling a Kysely query costs more than running these small ones).
 */
const sqliteStores = new WeakMap<SQLite.Database, SqliteCallStore>();

/** The committed-SQL call store of one SQLite connection (one per connection, its statements prepared once). */
export function sqliteCallStore(sqlite: SQLite.Database): CallStore {
  let s = sqliteStores.get(sqlite);
  if (!s) sqliteStores.set(sqlite, (s = new SqliteCallStore(sqlite)));
  return s;
}
const REQUEST_COLUMNS = ['id', 'carrier', 'kind', 'path', 'carrier_call_id', 'headers', 'body', 'error', 'received_at', 'dedupe_key'] as const;
const EVENT_COLUMNS = ['id', 'carrier', 'carrier_call_id', 'kind', 'dedupe_key', 'occurred_at', 'received_at', 'data', 'raw_id'] as const;
const SESSION_COLUMNS = ['call_id', 'carrier', 'carrier_call_id', 'plan', 'test_call_id', 'finalize_after', 'finalized'] as const;
const insertSql = (table: string, cols: readonly string[], tail = '') => `insert into "${table}" (${cols.map((c) => `"${c}"`).join(', ')}) values (${cols.map(() => '?').join(', ')})${tail}`;
const values = (row: object, cols: readonly string[]) => cols.map((c) => (row as Record<string, unknown>)[c] ?? null);
/** Columns with a value (Kysely leaves undefined ones out too). */
const defined = (row: object) => Object.keys(row).filter((k) => (row as Record<string, unknown>)[k] !== undefined);

/** Committed SQL for the carrier hot path on SQLite: each statement prepared once per connection (the same SQL the Kysely queries above build). */
class SqliteCallStore implements CallStore {
  private readonly stmts = new Map<string, SQLite.Statement>();
  constructor(private readonly db: SQLite.Database) {}

  private st(source: string): SQLite.Statement {
    let s = this.stmts.get(source);
    if (!s) {
      // Updates are keyed by the columns they set: bounded, but keep the map small anyway.
      if (this.stmts.size >= 500) this.stmts.clear();
      this.stmts.set(source, (s = this.db.prepare(source)));
    }
    return s;
  }

  insertCarrierRequest(row: CarrierRequestRow): string {
    const tail =
      ' on conflict ("carrier", "dedupe_key") do update set "replays" = "carrier_requests"."replays" + 1, "last_received_at" = excluded."received_at", "error" = coalesce(excluded."error", "carrier_requests"."error") returning "id"';
    return (this.st(insertSql('carrier_requests', REQUEST_COLUMNS, tail)).get(values(row, REQUEST_COLUMNS)) as { id: string }).id;
  }
  findSession(carrier: string, carrierCallId: string): CallSessionRow | undefined {
    return this.st('select * from "call_sessions" where "carrier" = ? and "carrier_call_id" = ?').get(carrier, carrierCallId) as CallSessionRow | undefined;
  }
  findSessionByCallId(callId: number): CallSessionRow | undefined {
    return this.st('select * from "call_sessions" where "call_id" = ?').get(callId) as CallSessionRow | undefined;
  }
  insertEvent(row: CallEventRow): boolean {
    return this.st(insertSql('call_events', EVENT_COLUMNS, ' on conflict ("carrier", "carrier_call_id", "kind", "dedupe_key") do nothing')).run(values(row, EVENT_COLUMNS)).changes > 0;
  }
  hasEvents(carrier: string, carrierCallId: string): boolean {
    return this.st('select 1 from "call_events" where "carrier" = ? and "carrier_call_id" = ? limit 1').get(carrier, carrierCallId) !== undefined;
  }
  eventsOfCall(carrier: string, carrierCallId: string) {
    return this.st('select "kind", "occurred_at", "data" from "call_events" where "carrier" = ? and "carrier_call_id" = ?').all(carrier, carrierCallId) as Pick<CallEventRow, 'kind' | 'occurred_at' | 'data'>[];
  }
  recordingsOfCall(carrier: string, carrierCallId: string): CallRecordingRow[] {
    return this.st('select * from "call_recordings" where "carrier" = ? and "carrier_call_id" = ?').all(carrier, carrierCallId) as CallRecordingRow[];
  }
  /** One joined lookup instead of number, then service, then account. */
  inboundRoute(number: string): InboundRoute | undefined {
    const r = this.st(
      'select n."state" as "tt_number_state", a."timezone" as "tt_timezone", s.* from "numbers" n left join "services" s on s."id" = n."service_id" left join "accounts" a on a."client_id" = s."client_id" where n."number" = ?',
    ).get(number) as (ServiceTable & { tt_number_state: string; tt_timezone: string | null }) | undefined;
    if (!r) return undefined;
    const { tt_number_state, tt_timezone, ...service } = r;
    return { numberState: tt_number_state, service: service.id == null ? undefined : (service as ServiceTable), timezone: tt_timezone };
  }
  insertCall(row: Insertable<CallTable>, nextUniqueId?: () => string): number {
    const cols = defined(row);
    for (let attempt = 0; ; attempt++) {
      try {
        return Number(this.st(insertSql('calls', cols)).run(values(row, cols)).lastInsertRowid);
      } catch (err) {
        if (!nextUniqueId || !isUniqueViolation(err) || attempt >= 5) throw err;
        row = { ...row, unique_id: nextUniqueId() };
      }
    }
  }
  findCall(id: number): CallRow | undefined {
    return this.st('select * from "calls" where "id" = ?').get(id) as CallRow | undefined;
  }
  updateCall(id: number, patch: Partial<Omit<CallRow, 'id'>>): void {
    const cols = defined(patch);
    if (!cols.length) return;
    this.st(`update "calls" set ${cols.map((c) => `"${c}" = ?`).join(', ')} where "id" = ?`).run([...values(patch, cols), id]);
  }
  insertSession(row: CallSessionRow): void {
    this.st(insertSql('call_sessions', SESSION_COLUMNS)).run(values(row, SESSION_COLUMNS));
  }
  updateSession(callId: number, patch: Partial<CallSessionRow>): void {
    const cols = defined(patch);
    if (!cols.length) return;
    this.st(`update "call_sessions" set ${cols.map((c) => `"${c}" = ?`).join(', ')} where "call_id" = ?`).run([...values(patch, cols), callId]);
  }
  claimFinalization(callId: number): boolean {
    return this.st('update "call_sessions" set "finalized" = 1 where "call_id" = ? and "finalized" = 0').run(callId).changes === 1;
  }
}
