import type { Kysely } from 'kysely';
import { isSealed, type SecretCodec } from '../../domain/accounts/secret-box.ts';

/**
 * Secrets at rest (issue #9): accounts' webhook `whsec_` secrets and legacy API secrets are stored sealed under the
 * server key (AES-256-GCM, `v1:<iv>:<ciphertext+tag>`, like feed upload passwords), and feeds get their
 * `csv_formula_protection` option (0 = off, the CSV byte for byte as before).
 *
 * The schema part runs once, as every migration. The sealing of rows stored in clear by earlier versions needs the key,
 * which a migration does not have (and production may set TT_SECRET_KEY only later), so `migrate()` runs
 * sealPlaintextSecrets() after the migrations whenever it is given the key: idempotent, a no-op once every row is
 * sealed, and it touches the key only when a clear row exists (the sandbox key is not generated for nothing).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('feeds').addColumn('csv_formula_protection', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

/** Seals every webhook and legacy API secret still stored in clear; returns how many rows it sealed. */
export async function sealPlaintextSecrets(db: Kysely<any>, secrets: SecretCodec): Promise<number> {
  const accounts = (await db.selectFrom('accounts').select(['client_id', 'webhook_secret']).where('webhook_secret', 'not like', 'v1:%').execute()) as { client_id: number; webhook_secret: string }[];
  const keys = (await db.selectFrom('legacy_api_keys').select(['account_id', 'secret']).where('secret', 'not like', 'v1:%').execute()) as { account_id: string; secret: string }[];
  if (accounts.length + keys.length === 0 || !secrets.key()) return 0;
  let sealed = 0;
  // Compare and set: a secret rotated meanwhile by another process is left as that process wrote it.
  for (const a of accounts) {
    if (isSealed(a.webhook_secret)) continue;
    const r = await db.updateTable('accounts').set({ webhook_secret: secrets.seal(a.webhook_secret) }).where('client_id', '=', a.client_id).where('webhook_secret', '=', a.webhook_secret).executeTakeFirst();
    sealed += Number(r.numUpdatedRows);
  }
  for (const k of keys) {
    if (isSealed(k.secret)) continue;
    const r = await db.updateTable('legacy_api_keys').set({ secret: secrets.seal(k.secret) }).where('account_id', '=', k.account_id).where('secret', '=', k.secret).executeTakeFirst();
    sealed += Number(r.numUpdatedRows);
  }
  return sealed;
}
