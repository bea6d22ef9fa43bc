import type { Kysely } from 'kysely';

/**
 * A replayed carrier webhook is stored once (issue #9): `dedupe_key` is a hash of what makes a signed request the same
 * request (flavour, kind, path and query, body, signature headers), unique per carrier; a replay counts in `replays`
 * and moves `last_received_at` instead of adding a row. Rows stored before this migration have no key.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('carrier_requests').addColumn('dedupe_key', 'text').execute();
  await db.schema.alterTable('carrier_requests').addColumn('replays', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('carrier_requests').addColumn('last_received_at', 'text').execute();
  await db.schema.createIndex('carrier_requests_dedupe_uq').on('carrier_requests').columns(['carrier', 'dedupe_key']).unique().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('carrier_requests_dedupe_uq').execute();
  for (const c of ['last_received_at', 'replays', 'dedupe_key']) await db.schema.alterTable('carrier_requests').dropColumn(c).execute();
}
