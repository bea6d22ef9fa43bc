import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Migration, type MigrationProvider, type Transaction } from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
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

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;
/** Anything queries can run on: the database or an open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;

export interface Storage {
  db: Db;
  dialect: Dialect;
  /** Runs fn in a write transaction (BEGIN IMMEDIATE on SQLite, so concurrent writers queue instead of failing). */
  tx<T>(fn: (tx: Executor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** SQLite only: the connection itself, for committed prepared statements on hot paths. Use it only inside `tx` (or a write batch): it bypasses Kysely's connection lock. */
  sqlite?: SQLite.Database;
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
};

class StaticMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

/** Opens PostgreSQL when a URL is given, else the SQLite file `telltale.db` in dataDir. */
export function openStorage(opts: { databaseUrl: string | null; dataDir: string; poolSize?: number }): Storage {
  if (opts.databaseUrl) {
    // BIGINT counts come back as strings by default; our counts fit in a JS number.
    pg.types.setTypeParser(20, (v: string) => Number(v));
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 });
    // An idle connection the server drops (restart, failover) emits 'error' on the pool; unhandled, that kills the
    // process. The pool discards the connection and the next query opens a new one, so there is nothing else to do.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      dialect: 'postgres',
      tx: (fn) => db.transaction().execute(fn),
      close: () => db.destroy(),
    };
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const file = path.join(opts.dataDir, 'telltale.db');
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('foreign_keys = ON');
  // SQLite's own default page cache (2 MB); better-sqlite3 builds with 16 MB, which one month's summary fills for good
  // (+25 MB RSS) without making it faster: those pages are read once, from the OS page cache.
  sqlite.pragma('cache_size = -2000');
  cachePreparedStatements(sqlite);
  const checkpointer = startCheckpointer(sqlite, file);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return {
    db,
    dialect: 'sqlite',
    sqlite,
    // Kysely's own transaction issues a deferred BEGIN, which lets two processes deadlock on upgrade; take the write lock up front.
    tx: (fn) =>
      db.connection().execute(async (conn) => {
        await sql`begin immediate`.execute(conn);
        try {
          const result = await fn(conn as unknown as Executor);
          await sql`commit`.execute(conn);
          return result;
        } catch (err) {
          await sql`rollback`.execute(conn).catch(() => undefined);
          throw err;
        }
      }),
    close: async () => {
      await checkpointer.stop();
      await db.destroy();
    },
  };
}

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
export async function migrate(storage: Storage): Promise<string[]> {
  const migrator = new Migrator({ db: storage.db, provider: new StaticMigrations() });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** True when the dialect raised a unique-constraint violation. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
