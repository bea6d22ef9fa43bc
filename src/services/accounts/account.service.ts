import { randomBytes } from 'node:crypto';
import { IANAZone } from 'luxon';
import { AppError, fieldError } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { hashPassword, verifyPassword } from '../../domain/accounts/password.ts';
import { AuthThrottle, type FailureCounter } from '../../domain/accounts/auth-throttle.ts';
import { CredentialGuard } from './credential-guard.ts';
import type { Clock } from '../../domain/clock.ts';
import type { Storage } from '../../storage/database.ts';
import * as accounts from '../../storage/accounts/account.repository.ts';
import { isUniqueViolation } from '../../storage/database.ts';
import { SecretCodec } from '../../domain/accounts/secret-box.ts';

export interface Principal {
  userId: string;
  username: string;
  clientIds: number[];
  /** how the request signed in (default basic) */
  via?: 'basic' | 'session' | 'api_key';
  /** the session or API key id */
  viaId?: string;
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
const AUTH_CACHE_MS = 60_000;

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** A guard with no shared counter and no limits to speak of: for an AccountService built without one (scripts). */
function processOnlyGuard(clock: Clock): CredentialGuard {
  const none: FailureCounter = { read: async (k) => k.map(() => 0), add: async (k) => k.map(() => 1), remove: async () => undefined, prune: async () => undefined };
  return new CredentialGuard(new AuthThrottle(none, { userLimit: 1e9, addressLimit: 1e9, windowMs: 60_000 }, () => clock.now().getTime()), verifyPassword, {
    cacheMs: AUTH_CACHE_MS,
    now: () => Date.now(),
  });
}

export class AccountService {
  /** The throttle, success cache and KDF every password check of every API goes through (the feeds' too). */
  readonly guard: CredentialGuard;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    /** Seals webhook secrets at rest (TT_SECRET_KEY); without a key they are kept as they are. */
    private readonly secrets: SecretCodec = new SecretCodec(() => null),
    opts: { guard?: CredentialGuard } = {},
  ) {
    this.guard = opts.guard ?? processOnlyGuard(clock);
  }

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

  async rotateWebhookSecret(clientId: number): Promise<string> {
    await this.showAccount(clientId);
    const secret = newWebhookSecret();
    await accounts.updateAccount(this.storage.db, clientId, { webhook_secret: secret }, this.secrets);
    return secret;
  }

  async setAutoTestCall(clientId: number, on: boolean): Promise<void> {
    await this.showAccount(clientId);
    await accounts.updateAccount(this.storage.db, clientId, { auto_test_call: on ? 1 : 0 });
  }

  async countAccounts(): Promise<number> {
    return accounts.countAccounts(this.storage.db);
  }

  /** Creates a login reaching the given accounts (several for an agency user). */
  async createUser(input: { username: string; password: string; clientIds: number[] }): Promise<{ id: string; username: string; client_ids: number[] }> {
    const username = input.username?.trim();
    if (!username || !/^[A-Za-z0-9._@+-]{1,100}$/.test(username)) throw fieldError('username', 'must be 1–100 letters, digits or . _ @ + -');
    if (!input.password || input.password.length < 8) throw fieldError('password', 'must be at least 8 characters');
    if (input.clientIds.length === 0) throw fieldError('client_id', 'at least one account is required');
    for (const id of input.clientIds) {
      if (!(await accounts.findAccount(this.storage.db, id))) throw fieldError('client_id', `account ${id} does not exist`);
    }
    const id = newId('usr', this.clock.now().getTime());
    const hash = await hashPassword(input.password);
    try {
      await this.storage.tx(async (tx) => {
        await accounts.insertUser(tx, { id, username, password_hash: hash, created_at: this.clock.now().toISOString() });
        for (const clientId of input.clientIds) await accounts.linkUserAccount(tx, id, clientId);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('conflict', `user ${username} already exists`, [{ path: 'username', message: 'already exists' }]);
      throw err;
    }
    return { id, username, client_ids: [...input.clientIds].sort((a, b) => a - b) };
  }

  /**
   * Checks a username and password; throws unauthorized with one message whatever was wrong, and rate_limited (with
   * Retry-After) while the user name or the source address has too many recent failures. An unknown user costs the
   * same as a wrong password.
   */
  async authenticate(username: string, password: string, address?: string): Promise<Principal> {
    const user = await accounts.findUserByUsername(this.storage.db, username);
    const principal = await this.guard.checkPassword({ user: `user:${username}`, address }, `user:${username}`, password, user?.password_hash ?? null, async () => ({
      userId: user!.id,
      username: user!.username,
      clientIds: await accounts.accountIdsOfUser(this.storage.db, user!.id),
    }));
    if (!principal) throw new AppError('unauthorized', 'wrong username or password');
    return principal;
  }

  /** The account a request acts on: the one named by client_id, or the user's only account. */
  resolveAccount(principal: Principal, clientId: number | undefined): number {
    if (clientId === undefined) {
      if (principal.clientIds.length === 1) return principal.clientIds[0];
      throw new AppError('validation_failed', 'client_id is required: this user reaches several accounts', [
        { path: 'client_id', message: `required; one of ${principal.clientIds.join(', ')}` },
      ]);
    }
    if (!principal.clientIds.includes(clientId)) throw new AppError('forbidden', `this user has no access to account ${clientId}`);
    return clientId;
  }

  async accountOf(clientId: number) {
    const row = await accounts.findAccount(this.storage.db, clientId);
    if (!row) throw new AppError('not_found', `account ${clientId} does not exist`);
    return row;
  }
}
