import { sql } from 'kysely';
import type SQLite from 'better-sqlite3';
import type { WindowCounter } from '../domain/rate-limit.ts';
import type { Storage } from './database.ts';

const UPSERT = 'insert into rate_limits (key, window_start, used) values (?, ?, 1) on conflict (key, window_start) do update set used = rate_limits.used + 1 returning used';
const PRUNE = 'delete from rate_limits where window_start < ?';

/**
 * Request counts per (key, window) in the `rate_limits` table (migration 008), so every API process on the database
 * spends the same budget. One autocommit statement per request, never part of a transaction.
 *
 * SQLite: the statement runs on the shared connection straight away when no transaction is open on it (better-sqlite3
 * is synchronous, so a lone autocommit statement cannot interleave with anything); while one is (a write batch of the
 * carrier hot path, a service transaction), it queues for the connection like any query and runs once that commits.
 * Its busy timeout is lowered for the statement, so another process holding the write lock stalls this one's event
 * loop for at most `busyTimeoutMs` (then the caller fails open) instead of the connection's 10 s.
 * PostgreSQL: one round trip from the pool, given up after `timeoutMs` (a pool that cannot connect waits forever).
 */
export class SqlWindowCounter implements WindowCounter {
  private readonly sqlite?: {
    raw: SQLite.Database;
    /** `pragma busy_timeout` to the limiter's and back to the connection's, prepared once (`pragma()` prepares anew each call). */
    shortBusy: SQLite.Statement;
    defaultBusy: SQLite.Statement;
    // Prepared on first use: the table exists only once migrations ran.
    upsert?: SQLite.Statement<[string, number], { used: number }>;
    prune?: SQLite.Statement<[number]>;
  };

  constructor(
    private readonly storage: Storage,
    private readonly opts: { busyTimeoutMs?: number; timeoutMs?: number } = {},
  ) {
    const raw = storage.sqlite;
    if (storage.dialect === 'sqlite' && raw) {
      this.sqlite = {
        raw,
        shortBusy: raw.prepare(`pragma busy_timeout = ${Math.trunc(opts.busyTimeoutMs ?? 1000)}`),
        defaultBusy: raw.prepare(`pragma busy_timeout = ${Number(raw.pragma('busy_timeout', { simple: true }))}`),
      };
    }
  }

  increment(key: string, windowStart: number): Promise<number> {
    const s = this.sqlite;
    if (s) {
      return this.onSqlite(() => {
        s.upsert ??= s.raw.prepare(UPSERT);
        return s.upsert.get(key, windowStart)!.used;
      });
    }
    return withTimeout(
      sql<{ used: number }>`insert into rate_limits (key, window_start, used) values (${key}, ${windowStart}, 1) on conflict (key, window_start) do update set used = rate_limits.used + 1 returning used`
        .execute(this.storage.db)
        .then((r) => Number(r.rows[0].used)),
      this.opts.timeoutMs ?? 1000,
    );
  }

  async prune(before: number): Promise<void> {
    const s = this.sqlite;
    if (s) {
      await this.onSqlite(() => {
        s.prune ??= s.raw.prepare(PRUNE);
        s.prune.run(before);
      });
      return;
    }
    await withTimeout(this.storage.db.deleteFrom('rate_limits').where('window_start', '<', before).execute(), this.opts.timeoutMs ?? 1000);
  }

  /** Runs one autocommit statement on the shared SQLite connection, outside any open transaction, with a short busy timeout. */
  private async onSqlite<T>(statement: () => T): Promise<T> {
    const s = this.sqlite!;
    const run = () => {
      // Never a part of someone else's transaction (its rollback would undo the count, its savepoints would nest it).
      if (s.raw.inTransaction) throw new Error('rate-limit counter: a transaction is open on the SQLite connection');
      s.shortBusy.run();
      try {
        return statement();
      } finally {
        s.defaultBusy.run();
      }
    };
    if (!s.raw.inTransaction) {
      try {
        return run();
      } catch (err) {
        // An iterator open on the connection (better-sqlite3's TypeError): wait for the connection like a query.
        if (!(err instanceof TypeError)) throw err;
      }
    }
    return this.storage.db.connection().execute(async () => run());
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`rate-limit counter: no answer from the database in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
