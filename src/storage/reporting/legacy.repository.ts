import type { Executor } from '../database.ts';
import type { LegacyApiKeyTable, LegacyTokenTable } from '../schema.ts';
import type { SecretCodec } from '../../domain/accounts/secret-box.ts';

/** Inserts legacy credentials; the secret is stored sealed under the server key (migration 011). */
export function insertKey(db: Executor, row: LegacyApiKeyTable, secrets: SecretCodec) {
  return db.insertInto('legacy_api_keys').values({ ...row, secret: secrets.seal(row.secret) }).execute();
}

/** The legacy credentials of a login, the secret in clear. */
export async function findKey(db: Executor, accountId: string, secrets: SecretCodec): Promise<LegacyApiKeyTable | undefined> {
  const row = await db.selectFrom('legacy_api_keys').selectAll().where('account_id', '=', accountId).executeTakeFirst();
  return row && { ...row, secret: secrets.open(row.secret) };
}

export function insertToken(db: Executor, row: LegacyTokenTable) {
  return db.insertInto('legacy_tokens').values(row).execute();
}

export function liveTokens(db: Executor, accountId: string, kind: string, now: string): Promise<LegacyTokenTable[]> {
  return db.selectFrom('legacy_tokens').selectAll().where('account_id', '=', accountId).where('kind', '=', kind).where('expires_at', '>', now).execute();
}

export function findToken(db: Executor, token: string): Promise<LegacyTokenTable | undefined> {
  return db.selectFrom('legacy_tokens').selectAll().where('token', '=', token).executeTakeFirst();
}

/** Deletes one token; true when it existed (so a token key is used once, even under a race). */
export async function deleteToken(db: Executor, token: string): Promise<boolean> {
  const r = await db.deleteFrom('legacy_tokens').where('token', '=', token).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export function deleteExpired(db: Executor, now: string) {
  return db.deleteFrom('legacy_tokens').where('expires_at', '<=', now).execute();
}
