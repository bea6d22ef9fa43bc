import type { Insertable, Selectable } from 'kysely';
import type { Executor } from '../database.ts';
import type { AccountTable, UserTable } from '../schema.ts';
import type { SecretCodec } from '../../domain/accounts/secret-box.ts';

export type AccountRow = AccountTable;
export type UserRow = Selectable<UserTable>;

/** Inserts an account; its webhook secret is stored sealed under the server key (migration 011). */
export function insertAccount(db: Executor, row: AccountRow, secrets: SecretCodec) {
  return db.insertInto('accounts').values({ ...row, webhook_secret: secrets.seal(row.webhook_secret) }).execute();
}

/** One account; with `secrets`, its webhook secret in clear (without, as stored: for callers that do not read it). */
export async function findAccount(db: Executor, clientId: number, secrets?: SecretCodec): Promise<AccountRow | undefined> {
  const row = await db.selectFrom('accounts').selectAll().where('client_id', '=', clientId).executeTakeFirst();
  return row && secrets ? { ...row, webhook_secret: secrets.open(row.webhook_secret) } : row;
}

/**
 * The clear webhook secrets of the given accounts (one query per batch of deliveries; opened values are cached). A
 * secret that does not open with the key stays sealed in the map: signing refuses it (signWebhook), so that account's
 * deliveries fail with a clear error and are retried, never sent unsigned, and the other accounts' go out.
 */
export async function webhookSecretsOf(db: Executor, clientIds: number[], secrets: SecretCodec): Promise<Map<number, string>> {
  if (clientIds.length === 0) return new Map();
  const rows = await db.selectFrom('accounts').select(['client_id', 'webhook_secret']).where('client_id', 'in', clientIds).execute();
  const opened = (stored: string) => {
    try {
      return secrets.open(stored);
    } catch {
      return stored;
    }
  };
  return new Map(rows.map((r) => [Number(r.client_id), opened(r.webhook_secret)]));
}

export async function countAccounts(db: Executor): Promise<number> {
  const r = await db.selectFrom('accounts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Updates an account; a new webhook secret needs `secrets` and is stored sealed. */
export function updateAccount(db: Executor, clientId: number, patch: Partial<Omit<AccountRow, 'client_id'>>, secrets?: SecretCodec) {
  if (patch.webhook_secret !== undefined) {
    if (!secrets) throw new Error('updateAccount: a webhook secret is stored sealed; pass the SecretCodec');
    patch = { ...patch, webhook_secret: secrets.seal(patch.webhook_secret) };
  }
  return db.updateTable('accounts').set(patch).where('client_id', '=', clientId).execute();
}

export function insertUser(db: Executor, row: Insertable<UserTable>) {
  return db.insertInto('users').values(row).execute();
}

export function findUserByUsername(db: Executor, username: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
}

/** Gives the user a role in the account (owner unless said; an existing membership keeps its role). */
export function linkUserAccount(db: Executor, userId: string, clientId: number, role = 'owner') {
  return db.insertInto('user_accounts').values({ user_id: userId, client_id: clientId, role }).onConflict((oc) => oc.doNothing()).execute();
}

export async function accountIdsOfUser(db: Executor, userId: string): Promise<number[]> {
  const rows = await db.selectFrom('user_accounts').select('client_id').where('user_id', '=', userId).where('disabled_at', 'is', null).orderBy('client_id').execute();
  return rows.map((r) => Number(r.client_id));
}

export async function usernamesOfAccount(db: Executor, clientId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('user_accounts')
    .innerJoin('users', 'users.id', 'user_accounts.user_id')
    .select('users.username')
    .where('user_accounts.client_id', '=', clientId)
    .where('user_accounts.disabled_at', 'is', null)
    .orderBy('users.username')
    .execute();
  return rows.map((r) => r.username);
}

/** The names of these accounts, by client id. */
export async function accountNames(db: Executor, clientIds: number[]): Promise<Map<number, string>> {
  if (clientIds.length === 0) return new Map();
  const rows = await db.selectFrom('accounts').select(['client_id', 'name']).where('client_id', 'in', clientIds).execute();
  return new Map(rows.map((r) => [Number(r.client_id), r.name]));
}
