import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { ThrottledError } from './auth-throttle.ts';

// node:crypto's async scrypt runs on the libuv threadpool, never on the event loop.
const scrypt = (pw: string, salt: Buffer, len: number, opts: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(pw, salt, len, opts, (err, key) => (err ? reject(err) : resolve(key))));

const PARAMS = { N: 16384, r: 8, p: 1 };

/**
 * A hash of a random password nobody knows, with the parameters of every stored hash: an unknown user's attempt is
 * checked against it, so it costs the same KDF run as a known user's wrong password (no user names leak by timing).
 */
export const DUMMY_PASSWORD_HASH = 'scrypt$16384$8$1$DSB1P6GNUO7WO9N5peWXlA$-MgAbDj4XprOiE_xjUhQ6oaJTuEhOP7uD8NNdpQHJF4';

/**
 * Checks a password against a stored hash (the KDF port; tests count its runs). `urgent`: the attempt has no recent
 * failure behind it (neither its user nor its address), so it goes ahead of attempts that have.
 */
export type PasswordVerifier = (password: string, stored: string, opts?: { urgent?: boolean }) => Promise<boolean>;

/** Hashes a password as `scrypt$N$r$p$salt$hash` (base64url parts). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, 32, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return timingSafeEqual(key, expected);
}

/**
 * A verifier that runs at most `concurrency` KDFs at a time (the others wait in turn) and refuses, with a 1 s
 * Retry-After, once `maxWaiting` checks already wait. The KDF runs on the threadpool, but each run keeps a core busy:
 * unbounded, a burst of password checks takes every core and every threadpool thread (file reads, DNS lookups) from
 * the requests of everyone else. Urgent checks (no recent failure for their user or address: almost always a real
 * client signing in) wait ahead of the others, so a queue of an attacker's guesses does not delay them.
 */
export function boundedVerifier(verify: PasswordVerifier, opts: { concurrency: number; maxWaiting: number }): PasswordVerifier {
  let running = 0;
  const urgent: (() => void)[] = [];
  const others: (() => void)[] = [];
  return async (password, stored, o) => {
    if (running >= opts.concurrency) {
      if (urgent.length + others.length >= opts.maxWaiting) throw new ThrottledError('too many password checks in progress; retry in 1 s', 1);
      await new Promise<void>((resolve) => (o?.urgent ? urgent : others).push(resolve));
    } else {
      running++;
    }
    try {
      return await verify(password, stored);
    } finally {
      // Hand the slot straight to the next waiter (running stays), or free it.
      const next = urgent.shift() ?? others.shift();
      if (next) next();
      else running--;
    }
  };
}
