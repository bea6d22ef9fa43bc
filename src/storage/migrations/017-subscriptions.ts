import type { Kysely } from 'kysely';

/**
 * The UserAPI's integrations (issue #12): event subscriptions (an account's webhook endpoints, each with its own
 * signing secret sealed at rest, and the failure count that disables it), named answer points that services use
 * (`services.answer_point_id`, written by the Telco request that applies it), and click-to-call attempts.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('event_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'integer', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_failure_at', 'text')
    .addColumn('last_success_at', 'text')
    .addColumn('disabled_reason', 'text')
    .addColumn('disabled_at', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('event_subscriptions_account').on('event_subscriptions').columns(['client_id', 'enabled']).execute();

  await db.schema
    .createTable('answer_points')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('ring_timeout', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('answer_points_name_uq').on('answer_points').columns(['client_id', 'name']).unique().execute();
  await db.schema.alterTable('services').addColumn('answer_point_id', 'text').execute();
  await db.schema.createIndex('services_answer_point').on('services').column('answer_point_id').execute();

  await db.schema
    .createTable('outbound_calls')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'integer', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('tracking_number', 'text', (c) => c.notNull())
    .addColumn('agent_number', 'text', (c) => c.notNull())
    .addColumn('customer_number', 'text', (c) => c.notNull())
    .addColumn('answer_point_id', 'text')
    .addColumn('user_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('carrier', 'text')
    .addColumn('carrier_call_id', 'text')
    .addColumn('call_id', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('outbound_calls_account').on('outbound_calls').columns(['client_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('outbound_calls').execute();
  await db.schema.dropIndex('services_answer_point').execute();
  await db.schema.alterTable('services').dropColumn('answer_point_id').execute();
  await db.schema.dropTable('answer_points').execute();
  await db.schema.dropTable('event_subscriptions').execute();
}
