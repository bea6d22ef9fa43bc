import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, RouteOptions } from 'fastify';
import { AppError } from '../domain/errors.ts';
import {
  IDEMPOTENCY_HEADER,
  IDEMPOTENCY_HEADER_NAME,
  idempotencyKeyOf,
  keepsAnswer,
  MAX_KEY_LENGTH,
  REPLAYED_HEADER,
  requestFingerprint,
  RUNNING_LEASE_MS,
  RUNNING_RETRY_AFTER_SECONDS,
} from '../domain/accounts/idempotency.ts';
import type { IdempotencyKeys, OwnedKey } from '../services/accounts/idempotency.service.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: this authenticated POST does not take an Idempotency-Key (see http/idempotency.ts). */
    idempotent?: boolean;
  }
}

/**
 * `Idempotency-Key` on every public authenticated POST (issue #21), set up once for all of them: `idempotencyOnRoute`
 * is a root `onRoute` hook (registered before the API plugins) that gives each covered route
 *   - a wrapped handler: when the header is there it runs after every hook of the route (authentication,
 *     `requireAccount`, permission checks and rate limits, in whatever hook they live: the account is known) and
 *     claims the key, gives a stored answer again (`Idempotent-Replayed: true`), or refuses (422 another request
 *     under this key, 409 with Retry-After while the first still runs) before the route's own handler;
 *   - a route-level onSend, which stores the first request's answer (or releases the key after a 5xx, 409 or 429);
 *   - the header in its OpenAPI operation (a per-route swagger transform).
 * Covered: POST routes that name a permission (`config.permission`, as every authenticated route does), unless they
 * say `config.idempotent: false`. Not covered: unauthenticated POSTs (carrier webhooks, the visitor endpoints, the
 * legacy /JSON API); a covered route that answers without an account (no `request.clientId`) ignores the header.
 * Without the header the wrapper calls the handler at once and the onSend hook returns at once; GET routes get nothing.
 */
export function idempotencyOnRoute(keys: IdempotencyKeys) {
  const OWNED = Symbol('idempotency key owned');
  type Owning = FastifyRequest & { [OWNED]?: OwnedKey };

  /** Claims the key (true: go on to the handler) or answers: the kept answer again, or a refusal (thrown). */
  async function claimKey(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const key = idempotencyKeyOf(request.headers[IDEMPOTENCY_HEADER]);
    const clientId = request.clientId;
    if (key === undefined || clientId === undefined) return true;
    const pattern = request.routeOptions.url ?? request.url.split('?')[0];
    const route = `${request.method} ${pattern}`;
    const fingerprint = requestFingerprint({ method: request.method, route: pattern, params: request.params, query: request.query, body: request.body });
    const outcome = await keys.begin({ clientId, key, fingerprint, route });
    switch (outcome.kind) {
      case 'proceed':
        (request as Owning)[OWNED] = outcome.owned;
        return true;
      case 'replay':
        reply.status(outcome.answer.status).header(REPLAYED_HEADER, 'true');
        if (outcome.answer.contentType) reply.type(outcome.answer.contentType);
        reply.send(outcome.answer.body);
        return false;
      case 'mismatch': {
        const what = outcome.route === route ? `another ${route} (other parameters or another body)` : outcome.route;
        throw new AppError('unprocessable', `${IDEMPOTENCY_HEADER_NAME}: this key was already used for ${what}; send a new key for a new request`, [
          { path: IDEMPOTENCY_HEADER_NAME, message: `was already used for ${what}` },
        ]);
      }
      case 'running':
        reply.header('retry-after', String(RUNNING_RETRY_AFTER_SECONDS));
        throw new AppError('conflict', `${IDEMPOTENCY_HEADER_NAME}: the first request with this key is still being processed; retry after ${RUNNING_RETRY_AFTER_SECONDS} s to get its answer`, [
          { path: IDEMPOTENCY_HEADER_NAME, message: 'a request with this key is still being processed' },
        ]);
    }
  }

  /** Stores the answer of the request that owns its key (or gives the key back). */
  async function keep(request: FastifyRequest, reply: FastifyReply, owned: OwnedKey, payload: unknown): Promise<void> {
    try {
      const storable = payload === null || payload === undefined || typeof payload === 'string' || Buffer.isBuffer(payload);
      if (storable && keepsAnswer(reply.statusCode)) {
        const type = reply.getHeader('content-type');
        await keys.complete(owned, { status: reply.statusCode, contentType: type === undefined ? null : String(type), body: payload == null ? '' : String(payload) });
      } else {
        await keys.release(owned);
      }
    } catch (err) {
      // The answer still goes out; the key stays claimed until its lease ends, then a retry is processed anew.
      request.log.error({ err }, 'idempotency key: the answer could not be stored');
    }
  }

  // A callback-style hook: a request without a claim passes straight on (no promise, no extra tick).
  function storeAnswer(request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: Error | null, payload?: unknown) => void): void {
    const owned = (request as Owning)[OWNED];
    if (!owned) return done(null, payload);
    (request as Owning)[OWNED] = undefined;
    void keep(request, reply, owned, payload).then(() => done(null, payload));
  }

  return (route: RouteOptions) => {
    if (!isIdempotentRoute(route)) return;
    const handler = route.handler;
    // Without the header the route's own handler runs as it would unwrapped (same call, same return).
    route.handler = function idempotent(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      if (request.headers[IDEMPOTENCY_HEADER] === undefined) return handler.call(this, request, reply);
      return claimKey(request, reply).then((go) => (go ? handler.call(this, request, reply) : reply));
    } as RouteOptions['handler'];
    route.onSend = [...hooksOf(route.onSend), storeAnswer] as RouteOptions['onSend'];
    route.config = { ...route.config, swaggerTransform: ({ schema, url }) => ({ schema: documented(schema), url }) };
  };
}

