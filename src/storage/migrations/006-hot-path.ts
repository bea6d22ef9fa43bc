import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Fewer index trees written per carrier request (every B-tree an insert touches is pages the commit writes):
 * - `calls_client_time_idx` (client_id, started_at, id) is a prefix of 005's `calls_client_time_updated_idx`, which
 *   serves every query it served: dropped (both dialects).
 * - SQLite: `call_events` is stored clustered on its identity (carrier, carrier_call_id, kind, dedupe_key) as a
 *   WITHOUT ROWID table: one tree instead of three (rowid, the id's unique index, the identity's unique index), and a
 *   call's events are read as one range. `id` stays as a column.
 * - SQLite: `call_sessions.call_id` becomes the rowid (`integer primary key`; `bigint primary key` is a separate
 *   index in SQLite).
 * PostgreSQL keeps its heap tables as they are (its primary keys are already single indexes).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('calls_client_time_idx').ifExists().execute();
  if (db.getExecutor().adapter instanceof PostgresAdapter) return;

  await sql`create table call_events_new (
    carrier text not null, carrier_call_id text not null, kind text not null, dedupe_key text not null,
    id text not null, occurred_at text not null, received_at text not null, data text not null, raw_id text,
    primary key (carrier, carrier_call_id, kind, dedupe_key)
  ) without rowid`.execute(db);
  await sql`insert into call_events_new (carrier, carrier_call_id, kind, dedupe_key, id, occurred_at, received_at, data, raw_id)
    select carrier, carrier_call_id, kind, dedupe_key, id, occurred_at, received_at, data, raw_id from call_events`.execute(db);
  await sql`drop table call_events`.execute(db);
  await sql`alter table call_events_new rename to call_events`.execute(db);

  await sql`create table call_sessions_new (
    call_id integer primary key, carrier text not null, carrier_call_id text not null, plan text not null,
    test_call_id text, finalize_after text not null, finalized integer not null default 0
  )`.execute(db);
  await sql`insert into call_sessions_new (call_id, carrier, carrier_call_id, plan, test_call_id, finalize_after, finalized)
    select call_id, carrier, carrier_call_id, plan, test_call_id, finalize_after, finalized from call_sessions`.execute(db);
  await sql`drop table call_sessions`.execute(db);
  await sql`alter table call_sessions_new rename to call_sessions`.execute(db);
  await db.schema.createIndex('call_sessions_carrier_uq').on('call_sessions').columns(['carrier', 'carrier_call_id']).unique().execute();
  await db.schema.createIndex('call_sessions_due_idx').on('call_sessions').columns(['finalized', 'finalize_after']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('calls_client_time_idx').ifNotExists().on('calls').columns(['client_id', 'started_at', 'id']).execute();
}
