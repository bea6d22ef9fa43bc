import type { FastifyInstance } from 'fastify';
import assert from 'node:assert/strict';
import type { App } from '../../src/app.ts';
import { DEFAULT_PASSWORD_POLICY } from '../../src/domain/accounts/password-policy.ts';
import { savePolicy } from '../../src/storage/accounts/identity.repository.ts';

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

/**
 * Turns the password policy's lockout off for these accounts: for suites that send many wrong passwords on purpose
 * to test something else (401 answers, the failed-auth throttle), not the lockout (userapi-policy.test.ts).
 */
export async function lockoutOff(app: App, clientIds: number[]): Promise<void> {
  for (const clientId of clientIds) await savePolicy(app.storage.db, { client_id: clientId, ...DEFAULT_PASSWORD_POLICY, lockout_attempts: 0, updated_at: app.clock.now().toISOString() });
}
