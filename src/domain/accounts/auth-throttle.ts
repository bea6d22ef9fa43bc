import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { AppError } from '../errors.ts';
import { windowStart } from './rate-limit.ts';

/** A `rate_limited` error that says when to come back (`Retry-After`, whole seconds). */
export class ThrottledError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited', message);
  }
}

/** Port: failed password checks per (key, window), kept where every API process sees them (the database). */
export interface FailureCounter {
  /** The failures counted in the window for each key (0 when none), in the order of `keys`. */
  read(keys: string[], windowStart: number): Promise<number[]>;
  /** Adds one failure to each key's window atomically; the counts including it, in the order of `keys`. */
  add(keys: string[], windowStart: number): Promise<number[]>;
  /** Takes one failure back from each key's window (an attempt that was counted before its check and succeeded). */
  remove(keys: string[], windowStart: number): Promise<void>;
  /** Forgets the windows that started before `before`. */
  prune(before: number): Promise<void>;
}

/** Who an authentication attempt is for and where it comes from; each part has its own budget. */
export interface AuthSubject {
  /** The credential attacked, scoped by kind: `user:<name>`, `feed:<id>`, `legacy:<account_id>` (hashed into the key). */
  user?: string;
  /** The client's address (request.ip); IPv6 is counted per /64, IPv4-mapped IPv6 as IPv4. */
  address?: string;
}

export interface AuthThrottleOptions {
  /** Failures per user (credential) and window before every attempt for it is refused. */
  userLimit: number;
  /** Failures per source address and window before every attempt from it is refused. */
  addressLimit: number;
  windowMs: number;
}

/** The counter key of an address: IPv4 as is, IPv4-mapped IPv6 as IPv4, other IPv6 by its /64 (one host's usual share). */
export function addressKey(address: string): string {
  const a = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return `addr:${mapped[1]}`;
  if (isIPv4(a)) return `addr:${a}`;
  if (!isIPv6(a)) return `addr:${createHash('sha256').update(a).digest('base64url').slice(0, 22)}`;
  // An embedded IPv4 tail (`::ffff:0:1.2.3.4`, `64:ff9b::1.2.3.4`) is two groups.
  const v6 = a.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, b1, b2, b3, b4) => `${((+b1 << 8) | +b2).toString(16)}:${((+b3 << 8) | +b4).toString(16)}`);
  const [head, tail = ''] = v6.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = v6.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return `addr:${groups.slice(0, 4).map((g) => parseInt(g || '0', 16).toString(16)).join(':')}::/64`;
}

/** The counter key of a credential: a digest, so keys have a bounded size and the table holds no names. */
export function userKey(user: string): string {
  const i = user.indexOf(':');
  const kind = i > 0 ? user.slice(0, i) : 'user';
  const name = (i > 0 ? user.slice(i + 1) : user).toLowerCase();
  return `${kind}:${createHash('sha256').update(name).digest('base64url').slice(0, 22)}`;
}

/** One attempt counted ahead of its check; `release` gives the count back when the credentials were right. */
export interface Reservation {
  release(): Promise<void>;
  /** No failure was counted for any of the subject's keys before this attempt in the window. */
  clean: boolean;
}

/**
 * Failed authentication throttled per credential and per source address, in fixed windows counted through a shared
 * {@link FailureCounter}, so a budget spent on one API process is spent on all. An attempt is refused (429 with
 * Retry-After, no password work) while any of its keys has reached its limit; right credentials are refused too until
 * the window ends. Attempts that go on to the KDF are counted before it runs (so concurrent attempts cannot overshoot
 * the limit) and given back on success; a success never resets anything else. When the counter fails, the attempt is
 * decided by an in-process count instead (still throttled, per process), reported through `onError` once per window.
 */
export class AuthThrottle {
  private readonly local = new Map<string, number>();
  private localWindow = -1;
  private currentWindow = -1;
  private failedWindow = -1;

