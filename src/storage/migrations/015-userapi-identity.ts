import type { Kysely } from 'kysely';

/**
 * UserAPI identity (issue #12): roles per account (existing users become owners), disabled memberships, the password
 * policy per account, password history and lockout state, sessions, API keys and invitation tokens. Tokens and keys
 * are stored as SHA-256 hashes only.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('user_accounts').addColumn('role', 'text', (c) => c.notNull().defaultTo('owner')).execute();
  await db.schema.alterTable('user_accounts').addColumn('disabled_at', 'text').execute();
  for (const [name, type, notNullDefault] of [
    ['email', 'text', null],
    ['password_changed_at', 'text', null],
    ['must_change_password', 'integer', 0],
    ['failed_logins', 'integer', 0],
    ['last_failed_at', 'text', null],
    ['locked_until', 'text', null],
    ['last_login_at', 'text', null],
    ['reactivated_at', 'text', null],
  ] as const) {
    await db.schema
      .alterTable('users')
      .addColumn(name, type, (c) => (notNullDefault === null ? c : c.notNull().defaultTo(notNullDefault)))
      .execute();
  }

  await db.schema
    .createTable('password_policies')
    .addColumn('client_id', 'integer', (c) => c.primaryKey())
    .addColumn('min_length', 'integer', (c) => c.notNull())
    .addColumn('min_classes', 'integer', (c) => c.notNull())
    .addColumn('expiry_days', 'integer', (c) => c.notNull())
    .addColumn('history', 'integer', (c) => c.notNull())
    .addColumn('lockout_attempts', 'integer', (c) => c.notNull())
    .addColumn('lockout_minutes', 'integer', (c) => c.notNull())
    .addColumn('inactive_days', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('password_history')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('password_history_user').on('password_history').columns(['user_id', 'changed_at']).execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('current_client_id', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('address', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
  await db.schema.createIndex('sessions_expires').on('sessions').column('expires_at').execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_by_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('api_keys_account').on('api_keys').columns(['client_id', 'created_at']).execute();

  await db.schema
    .createTable('user_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['user_tokens', 'api_keys', 'sessions', 'password_history', 'password_policies']) await db.schema.dropTable(t).execute();
  for (const c of ['email', 'password_changed_at', 'must_change_password', 'failed_logins', 'last_failed_at', 'locked_until', 'last_login_at', 'reactivated_at']) {
    await db.schema.alterTable('users').dropColumn(c).execute();
  }
  await db.schema.alterTable('user_accounts').dropColumn('disabled_at').execute();
  await db.schema.alterTable('user_accounts').dropColumn('role').execute();
}
