// The portal's one way to Telltale: the public APIs, same origin, with the session cookie. Requests that change
// something carry X-CSRF-Token (the session's csrf_token). Errors arrive as the APIs' shared body
// {code, detail, requestId, errors?: [{path, message}]} and are thrown as ApiError.

export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: FieldError[] = [],
    readonly requestId?: string,
    readonly retryAfter?: number,
  ) {
    super(detail);
  }
  /** The message for one form field (`path` as the API names it, e.g. `/password` or `password`). */
  field(name: string): string | undefined {
    return this.errors.find((e) => e.path.replace(/^[/.]/, '').replace(/^body[/.]/, '') === name)?.message;
  }
}

let csrfToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when a request answers 401 (the session ended or expired): the app goes back to the sign-in page. */
export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

export type Query = Record<string, string | number | boolean | undefined | null | (string | number)[]>;

/** `path?query` with empty values left out; arrays become comma-separated lists. */
export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    p.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = p.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Query;
  body?: unknown;
  /** Do not treat a 401 as the end of the session (the sign-in form itself). */
  quiet401?: boolean;
  signal?: AbortSignal;
}

export async function api<T = any>(path: string, opts: RequestOptions = {}): Promise<T> {
  const method = opts.method ?? 'GET';
  // X-Requested-With: a 401 then comes without a Basic challenge, so the browser shows no password dialog of its own.
  const headers: Record<string, string> = { accept: 'application/json', 'x-requested-with': 'telltale-portal' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(withQuery(path, opts.query), { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), credentials: 'same-origin', signal: opts.signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'Telltale did not answer: check your connection and try again.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    if (res.status === 401 && !opts.quiet401 && onUnauthorized) onUnauthorized();
    const retry = Number(res.headers.get('retry-after'));
    throw new ApiError(res.status, body?.code ?? 'error', body?.detail ?? (text.slice(0, 200) || `${res.status} ${res.statusText}`), Array.isArray(body?.errors) ? body.errors : [], body?.requestId, Number.isFinite(retry) && retry > 0 ? retry : undefined);
  }
  return body as T;
}

/** A human sentence for any error thrown by api() (or anything else). */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.detail;
  return (err as Error)?.message ?? String(err);
}
