import type { Selectable } from 'kysely';
import type { Executor } from '../database.ts';
import type { IdempotencyKeyTable } from './accounts.tables.ts';

export type IdempotencyKeyRow = Selectable<IdempotencyKeyTable>;

/** A new claim on a key: the row of a first request, `running`. */
export interface KeyClaim {
  client_id: number;
  key: string;
  fingerprint: string;
  route: string;
  token: string;
  created_at: string;
  lease_until: string;
  expires_at: string;
}

/** Inserts the claim unless the account already has the key (the unique key decides between racing requests). */
export async function insertKeyClaim(db: Executor, claim: KeyClaim): Promise<boolean> {
  const r = await db
    .insertInto('idempotency_keys')
    .values({ ...claim, state: 'running', status: null, content_type: null, body: null })
    .onConflict((oc) => oc.columns(['client_id', 'key']).doNothing())
    .returning('token')
    .executeTakeFirst();
  return r !== undefined;
}

export async function findKey(db: Executor, clientId: number, key: string): Promise<IdempotencyKeyRow | undefined> {
  return db.selectFrom('idempotency_keys').selectAll().where('client_id', '=', clientId).where('key', '=', key).executeTakeFirst();
}

/** Replaces an expired or abandoned row by a new claim, only if it is still the row read (its token). */
export async function takeOverKey(db: Executor, previousToken: string, claim: KeyClaim): Promise<boolean> {
  const r = await db
    .updateTable('idempotency_keys')
    .set({ ...claim, state: 'running', status: null, content_type: null, body: null })
    .where('client_id', '=', claim.client_id)
    .where('key', '=', claim.key)
    .where('token', '=', previousToken)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Stores the first request's answer under its claim. */
export async function storeKeyAnswer(db: Executor, ref: { client_id: number; key: string; token: string }, answer: { status: number; content_type: string | null; body: string }): Promise<boolean> {
  const r = await db
    .updateTable('idempotency_keys')
    .set({ state: 'done', ...answer })
    .where('client_id', '=', ref.client_id)
    .where('key', '=', ref.key)
    .where('token', '=', ref.token)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Gives a key back (its first request ended without an answer worth keeping). */
export async function releaseKey(db: Executor, ref: { client_id: number; key: string; token: string }): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('client_id', '=', ref.client_id).where('key', '=', ref.key).where('token', '=', ref.token).execute();
}

/** Deletes the keys expired at `nowIso`; answers how many. */
export async function deleteExpiredKeys(db: Executor, nowIso: string): Promise<number> {
  const r = await db.deleteFrom('idempotency_keys').where('expires_at', '<=', nowIso).executeTakeFirst();
  return Number(r.numDeletedRows);
}
