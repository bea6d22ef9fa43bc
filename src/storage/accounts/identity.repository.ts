import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Executor } from '../database.ts';
import type { ApiKeyTable, PasswordPolicyTable, SessionTable, UserTable, UserTokenTable } from './accounts.tables.ts';

export type SessionRow = Selectable<SessionTable>;
export type ApiKeyRow = Selectable<ApiKeyTable>;
export type UserTokenRow = Selectable<UserTokenTable>;
export type PasswordPolicyRow = Selectable<PasswordPolicyTable>;

/** One membership of a user with its account's name and password policy (null: the defaults). */
export interface MembershipRow {
  client_id: number;
  name: string;
  role: string;
  disabled_at: string | null;
  policy: Omit<PasswordPolicyRow, 'client_id' | 'updated_at'> | null;
}

/** Every account of a user (enabled or not) with its role, name and password policy: one query. */
export async function membershipsOfUser(db: Executor, userId: string): Promise<MembershipRow[]> {
  const rows = await db
    .selectFrom('user_accounts as ua')
    .innerJoin('accounts as a', 'a.client_id', 'ua.client_id')
    .leftJoin('password_policies as p', 'p.client_id', 'ua.client_id')
    .select(['ua.client_id', 'a.name', 'ua.role', 'ua.disabled_at', 'p.min_length', 'p.min_classes', 'p.expiry_days', 'p.history', 'p.lockout_attempts', 'p.lockout_minutes', 'p.inactive_days'])
    .where('ua.user_id', '=', userId)
    .orderBy('ua.client_id')
    .execute();
  return rows.map((r) => ({
    client_id: Number(r.client_id),
    name: r.name,
    role: r.role,
    disabled_at: r.disabled_at,
    policy:
      r.min_length === null
        ? null
        : {
            min_length: Number(r.min_length),
            min_classes: Number(r.min_classes),
            expiry_days: Number(r.expiry_days),
            history: Number(r.history),
            lockout_attempts: Number(r.lockout_attempts),
            lockout_minutes: Number(r.lockout_minutes),
            inactive_days: Number(r.inactive_days),
          },
  }));
}

export function findUserById(db: Executor, id: string): Promise<Selectable<UserTable> | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updateUser(db: Executor, id: string, patch: Updateable<UserTable>): Promise<void> {
  await db.updateTable('users').set(patch).where('id', '=', id).execute();
}

export async function deleteUser(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', id).execute();
  await db.deleteFrom('user_tokens').where('user_id', '=', id).execute();
  await db.deleteFrom('password_history').where('user_id', '=', id).execute();
  await db.deleteFrom('user_accounts').where('user_id', '=', id).execute();
  await db.deleteFrom('users').where('id', '=', id).execute();
}

/** The users of an account with their role there. */
export function usersOfAccount(db: Executor, clientId: number) {
  return db
    .selectFrom('user_accounts as ua')
    .innerJoin('users as u', 'u.id', 'ua.user_id')
    .select(['u.id', 'u.username', 'u.email', 'u.password_hash', 'u.created_at', 'u.last_login_at', 'u.locked_until', 'u.must_change_password', 'ua.role', 'ua.disabled_at'])
    .where('ua.client_id', '=', clientId)
    .orderBy('u.username')
    .execute();
}

export function membership(db: Executor, userId: string, clientId: number) {
  return db.selectFrom('user_accounts').selectAll().where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
}

export async function updateMembership(db: Executor, userId: string, clientId: number, patch: { role?: string; disabled_at?: string | null }): Promise<void> {
  await db.updateTable('user_accounts').set(patch).where('user_id', '=', userId).where('client_id', '=', clientId).execute();
}

export async function deleteMembership(db: Executor, userId: string, clientId: number): Promise<void> {
  await db.deleteFrom('user_accounts').where('user_id', '=', userId).where('client_id', '=', clientId).execute();
}

