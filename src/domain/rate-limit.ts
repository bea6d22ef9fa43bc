/** A fixed-window request budget per key (user). In-process: each API process counts its own requests. */
export class FixedWindowLimiter {
  private readonly windows = new Map<string, { start: number; used: number }>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Counts one request; says whether it is allowed, what is left and when the window resets. */
  take(key: string, nowMs: number): { allowed: boolean; remaining: number; resetMs: number } {
    const start = Math.floor(nowMs / this.windowMs) * this.windowMs;
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
