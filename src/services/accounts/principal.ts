import { createHash, randomBytes } from 'node:crypto';
import { AppError } from '../../domain/errors.ts';
import { can, type Permission, type Role } from '../../domain/accounts/roles.ts';

/** Who a request is, once signed in (by password, session or API key), and what they may do in each account. */
export interface Principal {
  userId: string;
  username: string;
  /** the accounts the caller reaches (enabled memberships; an API key: its one account) */
  clientIds: number[];
  /** the caller's role in each of them */
  roles: Record<number, Role>;
  /** how the request signed in (default basic) */
  via?: 'basic' | 'session' | 'api_key';
  /** the session or API key id */
  viaId?: string;
  /** the account chosen for the session (PUT /userapi/v1/session/account), used when a request names none */
  currentClientId?: number;
  /** the password has expired or was reset by an admin: only `self` routes (password change, sign-out) are allowed */
  passwordChangeRequired?: boolean;
}

/** A session's principal and the CSRF token cookie requests that change something must send. */
export interface SessionAuth {
  principal: Principal;
  csrfToken: string;
  expiresAt: string;
}

export interface SignIn extends SessionAuth {
  token: string;
  accounts: { client_id: number; name: string; role: Role }[];
  user: { id: string; username: string; email: string | null };
}

export interface SessionOptions {
  /** minutes without a request after which a session ends (TT_SESSION_IDLE_MINUTES) */
  idleMinutes: number;
  /** hours after sign-in after which a session ends whatever its use (TT_SESSION_MAX_HOURS) */
  maxHours: number;
}

/** SHA-256 of a token or key, as stored. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new secret: a prefix and 256 random bits. */
export function newSecret(prefix: 'tts' | 'ttk' | 'tti'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** The caller's role in an account they reach (forbidden otherwise). */
export function roleIn(principal: Principal, clientId: number): Role {
  const role = principal.roles[clientId];
  if (!role) throw new AppError('forbidden', `this user has no access to account ${clientId}`);
  return role;
}

/** Refuses (403 forbidden, naming the permission and the role) when the caller's role in the account lacks `permission`. */
export function requirePermission(principal: Principal, clientId: number, permission: Permission): void {
  const role = roleIn(principal, clientId);
  if (!can(role, permission)) throw new AppError('forbidden', `this needs the permission "${permission}"; your role in account ${clientId} is ${role}`);
}

/** The accounts in which the caller's role grants `permission`. */
export function accountsWith(principal: Principal, permission: Permission): number[] {
  return principal.clientIds.filter((c) => can(principal.roles[c], permission));
}

/** The account a request acts on: the one named by client_id, else the session's current account, else the user's only account. */
export function resolveAccount(principal: Principal, clientId: number | undefined): number {
  if (clientId === undefined) {
    if (principal.currentClientId !== undefined && principal.clientIds.includes(principal.currentClientId)) return principal.currentClientId;
    if (principal.clientIds.length === 1) return principal.clientIds[0];
    if (principal.clientIds.length === 0) throw new AppError('forbidden', 'this user has no enabled account');
    throw new AppError('validation_failed', 'client_id is required: this user reaches several accounts', [
      { path: 'client_id', message: `required; one of ${principal.clientIds.join(', ')}` },
    ]);
  }
  if (!principal.clientIds.includes(clientId)) throw new AppError('forbidden', `this user has no access to account ${clientId}`);
  return clientId;
}
