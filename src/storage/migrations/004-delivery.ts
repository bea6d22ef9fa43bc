import { type Kysely, PostgresAdapter } from 'kysely';

/**
 * The delivery engine: a fencing token for outbox leases, the attempt log, the HTTP Callback method per service and
 * the SMS the sandbox carrier "sent" (notifications). Runs on SQLite and PostgreSQL.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  // Who holds the lease: a worker only writes the outcome of an attempt while it still holds it.
  await db.schema.alterTable('deliveries').addColumn('lease_owner', 'text').execute();
  // Attempts over the delivery's life (attempts counts the current round, reset by a redeliver).
  await db.schema.alterTable('deliveries').addColumn('total_attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('deliveries_client_page_idx').on('deliveries').columns(['client_id', 'id']).execute();
  await db.schema.createIndex('deliveries_client_subject_idx').on('deliveries').columns(['client_id', 'subject_id']).execute();

  await db.schema
    .createTable('delivery_attempts')
    .addColumn('id', pg ? 'bigint' : 'integer', (c) => (pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()))
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'integer', (c) => c.notNull())
    .addColumn('attempt_no', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    /** delivered | retry | failed | dead | refused | lost_lease */
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('response_body', 'text')
    .addColumn('worker', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('delivery_attempts_delivery_idx').on('delivery_attempts').columns(['delivery_id', 'attempt_no']).execute();

  await db.schema.alterTable('services').addColumn('call_callback_method', 'text', (c) => c.notNull().defaultTo('GET')).execute();

  await db.schema
    .createTable('sandbox_sms_outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'integer')
    .addColumn('from_number', 'text')
    .addColumn('to_number', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('reference', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sandbox_sms_outbox_to_idx').on('sandbox_sms_outbox').columns(['to_number', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sandbox_sms_outbox').ifExists().execute();
  await db.schema.alterTable('services').dropColumn('call_callback_method').execute();
  await db.schema.dropTable('delivery_attempts').ifExists().execute();
  await db.schema.dropIndex('deliveries_client_subject_idx').ifExists().execute();
  await db.schema.dropIndex('deliveries_client_page_idx').ifExists().execute();
  await db.schema.alterTable('deliveries').dropColumn('total_attempts').execute();
  await db.schema.alterTable('deliveries').dropColumn('lease_owner').execute();
}
