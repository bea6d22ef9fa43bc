import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Dialect as KyselyDialect, type Migration, type MigrationProvider, type Transaction } from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { AppError } from '../domain/errors.ts';
import type { Database } from './schema.ts';
import * as m001 from './migrations/001-initial.ts';
import * as m002 from './migrations/002-calls.ts';
import * as m003 from './migrations/003-telephony.ts';
import * as m004 from './migrations/004-delivery.ts';
import * as m005 from './migrations/005-reporting.ts';
import * as m006 from './migrations/006-hot-path.ts';
import * as m007 from './migrations/007-sftp-host-key.ts';
import * as m008 from './migrations/008-rate-limits.ts';
import * as m009 from './migrations/009-feed-lines.ts';
import * as m010 from './migrations/010-auth-throttle.ts';
import * as m011 from './migrations/011-secrets-at-rest.ts';
import type { SecretCodec } from '../domain/accounts/secret-box.ts';
import * as m012 from './migrations/012-carrier-request-replays.ts';
import { createRepositories, type Repositories } from './repositories.ts';
import { WriteBatcher } from './write-batcher.ts';

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
  /** SQLite only: the connection itself, for committed prepared statements on hot paths. Use it only inside `tx` (or a write batch): it bypasses Kysely's connection lock. */
  sqlite?: SQLite.Database;
  /** How long a write waits for a lock held elsewhere before it fails `unavailable` (TT_DB_BUSY_TIMEOUT_MS). */
  busyTimeoutMs: number;
  /** Readiness: whether a write could start now (not locked out by another process or connection), asked cheaply. */
  writable(): Promise<{ ok: true } | { ok: false; detail: string }>;
  /** Busy-state bookkeeping for readiness (write paths that bypass `tx`, like the write batcher, report here). */
  health: BusyTracker;
}

/** The default wait for a lock (TT_DB_BUSY_TIMEOUT_MS). */
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
class BusyAwareDialect implements KyselyDialect {
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

export const MIGRATIONS: Record<string, Migration> = {
  '001-initial': m001,
  '002-calls': m002,
  '003-telephony': m003,
  '004-delivery': m004,
  '005-reporting': m005,
  '006-hot-path': m006,
  '007-sftp-host-key': m007,
  '008-rate-limits': m008,
  '009-feed-lines': m009,
  '010-auth-throttle': m010,
  '011-secrets-at-rest': m011,
  '012-carrier-request-replays': m012,
};

class StaticMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

/** The data folder (TT_DATA_DIR) cannot be created or written: the message names the folder and the cause, for a one-line startup error. */
export class DataFolderError extends Error {
  constructor(
    readonly folder: string,
    readonly cause: unknown,
  ) {
    const e = cause as NodeJS.ErrnoException;
    const why: Record<string, string> = {
      ENOTDIR: 'a part of that path is a file, not a folder',
      EEXIST: 'a file, not a folder, is in the way',
      EACCES: 'permission denied',
      EPERM: 'operation not permitted',
      EROFS: 'the file system is read-only',
      ENOSPC: 'no space left on the device',
      EDQUOT: 'the disk quota is exhausted',
      ENAMETOOLONG: 'the path is too long',
      ELOOP: 'too many symbolic links in the path',
    };
    const where = e?.path && path.resolve(e.path) !== path.resolve(folder) ? ` (at ${e.path})` : '';
    super(`cannot use the data folder ${folder} (TT_DATA_DIR): ${why[e?.code ?? ''] ?? e?.message ?? String(cause)}${e?.code ? ` [${e.code}]` : ''}${where}`);
    this.name = 'DataFolderError';
  }
}

/**
 * Makes sure the data folder exists and can be written (a probe file is created and removed: a read-only mount or a
 * full disk shows here, not at the first recording). A folder it creates is private to the server's user (0700): it
 * holds the database with webhook and API secrets, and the recordings.
 */
export function prepareDataDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const probe = path.join(dir, `.write-probe-${process.pid}`);
    fs.writeFileSync(probe, '', { mode: 0o600 });
    fs.rmSync(probe, { force: true });
  } catch (err) {
    throw new DataFolderError(dir, err);
  }
}

/**
 * Opens (or creates) the SQLite file readable by the server's user only (0600): SQLite would create it 0644, and it
 * holds webhook and legacy API secrets. The -wal and -shm files SQLite creates take the database file's mode; ones
 * left by an older version are narrowed too.
 */
