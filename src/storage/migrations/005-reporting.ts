import { type Kysely, PostgresAdapter } from 'kysely';

/**
 * Reporting: data feeds and their daily uploads, legacy JSON API keys and tokens, call evaluation questions and
 * answers, `calls.private_reference`, and the indexes the WebAPI filters and feeds need. Runs on SQLite and PostgreSQL.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;

  await db.schema.alterTable('calls').addColumn('private_reference', 'text').execute();

  // Filters of the WebAPI and feeds: each leads with the account, then the filtered column, then time for the keyset.
  // Keeps (started_at, id) order for keyset pages and also covers a feed's ETag/Last-Modified (count, newest change)
  // over a time range without reading the rows.
  await db.schema.createIndex('calls_client_time_updated_idx').on('calls').columns(['client_id', 'started_at', 'id', 'state', 'updated_at']).execute();
  await db.schema.createIndex('calls_client_tracking_time_idx').on('calls').columns(['client_id', 'tracking_number', 'started_at', 'id']).execute();
  await db.schema.createIndex('calls_client_caller_time_idx').on('calls').columns(['client_id', 'caller_number', 'started_at', 'id']).execute();
  await db.schema.createIndex('calls_client_custom_id_time_idx').on('calls').columns(['client_id', 'custom_id', 'started_at', 'id']).execute();
  await db.schema.createIndex('calls_client_custom_group_time_idx').on('calls').columns(['client_id', 'custom_group', 'started_at', 'id']).execute();

  await db.schema
    .createTable('feeds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'integer', (c) => c.notNull().references('accounts.client_id').onDelete('cascade'))
    .addColumn('name', 'text')
    /** basic | digest | ip */
    .addColumn('auth', 'text', (c) => c.notNull())
    .addColumn('username', 'text')
    /** scrypt hash, for Basic */
    .addColumn('password_hash', 'text')
    /** H(username:realm:password) for Digest, MD5 and SHA-256 */
    .addColumn('digest_ha1_md5', 'text')
    .addColumn('digest_ha1_sha256', 'text')
    /** signs Digest nonces, so any API process can check them */
    .addColumn('nonce_secret', 'text', (c) => c.notNull())
    /** JSON array of CIDRs; empty = no IP restriction (required for auth = ip) */
    .addColumn('allow_cidrs', 'text', (c) => c.notNull().defaultTo('[]'))
    /** http_put | sftp | folder, or null for no daily upload */
    .addColumn('upload_kind', 'text')
    .addColumn('upload_target', 'text')
    .addColumn('upload_format', 'text')
    /** HH:MM in the account's zone */
    .addColumn('upload_time', 'text')
    .addColumn('upload_username', 'text')
    .addColumn('upload_password', 'text')
    /** UTC instant of the next scheduled upload */
    .addColumn('upload_next_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('feeds_client_idx').on('feeds').columns(['client_id', 'id']).execute();
  await db.schema.createIndex('feeds_upload_next_idx').on('feeds').columns(['upload_next_at']).execute();

  await db.schema
    .createTable('feed_uploads')
    .addColumn('feed_id', 'text', (c) => c.notNull().references('feeds.id').onDelete('cascade'))
    /** local date of the uploaded day, YYYY-MM-DD */
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('feed_uploads_pk', ['feed_id', 'day'])
    .execute();

  await db.schema
    .createTable('legacy_api_keys')
    /** the legacy `account_id`: a login string such as a company slug */
    .addColumn('account_id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'integer', (c) => c.notNull().references('accounts.client_id').onDelete('cascade'))
    .addColumn('api_key', 'text', (c) => c.notNull())
    /** kept in clear: the handshake proves knowledge of md5(secret + tokenKey), so the server needs the secret */
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('legacy_tokens')
    .addColumn('token', 'text', (c) => c.primaryKey())
    /** key (from getTokenKey, single use) | session (from signIn) */
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull().references('legacy_api_keys.account_id').onDelete('cascade'))
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('legacy_tokens_account_idx').on('legacy_tokens').columns(['account_id', 'kind']).execute();

  await db.schema
    .createTable('evaluation_questions')
    .addColumn('id', pg ? 'bigint' : 'integer', (c) => (pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()))
    .addColumn('client_id', 'integer', (c) => c.notNull().references('accounts.client_id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('evaluation_questions_client_idx').on('evaluation_questions').columns(['client_id', 'position']).execute();

  await db.schema
    .createTable('call_evaluations')
    .addColumn('call_id', pg ? 'bigint' : 'integer', (c) => c.notNull())
    .addColumn('question_id', pg ? 'bigint' : 'integer', (c) => c.notNull().references('evaluation_questions.id').onDelete('cascade'))
    /** yes | no */
    .addColumn('answer', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('call_evaluations_pk', ['call_id', 'question_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['call_evaluations', 'evaluation_questions', 'legacy_tokens', 'legacy_api_keys', 'feed_uploads', 'feeds']) await db.schema.dropTable(t).ifExists().execute();
  for (const i of ['calls_client_time_updated_idx', 'calls_client_tracking_time_idx', 'calls_client_caller_time_idx', 'calls_client_custom_id_time_idx', 'calls_client_custom_group_time_idx']) await db.schema.dropIndex(i).ifExists().execute();
  await db.schema.alterTable('calls').dropColumn('private_reference').execute();
}