/** Whether a route takes Idempotency-Key: an authenticated POST (it names a permission) that did not opt out. */
export function isIdempotentRoute(route: Pick<RouteOptions, 'method' | 'config'>): boolean {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  return methods.includes('POST') && route.config?.permission !== undefined && route.config?.idempotent !== false;
}

function hooksOf<T>(h: T | T[] | undefined): T[] {
  return h === undefined ? [] : Array.isArray(h) ? h : [h];
}

const KEY_DOC =
  `Optional. Makes the POST safe to retry: 1 to ${MAX_KEY_LENGTH} printable ASCII characters, unique per intended change (a UUID, say). ` +
  'The first request with a key is processed and its answer kept for TT_IDEMPOTENCY_TTL_SECONDS (24 h by default), per account and key. ' +
  'A repeat with the same key, route, parameters and body gets that answer again with `Idempotent-Replayed: true` and changes nothing; ' +
  'the same key with another route, parameters or body is refused with 422; a repeat that arrives while the first still runs gets 409 with Retry-After. ' +
  `Answers of 5xx, 409 and 429 are not kept (a retry is processed anew); a first request cut off by a crash holds its key ${RUNNING_LEASE_MS / 1000} s at most.`;

const ERROR_DOC = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    detail: { type: 'string' },
    requestId: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
  },
};

/** The route's OpenAPI schema with the header, the replay header on its successes and the 409/422 it may cause. */
function documented(schema: FastifySchema | undefined): FastifySchema {
  const s = (schema ?? {}) as FastifySchema & { headers?: { properties?: Record<string, unknown>; required?: string[] }; response?: Record<string, Record<string, unknown>> };
  const headers = { ...(s.headers ?? {}), type: 'object', properties: { ...(s.headers?.properties ?? {}), [IDEMPOTENCY_HEADER_NAME]: { type: 'string', minLength: 1, maxLength: MAX_KEY_LENGTH, description: KEY_DOC } } };
  const response: Record<string, Record<string, unknown>> = {};
  for (const [status, r] of Object.entries(s.response ?? {})) {
    response[status] = /^2/.test(status)
      ? { ...r, headers: { ...((r.headers as object) ?? {}), 'Idempotent-Replayed': { type: 'string', enum: ['true'], description: 'Present when this is the kept answer of an earlier request with the same Idempotency-Key.' } } }
      : r;
  }
  const also = (status: string, usual: string, what: string) => {
    const r = response[status];
    const before = r ? `${typeof r.description === 'string' ? r.description : usual}; or ` : '';
    response[status] = { ...(r ?? ERROR_DOC), description: `${before}${what}` };
  };
  also('409', 'Conflict with the current state', 'a request with the same Idempotency-Key is still being processed (retry after Retry-After seconds)');
  also('422', 'Unprocessable', 'the Idempotency-Key was already used for another request');
  return { ...s, headers, response } as FastifySchema;
}
