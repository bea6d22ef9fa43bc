import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Authentication state every API process shares (issue #9 defect 7, issue #19):
 * - `auth_failures`: failed password checks per key (`user:<digest of the name>`, `addr:<address or /64>`,
 *   `feed:<id>`, `legacy:<digest of the account_id>`) and fixed window (`window_start`, epoch ms). The throttle reads it
 *   before any password work and refuses with 429 once a key reaches its limit; an attempt reserves its count before
 *   the KDF runs (one atomic upsert) and a success gives it back. Same shape as `rate_limits` (migration 008), but a
 *   table of its own: the WebAPI limiter prunes `rate_limits` by its own (shorter) window.
 * - `digest_nonces`: the highest nonce count (`nc`) accepted per feed, nonce and client nonce, so a Digest answer
 *   replayed to another process is refused; `expires_at` (epoch ms) is when the nonce goes stale and the row may go.
 * SQLite: WITHOUT ROWID, the primary key is the only tree. Both tables are logged on PostgreSQL (a crash must not
 * reopen a throttled user or a replay window).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const big = pg ? sql.raw('bigint') : sql.raw('integer');
  const rowid = pg ? sql.raw('') : sql.raw(' without rowid');
  await sql`create table auth_failures (
    key text not null, window_start ${big} not null, failures integer not null,
    primary key (key, window_start)
  )${rowid}`.execute(db);
  await sql`create table digest_nonces (
    feed_id text not null, nonce text not null, cnonce text not null, nc ${big} not null, expires_at ${big} not null,
    primary key (feed_id, nonce, cnonce)
  )${rowid}`.execute(db);
  await sql`create index digest_nonces_expires on digest_nonces (expires_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('digest_nonces').ifExists().execute();
  await db.schema.dropTable('auth_failures').ifExists().execute();
}