  constructor(
    private readonly counter: FailureCounter,
    readonly opts: AuthThrottleOptions,
    private readonly now: () => number,
    private readonly onError: (err: unknown, context: 'count' | 'prune') => void = () => undefined,
  ) {}

  private keys(subject: AuthSubject): { key: string; limit: number }[] {
    const out: { key: string; limit: number }[] = [];
    if (subject.user !== undefined) out.push({ key: userKey(subject.user), limit: this.opts.userLimit });
    if (subject.address) out.push({ key: addressKey(subject.address), limit: this.opts.addressLimit });
    return out;
  }

  private refuse(counts: number[], keys: { limit: number }[], start: number, now: number): void {
    if (!keys.some((k, i) => counts[i] >= k.limit)) return;
    const retry = Math.max(1, Math.ceil((start + this.opts.windowMs - now) / 1000));
    throw new ThrottledError(`too many failed sign-ins for this user or from this address; retry in ${retry} s`, retry);
  }

  /** Throws ThrottledError when the subject is over a limit in the current window. */
  async check(subject: AuthSubject): Promise<void> {
    const keys = this.keys(subject);
    if (!keys.length) return;
    const now = this.now();
    const start = windowStart(now, this.opts.windowMs);
    const counts = await this.count(keys, start, 'read');
    this.refuse(counts, keys, start, now);
  }

  /** Counts a failed attempt whose check was cheap and already done (no KDF): a wrong Digest answer, a wrong api_key. */
  async fail(subject: AuthSubject): Promise<void> {
    const keys = this.keys(subject);
    if (!keys.length) return;
    const start = windowStart(this.now(), this.opts.windowMs);
    await this.count(keys, start, 'add');
    await this.pruneOnce(start);
  }

  /**
   * Counts an attempt before its (expensive) check: throws ThrottledError when that takes a key past its limit;
   * otherwise the caller runs the check and calls `release()` if the credentials were right.
   */
  async reserve(subject: AuthSubject): Promise<Reservation> {
    const keys = this.keys(subject);
    if (!keys.length) return { release: async () => undefined, clean: true };
    const now = this.now();
    const start = windowStart(now, this.opts.windowMs);
    const counts = await this.count(keys, start, 'add');
    await this.pruneOnce(start);
    // Past the limit (not at it): the attempt that reaches the limit still runs.
    this.refuse(counts.map((c) => c - 1), keys, start, now);
    let released = false;
    return {
      clean: counts.every((c) => c <= 1),
      release: async () => {
        if (released) return;
        released = true;
        await this.count(keys, start, 'remove');
      },
    };
  }

  private async count(keys: { key: string }[], start: number, op: 'read' | 'add' | 'remove'): Promise<number[]> {
    const names = keys.map((k) => k.key);
    try {
      if (op === 'read') return await this.counter.read(names, start);
      if (op === 'add') return await this.counter.add(names, start);
      await this.counter.remove(names, start);
      return [];
    } catch (err) {
      if (this.failedWindow !== start) {
        this.failedWindow = start;
        this.onError(err, 'count');
      }
      return this.countLocally(names, start, op);
    }
  }

  private countLocally(keys: string[], start: number, op: 'read' | 'add' | 'remove'): number[] {
    if (this.localWindow !== start || this.local.size > 100_000) {
      this.local.clear();
      this.localWindow = start;
    }
    return keys.map((k) => {
      const n = Math.max(0, (this.local.get(k) ?? 0) + (op === 'add' ? 1 : op === 'remove' ? -1 : 0));
      if (op !== 'read') this.local.set(k, n);
      return n;
    });
  }

  /** First write this process makes in a new window: drop the windows before the previous one. */
  private async pruneOnce(start: number): Promise<void> {
    if (start <= this.currentWindow) return;
    this.currentWindow = start;
    await this.counter.prune(start - this.opts.windowMs).catch((err) => this.onError(err, 'prune'));
  }
}
