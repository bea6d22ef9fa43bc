import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.ts';
import type { AccountService, Principal } from '../services/accounts/account.service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    clientId?: number;
  }
}

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

/**
 * An onRequest hook: checks the credentials before the body is read, so strangers get 401 whatever they send (429 with
 * Retry-After while the user or the address has too many recent failures).
 */
export function authenticateUser(accounts: AccountService) {
  return async (request: FastifyRequest) => {
    const { username, password } = basicCredentials(request);
    request.principal = await accounts.authenticate(username, password, request.ip);
  };
}

/** client_id as given in the query (text, unless a schema coerced it) or the body; a clear 400 when it is not an account number. */
function clientIdFrom(v: unknown, where: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  if (typeof v === 'string' && /^\d{1,15}$/.test(v.trim()) && Number(v) > 0) return Number(v);
  throw new AppError('validation_failed', `client_id in the ${where} must be a positive whole number`, [{ path: 'client_id', message: 'must be a positive whole number' }]);
}

/** A preHandler: authenticates the user (unless an onRequest hook did) and picks the account from `client_id` (query or body). */
export function requireAccount(accounts: AccountService) {
  return async (request: FastifyRequest) => {
    if (!request.principal) {
      const { username, password } = basicCredentials(request);
      request.principal = await accounts.authenticate(username, password, request.ip);
    }
    const principal = request.principal;
    const fromQuery = clientIdFrom((request.query as { client_id?: unknown } | undefined)?.client_id, 'query');
    const body = request.body;
    const fromBody = body && typeof body === 'object' && !Array.isArray(body) ? clientIdFrom((body as { client_id?: unknown }).client_id, 'body') : undefined;
    if (fromQuery !== undefined && fromBody !== undefined && fromQuery !== fromBody) {
      throw new AppError('validation_failed', 'client_id differs between query and body', [{ path: 'client_id', message: 'query and body disagree' }]);
    }
    request.clientId = accounts.resolveAccount(principal, fromQuery ?? fromBody);
  };
}
