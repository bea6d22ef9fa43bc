import { createHash } from 'node:crypto';
import { AppError } from '../errors.ts';

/**
 * Safe retries of public POSTs (issue #21): the rules of the `Idempotency-Key` request header, without I/O. The HTTP
 * side (`http/idempotency.ts`) reads the header, the service (`services/accounts/idempotency.service.ts`) keeps one row
 * per (account, key) and asks `decide` what a repeat gets.
 */

/** The request header, as Node presents it (lower case), and its documented spelling. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const IDEMPOTENCY_HEADER_NAME = 'Idempotency-Key';
/** Set on an answer given again from the stored one. */
export const REPLAYED_HEADER = 'idempotent-replayed';
export const MAX_KEY_LENGTH = 255;
/**
 * How long a first request holds its key while it runs. A repeat within it gets 409; after it (the process handling
 * the first died before its answer was stored) the key may be taken again and the request is processed anew.
 */
export const RUNNING_LEASE_MS = 60_000;
/** Retry-After (seconds) of the 409 a repeat gets while the first request still runs. */
export const RUNNING_RETRY_AFTER_SECONDS = 1;

const PRINTABLE = /^[\x20-\x7e]+$/;

/** The header's value when it is a valid key; a 400 naming the header otherwise. Undefined: no header. */
export function idempotencyKeyOf(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const bad = (message: string) => new AppError('validation_failed', `${IDEMPOTENCY_HEADER_NAME}: ${message}`, [{ path: IDEMPOTENCY_HEADER_NAME, message }]);
  if (typeof value !== 'string') throw bad('must be sent once');
  if (value.length === 0) throw bad(`must be 1 to ${MAX_KEY_LENGTH} printable ASCII characters; it is empty`);
  if (value.length > MAX_KEY_LENGTH) throw bad(`must be 1 to ${MAX_KEY_LENGTH} printable ASCII characters; it has ${value.length}`);
  if (!PRINTABLE.test(value)) throw bad(`must be 1 to ${MAX_KEY_LENGTH} printable ASCII characters (space to ~)`);
  return value;
}

/** JSON with the keys of every object sorted (undefined members left out, as JSON.stringify does): equal data, equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const keys = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** What a request is, for telling a true repeat from another request sent with the same key. */
export interface CanonicalRequest {
  method: string;
  /** The route's URL pattern, e.g. `/telco/v1/numbers/:number/recycle` */
  route: string;
  params: unknown;
  query: unknown;
  body: unknown;
}

/**
 * SHA-256 (hex) of the request as its handler sees it: method, route pattern, path parameters, query and body after
 * parsing and schema validation, each in canonical JSON. Member order and whitespace do not matter; any value does.
 */
export function requestFingerprint(r: CanonicalRequest): string {
  return createHash('sha256')
    .update(canonicalJson([r.method.toUpperCase(), r.route, r.params ?? null, r.query ?? null, r.body ?? null]))
    .digest('hex');
}

/** One key's stored state. Times are ISO 8601 UTC strings. */
export interface StoredKey {
  fingerprint: string;
  /** `POST /telco/v1/requests`: what the key was first used for */
  route: string;
  state: 'running' | 'done';
  lease_until: string;
  expires_at: string;
}

export type Decision =
  /** the stored answer is given again */
  | 'replay'
  /** another request (route, parameters or body) under the same key: 422 */
  | 'mismatch'
  /** the first request still runs: 409 with Retry-After */
  | 'running'
  /** the key has expired, or its first request stopped without an answer (lease over): process this one anew */
  | 'take_over';

/** What a request with a key already stored gets. */
export function decide(row: StoredKey, fingerprint: string, nowIso: string): Decision {
  if (row.expires_at <= nowIso) return 'take_over';
  if (row.fingerprint !== fingerprint) return 'mismatch';
  if (row.state === 'done') return 'replay';
  return row.lease_until > nowIso ? 'running' : 'take_over';
}

/**
 * Whether an answer is kept for repeats. Kept: 2xx and 4xx (the same request would be refused again the same way),
 * except 409 and 429, which say "not now, try again". Not kept: 5xx (the request may well succeed when retried);
 * the key is released and a retry is processed anew.
 */
export function keepsAnswer(status: number): boolean {
  return status >= 200 && status < 500 && status !== 409 && status !== 429;
}
