import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Stored CSV feed lines (issue #5): `calls.feed_csv` holds a finalized call's CSV feed record exactly as the feed writes
 * it (without the CRLF), written by the same UPDATE that finalizes the call, and `calls.feed_csv_key` what the line
 * depends on outside the row (feedLineKey(): line format, time-zone database, public URL). The CSV feed serves a stored
 * line when its key is current and formats the call live otherwise.
 * A stored line is never stale: a trigger clears it whenever an UPDATE sets any column the line is made of (the feed's
 * FEED_CALL_COLUMNS as of this migration, listed below) without the same statement writing a new line
 * (`new.feed_csv is old.feed_csv`). Updates of other columns (label, disposition, recording path…) keep the line, and so
 * does an UPDATE that sets only the line and its key. SQLite: an AFTER UPDATE OF trigger (recursive_triggers is off, and
 * its own update sets only feed_csv/feed_csv_key, which it does not watch). PostgreSQL: a BEFORE UPDATE OF trigger that
 * nulls the new row's line. A later change of FEED_CALL_COLUMNS needs a migration that re-creates the trigger (and a
 * FEED_LINE_FORMAT bump); a test checks that every feed column clears the line.
 */
const FEED_COLUMNS = [
  'id', 'unique_id', 'client_id', 'direction', 'tracking_number', 'tracking_name', 'tracking_notes', 'target_number', 'target_name', 'caller_number',
  'caller_withheld', 'caller_location', 'caller_state', 'caller_country', 'timezone', 'started_at', 'ended_at', 'duration', 'connection_duration',
  'talk_duration', 'status_code', 'status', 'has_audio', 'audio_token', 'features', 'custom_id', 'custom_group', 'private_reference',
];
const OF = FEED_COLUMNS.map((c) => `"${c}"`).join(', ');

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('calls').addColumn('feed_csv', 'text').execute();
  await db.schema.alterTable('calls').addColumn('feed_csv_key', 'text').execute();
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`create function calls_feed_csv_clear() returns trigger language plpgsql as $$
      begin
        if new.feed_csv is not null and new.feed_csv is not distinct from old.feed_csv then
          new.feed_csv := null;
          new.feed_csv_key := null;
        end if;
        return new;
      end $$`.execute(db);
    await sql.raw(`create trigger calls_feed_csv_clear before update of ${OF} on calls for each row execute function calls_feed_csv_clear()`).execute(db);
    return;
  }
  await sql.raw(`create trigger calls_feed_csv_clear after update of ${OF} on calls for each row
    when new.feed_csv is old.feed_csv and new.feed_csv is not null
    begin
      update calls set feed_csv = null, feed_csv_key = null where id = new.id;
    end`).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`drop trigger if exists calls_feed_csv_clear on calls`.execute(db);
    await sql`drop function if exists calls_feed_csv_clear()`.execute(db);
  } else await sql`drop trigger if exists calls_feed_csv_clear`.execute(db);
  await db.schema.alterTable('calls').dropColumn('feed_csv_key').execute();
  await db.schema.alterTable('calls').dropColumn('feed_csv').execute();
}