/** Enabled owners of an account. */
export async function countActiveOwners(db: Executor, clientId: number): Promise<number> {
  const r = await db
    .selectFrom('user_accounts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('client_id', '=', clientId)
    .where('role', '=', 'owner')
    .where('disabled_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

// Password policy and history.

export function findPolicy(db: Executor, clientId: number): Promise<PasswordPolicyRow | undefined> {
  return db.selectFrom('password_policies').selectAll().where('client_id', '=', clientId).executeTakeFirst();
}

export async function savePolicy(db: Executor, row: PasswordPolicyRow): Promise<void> {
  const { client_id, ...rest } = row;
  await db.insertInto('password_policies').values(row).onConflict((oc) => oc.column('client_id').doUpdateSet(rest)).execute();
}

/** The user's earlier password hashes, newest first. */
export async function passwordHistory(db: Executor, userId: string, limit: number): Promise<string[]> {
  if (limit <= 0) return [];
  const rows = await db.selectFrom('password_history').select('password_hash').where('user_id', '=', userId).orderBy('changed_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => r.password_hash);
}

/** Adds a hash to the history and keeps the newest `keep`. */
export async function pushPasswordHistory(db: Executor, row: { id: string; user_id: string; password_hash: string; changed_at: string }, keep: number): Promise<void> {
  await db.insertInto('password_history').values(row).execute();
  const old = await db.selectFrom('password_history').select('id').where('user_id', '=', row.user_id).orderBy('changed_at', 'desc').orderBy('id', 'desc').offset(keep).limit(1000).execute();
  if (old.length) await db.deleteFrom('password_history').where('id', 'in', old.map((o) => o.id)).execute();
}

// Sessions.

export async function insertSession(db: Executor, row: SessionRow): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

/** A session by its token hash, with its user. */
export function findSessionByHash(db: Executor, tokenHash: string) {
  return db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id', 's.user_id', 's.csrf_token', 's.current_client_id', 's.created_at', 's.last_seen_at', 's.expires_at', 'u.username', 'u.password_changed_at', 'u.must_change_password', 'u.created_at as user_created_at'])
    .where('s.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

export function sessionsOfUser(db: Executor, userId: string): Promise<SessionRow[]> {
  return db.selectFrom('sessions').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').execute();
}

export async function updateSession(db: Executor, id: string, patch: { last_seen_at?: string; current_client_id?: number | null }): Promise<void> {
  await db.updateTable('sessions').set(patch).where('id', '=', id).execute();
}

/** Deletes one session of the user; answers whether one was deleted. */
export async function deleteSession(db: Executor, userId: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom('sessions').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Deletes the user's sessions but `keep`. */
export async function deleteSessionsOfUser(db: Executor, userId: string, keep?: string): Promise<void> {
  let q = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (keep) q = q.where('id', '!=', keep);
  await q.execute();
}

export async function deleteExpiredSessions(db: Executor, now: string): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<', now).execute();
}

// API keys.

export async function insertApiKey(db: Executor, row: Insertable<ApiKeyTable>): Promise<void> {
  await db.insertInto('api_keys').values(row).execute();
}

export function findApiKeyByHash(db: Executor, tokenHash: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export function apiKeysOfAccount(db: Executor, clientId: number): Promise<ApiKeyRow[]> {
  return db.selectFrom('api_keys').selectAll().where('client_id', '=', clientId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
}

export function findApiKey(db: Executor, clientId: number, id: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('client_id', '=', clientId).where('id', '=', id).executeTakeFirst();
}

export async function updateApiKey(db: Executor, id: string, patch: { last_used_at?: string; revoked_at?: string }): Promise<void> {
  await db.updateTable('api_keys').set(patch).where('id', '=', id).execute();
}

// Invitation tokens.

export async function insertUserToken(db: Executor, row: UserTokenRow): Promise<void> {
  await db.insertInto('user_tokens').values(row).execute();
}

export function findUserTokenByHash(db: Executor, tokenHash: string): Promise<UserTokenRow | undefined> {
  return db.selectFrom('user_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** Marks a token used; answers false when it was used already (a race). */
export async function useUserToken(db: Executor, id: string, at: string): Promise<boolean> {
  const r = await db.updateTable('user_tokens').set({ used_at: at }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
