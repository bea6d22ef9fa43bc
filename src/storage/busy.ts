import type { Dialect as KyselyDialect, Kysely } from 'kysely';
import { AppError } from '../domain/errors.ts';

/** Busy storage: another process (or connection) holds the lock a write needs. Turned into `unavailable` (503). */

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** True when the driver says the database is locked by someone else (SQLite busy/locked, PostgreSQL lock timeout, no pool connection in time). */
export function isBusyError(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  if (!e || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && (e.code.startsWith('SQLITE_BUSY') || e.code.startsWith('SQLITE_LOCKED'))) return true;
  // lock_not_available (lock_timeout), too_many_connections, cannot_connect_now
  if (e.code === '55P03' || e.code === '53300' || e.code === '57P03') return true;
  return typeof e.message === 'string' && /timeout exceeded when trying to connect/.test(e.message);
}

/** The error a service sees for a busy database: `unavailable` (503 with Retry-After), saying why; other errors unchanged. */
export function toStorageError(err: unknown): unknown {
  if (err instanceof AppError || !isBusyError(err)) return err;
  const e = err as { code?: string; message?: string };
  return new AppError('unavailable', `the database is busy (${e.code ?? 'no connection'}: ${e.message ?? 'locked'}); retry shortly`);
}

/** Remembers when a write last failed busy, so readiness can answer at once while the database is locked. */
export class BusyTracker {
  private lastBusyAt = 0;
  private detail = '';
  busy(err: unknown): void {
    this.lastBusyAt = Date.now();
    this.detail = (err as Error)?.message ?? String(err);
  }
  ok(): void {
    this.lastBusyAt = 0;
  }
  /** Why writes fail, if one failed busy within the last `windowMs` and none succeeded since. */
  current(windowMs = 2000): string | null {
    return this.lastBusyAt && Date.now() - this.lastBusyAt < windowMs ? this.detail : null;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `attempt` until it stops failing busy or `budgetMs` has passed, waiting (asynchronously, so the event loop
 * keeps serving) between attempts; `attempt` must be safe to repeat (it starts a transaction and nothing more before
 * it can fail busy). Throws `unavailable` when the budget is spent.
 */
export async function retryBusy<T>(budgetMs: number, attempt: () => Promise<T>, tracker?: BusyTracker): Promise<T> {
  const start = Date.now();
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      return await attempt();
    } catch (err) {
      if (!isBusyError(err) || Date.now() - start + wait > budgetMs) {
        if (isBusyError(err)) tracker?.busy(err);
        throw toStorageError(err);
      }
    }
    await sleep(wait);
  }
}

/** A dialect whose every query (and connection acquisition) turns busy driver errors into `unavailable`. */
export class BusyAwareDialect implements KyselyDialect {
  constructor(
    private readonly inner: KyselyDialect,
    private readonly tracker: BusyTracker,
  ) {}
  createAdapter() {
    return this.inner.createAdapter();
  }
  createQueryCompiler() {
    return this.inner.createQueryCompiler();
  }
  createIntrospector(db: Kysely<any>) {
    return this.inner.createIntrospector(db);
  }
  createDriver() {
    const driver = this.inner.createDriver();
    const acquire = driver.acquireConnection.bind(driver);
    const patched = new WeakSet<object>();
    const tracker = this.tracker;
    const convert = (err: unknown) => {
      if (isBusyError(err)) tracker.busy(err);
      return toStorageError(err);
    };
    driver.acquireConnection = async () => {
      const conn = await acquire().catch((err) => Promise.reject(convert(err)));
      if (!patched.has(conn)) {
        patched.add(conn);
        const exec = conn.executeQuery.bind(conn);
        conn.executeQuery = ((q: Parameters<typeof exec>[0]) => exec(q).catch((err: unknown) => Promise.reject(convert(err)))) as typeof conn.executeQuery;
      }
      return conn;
    };
    return driver;
  }
}
