import { sql } from 'kysely';
import type SQLite from 'better-sqlite3';
import type { WindowCounter } from '../../domain/accounts/rate-limit.ts';
import type { FailureCounter } from '../../domain/accounts/auth-throttle.ts';
import { retryBusy, type Storage } from '../database.ts';

const UPSERT = 'insert into rate_limits (key, window_start, used) values (?, ?, 1) on conflict (key, window_start) do update set used = rate_limits.used + 1 returning used';
const PRUNE = 'delete from rate_limits where window_start < ?';

/**
 * Lone autocommit statements on the shared SQLite connection, outside any open transaction. While another process holds
 * the write lock the statement is tried again asynchronously (the event loop is never held by SQLite's own busy wait
 * beyond the connection's few milliseconds), for up to `busyTimeoutMs`. Statements are prepared on first use: the
 * tables exist only once migrations ran.
 */
class SqliteAutocommit {
  private readonly prepared = new Map<string, SQLite.Statement>();

  constructor(
    private readonly storage: Storage,
    readonly raw: SQLite.Database,
    private readonly busyTimeoutMs: number,
  ) {}

  statement(text: string): SQLite.Statement {
    let st = this.prepared.get(text);
    if (!st) {
      st = this.raw.prepare(text);
      this.prepared.set(text, st);
    }
    return st;
  }

  /** Runs one autocommit statement on the shared SQLite connection, outside any open transaction. */
  run<T>(statement: () => T): Promise<T> {
    const s = this.raw;
    const run = () => {
      // Never a part of someone else's transaction (its rollback would undo the count, its savepoints would nest it).
      if (s.inTransaction) throw new Error('rate-limit counter: a transaction is open on the SQLite connection');
      return statement();
    };
    return retryBusy(this.busyTimeoutMs, async () => {
      if (!s.inTransaction) {
        try {
          return run();
        } catch (err) {
          // An iterator open on the connection (better-sqlite3's TypeError): wait for the connection like a query.
          if (!(err instanceof TypeError)) throw err;
        }
      }
      return this.storage.db.connection().execute(async () => run());
    });
  }
}

/**
 * Request counts per (key, window) in the `rate_limits` table (migration 008), so every API process on the database
 * spends the same budget. One autocommit statement per request, never part of a transaction.
 *
 * SQLite: the statement runs on the shared connection straight away when no transaction is open on it (better-sqlite3
 * is synchronous, so a lone autocommit statement cannot interleave with anything); while one is (a write batch of the
 * carrier hot path, a service transaction), it queues for the connection like any query and runs once that commits.
 * While another process holds the write lock it is tried again asynchronously for up to `busyTimeoutMs` (then the
 * caller fails open); the event loop is never held longer than the connection's own few milliseconds of busy wait.
 * PostgreSQL: one round trip from the pool, given up after `timeoutMs` (a pool that cannot connect waits forever).
 */
export class SqlWindowCounter implements WindowCounter {
  private readonly sqlite?: SqliteAutocommit;

  constructor(
    private readonly storage: Storage,
    private readonly opts: { busyTimeoutMs?: number; timeoutMs?: number } = {},
  ) {
    if (storage.dialect === 'sqlite' && storage.sqlite) this.sqlite = new SqliteAutocommit(storage, storage.sqlite, opts.busyTimeoutMs ?? 1000);
  }

  increment(key: string, windowStart: number): Promise<number> {
    const s = this.sqlite;
    if (s) return s.run(() => (s.statement(UPSERT).get(key, windowStart) as { used: number }).used);
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
      await s.run(() => s.statement(PRUNE).run(before));
      return;
    }
    await withTimeout(this.storage.db.deleteFrom('rate_limits').where('window_start', '<', before).execute(), this.opts.timeoutMs ?? 1000);
  }
}

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/**
 * Failed authentications per (key, window) in the `auth_failures` table (migration 010), shared by every API process:
 * the failed-auth throttle reads it on every password check (one primary-key lookup per key) and writes it only for
 * attempts that go on to a check. Autocommit statements, never part of a transaction, as SqlWindowCounter.
 */
export class SqlFailureCounter implements FailureCounter {
  private readonly sqlite?: SqliteAutocommit;

  constructor(
    private readonly storage: Storage,
    private readonly opts: { busyTimeoutMs?: number; timeoutMs?: number } = {},
  ) {
    if (storage.dialect === 'sqlite' && storage.sqlite) this.sqlite = new SqliteAutocommit(storage, storage.sqlite, opts.busyTimeoutMs ?? 1000);
  }

  async read(keys: string[], windowStart: number): Promise<number[]> {
    if (!keys.length) return [];
    let rows: { key: string; failures: number }[];
    const s = this.sqlite;
    if (s) {
      const st = s.statement(`select key, failures from auth_failures where window_start = ? and key in (${placeholders(keys.length)})`);
      rows = await s.run(() => st.all(windowStart, ...keys) as { key: string; failures: number }[]);
    } else {
      rows = await withTimeout(
        this.storage.db.selectFrom('auth_failures').select(['key', 'failures']).where('window_start', '=', windowStart).where('key', 'in', keys).execute(),
        this.opts.timeoutMs ?? 2000,
      );
    }
    const by = new Map(rows.map((r) => [r.key, Number(r.failures)]));
    return keys.map((k) => by.get(k) ?? 0);
  }

  async add(keys: string[], windowStart: number): Promise<number[]> {
    if (!keys.length) return [];
    let rows: { key: string; failures: number }[];
    const s = this.sqlite;
    // One statement for all keys: each row's count moves atomically.
    if (s) {
      const st = s.statement(
        `insert into auth_failures (key, window_start, failures) values ${keys.map(() => '(?, ?, 1)').join(', ')} on conflict (key, window_start) do update set failures = auth_failures.failures + 1 returning key, failures`,
      );
      rows = await s.run(() => st.all(...keys.flatMap((k) => [k, windowStart])) as { key: string; failures: number }[]);
    } else {
      rows = await withTimeout(
        this.storage.db
          .insertInto('auth_failures')
          .values(keys.map((key) => ({ key, window_start: windowStart, failures: 1 })))
          .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet({ failures: sql<number>`auth_failures.failures + 1` }))
          .returning(['key', 'failures'])
          .execute(),
        this.opts.timeoutMs ?? 2000,
      );
    }
    const by = new Map(rows.map((r) => [r.key, Number(r.failures)]));
    return keys.map((k) => by.get(k) ?? 0);
  }

  async remove(keys: string[], windowStart: number): Promise<void> {
    if (!keys.length) return;
    const s = this.sqlite;
    if (s) {
      const st = s.statement(`update auth_failures set failures = failures - 1 where window_start = ? and failures > 0 and key in (${placeholders(keys.length)})`);
      await s.run(() => st.run(windowStart, ...keys));
      return;
    }
    await withTimeout(
      this.storage.db.updateTable('auth_failures').set({ failures: sql<number>`failures - 1` }).where('window_start', '=', windowStart).where('failures', '>', 0).where('key', 'in', keys).execute(),
      this.opts.timeoutMs ?? 2000,
    );
  }

  async prune(before: number): Promise<void> {
    const s = this.sqlite;
    if (s) {
      await s.run(() => s.statement('delete from auth_failures where window_start < ?').run(before));
      return;
    }
    await withTimeout(this.storage.db.deleteFrom('auth_failures').where('window_start', '<', before).execute(), this.opts.timeoutMs ?? 2000);
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
