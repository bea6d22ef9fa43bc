import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Rate-limit windows shared by every API process on the database (issue #5): one row per (key, window start) with the
 * requests counted in it. A request is one upsert (`insert … on conflict (key, window_start) do update set used =
 * used + 1 returning used`); each process deletes windows older than the previous one when it enters a new window, so
 * the table holds about two windows of active users. `window_start` is epoch milliseconds.
 * SQLite: WITHOUT ROWID, so the primary key is the only tree an upsert touches. PostgreSQL: UNLOGGED (see below).
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    // UNLOGGED: no WAL, so a request's commit does not wait for a WAL flush (measured: the logged table's upsert cost
    // a few ms under load). The table is emptied by a crash and is not on standbys: budgets restart, which is harmless.
    await sql`create unlogged table rate_limits (
      key text not null, window_start bigint not null, used integer not null,
      constraint rate_limits_pk primary key (key, window_start)
    )`.execute(db);
    return;
  }
  await sql`create table rate_limits (
    key text not null, window_start integer not null, used integer not null,
    primary key (key, window_start)
  ) without rowid`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rate_limits').ifExists().execute();
}
