import type { FastifyInstance } from 'fastify';
import assert from 'node:assert/strict';

/** Signs in through POST /userapi/v1/session; fails the test unless it answers 200. */
export async function signIn(server: FastifyInstance, username: string, password: string) {
  const res = await server.inject({ method: 'POST', url: '/userapi/v1/session', payload: { username, password } });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json() as { token: string; csrf_token: string; accounts: { client_id: number; role: string }[]; current_client_id: number | null; password_change_required: boolean; expires_at: string };
  const cookie = String(res.headers['set-cookie']).split(';')[0];
  return { ...body, cookie, bearer: `Bearer ${body.token}` };
}

/** A password that meets the default policy (12+ characters, 3+ classes). */
export const GOOD = (n: number | string) => `Good-password-${n}`;
