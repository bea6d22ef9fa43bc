import type { FastifyInstance } from 'fastify';
import assert from 'node:assert/strict';

/** Helpers of the ARTIC (call centre) API tests. */

export type Api = (method: string, url: string, auth: string | undefined, payload?: unknown) => Promise<{ statusCode: number; body: string; json(): any }>;

export function articApi(server: () => FastifyInstance): Api {
  return (method, url, auth, payload) =>
    server().inject({ method: method as 'GET', url: `/artic/v1${url}`, headers: auth ? { authorization: auth } : {}, ...(payload !== undefined ? { payload: payload as object } : {}) });
}

/** POSTs and answers the created row; fails the test unless 201. */
export async function created(api: Api, auth: string, path: string, body: Record<string, unknown>): Promise<any> {
  const r = await api('POST', path, auth, body);
  assert.equal(r.statusCode, 201, `POST ${path} ${JSON.stringify(body)}: ${r.body}`);
  return r.json();
}

/** Asserts a 400 validation_failed naming `field` (an error path that starts with it). */
export function assertField(r: { statusCode: number; body: string; json(): any }, field: string, what: string): void {
  assert.equal(r.statusCode, 400, `${what}: ${r.body}`);
  assert.equal(r.json().code, 'validation_failed', what);
  assert.ok(r.json().errors.some((e: { path: string }) => e.path.startsWith(field)), `${what}: expected an error at ${field}: ${r.body}`);
}
