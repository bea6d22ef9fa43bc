import { sql } from 'kysely';
import { isBusyError, retryBusy, type Executor, type Storage } from './database.ts';
import { AppError } from '../domain/errors.ts';

const NOT_YET = Symbol('busy');

interface Item {
  fn: (tx: Executor) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit for SQLite: write transactions that arrive while one is committing are run together in the next
 * transaction, each inside its own savepoint (a failing one is rolled back alone and only its caller sees the
 * error). SQLite serializes writers anyway, so this turns N commits into one without changing what each caller
 * sees. On PostgreSQL every call is its own transaction.
 */
export class WriteBatcher {
  private readonly queue: Item[] = [];
  private running = false;
  /** Counters for benchmarks: commits made and writes they carried. */
  batches = 0;
  items = 0;

  /** Transaction control as statements prepared once (SQLite), instead of a Kysely query built per use. */
  private readonly control: Record<'begin' | 'savepoint' | 'release' | 'rollbackTo' | 'commit' | 'rollback', (conn: Executor) => Promise<unknown>>;

  constructor(
    private readonly storage: Storage,
    private readonly maxBatch = 64,
  ) {
    const SOURCES = { begin: 'begin immediate', savepoint: 'savepoint tt_item', release: 'release tt_item', rollbackTo: 'rollback to tt_item', commit: 'commit', rollback: 'rollback' } as const;
    const raw = storage.sqlite;
    const stmts = new Map<string, { run(): unknown }>();
    this.control = Object.fromEntries(
      Object.entries(SOURCES).map(([k, source]) => [
        k,
        raw
          ? async () => {
              let st = stmts.get(source);
              if (!st) stmts.set(source, (st = raw.prepare(source)));
              st.run();
            }
          : (conn: Executor) => sql.raw(source).execute(conn),
      ]),
    ) as WriteBatcher['control'];
  }

  run<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
    if (this.storage.dialect !== 'sqlite') return this.storage.tx(fn);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length) {
        // SQLite calls are synchronous: without a turn of the event loop no other request could join this batch.
        await new Promise((r) => setImmediate(r));
        const batch = this.queue.splice(0, this.maxBatch);
        this.batches++;
        this.items += batch.length;
        const results: ({ ok: true; v: unknown } | { ok: false; e: unknown })[] = [];
        try {
          // While another process holds the write lock, the connection is let go between attempts (up to the busy
          // timeout, then every item fails `unavailable`); nothing of the batch has run before BEGIN succeeds.
          await retryBusy(this.storage.busyTimeoutMs, async () => {
            const r = await this.storage.db.connection().execute(async (conn) => {
              const c = this.control;
              const ex = conn as unknown as Executor;
              try {
                await c.begin(ex);
              } catch (err) {
                if (isBusyError(err) || (err instanceof AppError && err.code === 'unavailable')) return NOT_YET;
                throw err;
              }
              try {
                for (const item of batch) {
                  if (batch.length === 1) {
                    results.push({ ok: true, v: await item.fn(conn as unknown as Executor) });
                    continue;
                  }
                  await c.savepoint(ex);
                  try {
                    const v = await item.fn(ex);
                    await c.release(ex);
                    results.push({ ok: true, v });
                  } catch (e) {
                    await c.rollbackTo(ex);
                    await c.release(ex);
                    results.push({ ok: false, e });
                  }
                }
                await c.commit(ex);
              } catch (e) {
                await c.rollback(ex).catch(() => undefined);
                throw e;
              }
              return undefined;
            });
            if (r === NOT_YET) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
          }, this.storage.health);
          this.storage.health.ok();
        } catch (e) {
          // A single item failing without a batch (or the commit failing) fails the items that did not fail alone.
          batch.forEach((b, i) => {
            const r = results[i];
            b.reject(r && !r.ok ? r.e : e);
          });
          continue;
        }
        batch.forEach((b, i) => {
          const r = results[i];
          if (r.ok) b.resolve(r.v);
          else b.reject(r.e);
        });
      }
    } finally {
      this.running = false;
    }
  }
}
