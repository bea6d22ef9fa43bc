import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode, type FieldError } from '../domain/errors.ts';
import { ThrottledError } from '../domain/accounts/auth-throttle.ts';

const STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  no_stock: 409,
  number_unavailable: 409,
  unprocessable: 422,
  rate_limited: 429,
  locked: 423,
  csrf_failed: 403,
  password_expired: 403,
  unavailable: 503,
  internal: 500,
};

/** Seconds a 503 `unavailable` answer asks the client to wait before retrying. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

export interface ErrorBody {
  code: string;
  detail: string;
  requestId: string;
  errors?: FieldError[];
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Ajv's errors as `{path, message}` with dotted paths that name the field, e.g. `service.target_number`. */
function fieldErrors(validation: AjvError[], context: string | undefined): FieldError[] {
  const root = context === 'body' ? '' : `${context ?? ''}`;
  return validation.map((v) => {
    let path = v.instancePath.replace(/^\//, '').replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.');
    let message = v.message ?? 'is invalid';
    if (v.keyword === 'additionalProperties') {
      path = path ? `${path}.${v.params.additionalProperty}` : String(v.params.additionalProperty);
      message = 'is not a known field';
    } else if (v.keyword === 'required') {
      path = path ? `${path}.${v.params.missingProperty}` : String(v.params.missingProperty);
      message = 'is required';
    } else if (v.keyword === 'enum') {
      message = `must be one of ${(v.params.allowedValues as unknown[]).join(', ')}`;
    }
    if (!path) path = root || '(body)';
    return { path, message };
  });
}

/** What an error comes to on the wire, whatever the body style: status, code, detail, field errors. */
interface Failure {
  status: number;
  code: string;
  detail: string;
  errors?: FieldError[];
  /** What the legacy JSON API has always answered for a framework error: Fastify's own message and `bad_request`. */
  legacy?: { error: string; code: string };
}

const INTERNAL_DETAIL = 'an internal error occurred; it has been logged with this requestId';

/** The one mapping of errors to HTTP: AppError codes, schema validation, body parsing; anything else is a logged 500. */
function classify(err: FastifyError | AppError | Error, request: FastifyRequest, reply: FastifyReply): Failure {
  if (err instanceof AppError) {
    // Busy storage: the client (a carrier, too) retries; say when.
    if (err.code === 'unavailable' && !reply.hasHeader('retry-after')) reply.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
    // 429 throttled and 423 locked say when to come back.
    const retryAfter = err instanceof ThrottledError ? err.retryAfterSeconds : (err as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
    return { status: STATUS[err.code], code: err.code, detail: err.message, ...(err.details ? { errors: err.details } : {}) };
  }
  const fe = err as FastifyError;
  if (fe.validation) {
    const errors = fieldErrors(fe.validation as AjvError[], fe.validationContext);
    return { status: 400, code: 'validation_failed', detail: errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors, legacy: { error: fe.message, code: 'validation_failed' } };
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (err instanceof SyntaxError && fe.statusCode === 400)) {
    return { status: 400, code: 'invalid_json', detail: `the request body is not valid JSON: ${err.message}` };
  }
  if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return { status: 400, code: 'invalid_json', detail: 'the request body is empty; send a JSON object' };
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    const given = request.headers['content-type'] ? `Content-Type ${String(request.headers['content-type']).split(';')[0].trim()} is not accepted: ` : 'the body has no Content-Type: ';
    return { status: 415, code: 'unsupported_media_type', detail: `${given}send JSON with Content-Type: application/json` };
  }
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, code: 'payload_too_large', detail: 'the request body is too large', legacy: { error: err.message, code: 'bad_request' } };
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) return { status: fe.statusCode, code: 'bad_request', detail: err.message };
  request.log.error({ err }, 'unhandled error');
  return { status: 500, code: 'internal', detail: INTERNAL_DETAIL };
}

/**
 * The error body shapes: `json` (every API: `{code, detail, requestId, errors?}`), `legacy` (the legacy JSON API's
 * `{error, code}`, as its integrators parse it) and `text` (carrier webhooks: the detail as plain text).
 */
export type ErrorStyle = 'json' | 'legacy' | 'text';

const RENDER: Record<ErrorStyle, (reply: FastifyReply, request: FastifyRequest, f: Failure) => FastifyReply> = {
  json: (reply, request, f) => {
    // The Basic challenge, except to scripts that say so (the portal sends X-Requested-With): browsers answer a challenge
    // to fetch() with their own password dialog, where the portal shows its sign-in page instead.
    if (f.status === 401 && !reply.hasHeader('www-authenticate') && !request.headers['x-requested-with']) reply.header('www-authenticate', 'Basic realm="Telltale", charset="UTF-8"');
    const body: ErrorBody = { code: f.code, detail: f.detail, requestId: request.id, ...(f.errors ? { errors: f.errors } : {}) };
    return reply.type('application/json').send(body);
  },
  legacy: (reply, request, f) =>
    reply.send(f.code === 'internal' ? { error: 'an internal error occurred', code: 'internal', requestId: request.id } : (f.legacy ?? { error: f.detail, code: f.code })),
  text: (reply, _request, f) => reply.type('text/plain; charset=utf-8').send(f.code === 'internal' ? 'internal error' : f.detail),
};

function handlerFor(style: ErrorStyle) {
  return (err: FastifyError | AppError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const f = classify(err, request, reply);
    return RENDER[style](reply.status(f.status), request, f);
  };
}

/** Sets the app's error handler (JSON bodies) and the 404 of unknown routes. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler(handlerFor('json'));
  app.setNotFoundHandler((request, reply) => RENDER.json(reply.status(404), request, { status: 404, code: 'not_found', detail: `no route ${request.method} ${request.url.split('?')[0]}` }));
}

/** Inside one route plugin: its errors take this body shape (the mapping to statuses stays the one above). */
export function useErrorStyle(fastify: FastifyInstance, style: ErrorStyle): void {
  fastify.setErrorHandler(handlerFor(style));
}
