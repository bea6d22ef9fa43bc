import path from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import type SQLite from 'better-sqlite3';
import pg from 'pg';
import { AppError } from '../domain/errors.ts';
import type { Database } from './schema.ts';
import { createRepositories, type Repositories } from './repositories.ts';
import { WriteBatcher } from './write-batcher.ts';
import { BusyAwareDialect, BusyTracker, DEFAULT_BUSY_TIMEOUT_MS, retryBusy, sleep } from './busy.ts';
import { prepareDataDir } from './data-folder.ts';
import { PreparingClient } from './pg-prepared.ts';
import { cachePreparedStatements, openPrivateSqlite, startCheckpointer } from './sqlite/sqlite-file.ts';

export { migrate, MIGRATIONS } from './migrations/index.ts';
export { DataFolderError, prepareDataDir } from './data-folder.ts';
export { isBusyError, retryBusy } from './busy.ts';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;
/** Anything queries can run on: the database or an open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;

export interface Storage {
  db: Db;
  dialect: Dialect;
  /** The repositories bound to this storage's dialect: services use these, never the dialect itself. */
  repos: Repositories;
  /** Group commit of small write transactions (the carrier hot path): shared commits on SQLite, one each on PostgreSQL. */
  writes: WriteBatcher;
  /** Runs fn in a write transaction (BEGIN IMMEDIATE on SQLite, so concurrent writers queue instead of failing). */
  tx<T>(fn: (tx: Executor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** SQLite only: the database file (feeds stream from it on a reader connection of their own); null on PostgreSQL. */
  sqliteFile: string | null;
  /** SQLite only: the connection itself, for committed prepared statements on hot paths. Use it only inside `tx` (or a write batch): it bypasses Kysely's connection lock. */
  sqlite?: SQLite.Database;
  /** How long a write waits for a lock held elsewhere before it fails `unavailable` (TT_DB_BUSY_TIMEOUT_MS). */
  busyTimeoutMs: number;
  /** Readiness: whether a write could start now (not locked out by another process or connection), asked cheaply. */
  writable(): Promise<{ ok: true } | { ok: false; detail: string }>;
  /** Busy-state bookkeeping for readiness (write paths that bypass `tx`, like the write batcher, report here). */
  health: BusyTracker;
}

/** Readiness: not ready while the last write failed busy; else a probe that must succeed quickly. */
async function probeWritable(health: BusyTracker, probe: () => Promise<void>): Promise<{ ok: true } | { ok: false; detail: string }> {
  const recent = health.current();
  if (recent) return { ok: false, detail: `the last write failed, the database is busy: ${recent}` };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([probe(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('the database did not take a write lock within 1 s')), 1000)))]);
    health.ok();
    return { ok: true };
  } catch (err) {
    return { ok: false, detail: `the database cannot take a write now: ${(err as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}

/** Takes the write lock (and gives it back at once), retrying briefly: a writer of another process may hold it for a moment. */
async function sqliteWriteProbe(db: Db): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await db.connection().execute(async (conn) => {
        await sql`begin immediate`.execute(conn);
        await sql`rollback`.execute(conn);
      });
      return;
    } catch (err) {
      if (i >= 4 || !(err instanceof AppError && err.code === 'unavailable')) throw err;
    }
    await sleep(25);
  }
}

/**
 * Takes the lock every INSERT/UPDATE takes (ROW EXCLUSIVE) on every table, waiting at most 250 ms, and rolls back:
 * it conflicts only with locks that block writers (a LOCK TABLE, a migration's DDL), never with other writers.
 */
async function postgresWriteProbe(db: Db): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await sql`set local lock_timeout = 250`.execute(tx);
    const tables = await sql<{ name: string }>`select quote_ident(tablename) as name from pg_tables where schemaname = current_schema()`.execute(tx);
    if (tables.rows.length) await sql.raw(`lock table ${tables.rows.map((t) => t.name).join(', ')} in row exclusive mode`).execute(tx);
    // Leave nothing behind: the transaction only held locks.
    throw ROLLBACK;
  }).catch((err) => {
    if (err !== ROLLBACK) throw err;
  });
}
const ROLLBACK = Symbol('rollback');

/** Opens PostgreSQL when a URL is given, else the SQLite file `telltale.db` in dataDir. */
export function openStorage(opts: { databaseUrl: string | null; dataDir: string; poolSize?: number; dbBusyTimeoutMs?: number }): Storage {
  const busyTimeoutMs = opts.dbBusyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const health = new BusyTracker();
  if (opts.databaseUrl) {
    // BIGINT counts come back as strings by default; our counts fit in a JS number.
    pg.types.setTypeParser(20, (v: string) => Number(v));
    // A statement waits at most busyTimeoutMs for a lock (lock_timeout), and a request as long for a free connection
    // (all of them may be waiting for locks): then it fails `unavailable` (503) instead of hanging.
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10, lock_timeout: busyTimeoutMs, connectionTimeoutMillis: busyTimeoutMs, Client: PreparingClient });
    // An idle connection the server drops (restart, failover) emits 'error' on the pool; unhandled, that kills the
    // process. The pool discards the connection and the next query opens a new one, so there is nothing else to do.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new BusyAwareDialect(new PostgresDialect({ pool }), health) });
    return withWriteBatcher({
      db,
      dialect: 'postgres',
      repos: createRepositories('postgres'),
      sqliteFile: null,
      busyTimeoutMs,
      health,
      tx: async (fn) => {
        const r = await db.transaction().execute(fn);
        health.ok();
        return r;
      },
      writable: () => probeWritable(health, () => postgresWriteProbe(db)),
      close: () => db.destroy(),
    });
  }
  prepareDataDir(opts.dataDir);
  const file = path.join(opts.dataDir, 'telltale.db');
  const sqlite = openPrivateSqlite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  // A short wait inside SQLite (it blocks the event loop); longer waits for another process's write lock happen
  // between attempts, asynchronously (retryBusy), up to busyTimeoutMs.
  sqlite.pragma('busy_timeout = 10');
  sqlite.pragma('foreign_keys = ON');
  // SQLite's own default page cache (2 MB); better-sqlite3 builds with 16 MB, which one month's summary fills for good
  // (+25 MB RSS) without making it faster: those pages are read once, from the OS page cache.
  sqlite.pragma('cache_size = -2000');
  cachePreparedStatements(sqlite);
  const checkpointer = startCheckpointer(sqlite, file);
  const db = new Kysely<Database>({ dialect: new BusyAwareDialect(new SqliteDialect({ database: sqlite }), health) });
  const NOT_YET = Symbol('busy');
  return withWriteBatcher({
    db,
    dialect: 'sqlite',
    sqlite,
    repos: createRepositories('sqlite', sqlite),
    sqliteFile: file,
    busyTimeoutMs,
    health,
    // Kysely's own transaction issues a deferred BEGIN, which lets two processes deadlock on upgrade; take the write lock
    // up front. While another process holds it, the connection is let go between attempts (reads go on meanwhile).
    tx: async (fn) => {
      const result = await retryBusy(busyTimeoutMs, async () => {
        const r = await db.connection().execute(async (conn) => {
          try {
            await sql`begin immediate`.execute(conn);
          } catch (err) {
            if (err instanceof AppError && err.code === 'unavailable') return NOT_YET;
            throw err;
          }
          try {
            const result = await fn(conn as unknown as Executor);
            await sql`commit`.execute(conn);
            return { result };
          } catch (err) {
            await sql`rollback`.execute(conn).catch(() => undefined);
            throw err;
          }
        });
        if (r === NOT_YET) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
        return r.result;
      }, health);
      health.ok();
      return result;
    },
    writable: () => probeWritable(health, () => sqliteWriteProbe(db)),
    close: async () => {
      await checkpointer.stop();
      await db.destroy();
    },
  });
}

function withWriteBatcher(s: Omit<Storage, 'writes'>): Storage {
  const storage = s as Storage;
  storage.writes = new WriteBatcher(storage);
  return storage;
}

/** True when the dialect raised a unique-constraint violation. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
