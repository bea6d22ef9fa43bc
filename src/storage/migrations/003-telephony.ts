import { type Kysely, sql } from 'kysely';

/**
 * The telephony edge: raw carrier requests (stored before parsing), call events (idempotent ingestion), the plan
 * each call runs, recordings, pending automatic test calls; and the service fields transfer and ivr need.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('carrier_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('carrier', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('carrier_call_id', 'text')
    .addColumn('headers', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('received_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('carrier_requests_call_idx').on('carrier_requests').columns(['carrier', 'carrier_call_id']).execute();

  await db.schema
    .createTable('call_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('carrier', 'text', (c) => c.notNull())
    .addColumn('carrier_call_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('dedupe_key', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('raw_id', 'text')
    .execute();
  await db.schema.createIndex('call_events_uq').on('call_events').columns(['carrier', 'carrier_call_id', 'kind', 'dedupe_key']).unique().execute();

  await db.schema
    .createTable('call_sessions')
    .addColumn('call_id', 'bigint', (c) => c.primaryKey())
    .addColumn('carrier', 'text', (c) => c.notNull())
    .addColumn('carrier_call_id', 'text', (c) => c.notNull())
    .addColumn('plan', 'text', (c) => c.notNull())
    .addColumn('test_call_id', 'text')
    .addColumn('finalize_after', 'text', (c) => c.notNull())
    .addColumn('finalized', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('call_sessions_carrier_uq').on('call_sessions').columns(['carrier', 'carrier_call_id']).unique().execute();
  await db.schema.createIndex('call_sessions_due_idx').on('call_sessions').columns(['finalized', 'finalize_after']).execute();

  await db.schema
    .createTable('call_recordings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('carrier', 'text', (c) => c.notNull())
    .addColumn('carrier_call_id', 'text', (c) => c.notNull())
    .addColumn('carrier_recording_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('carrier_url', 'text')
    .addColumn('duration', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('path', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('call_recordings_uq').on('call_recordings').columns(['carrier', 'carrier_recording_id']).unique().execute();
  await db.schema.createIndex('call_recordings_call_idx').on('call_recordings').columns(['carrier', 'carrier_call_id']).execute();
  await db.schema.createIndex('call_recordings_due_idx').on('call_recordings').columns(['status', 'next_attempt_at']).execute();

  await db.schema
    .createTable('test_calls')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'integer', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('call_id', 'bigint')
    .addColumn('result', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('run_after', 'text', (c) => c.notNull())
    .addColumn('lease_until', 'text')
    .addColumn('started_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('test_calls_due_idx').on('test_calls').columns(['status', 'run_after']).execute();
  await db.schema.createIndex('test_calls_number_idx').on('test_calls').columns(['number', 'status']).execute();

  await db.schema.alterTable('services').addColumn('ring_timeout', 'integer', (c) => c.notNull().defaultTo(30)).execute();
  await db.schema.alterTable('services').addColumn('record', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('services').addColumn('voicemail_fallback', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('services').addColumn('ivr_options', 'text').execute();
  void sql;
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const c of ['ivr_options', 'voicemail_fallback', 'record', 'ring_timeout']) await db.schema.alterTable('services').dropColumn(c).execute();
  for (const t of ['test_calls', 'call_recordings', 'call_sessions', 'call_events', 'carrier_requests']) await db.schema.dropTable(t).ifExists().execute();
}
