import type { Kysely } from 'kysely';

/**
 * Dynamic Number Insertion (issue #11): tracking codes per account, one lease row per pool number (the database
 * itself keeps a number with one visitor at a time: the row is the number), the visits the website script reports,
 * and the attribution decided for each finalized call to a DNI number.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('dni_tracking_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'integer', (c) => c.notNull())
    .addColumn('tracking_code', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('replace_numbers', 'text', (c) => c.notNull())
    .addColumn('origins', 'text', (c) => c.notNull())
    .addColumn('rules', 'text', (c) => c.notNull())
    .addColumn('pool', 'text', (c) => c.notNull())
    .addColumn('fallback_service_id', 'text')
    .addColumn('fallback_number', 'text')
    .addColumn('hold_minutes', 'integer', (c) => c.notNull())
    .addColumn('cooldown_minutes', 'integer', (c) => c.notNull())
    .addColumn('cookie_days', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dni_tracking_codes_uq').on('dni_tracking_codes').columns(['client_id', 'tracking_code']).unique().execute();

  // One row per pool number. service_id is the key: a service is in at most one pool, and a row names at most one
  // visitor, so a number can never be leased to two visitors. free_at = when another visitor may take it (the hold
  // after the last heartbeat, then the cool-down); null = never leased.
  await db.schema
    .createTable('dni_pool_numbers')
    .addColumn('service_id', 'text', (c) => c.primaryKey())
    .addColumn('tracking_code_id', 'text', (c) => c.notNull())
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('visitor_id', 'text')
    .addColumn('visit_id', 'text')
    .addColumn('leased_at', 'text')
    .addColumn('leased_until', 'text')
    .addColumn('free_at', 'text')
    .execute();
  await db.schema.createIndex('dni_pool_numbers_free_idx').on('dni_pool_numbers').columns(['tracking_code_id', 'free_at']).execute();
  await db.schema.createIndex('dni_pool_numbers_visitor_idx').on('dni_pool_numbers').columns(['tracking_code_id', 'visitor_id']).execute();

  await db.schema
    .createTable('dni_visits')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'integer', (c) => c.notNull())
    .addColumn('tracking_code_id', 'text', (c) => c.notNull())
    .addColumn('visitor_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    // pool | rule | fallback | default
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('fell_back', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rule_index', 'integer')
    .addColumn('service_id', 'text')
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('lease_until', 'text')
    // The last moment a call to this visit's number is attributed to it (lease or last sight, plus the grace window).
    .addColumn('attribute_until', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dni_visits_service_idx').on('dni_visits').columns(['service_id', 'created_at']).execute();
  await db.schema.createIndex('dni_visits_visitor_idx').on('dni_visits').columns(['tracking_code_id', 'visitor_id', 'created_at']).execute();
  await db.schema.createIndex('dni_visits_code_idx').on('dni_visits').columns(['tracking_code_id', 'created_at']).execute();

  await db.schema
    .createTable('dni_call_attributions')
    .addColumn('call_id', 'bigint', (c) => c.primaryKey())
    .addColumn('client_id', 'integer', (c) => c.notNull())
    .addColumn('tracking_code_id', 'text', (c) => c.notNull())
    .addColumn('visit_id', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dni_call_attributions_code_idx').on('dni_call_attributions').columns(['tracking_code_id', 'started_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['dni_call_attributions', 'dni_visits', 'dni_pool_numbers', 'dni_tracking_codes']) await db.schema.dropTable(t).execute();
}
