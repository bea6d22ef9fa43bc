import { randomBytes } from 'node:crypto';
import type { Clock } from '../../domain/clock.ts';
import { decodeCursor, pageOf } from '../../domain/cursor.ts';
import { AppError, fieldError } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { DEFAULT_PASSWORD_POLICY, policyErrors, POLICY_LIMITS, type PasswordPolicy } from '../../domain/accounts/password-policy.ts';
import { isRole, roleChangeRefusal, roleRank, type Role } from '../../domain/accounts/roles.ts';
import { isUniqueViolation, type Storage } from '../../storage/database.ts';
import * as accounts from '../../storage/accounts/account.repository.ts';
import * as identity from '../../storage/accounts/identity.repository.ts';
import type { AccountService } from './account.service.ts';
import { accountsWith, newSecret, roleIn, tokenHash, type Principal } from './principal.ts';
import { actorOf, type AuditLog, type AuditEntryView } from './audit.service.ts';

export interface UserView {
  id: string;
  username: string;
  email: string | null;
  role: Role;
  /** active | disabled (in this account) | invited (invitation not accepted yet) | locked (lockout running) */
  status: 'active' | 'disabled' | 'invited' | 'locked';
  password_change_required: boolean;
  last_login_at: string | null;
  created_at: string;
}

