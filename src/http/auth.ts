import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.ts';
import type { AccountService, Principal } from '../services/account.service.ts';

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

/** A preHandler: authenticates the user and picks the account from `client_id` (query or body). */
export function requireAccount(accounts: AccountService) {
  return async (request: FastifyRequest) => {
    const { username, password } = basicCredentials(request);
    const principal = await accounts.authenticate(username, password);
    const fromQuery = (request.query as { client_id?: number } | undefined)?.client_id;
    const fromBody = (request.body as { client_id?: number } | undefined)?.client_id;
    if (fromQuery !== undefined && fromBody !== undefined && fromQuery !== fromBody) {
      throw new AppError('validation_failed', 'client_id differs between query and body', [{ path: 'client_id', message: 'query and body disagree' }]);
    }
    request.principal = principal;
    request.clientId = accounts.resolveAccount(principal, fromQuery ?? fromBody);
  };
}
