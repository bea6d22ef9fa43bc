import type { ManualClock } from '../../domain/clock.ts';

interface Sleeper {
  at: number;
  seq: number;
  wake: () => void;
}

/** Time a sandbox call runs on: its waits, its timestamps. */
export interface SimTime {
  now(): number;
  sleep(sec: number): Promise<void>;
}

/**
 * Shared virtual time for scripted sandbox runs (a call-centre day): every caller, agent action and answer point is a
 * task on one timeline. Time moves only when every task is asleep (waiting for a later moment, not for an HTTP
 * answer): it jumps to the earliest wake-up and sets the app's clock there, so the queue engine, the journal and the
 * carrier timestamps all see the same instant. Tasks woken at the same instant run together.
 */
export class VirtualTime implements SimTime {
  private readonly sleepers: Sleeper[] = [];
  private active = 0;
  private seq = 0;
  private scheduled = false;

  constructor(private readonly clock: ManualClock) {}

  now(): number {
    return this.clock.now().getTime();
  }

  /** Runs `fn` as a task on the timeline (its sleeps are virtual). */
  async task<T>(fn: () => Promise<T>): Promise<T> {
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.advanceSoon();
    }
  }

  /** Sleeps `sec` virtual seconds (0: yields to the other tasks of this instant). Only inside a task. */
  sleep(sec: number): Promise<void> {
    return this.until(this.now() + Math.max(0, sec) * 1000);
  }

  /** Sleeps until the virtual instant `atMs` (now when it has passed). Only inside a task. */
  until(atMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.sleepers.push({ at: Math.max(atMs, this.now()), seq: this.seq++, wake: resolve });
      this.active--;
      this.advanceSoon();
    });
  }

  private advanceSoon(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // After the I/O callbacks queued now: a task that is about to go on counts as active by then.
    setImmediate(() => {
      this.scheduled = false;
      if (this.active > 0 || this.sleepers.length === 0) return;
      this.sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const at = this.sleepers[0].at;
      if (at > this.now()) this.clock.set(new Date(at));
      const due = this.sleepers.filter((s) => s.at <= at);
      this.sleepers.splice(0, due.length);
      this.active += due.length;
      for (const s of due) s.wake();
    });
  }
}

/**
 * Real time, faster: a call's waits last `msPerSec` real milliseconds per second (load and concurrency tests, where
 * the server's own clock is the real one); timestamps are real.
 */
export class ScaledTime implements SimTime {
  constructor(private readonly msPerSec: number) {}

  now(): number {
    return Date.now();
  }

  sleep(sec: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, sec) * this.msPerSec));
  }
}
