import type { Kysely } from 'kysely';

/**
 * SFTP host key verification for daily feed uploads (issue #5): the fingerprint the server must present
 * (`SHA256:<base64, no padding>`, as OpenSSH prints it), and where it came from: `configured` by the user, or
 * `first_use` (trust on first use: pinned by the first successful connection). Both null: not pinned yet.
 * Plain nullable columns: `alter table … add column` on SQLite and PostgreSQL alike, no table rewrite.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('feeds').addColumn('upload_host_key', 'text').execute();
  await db.schema.alterTable('feeds').addColumn('upload_host_key_source', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('feeds').dropColumn('upload_host_key_source').execute();
  await db.schema.alterTable('feeds').dropColumn('upload_host_key').execute();
}
