/** What one request learns from a limiter: allowed or not, what is left, and when the window resets. */
export interface RateDecision {
  allowed: boolean;
  remaining: number;
  resetMs: number;
}

/** Start (epoch ms) of the fixed window that holds nowMs: windows are aligned to multiples of their length. */
export function windowStart(nowMs: number, windowMs: number): number {
  return Math.floor(nowMs / windowMs) * windowMs;
}

/** A fixed-window request budget per key (user), counted in this process only. */
export class FixedWindowLimiter {
  private readonly windows = new Map<string, { start: number; used: number }>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Counts one request; says whether it is allowed, what is left and when the window resets. */
  take(key: string, nowMs: number): RateDecision {
    const start = windowStart(nowMs, this.windowMs);
    let w = this.windows.get(key);
    if (!w || w.start !== start) {
      if (this.windows.size > 50_000) this.windows.clear();
      w = { start, used: 0 };
      this.windows.set(key, w);
    }
    const resetMs = start + this.windowMs - nowMs;
    if (w.used >= this.limit) return { allowed: false, remaining: 0, resetMs };
    w.used++;
    return { allowed: true, remaining: this.limit - w.used, resetMs };
  }
}

/** Port: request counts per (key, window) kept where every process counting the same keys sees them (the database). */
export interface WindowCounter {
  /** Adds one request to the key's window atomically and returns the window's count including it. */
  increment(key: string, windowStart: number): Promise<number>;
  /** Forgets the windows that started before `before`. */
  prune(before: number): Promise<void>;
}

/**
 * A fixed-window budget per key counted through a shared {@link WindowCounter}, so every API process spends the same
 * budget. Each request is counted, refused ones too (one atomic increment, no read-then-write); it is allowed while the
 * count is within the limit. When the counter fails (database unreachable, locked too long) the request is decided by
 * an in-process count instead: availability over strictness, each process then allowing up to the limit. The failure
 * is reported through `onError`, at most once per window.
 */
export class SharedWindowLimiter {
  private readonly local: FixedWindowLimiter;
  private currentWindow = -1;
  private failedWindow = -1;

  constructor(
    private readonly counter: WindowCounter,
    readonly limit: number,
    readonly windowMs: number,
    private readonly onError: (err: unknown, context: 'count' | 'prune') => void = () => undefined,
  ) {
    this.local = new FixedWindowLimiter(limit, windowMs);
  }

  async take(key: string, nowMs: number): Promise<RateDecision> {
    const start = windowStart(nowMs, this.windowMs);
    const resetMs = start + this.windowMs - nowMs;
    let used: number;
    try {
      used = await this.counter.increment(key, start);
    } catch (err) {
      if (this.failedWindow !== start) {
        this.failedWindow = start;
        this.onError(err, 'count');
      }
      return this.local.take(key, nowMs);
    }
    if (start > this.currentWindow) {
      // First request this process sees in a new window: drop the windows before the previous one (the previous one
      // stays, for processes whose clocks run a little behind). Once per window and process keeps the table small.
      this.currentWindow = start;
      await this.counter.prune(start - this.windowMs).catch((err) => this.onError(err, 'prune'));
    }
    return { allowed: used <= this.limit, remaining: Math.max(0, this.limit - used), resetMs };
  }
}
