import { createHmac, randomBytes } from 'node:crypto';
import { AuthThrottle, type AuthSubject, type FailureCounter } from '../../domain/accounts/auth-throttle.ts';
import { DUMMY_PASSWORD_HASH, verifyPassword, type PasswordVerifier } from '../../domain/accounts/password.ts';

/**
 * Every password check of every API in one place: the failed-auth throttle first (429 before any work once over a
 * limit), then a short in-memory cache of recent successes, then the KDF, counted against the throttle before it runs.
 * - A client that sends the same right credentials on every request (HTTP Basic) pays the KDF once per `cacheMs`, not
 *   per request. The cache key is an HMAC, under a key of this process, of the scope, the password and the stored
 *   hash: a changed password (or a deleted user) misses at once, and memory holds no fast hash of any password.
 * - An unknown user (no stored hash) runs the KDF against a fixed dummy hash: the same work as a wrong password.
 * - Identical attempts at the same time share one KDF run (and one count).
 */
export class CredentialGuard {
  private readonly macKey = randomBytes(32);
  private readonly verified = new Map<string, { until: number; value: unknown }>();
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    readonly throttle: AuthThrottle,
    private readonly verify: PasswordVerifier,
    private readonly opts: { cacheMs: number; now: () => number },
  ) {}

  /**
   * Checks `password` against `stored` (null: no such user) for `subject`. Throws ThrottledError when the subject is
   * over a limit; answers null for wrong credentials (counted as a failure) and `load()`'s value for right ones.
   * `scope` names the credential in the cache (`user:<name>`, `feed:<id>:<name>`).
   */
  async checkPassword<T>(subject: AuthSubject, scope: string, password: string, stored: string | null, load: () => Promise<T>): Promise<T | null> {
    await this.throttle.check(subject);
    const key = createHmac('sha256', this.macKey).update(`${scope}\0${stored ?? ''}\0${password}`).digest('base64url');
    const now = this.opts.now();
    const hit = stored ? this.verified.get(key) : undefined;
    if (hit && hit.until > now) return hit.value as T;
    const pending = this.inFlight.get(key);
    if (pending) return (await pending) as T | null;
    const check = (async (): Promise<T | null> => {
      const reservation = await this.throttle.reserve(subject);
      let ok: boolean;
      try {
        ok = (await this.verify(password, stored ?? DUMMY_PASSWORD_HASH, { urgent: reservation.clean })) && stored !== null;
      } catch (err) {
        await reservation.release();
        throw err;
      }
      if (!ok) return null;
      await reservation.release();
      const value = await load();
      if (this.verified.size > 10_000) this.verified.clear();
      this.verified.set(key, { until: now + this.opts.cacheMs, value });
      return value;
    })();
    this.inFlight.set(key, check);
    try {
      return await check;
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** Checks a password against a stored hash through the bounded KDF (the password history rule); nothing counted or cached. */
  verifyHash(password: string, stored: string): Promise<boolean> {
    return this.verify(password, stored);
  }

  /** Throws ThrottledError when the subject is over a limit (for checks that are not passwords: tokens, Digest, api keys). */
  check(subject: AuthSubject): Promise<void> {
    return this.throttle.check(subject);
  }

  /** Counts a failed check that was not a password (a wrong Digest answer, api_key, signature or token). */
  failed(subject: AuthSubject): Promise<void> {
    return this.throttle.fail(subject);
  }
}

/** A guard with no shared counter and no limits to speak of: for an AccountService built without one (scripts). */
export function processOnlyGuard(nowMs: () => number): CredentialGuard {
  const none: FailureCounter = { read: async (k) => k.map(() => 0), add: async (k) => k.map(() => 1), remove: async () => undefined, prune: async () => undefined };
  return new CredentialGuard(new AuthThrottle(none, { userLimit: 1e9, addressLimit: 1e9, windowMs: 60_000 }, nowMs), verifyPassword, { cacheMs: 60_000, now: () => Date.now() });
}
