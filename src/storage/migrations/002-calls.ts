import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * The final call record (one row per call, every field of the seed's HTTP Callback list and Data Feed example) and
 * received SMS. `calls.id` is numeric (`callid`), as in the original.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('calls')
    .addColumn('id', pg ? 'bigint' : 'integer', (c) => (pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()))
    .addColumn('unique_id', 'text', (c) => c.notNull().unique())
    .addColumn('client_id', 'integer', (c) => c.notNull())
    .addColumn('service_id', 'text')
    .addColumn('direction', 'text', (c) => c.notNull().defaultTo('call-in'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('carrier', 'text', (c) => c.notNull())
    .addColumn('carrier_call_id', 'text', (c) => c.notNull())
    .addColumn('tracking_number', 'text', (c) => c.notNull())
    .addColumn('tracking_name', 'text')
    .addColumn('tracking_notes', 'text')
    .addColumn('target_number', 'text')
    .addColumn('target_name', 'text')
    .addColumn('caller_number', 'text')
    .addColumn('caller_withheld', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('caller_location', 'text')
    .addColumn('caller_state', 'text')
    .addColumn('caller_country', 'text')
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('answered_at', 'text')
    .addColumn('ended_at', 'text')
    .addColumn('duration', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('connection_duration', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('talk_duration', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status_code', 'integer')
    .addColumn('status', 'text')
    .addColumn('disposition', 'text')
    .addColumn('has_audio', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('audio_token', 'text')
    .addColumn('recording_path', 'text')
    .addColumn('recording_duration', 'integer')
    .addColumn('label', 'text')
    .addColumn('ivr', 'text')
    .addColumn('features', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('custom_id', 'text')
    .addColumn('custom_group', 'text')
    .addColumn('dni', 'text')
    .addColumn('sentiment', 'text')
    .addColumn('is_test', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('finalized_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('calls_carrier_uq').on('calls').columns(['carrier', 'carrier_call_id']).unique().execute();
  await db.schema.createIndex('calls_client_time_idx').on('calls').columns(['client_id', 'started_at', 'id']).execute();
  await db.schema.createIndex('calls_client_id_idx').on('calls').columns(['client_id', 'id']).execute();
  await sql`create unique index calls_audio_token_uq on calls (audio_token) where audio_token is not null`.execute(db);

  await db.schema
    .createTable('sms_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'integer')
    .addColumn('service_id', 'text')
    .addColumn('carrier', 'text', (c) => c.notNull())
    .addColumn('carrier_message_id', 'text', (c) => c.notNull())
    .addColumn('to_number', 'text', (c) => c.notNull())
    .addColumn('from_number', 'text')
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('segments', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('is_test', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('received_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sms_carrier_uq').on('sms_messages').columns(['carrier', 'carrier_message_id']).unique().execute();
  await db.schema.createIndex('sms_client_idx').on('sms_messages').columns(['client_id', 'received_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sms_messages').ifExists().execute();
  await db.schema.dropTable('calls').ifExists().execute();
}
