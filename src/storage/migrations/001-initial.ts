import { type Kysely, sql } from 'kysely';

/** Accounts, users, number inventory, services, Telco requests and the delivery outbox. Runs on SQLite and PostgreSQL. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('client_id', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('webhook_secret', 'text', (c) => c.notNull())
    .addColumn('auto_test_call', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('user_accounts')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('client_id', 'integer', (c) => c.notNull().references('accounts.client_id').onDelete('cascade'))
    .addPrimaryKeyConstraint('user_accounts_pk', ['user_id', 'client_id'])
    .execute();

  await db.schema
    .createTable('numbers')
    .addColumn('number', 'text', (c) => c.primaryKey())
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('class', 'text', (c) => c.notNull())
    .addColumn('sms', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('voice', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('owner_client_id', 'integer', (c) => c.references('accounts.client_id'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text')
    .addColumn('reserved_request_id', 'text')
    .addColumn('quarantined_at', 'text')
    .addColumn('release_after', 'text')
    .addColumn('last_client_id', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('numbers_pick_idx').on('numbers').columns(['state', 'country', 'class', 'owner_client_id']).execute();

  await db.schema
    .createTable('stock_policies')
    .addColumn('client_id', 'integer', (c) => c.notNull().references('accounts.client_id').onDelete('cascade'))
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('class', 'text', (c) => c.notNull())
    .addColumn('policy', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('stock_policies_pk', ['client_id', 'country', 'class'])
    .execute();

  await db.schema
    .createTable('inventory_rules')
    .addColumn('client_id', 'integer', (c) => c.primaryKey().references('accounts.client_id').onDelete('cascade'))
    .addColumn('quarantine_days', 'integer', (c) => c.notNull())
    .addColumn('quiet_days', 'integer', (c) => c.notNull())
    .addColumn('noise_threshold', 'integer', (c) => c.notNull())
    .addColumn('recycle_on_request', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('noise_calls')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('caller', 'text')
    .addColumn('received_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('noise_calls_number_idx').on('noise_calls').columns(['number', 'received_at']).execute();

  await db.schema
    .createTable('services')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'integer', (c) => c.notNull().references('accounts.client_id'))
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('target_number', 'text')
    .addColumn('target_name', 'text')
    .addColumn('prompt_url', 'text')
    .addColumn('prompt_text', 'text')
    .addColumn('custom_id', 'text')
    .addColumn('custom_group', 'text')
    .addColumn('call_callback_uri', 'text')
    .addColumn('sms_forward_uri', 'text')
    .addColumn('notifications', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('live_at', 'text')
    .addColumn('decommissioned_at', 'text')
    .execute();
  await db.schema.createIndex('services_client_idx').on('services').columns(['client_id', 'created_at']).execute();
  // A number is never active for two services at once, whatever the race.
  await sql`create unique index services_live_number_uq on services (number) where status <> 'decommissioned'`.execute(db);

  await db.schema
    .createTable('requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'integer', (c) => c.notNull().references('accounts.client_id'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('number', 'text')
    .addColumn('service_id', 'text')
    .addColumn('changes', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('callback_uri', 'text')
    .addColumn('error_code', 'text')
    .addColumn('error_text', 'text')
    .addColumn('run_after', 'text', (c) => c.notNull())
    .addColumn('lease_until', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .execute();
  await db.schema.createIndex('requests_client_idx').on('requests').columns(['client_id', 'id']).execute();
  await db.schema.createIndex('requests_due_idx').on('requests').columns(['status', 'run_after']).execute();

  await db.schema
    .createTable('deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text')
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('body', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('lease_until', 'text')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'text')
    .execute();
  await db.schema.createIndex('deliveries_due_idx').on('deliveries').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('deliveries_client_idx').on('deliveries').columns(['client_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['deliveries', 'requests', 'services', 'noise_calls', 'inventory_rules', 'stock_policies', 'numbers', 'user_accounts', 'users', 'accounts']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