export interface ApiKeyView {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  created_by: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** Invitations stay valid this long. */
const INVITATION_DAYS = 7;

/** Who makes a change, from where. */
export interface ActorContext {
  principal: Principal;
  address: string | null | undefined;
}

/** A temporary password that meets any policy: all four classes and at least `length` characters. */
function temporaryPassword(length: number): string {
  return `Tt7-${randomBytes(Math.ceil(Math.max(20, length) * 0.75)).toString('base64url')}`;
}

/**
 * Users and roles of an account, invitations, admin password resets, API keys and the password policy (UserAPI). The
 * rules: only owners grant or revoke owner, roles (of users and keys) up to the actor's own, nobody changes their own
 * role or access, an account keeps at least one enabled owner. Every change is audited in its transaction.
 */
export class UserAdminService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly accounts: AccountService,
    private readonly audit: AuditLog,
  ) {}

  private record(tx: Parameters<AuditLog['record']>[0], clientId: number, ctx: ActorContext, action: string, target: string | null, detail?: Record<string, unknown>) {
    return this.audit.record(tx, { clientId, actor: actorOf(ctx.principal, ctx.address), action, target, detail: detail ?? null });
  }

  private view(r: Awaited<ReturnType<typeof identity.usersOfAccount>>[number]): UserView {
    const now = this.clock.now().toISOString();
    const status = r.disabled_at ? 'disabled' : !r.password_hash.startsWith('scrypt$') ? 'invited' : r.locked_until && r.locked_until > now ? 'locked' : 'active';
    return {
      id: r.id,
      username: r.username,
      email: r.email,
      role: r.role as Role,
      status,
      password_change_required: Number(r.must_change_password) === 1,
      last_login_at: r.last_login_at,
      created_at: r.created_at,
    };
  }

  async listUsers(clientId: number): Promise<UserView[]> {
    return (await identity.usersOfAccount(this.storage.db, clientId)).map((r) => this.view(r));
  }

  async getUser(clientId: number, userId: string): Promise<UserView> {
    const row = (await identity.usersOfAccount(this.storage.db, clientId)).find((r) => r.id === userId);
    if (!row) throw new AppError('not_found', `no user ${userId} in account ${clientId}`);
    return this.view(row);
  }

  /**
   * Creates a user in the account with a role. With a password (checked against the account's policy) they can sign in
   * at once; without, they get an invitation token (shown once, valid 7 days) to set their own with
   * `POST /userapi/v1/invitations/accept`.
   */
  async createUser(ctx: ActorContext, clientId: number, input: { username: string; email?: string | null; role: string; password?: string }): Promise<{ user: UserView; invitation: { token: string; expires_at: string } | null }> {
    const username = input.username?.trim();
    if (!username || !/^[A-Za-z0-9._@+-]{1,100}$/.test(username)) throw fieldError('username', 'must be 1–100 letters, digits or . _ @ + -');
    if (!isRole(input.role)) throw fieldError('role', 'must be owner, admin, analyst or read_only');
    if (input.email != null && !/^[^\s@]+@[^\s@]+$/.test(input.email)) throw fieldError('email', 'must be an e-mail address');
    const actorRole = roleIn(ctx.principal, clientId);
    const refusal = roleChangeRefusal({ actorRole, to: input.role, self: false });
    if (refusal) throw new AppError('forbidden', refusal);
    const now = this.clock.now();
    const id = newId('usr', now.getTime());
    let invitation: { token: string; expires_at: string } | null = null;
    try {
      await this.storage.tx(async (tx) => {
        await accounts.insertUser(tx, { id, username, email: input.email ?? null, password_hash: '', created_at: now.toISOString() });
        await accounts.linkUserAccount(tx, id, clientId, input.role);
        if (input.password !== undefined) {
          await this.accounts.setPassword(tx, id, input.password, { field: 'password' });
        } else {
          const token = newSecret('tti');
          const expires = new Date(now.getTime() + INVITATION_DAYS * 86_400_000).toISOString();
          await identity.insertUserToken(tx, { id: newId('inv', now.getTime()), token_hash: tokenHash(token), kind: 'invite', user_id: id, client_id: clientId, created_at: now.toISOString(), expires_at: expires, used_at: null });
          invitation = { token, expires_at: expires };
        }
        await this.record(tx, clientId, ctx, invitation ? 'user.invite' : 'user.create', `user:${id}`, { username, role: input.role, email: input.email ?? null });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('conflict', `user ${username} already exists`, [{ path: 'username', message: 'already exists' }]);
      throw err;
    }
    return { user: await this.getUser(clientId, id), invitation };
  }

  /** Accepts an invitation: sets the password (the account's policy applies); the token works once. */
  async acceptInvitation(token: string, password: string, address?: string): Promise<{ username: string }> {
    const row = typeof token === 'string' ? await identity.findUserTokenByHash(this.storage.db, tokenHash(token)) : undefined;
    const now = this.clock.now().toISOString();
    if (!row || row.kind !== 'invite' || row.used_at || row.expires_at <= now) throw new AppError('unauthorized', 'the invitation token is unknown, used or expired: ask for a new invitation');
    const user = await identity.findUserById(this.storage.db, row.user_id);
    if (!user) throw new AppError('unauthorized', 'the invitation token is unknown, used or expired');
    await this.storage.tx(async (tx) => {
      if (!(await identity.useUserToken(tx, row.id, now))) throw new AppError('unauthorized', 'the invitation token was used already');
      await this.accounts.setPassword(tx, user.id, password, { field: 'password', checkHistory: false });
      await this.audit.record(tx, { clientId: Number(row.client_id), actor: { userId: user.id, name: user.username, via: 'invitation', viaId: row.id, address: address ?? null }, action: 'user.invitation_accept', target: `user:${user.id}` });
    });
    return { username: user.username };
  }

  /** The target's membership in the account, and the actor's role there. */
  private async target(ctx: ActorContext, clientId: number, userId: string) {
    const m = await identity.membership(this.storage.db, userId, clientId);
    if (!m) throw new AppError('not_found', `no user ${userId} in account ${clientId}`);
    return { role: m.role as Role, disabled: !!m.disabled_at, actorRole: roleIn(ctx.principal, clientId), self: userId === ctx.principal.userId };
  }

  /** Refuses a change that would leave the account without an enabled owner. */
  private async keepAnOwner(tx: Parameters<typeof identity.countActiveOwners>[0], clientId: number, t: { role: Role; disabled: boolean }): Promise<void> {
    if (t.role === 'owner' && !t.disabled && (await identity.countActiveOwners(tx, clientId)) <= 1) {
      throw new AppError('conflict', `account ${clientId} must keep at least one enabled owner`);
    }
  }

  async changeRole(ctx: ActorContext, clientId: number, userId: string, role: string): Promise<UserView> {
    if (!isRole(role)) throw fieldError('role', 'must be owner, admin, analyst or read_only');
    const t = await this.target(ctx, clientId, userId);
    const refusal = roleChangeRefusal({ actorRole: t.actorRole, from: t.role, to: role, self: t.self });
    if (refusal) throw new AppError('forbidden', refusal);
    if (t.role !== role) {
      await this.storage.tx(async (tx) => {
        if (role !== 'owner') await this.keepAnOwner(tx, clientId, t);
        await identity.updateMembership(tx, userId, clientId, { role });
        await this.record(tx, clientId, ctx, 'user.role', `user:${userId}`, { from: t.role, to: role });
      });
    }
    return this.getUser(clientId, userId);
  }

  /** Disables (or enables again) a user in this account. Enabling also ends an inactivity or failed-sign-in lockout. */
  async setDisabled(ctx: ActorContext, clientId: number, userId: string, disabled: boolean): Promise<UserView> {
    const t = await this.target(ctx, clientId, userId);
    const refusal = roleChangeRefusal({ actorRole: t.actorRole, from: t.role, self: t.self });
    if (refusal) throw new AppError('forbidden', refusal);
    const now = this.clock.now().toISOString();
    await this.storage.tx(async (tx) => {
      if (disabled) {
        await this.keepAnOwner(tx, clientId, t);
        await identity.updateMembership(tx, userId, clientId, { disabled_at: now });
      } else {
        await identity.updateMembership(tx, userId, clientId, { disabled_at: null });
        await identity.updateUser(tx, userId, { reactivated_at: now, locked_until: null, failed_logins: 0, last_failed_at: null });
      }
      await this.record(tx, clientId, ctx, disabled ? 'user.disable' : 'user.enable', `user:${userId}`);
    });
    return this.getUser(clientId, userId);
  }

  /** Removes a user from the account; a user left without any account is deleted (sessions too). */
  async removeUser(ctx: ActorContext, clientId: number, userId: string): Promise<void> {
    const t = await this.target(ctx, clientId, userId);
    const refusal = roleChangeRefusal({ actorRole: t.actorRole, from: t.role, self: t.self });
    if (refusal) throw new AppError('forbidden', refusal);
    await this.storage.tx(async (tx) => {
      await this.keepAnOwner(tx, clientId, t);
      await identity.deleteMembership(tx, userId, clientId);
      const left = await identity.membershipsOfUser(tx, userId);
      if (left.length === 0) await identity.deleteUser(tx, userId);
      await this.record(tx, clientId, ctx, 'user.remove', `user:${userId}`, { role: t.role, deleted: left.length === 0 });
    });
  }

  /**
   * An admin reset: a temporary password (shown once) that must be changed at the next sign-in; the user's sessions
   * end and any lockout is lifted. Refused for a user who also reaches accounts where the actor may not manage users.
   */
  async resetPassword(ctx: ActorContext, clientId: number, userId: string): Promise<{ temporary_password: string }> {
    const t = await this.target(ctx, clientId, userId);
    const refusal = roleChangeRefusal({ actorRole: t.actorRole, from: t.role, self: t.self });
    if (refusal) throw new AppError('forbidden', refusal.replace('own role or access', 'own password through a reset (use PUT /userapi/v1/me/password)'));
    const theirs = await identity.membershipsOfUser(this.storage.db, userId);
    const outside = theirs.filter((m) => !accountsWith(ctx.principal, 'users').includes(m.client_id));
    if (outside.length) throw new AppError('forbidden', `this user also reaches account${outside.length > 1 ? 's' : ''} ${outside.map((m) => m.client_id).join(', ')}, where you may not manage users`);
    const policy = this.accounts.policyOf(theirs);
    const temporary = temporaryPassword(policy.min_length);
    await this.storage.tx(async (tx) => {
      await this.accounts.setPassword(tx, userId, temporary, { field: 'password', mustChange: true, checkHistory: false });
      await identity.deleteSessionsOfUser(tx, userId);
      await this.record(tx, clientId, ctx, 'user.password_reset', `user:${userId}`);
    });
    return { temporary_password: temporary };
  }

  // API keys.

  private keyView(r: identity.ApiKeyRow): ApiKeyView {
    return { id: r.id, name: r.name, role: r.role as Role, prefix: r.prefix, created_by: r.created_by_name, created_at: r.created_at, last_used_at: r.last_used_at, revoked_at: r.revoked_at };
  }

  async listApiKeys(clientId: number): Promise<ApiKeyView[]> {
    return (await identity.apiKeysOfAccount(this.storage.db, clientId)).map((r) => this.keyView(r));
  }

  /** A new API key for the account with a role up to the creator's own; the key is shown once (`ttk_…`). */
  async createApiKey(ctx: ActorContext, clientId: number, input: { name: string; role: string }): Promise<ApiKeyView & { key: string }> {
    const name = input.name?.trim();
    if (!name || name.length > 100) throw fieldError('name', 'must be 1–100 characters');
    if (!isRole(input.role)) throw fieldError('role', 'must be owner, admin, analyst or read_only');
    const actorRole = roleIn(ctx.principal, clientId);
    if (roleRank(input.role) > roleRank(actorRole)) throw new AppError('forbidden', `a ${actorRole} cannot create a key with the role ${input.role}`);
    const now = this.clock.now();
    const key = newSecret('ttk');
    const id = newId('key', now.getTime());
    await this.storage.tx(async (tx) => {
      await identity.insertApiKey(tx, {
        id,
        client_id: clientId,
        name,
        role: input.role,
        token_hash: tokenHash(key),
        prefix: key.slice(0, 10),
        created_by: ctx.principal.via === 'api_key' ? null : ctx.principal.userId,
        created_by_name: ctx.principal.username,
        created_at: now.toISOString(),
        last_used_at: null,
        revoked_at: null,
      });
      await this.record(tx, clientId, ctx, 'api_key.create', `api_key:${id}`, { name, role: input.role });
    });
    const row = await identity.findApiKey(this.storage.db, clientId, id);
    return { ...this.keyView(row!), key };
  }

  async revokeApiKey(ctx: ActorContext, clientId: number, id: string): Promise<ApiKeyView> {
    const row = await identity.findApiKey(this.storage.db, clientId, id);
    if (!row) throw new AppError('not_found', `no API key ${id} in account ${clientId}`);
    const actorRole = roleIn(ctx.principal, clientId);
    if (isRole(row.role) && roleRank(row.role) > roleRank(actorRole)) throw new AppError('forbidden', `a ${actorRole} cannot revoke a key with the role ${row.role}`);
    if (!row.revoked_at) {
      await this.storage.tx(async (tx) => {
        await identity.updateApiKey(tx, id, { revoked_at: this.clock.now().toISOString() });
        await this.record(tx, clientId, ctx, 'api_key.revoke', `api_key:${id}`, { name: row.name });
      });
    }
    return this.keyView((await identity.findApiKey(this.storage.db, clientId, id))!);
  }

  // Password policy.

  async getPolicy(clientId: number): Promise<PasswordPolicy & { updated_at: string | null }> {
    const row = await identity.findPolicy(this.storage.db, clientId);
    if (!row) return { ...DEFAULT_PASSWORD_POLICY, updated_at: null };
    const { client_id: _c, updated_at, ...p } = row;
    return { ...(Object.fromEntries(Object.entries(p).map(([k, v]) => [k, Number(v)])) as unknown as PasswordPolicy), updated_at };
  }

  /** Changes some settings of the account's policy (the others keep their value). */
  async savePolicy(ctx: ActorContext, clientId: number, patch: Partial<PasswordPolicy>): Promise<PasswordPolicy & { updated_at: string | null }> {
    const errors = policyErrors(patch as Record<string, unknown>);
    const unknown = Object.keys(patch).filter((k) => !(k in POLICY_LIMITS));
    errors.push(...unknown.map((k) => ({ path: k, message: 'is not a policy setting' })));
    if (errors.length) throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
    const { updated_at: _u, ...before } = await this.getPolicy(clientId);
    const next = { ...before, ...patch };
    const now = this.clock.now().toISOString();
    await this.storage.tx(async (tx) => {
      await identity.savePolicy(tx, { client_id: clientId, ...next, updated_at: now });
      const changed = Object.fromEntries(Object.keys(patch).filter((k) => before[k as keyof PasswordPolicy] !== next[k as keyof PasswordPolicy]).map((k) => [k, { from: before[k as keyof PasswordPolicy], to: next[k as keyof PasswordPolicy] }]));
      await this.record(tx, clientId, ctx, 'password_policy.update', `account:${clientId}`, changed);
    });
    return this.getPolicy(clientId);
  }

  // Audit log.

  /** The account's audit log, newest first, keyset-paged; filters by action and by acting user. */
  async listAudit(clientId: number, opts: { limit: number; cursor?: string; action?: string; userId?: string }): Promise<{ entries: AuditEntryView[]; next_cursor: string | null }> {
    const before = opts.cursor
      ? decodeCursor(opts.cursor, (k) => {
          const [at, id] = k.split('|');
          return at && id && !Number.isNaN(Date.parse(at)) ? { at, id } : null;
        })
      : undefined;
    const rows = await this.audit.list(this.storage.db, clientId, { limit: opts.limit + 1, before, action: opts.action, actorUserId: opts.userId });
    const { items, nextCursor } = pageOf(rows, opts.limit, (r) => `${r.at}|${r.id}`);
    return { entries: items, next_cursor: nextCursor };
  }
}
