import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { DataFolderError } from '../data-folder.ts';

/** The SQLite side of opening storage: the private database file, background checkpoints, cached statements. */

/**
 * Opens (or creates) the SQLite file readable by the server's user only (0600): SQLite would create it 0644, and it
 * holds webhook and legacy API secrets. The -wal and -shm files SQLite creates take the database file's mode; ones
 * left by an older version are narrowed too.
 */
export function openPrivateSqlite(file: string): SQLite.Database {
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
export function startCheckpointer(sqlite: SQLite.Database, file: string, everyMs = 100): { stop(): Promise<void> } {
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
export function cachePreparedStatements(sqlite: SQLite.Database, max = 1000): void {
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
