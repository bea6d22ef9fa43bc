import type { Kysely } from 'kysely';

/**
 * The portal's call log and dashboard on a large account (bench/portal.bench.ts, 1,000,000 calls):
 * - `calls_client_time_report_idx` replaces 005's `calls_client_time_updated_idx` (client_id, started_at, id, state,
 *   updated_at), which is its prefix: every query that index served it serves the same way (keyset pages in
 *   (started_at, id) order, a feed's count/newest change/highest id), and it also carries what the summaries read
 *   (status_code, duration, talk_duration and the tracking number and custom group they group by) and the filters that
 *   have no index of their own (status, direction, has_audio, is_test). A summary over a range is then read from the
 *   index alone, without the rows (30 days by tracking number on 1M calls: 250 → 80 ms as a bare query), and a
 *   filtered page tests each call in the index and reads only the rows it returns. (The DNI source is inside the
 *   `dni` JSON: grouping by source still reads the rows; SQLite does not treat an index on the expression as covering.)
 * - `calls_client_direction_time_idx`: the call log filtered on a direction the account rarely has (`call-out`, the
 *   click-to-call legs) was a scan of every call of the account (1.3 s on 1M calls); now a range of the index.
 * Same number of index trees per inserted call plus one. Runs on SQLite and PostgreSQL.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('calls_client_time_report_idx')
    .on('calls')
    .columns(['client_id', 'started_at', 'id', 'state', 'updated_at', 'status_code', 'direction', 'has_audio', 'is_test', 'duration', 'talk_duration', 'tracking_number', 'custom_group'])
    .execute();
  await db.schema.dropIndex('calls_client_time_updated_idx').ifExists().execute();
  await db.schema.createIndex('calls_client_direction_time_idx').on('calls').columns(['client_id', 'direction', 'started_at', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('calls_client_direction_time_idx').ifExists().execute();
  await db.schema.createIndex('calls_client_time_updated_idx').ifNotExists().on('calls').columns(['client_id', 'started_at', 'id', 'state', 'updated_at']).execute();
  await db.schema.dropIndex('calls_client_time_report_idx').ifExists().execute();
}
