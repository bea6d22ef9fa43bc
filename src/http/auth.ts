import type { FastifyRequest, RouteOptions } from 'fastify';
import { AppError } from '../domain/errors.ts';
import { can, ROLE_PERMISSIONS, ROLES, type Permission } from '../domain/accounts/roles.ts';
import type { AccountService } from '../services/accounts/account.service.ts';
import { accountsWith, requirePermission, resolveAccount, type Principal } from '../services/accounts/principal.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission an authenticated route needs (see domain/accounts/roles.ts). */
    permission?: Permission;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    clientId?: number;
    /** The CSRF token of the session this request signed in with (cookie or Bearer session token); unset otherwise. */
    sessionCsrfToken?: string;
  }
}

/** The session cookie a browser gets from `POST /userapi/v1/session` (HttpOnly, SameSite=Lax, Path=/). */
export const SESSION_COOKIE = 'tt_session';
/** Cookie requests with these methods need `X-CSRF-Token` (the session's csrf_token). */
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** The security schemes of a route under the user hooks (components in server.ts). */
export const USER_SECURITY: Record<string, string[]>[] = [{ basicAuth: [] }, { bearerAuth: [] }, { sessionCookie: [] }];

/** Reads HTTP Basic credentials; throws unauthorized when absent or malformed. */
export function basicCredentials(request: FastifyRequest): { username: string; password: string } {
  const header = request.headers.authorization;
  const m = header ? /^Basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(header) : null;
  if (!m) throw new AppError('unauthorized', 'HTTP Basic credentials are required');
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) throw new AppError('unauthorized', 'HTTP Basic credentials are malformed');
  return { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

/** One cookie's value from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      // A malformed escape is no session (401), never a 500.
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * Who is calling, from the first credential present: `Authorization: Bearer <session token>` or `Bearer ttk_…` (an
 * API key), `Authorization: Basic`, or the session cookie — the cookie only with `X-CSRF-Token` on POST/PUT/PATCH/DELETE
 * (403 csrf_failed without it). Bearer and Basic requests need no CSRF token: a browser never sends them by itself.
 */
export async function signedIn(accounts: AccountService, request: FastifyRequest): Promise<Principal> {
  const header = request.headers.authorization;
  if (header) {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (bearer) {
      const token = bearer[1];
      if (token.startsWith('ttk_')) return accounts.apiKeyAuth(token, request.ip);
      const session = await accounts.sessionAuth(token, request.ip);
      request.sessionCsrfToken = session.csrfToken;
      return session.principal;
    }
    const { username, password } = basicCredentials(request);
    return accounts.authenticate(username, password, request.ip);
  }
  const cookie = cookieValue(request.headers.cookie, SESSION_COOKIE);
  if (cookie) {
    const session = await accounts.sessionAuth(cookie, request.ip);
    if (UNSAFE_METHODS.has(request.method)) {
      const given = request.headers['x-csrf-token'];
      if (!accounts.csrfMatches(session.csrfToken, typeof given === 'string' ? given : undefined)) {
        throw new AppError('csrf_failed', `a ${request.method} with the session cookie needs the header X-CSRF-Token: the csrf_token given at sign-in`);
      }
    }
    request.sessionCsrfToken = session.csrfToken;
    return session.principal;
  }
  throw new AppError('unauthorized', 'HTTP Basic credentials are required (or Authorization: Bearer with a session token or API key, or the session cookie)');
}

/** The permission a route declares; a route under the user hooks without one is refused (fail closed). */
function declaredPermission(request: FastifyRequest): Permission {
  const permission = request.routeOptions.config?.permission;
  if (!permission) throw new AppError('forbidden', `the route ${request.method} ${request.routeOptions.url ?? request.url} declares no permission, so nobody may call it`);
  return permission;
}

/**
 * Refuses with 403 before the body is read or validated when the caller cannot have the permission: an expired or
 * reset password outside `self` routes (password_expired), or a role lacking the permission in the account the
 * request will act on — the query's client_id, the session's current account or the only account — or in every
 * account when that depends on the body. requireAccount checks the chosen account again.
 */
function precheck(accounts: AccountService, request: FastifyRequest, principal: Principal, permission: Permission): void {
  if (principal.passwordChangeRequired && permission !== 'self') {
    throw new AppError('password_expired', 'the password has expired or was reset: change it with PUT /userapi/v1/me/password first');
  }
  if (permission === 'self') return;
  // A malformed client_id is a 400 naming it now, before the body is validated.
  const fromQuery = clientIdFrom((request.query as { client_id?: unknown } | undefined)?.client_id, 'query');
  const target = fromQuery ?? (principal.currentClientId !== undefined ? principal.currentClientId : principal.clientIds.length === 1 ? principal.clientIds[0] : undefined);
  if (target !== undefined) {
    // requirePermission refuses an account the caller does not reach, too.
    requirePermission(principal, target, permission);
    return;
  }
  if (target === undefined && principal.clientIds.length > 0 && accountsWith(principal, permission).length === 0) {
    const roles = [...new Set(principal.clientIds.map((c) => principal.roles[c]))].join(', ');
    throw new AppError('forbidden', `this needs the permission "${permission}"; your role${roles.includes(',') ? 's' : ''} (${roles}) do not grant it in any of your accounts`);
  }
}

/**
 * An onRequest hook: checks the credentials before the body is read, so strangers get 401 whatever they send (429 with
 * Retry-After while the user or the address has too many recent failures, 423 locked under the password policy's
 * lockout), and refuses with 403 (before validation) what the caller's role cannot do (see precheck).
 */
export function authenticateUser(accounts: AccountService) {
  return async function authenticateUserHook(request: FastifyRequest) {
    const permission = declaredPermission(request);
    request.principal = await signedIn(accounts, request);
    precheck(accounts, request, request.principal, permission);
  };
}

/** client_id as given in the query (text, unless a schema coerced it) or the body; a clear 400 when it is not an account number. */
function clientIdFrom(v: unknown, where: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  if (typeof v === 'string' && /^\d{1,15}$/.test(v.trim()) && Number(v) > 0) return Number(v);
  throw new AppError('validation_failed', `client_id in the ${where} must be a positive whole number`, [{ path: 'client_id', message: 'must be a positive whole number' }]);
}

/**
 * A preHandler: authenticates the caller (unless an onRequest hook did), picks the account from `client_id` (query or
 * body; else the session's current account; else the only one) and checks the route's permission against the caller's
 * role there (403 forbidden naming both).
 */
export function requireAccount(accounts: AccountService) {
  return async function requireAccountHook(request: FastifyRequest) {
    const permission = declaredPermission(request);
    if (!request.principal) {
      request.principal = await signedIn(accounts, request);
      precheck(accounts, request, request.principal, permission);
    }
    const principal = request.principal;
    const fromQuery = clientIdFrom((request.query as { client_id?: unknown } | undefined)?.client_id, 'query');
    const body = request.body;
    const fromBody = body && typeof body === 'object' && !Array.isArray(body) ? clientIdFrom((body as { client_id?: unknown }).client_id, 'body') : undefined;
    if (fromQuery !== undefined && fromBody !== undefined && fromQuery !== fromBody) {
      throw new AppError('validation_failed', 'client_id differs between query and body', [{ path: 'client_id', message: 'query and body disagree' }]);
    }
    request.clientId = resolveAccount(principal, fromQuery ?? fromBody);
    if (permission !== 'self') requirePermission(principal, request.clientId, permission);
  };
}

/**
 * An onRoute hook (registered first in server.ts): a route that declares a permission documents it in OpenAPI
 * (`x-permission`, the roles that have it, every way to sign in); a route that documents user sign-in (`basicAuth`)
 * but declares no permission stops the server at startup, so no route is forgotten.
 */
export function documentPermissions(route: RouteOptions): void {
  const permission = route.config?.permission;
  const schema = (route.schema ?? {}) as Record<string, unknown> & { security?: Record<string, unknown>[]; description?: string };
  const documentsUser = Array.isArray(schema.security) && schema.security.some((s) => 'basicAuth' in s || 'bearerAuth' in s);
  if (!permission) {
    if (documentsUser) throw new Error(`route ${String(route.method)} ${route.url} documents user authentication but declares no config.permission (see src/domain/accounts/roles.ts)`);
    return;
  }
  const roles = ROLES.filter((r) => can(r, permission));
  route.schema = {
    ...schema,
    security: USER_SECURITY,
    'x-permission': permission,
    'x-roles': roles,
    description: `${schema.description ?? ''}${schema.description ? '\n\n' : ''}Permission: \`${permission}\` (roles: ${roles.join(', ')}).`,
  } as unknown as RouteOptions['schema'];
}

/** For docs and tests: the permissions of each role. */
export { ROLE_PERMISSIONS };
