import { randomBytes, timingSafeEqual } from 'node:crypto';
import { IANAZone } from 'luxon';
import { AppError, fieldError } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { hashPassword } from '../../domain/accounts/password.ts';
import { CredentialGuard, processOnlyGuard } from './credential-guard.ts';
import type { Clock } from '../../domain/clock.ts';
import type { Executor, Storage } from '../../storage/database.ts';
import * as accounts from '../../storage/accounts/account.repository.ts';
import { isUniqueViolation } from '../../storage/database.ts';
import { SecretCodec } from '../../domain/accounts/secret-box.ts';
import { isRole, type Role } from '../../domain/accounts/roles.ts';
import { DEFAULT_PASSWORD_POLICY, HISTORY_KEPT, inactiveLocked, passwordExpiresAt, passwordRuleBreaks, strictest, type PasswordPolicy } from '../../domain/accounts/password-policy.ts';
import * as identity from '../../storage/accounts/identity.repository.ts';
import type { MembershipRow } from '../../storage/accounts/identity.repository.ts';
import { newSecret, tokenHash, type Principal, type SessionAuth, type SessionOptions, type SignIn } from './principal.ts';

/** last_seen_at / last_used_at / last_login_at are written at most this often (not on every request). */
const TOUCH_MS = 60_000;

function lockedError(until: string, now: Date): AppError {
  const err = new AppError('locked', `too many failed sign-ins: this user is locked out until ${until}`) as AppError & { retryAfterSeconds?: number };
  err.retryAfterSeconds = Math.max(1, Math.ceil((Date.parse(until) - now.getTime()) / 1000));
  return err;
}

export interface AccountView {
  client_id: number;
  name: string;
  timezone: string;
  auto_test_call: boolean;
  webhook_secret: string;
  users: string[];
  created_at: string;
}

