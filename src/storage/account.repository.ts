import type { Executor } from './database.ts';
import type { AccountTable, UserTable } from './schema.ts';

export type AccountRow = AccountTable;
export type UserRow = UserTable;

export function insertAccount(db: Executor, row: AccountRow) {
  return db.insertInto('accounts').values(row).execute();
}

export function findAccount(db: Executor, clientId: number): Promise<AccountRow | undefined> {
  return db.selectFrom('accounts').selectAll().where('client_id', '=', clientId).executeTakeFirst();
}

export async function countAccounts(db: Executor): Promise<number> {
  const r = await db.selectFrom('accounts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

export function updateAccount(db: Executor, clientId: number, patch: Partial<Omit<AccountRow, 'client_id'>>) {
  return db.updateTable('accounts').set(patch).where('client_id', '=', clientId).execute();
}

export function insertUser(db: Executor, row: UserRow) {
  return db.insertInto('users').values(row).execute();
}

export function findUserByUsername(db: Executor, username: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
}

export function linkUserAccount(db: Executor, userId: string, clientId: number) {
  return db.insertInto('user_accounts').values({ user_id: userId, client_id: clientId }).onConflict((oc) => oc.doNothing()).execute();
}

export async function accountIdsOfUser(db: Executor, userId: string): Promise<number[]> {
  const rows = await db.selectFrom('user_accounts').select('client_id').where('user_id', '=', userId).orderBy('client_id').execute();
  return rows.map((r) => Number(r.client_id));
}

export async function usernamesOfAccount(db: Executor, clientId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('user_accounts')
    .innerJoin('users', 'users.id', 'user_accounts.user_id')
    .select('users.username')
    .where('user_accounts.client_id', '=', clientId)
    .orderBy('users.username')
    .execute();
  return rows.map((r) => r.username);
}