function openPrivateSqlite(file: string): SQLite.Database {
  try {
    fs.closeSync(fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600));
    for (const f of [file, `${file}-wal`, `${file}-shm`]) {
      const st = fs.statSync(f, { throwIfNoEntry: false });
      if (st && (st.mode & 0o077) !== 0) fs.chmodSync(f, st.mode & 0o700);
    }
  } catch (err) {
    throw new DataFolderError(path.dirname(file), err);
  }
  return new SQLite(file);
}

/** Opens PostgreSQL when a URL is given, else the SQLite file `telltale.db` in dataDir. */
export function openStorage(opts: { databaseUrl: string | null; dataDir: string; poolSize?: number; dbBusyTimeoutMs?: number }): Storage {
  const busyTimeoutMs = opts.dbBusyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const health = new BusyTracker();
  if (opts.databaseUrl) {
    // BIGINT counts come back as strings by default; our counts fit in a JS number.
    pg.types.setTypeParser(20, (v: string) => Number(v));
    // A statement waits at most busyTimeoutMs for a lock (lock_timeout), and a request as long for a free connection
    // (all of them may be waiting for locks): then it fails `unavailable` (503) instead of hanging.
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10, lock_timeout: busyTimeoutMs, connectionTimeoutMillis: busyTimeoutMs });
    // An idle connection the server drops (restart, failover) emits 'error' on the pool; unhandled, that kills the
    // process. The pool discards the connection and the next query opens a new one, so there is nothing else to do.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new BusyAwareDialect(new PostgresDialect({ pool }), health) });
    return withWriteBatcher({
      db,
      dialect: 'postgres',
      repos: createRepositories('postgres'),
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

const CHECKPOINTER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const db = new (require(workerData.driver))(workerData.file);
const checkpoint = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} };
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.once('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

/**
 * WAL checkpoints copy pages into the database file and fsync it; done by the writing connection (SQLite's default)
 * they stall the event loop every 1,000 pages. A worker thread's own connection does PASSIVE checkpoints in the
 * background (they never block a writer); the main connection keeps an automatic checkpoint as a backstop at a larger
 * size, which then has little left to copy and is what lets the WAL restart under steady load.
 */
function startCheckpointer(sqlite: SQLite.Database, file: string, everyMs = 100): { stop(): Promise<void> } {
  let worker: Worker;
  try {
    worker = new Worker(CHECKPOINTER_SOURCE, { eval: true, workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), file, everyMs } });
  } catch {
    return { stop: async () => undefined };
  }
  sqlite.pragma('wal_autocheckpoint = 10000');
  let exited = false;
  const exit = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  void exit.then(() => {
    exited = true;
  });
  // Without the worker, checkpoint as SQLite does by default.
  worker.on('error', () => sqlite.pragma('wal_autocheckpoint = 1000'));
  worker.unref();
  return {
    stop: async () => {
      if (exited) return;
      worker.postMessage('stop');
      const timeout = setTimeout(() => void worker.terminate(), 2000);
      await exit;
      clearTimeout(timeout);
    },
  };
}

/**
 * Kysely prepares every query anew; on SQLite preparing costs more than running a small query. Statements are
 * reusable (Kysely runs one query at a time per connection), so keep them by SQL text. Bounded; schema changes
 * (migrations) clear it, as SQLite would re-prepare anyway.
 */
function cachePreparedStatements(sqlite: SQLite.Database, max = 1000): void {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  (sqlite as { prepare: (source: string) => SQLite.Statement }).prepare = (source: string) => {
    let stmt = cache.get(source);
    if (!stmt) {
      if (/^\s*(create|alter|drop)\b/i.test(source)) {
        cache.clear();
        return prepare(source);
      }
      stmt = prepare(source);
      if (cache.size >= max) cache.clear();
      cache.set(source, stmt);
    }
    return stmt;
  };
}

/** Brings the schema to the latest migration; safe to run from several processes (PostgreSQL uses an advisory lock). */
export async function migrate(storage: Storage, opts: { secrets?: SecretCodec } = {}): Promise<string[]> {
  const migrator = new Migrator({ db: storage.db, provider: new StaticMigrations() });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  // Migration 011: secrets stored in clear by earlier versions (or before TT_SECRET_KEY was set) are sealed now.
  if (opts.secrets) await m011.sealPlaintextSecrets(storage.db, opts.secrets);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** True when the dialect raised a unique-constraint violation. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