const DEFAULT_TIMEZONE = 'Australia/Sydney';

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export class AccountService {
  /** The throttle, success cache and KDF every password check of every API goes through (the feeds' too). */
  readonly guard: CredentialGuard;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    /** Seals webhook secrets at rest (TT_SECRET_KEY); without a key they are kept as they are. */
    private readonly secrets: SecretCodec = new SecretCodec(() => null),
    opts: { guard?: CredentialGuard; sessions?: SessionOptions } = {},
  ) {
    this.guard = opts.guard ?? processOnlyGuard(() => clock.now().getTime());
    this.sessionOptions = opts.sessions ?? { idleMinutes: 60, maxHours: 12 };
  }

  readonly sessionOptions: SessionOptions;

  async createAccount(input: { clientId: number; name: string; timezone?: string; autoTestCall?: boolean }): Promise<AccountView> {
    if (!Number.isInteger(input.clientId) || input.clientId <= 0) throw fieldError('client_id', 'must be a positive whole number');
    const name = input.name?.trim();
    if (!name) throw fieldError('name', 'is required');
    const timezone = input.timezone ?? DEFAULT_TIMEZONE;
    if (!IANAZone.isValidZone(timezone)) throw fieldError('timezone', `"${timezone}" is not an IANA time zone`);
    try {
      await accounts.insertAccount(this.storage.db, {
        client_id: input.clientId,
        name,
        timezone,
        webhook_secret: newWebhookSecret(),
        auto_test_call: input.autoTestCall ? 1 : 0,
        created_at: this.clock.now().toISOString(),
      }, this.secrets);
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('conflict', `account ${input.clientId} already exists`, [{ path: 'client_id', message: 'already exists' }]);
      throw err;
    }
    return this.showAccount(input.clientId);
  }

  async showAccount(clientId: number): Promise<AccountView> {
    const row = await accounts.findAccount(this.storage.db, clientId, this.secrets);
    if (!row) throw new AppError('not_found', `account ${clientId} does not exist`);
    return {
      client_id: Number(row.client_id),
      name: row.name,
      timezone: row.timezone,
      auto_test_call: row.auto_test_call === 1,
      webhook_secret: row.webhook_secret,
      users: await accounts.usernamesOfAccount(this.storage.db, clientId),
      created_at: row.created_at,
    };
  }

  /** A new webhook secret in place of the old one; `within` runs in the same transaction (the audit entry of who asked). */
  async rotateWebhookSecret(clientId: number, within?: (tx: Executor) => Promise<void>): Promise<string> {
    await this.showAccount(clientId);
    const secret = newWebhookSecret();
    await this.storage.tx(async (tx) => {
      await accounts.updateAccount(tx, clientId, { webhook_secret: secret }, this.secrets);
      await within?.(tx);
    });
    return secret;
  }

  async setAutoTestCall(clientId: number, on: boolean): Promise<void> {
    await this.showAccount(clientId);
    await accounts.updateAccount(this.storage.db, clientId, { auto_test_call: on ? 1 : 0 });
  }

  async countAccounts(): Promise<number> {
    return accounts.countAccounts(this.storage.db);
  }

  /**
   * Creates a login reaching the given accounts (several for an agency user) with a role in each (default owner). The
   * CLI sets the first password as the operator: at least 8 characters; the account's password policy applies to
   * passwords set through the UserAPI.
   */
  async createUser(input: { username: string; password: string; clientIds: number[]; role?: Role }): Promise<{ id: string; username: string; client_ids: number[]; role: Role }> {
    const username = input.username?.trim();
    if (!username || !/^[A-Za-z0-9._@+-]{1,100}$/.test(username)) throw fieldError('username', 'must be 1–100 letters, digits or . _ @ + -');
    if (!input.password || input.password.length < 8) throw fieldError('password', 'must be at least 8 characters');
    if (input.clientIds.length === 0) throw fieldError('client_id', 'at least one account is required');
    const role = input.role ?? 'owner';
    if (!isRole(role)) throw fieldError('role', 'must be owner, admin, analyst or read_only');
    for (const id of input.clientIds) {
      if (!(await accounts.findAccount(this.storage.db, id))) throw fieldError('client_id', `account ${id} does not exist`);
    }
    const now = this.clock.now();
    const id = newId('usr', now.getTime());
    const hash = await hashPassword(input.password);
    try {
      await this.storage.tx(async (tx) => {
        await accounts.insertUser(tx, { id, username, password_hash: hash, created_at: now.toISOString(), password_changed_at: now.toISOString() });
        await identity.pushPasswordHistory(tx, { id: newId('pwh', now.getTime()), user_id: id, password_hash: hash, changed_at: now.toISOString() }, HISTORY_KEPT);
        for (const clientId of input.clientIds) await accounts.linkUserAccount(tx, id, clientId, role);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('conflict', `user ${username} already exists`, [{ path: 'username', message: 'already exists' }]);
      throw err;
    }
    return { id, username, client_ids: [...input.clientIds].sort((a, b) => a - b), role };
  }

  /** The principal of a user from their memberships (disabled ones left out). */
  private principalOf(user: { id: string; username: string }, memberships: MembershipRow[], via: Principal['via'], extra: Partial<Principal> = {}): Principal {
    const enabled = memberships.filter((m) => !m.disabled_at && isRole(m.role));
    const roles: Record<number, Role> = {};
    for (const m of enabled) roles[m.client_id] = m.role as Role;
    return { userId: user.id, username: user.username, clientIds: enabled.map((m) => m.client_id), roles, via, ...extra };
  }

  /** The strictest password policy of the user's enabled accounts (the defaults without any). */
  policyOf(memberships: MembershipRow[]): PasswordPolicy {
    const enabled = memberships.filter((m) => !m.disabled_at);
    return strictest((enabled.length ? enabled : memberships).map((m) => m.policy ?? { ...DEFAULT_PASSWORD_POLICY }));
  }

  private passwordChangeRequired(user: { must_change_password: number; password_changed_at: string | null; created_at: string }, policy: PasswordPolicy, now: Date): boolean {
    if (Number(user.must_change_password) === 1) return true;
    const expires = passwordExpiresAt(policy, user.password_changed_at ?? user.created_at);
    return expires !== null && expires.getTime() <= now.getTime();
  }

  /**
   * Checks a username and password (HTTP Basic and the UserAPI sign-in); throws unauthorized with one message whatever
   * was wrong, rate_limited (with Retry-After) while the user name or the source address has too many recent failures,
   * and locked (423) while the user is locked out by the password policy (too many failed sign-ins in a row, or
   * inactive too long) — the right password too. An unknown user (or one whose invitation is not accepted yet) costs the
   * same KDF run as a wrong password. Lockout and disabled accounts are read from the database on every check, so the
   * guard's short success cache never lets a locked or disabled user in.
   */
  async authenticate(username: string, password: string, address?: string): Promise<Principal> {
    return (await this.checkUserPassword(username, password, address)).principal;
  }

  private async checkUserPassword(username: string, password: string, address?: string) {
    const db = this.storage.db;
    const user = await accounts.findUserByUsername(db, username);
    const stored = user && user.password_hash.startsWith('scrypt$') ? user.password_hash : null;
    const subject = { user: `user:${username}`, address };
    const now = this.clock.now();
    if (user?.locked_until && user.locked_until > now.toISOString()) {
      await this.guard.check(subject);
      throw lockedError(user.locked_until, now);
    }
    const ok = await this.guard.checkPassword(subject, `user:${username}`, password, stored, async () => true);
    if (!ok || !user) {
      if (user && stored) await this.countFailure(user, now);
      throw new AppError('unauthorized', 'wrong username or password');
    }
    const memberships = await identity.membershipsOfUser(db, user.id);
    if (memberships.length > 0 && memberships.every((m) => m.disabled_at)) throw new AppError('forbidden', 'this user is disabled in every account it belongs to');
    const policy = this.policyOf(memberships);
    const lastActive = [user.last_login_at, user.reactivated_at, user.password_changed_at, user.created_at].filter((x): x is string => !!x).sort().pop()!;
    if (inactiveLocked(policy, lastActive, now)) {
      throw new AppError('locked', `no sign-in for more than ${policy.inactive_days} days: this user is locked out until an admin of the account enables them again`);
    }
    const patch: Parameters<typeof identity.updateUser>[2] = {};
    if (Number(user.failed_logins) > 0 || user.locked_until) Object.assign(patch, { failed_logins: 0, last_failed_at: null, locked_until: null });
    if (!user.last_login_at || now.getTime() - Date.parse(user.last_login_at) >= TOUCH_MS || user.last_login_at > now.toISOString()) patch.last_login_at = now.toISOString();
    if (Object.keys(patch).length) await identity.updateUser(db, user.id, patch);
    const principal = this.principalOf(user, memberships, 'basic', { passwordChangeRequired: this.passwordChangeRequired(user, policy, now) });
    return { principal, user, memberships, policy };
  }

  /** A wrong password for an existing user: counted towards the policy's lockout (failures in a row within the lockout window). */
  private async countFailure(user: accounts.UserRow, now: Date): Promise<void> {
    const policy = this.policyOf(await identity.membershipsOfUser(this.storage.db, user.id));
    if (policy.lockout_attempts <= 0) return;
    const windowMs = policy.lockout_minutes * 60_000;
    const fresh = !user.last_failed_at || now.getTime() - Date.parse(user.last_failed_at) > windowMs;
    const failures = (fresh ? 0 : Number(user.failed_logins)) + 1;
    if (failures >= policy.lockout_attempts) {
      const until = new Date(now.getTime() + windowMs).toISOString();
      await identity.updateUser(this.storage.db, user.id, { failed_logins: 0, last_failed_at: now.toISOString(), locked_until: until });
      throw lockedError(until, now);
    }
    await identity.updateUser(this.storage.db, user.id, { failed_logins: failures, last_failed_at: now.toISOString() });
  }

  /** Signs in with a password: a new session (token and CSRF token shown once), the user and the accounts they reach. */
  async signIn(username: string, password: string, meta: { address?: string; userAgent?: string } = {}): Promise<SignIn> {
    const { principal, user } = await this.checkUserPassword(username, password, meta.address);
    const now = this.clock.now();
    const token = newSecret('tts');
    const csrfToken = randomBytes(24).toString('base64url');
    const id = newId('ses', now.getTime());
    const expiresAt = new Date(now.getTime() + this.sessionOptions.maxHours * 3_600_000).toISOString();
    const current = principal.clientIds.length === 1 ? principal.clientIds[0] : null;
    await identity.deleteExpiredSessions(this.storage.db, now.toISOString());
    await identity.insertSession(this.storage.db, {
      id,
      token_hash: tokenHash(token),
      user_id: user.id,
      csrf_token: csrfToken,
      current_client_id: current,
      created_at: now.toISOString(),
      last_seen_at: now.toISOString(),
      expires_at: expiresAt,
      address: meta.address ?? null,
      user_agent: meta.userAgent?.slice(0, 300) ?? null,
    });
    const names = await this.accountNames(principal.clientIds);
    return {
      token,
      csrfToken,
      expiresAt,
      principal: { ...principal, via: 'session', viaId: id, ...(current !== null ? { currentClientId: current } : {}) },
      accounts: principal.clientIds.map((c) => ({ client_id: c, name: names.get(c) ?? '', role: principal.roles[c] })),
      user: { id: user.id, username: user.username, email: user.email },
    };
  }

  async accountNames(clientIds: number[]): Promise<Map<number, string>> {
    return accounts.accountNames(this.storage.db, clientIds);
  }

  /**
   * The principal of a session token: unauthorized when unknown, signed out, or expired (idle for longer than
   * TT_SESSION_IDLE_MINUTES, or older than TT_SESSION_MAX_HOURS). last_seen_at is written at most once a minute.
   */
  async sessionAuth(token: string, address?: string): Promise<SessionAuth> {
    const db = this.storage.db;
    const row = await identity.findSessionByHash(db, tokenHash(token));
    if (!row) {
      await this.guard.failed({ address });
      throw new AppError('unauthorized', 'the session token is unknown, signed out or expired: sign in again');
    }
    const now = this.clock.now();
    const idleMs = this.sessionOptions.idleMinutes * 60_000;
    if (row.expires_at <= now.toISOString() || now.getTime() - Date.parse(row.last_seen_at) > idleMs) {
      await identity.deleteSession(db, row.user_id, row.id);
      throw new AppError('unauthorized', 'the session has expired: sign in again');
    }
    const memberships = await identity.membershipsOfUser(db, row.user_id);
    const policy = this.policyOf(memberships);
    if (now.getTime() - Date.parse(row.last_seen_at) >= TOUCH_MS) await identity.updateSession(db, row.id, { last_seen_at: now.toISOString() });
    const principal = this.principalOf({ id: row.user_id, username: row.username }, memberships, 'session', {
      viaId: row.id,
      passwordChangeRequired: this.passwordChangeRequired({ must_change_password: row.must_change_password, password_changed_at: row.password_changed_at, created_at: row.user_created_at }, policy, now),
    });
    const current = row.current_client_id === null ? undefined : Number(row.current_client_id);
    if (current !== undefined && principal.clientIds.includes(current)) principal.currentClientId = current;
    return { principal, csrfToken: row.csrf_token, expiresAt: row.expires_at };
  }

  /** Whether a CSRF token sent with a cookie request is the session's (constant time). */
  csrfMatches(expected: string, given: string | undefined): boolean {
    if (!given) return false;
    const a = Buffer.from(expected);
    const b = Buffer.from(given);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** The principal of an API key (`ttk_…`): its one account and role; unauthorized when unknown or revoked. */
  async apiKeyAuth(key: string, address?: string): Promise<Principal> {
    const row = await identity.findApiKeyByHash(this.storage.db, tokenHash(key));
    if (!row || row.revoked_at || !isRole(row.role)) {
      await this.guard.failed({ address });
      throw new AppError('unauthorized', 'the API key is unknown or revoked');
    }
    const now = this.clock.now();
    if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) >= TOUCH_MS) await identity.updateApiKey(this.storage.db, row.id, { last_used_at: now.toISOString() });
    const clientId = Number(row.client_id);
    return { userId: row.created_by ?? `key:${row.id}`, username: row.name, clientIds: [clientId], roles: { [clientId]: row.role }, via: 'api_key', viaId: row.id };
  }

  /** Ends a session (sign-out). */
  async signOut(principal: Principal): Promise<void> {
    if (principal.via !== 'session' || !principal.viaId) throw new AppError('validation_failed', 'this request is not signed in with a session (HTTP Basic and API keys have nothing to sign out)');
    await identity.deleteSession(this.storage.db, principal.userId, principal.viaId);
  }

  /** The user's sessions (their tokens are never shown again). */
  async listSessions(principal: Principal) {
    const rows = await identity.sessionsOfUser(this.storage.db, principal.userId);
    const now = this.clock.now();
    const idleMs = this.sessionOptions.idleMinutes * 60_000;
    return rows
      .filter((r) => r.expires_at > now.toISOString() && now.getTime() - Date.parse(r.last_seen_at) <= idleMs)
      .map((r) => ({
        id: r.id,
        created_at: r.created_at,
        last_seen_at: r.last_seen_at,
        expires_at: r.expires_at,
        address: r.address,
        user_agent: r.user_agent,
        current: principal.via === 'session' && principal.viaId === r.id,
      }));
  }

  /** Revokes one of the user's own sessions; not_found for anyone else's. Audited in each account the user reaches. */
  async revokeSession(principal: Principal, id: string, audit: (tx: Executor, clientId: number) => Promise<void>): Promise<void> {
    await this.storage.tx(async (tx) => {
      if (!(await identity.deleteSession(tx, principal.userId, id))) throw new AppError('not_found', `no session ${id} of yours`);
      for (const c of principal.clientIds) await audit(tx, c);
    });
  }

  /** Chooses the account a session acts on when a request names none. */
  async switchAccount(principal: Principal, clientId: number): Promise<void> {
    if (principal.via !== 'session' || !principal.viaId) throw new AppError('validation_failed', 'only a session has a current account: sign in with POST /userapi/v1/session (or name client_id on each request)');
    if (!principal.clientIds.includes(clientId)) throw new AppError('forbidden', `this user has no access to account ${clientId}`);
    await identity.updateSession(this.storage.db, principal.viaId, { current_client_id: clientId });
  }

  /**
   * Sets a user's password: checks the strictest policy of their accounts and the history (no reuse of the last N),
   * each broken rule a 400 naming `field`. `mustChange`: a temporary password (admin reset) to be changed at next sign-in.
   */
  async setPassword(tx: Executor, userId: string, password: string, opts: { field: string; mustChange?: boolean; checkHistory?: boolean }): Promise<void> {
    const user = await identity.findUserById(tx, userId);
    if (!user) throw new AppError('not_found', 'no such user');
    const memberships = await identity.membershipsOfUser(tx, userId);
    const policy = this.policyOf(memberships);
    if (typeof password !== 'string') throw fieldError(opts.field, 'is required');
    const broken = passwordRuleBreaks(policy, password);
    if (broken.length) throw new AppError('validation_failed', `${opts.field}: ${broken.join('; ')}`, broken.map((message) => ({ path: opts.field, message })));
    if (opts.checkHistory !== false && policy.history > 0) {
      const earlier = await identity.passwordHistory(tx, userId, policy.history);
      if (user.password_hash.startsWith('scrypt$') && !earlier.includes(user.password_hash)) earlier.unshift(user.password_hash);
      for (const h of earlier.slice(0, policy.history)) {
        if (await this.guard.verifyHash(password, h)) {
          throw new AppError('validation_failed', `${opts.field}: must not be one of your last ${policy.history} passwords`, [{ path: opts.field, message: `must not be one of your last ${policy.history} passwords` }]);
        }
      }
    }
    const now = this.clock.now().toISOString();
    const hash = await hashPassword(password);
    await identity.updateUser(tx, userId, { password_hash: hash, password_changed_at: now, must_change_password: opts.mustChange ? 1 : 0, failed_logins: 0, last_failed_at: null, locked_until: null });
    await identity.pushPasswordHistory(tx, { id: newId('pwh', Date.parse(now)), user_id: userId, password_hash: hash, changed_at: now }, HISTORY_KEPT);
  }

  /** The user's own password change: the current password, then the policy and history; other sessions are signed out. */
  async changePassword(principal: Principal, current: string, next: string, address: string | undefined, audit: (tx: Executor, clientId: number) => Promise<void>): Promise<void> {
    if (principal.via === 'api_key') throw new AppError('forbidden', 'an API key has no password');
    const user = await identity.findUserById(this.storage.db, principal.userId);
    if (!user) throw new AppError('unauthorized', 'no such user');
    const stored = user.password_hash.startsWith('scrypt$') ? user.password_hash : null;
    const ok = await this.guard.checkPassword({ user: `user:${user.username}`, address }, `user:${user.username}`, current ?? '', stored, async () => true);
    if (!ok) throw new AppError('validation_failed', 'current_password: is not your current password', [{ path: 'current_password', message: 'is not your current password' }]);
    if (next === current) throw fieldError('new_password', 'must differ from the current password');
    await this.storage.tx(async (tx) => {
      await this.setPassword(tx, user.id, next, { field: 'new_password' });
      await identity.deleteSessionsOfUser(tx, user.id, principal.via === 'session' ? principal.viaId : undefined);
      for (const c of principal.clientIds) await audit(tx, c);
    });
  }

  async accountOf(clientId: number) {
    const row = await accounts.findAccount(this.storage.db, clientId);
    if (!row) throw new AppError('not_found', `account ${clientId} does not exist`);
    return row;
  }
}
