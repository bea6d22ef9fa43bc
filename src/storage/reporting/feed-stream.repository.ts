import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { FEED_CALL_COLUMNS } from '../../domain/report/feed-record.ts';
import { feedRowFromCall, type FeedRow } from '../../domain/report/feed-row.ts';
import type { Storage } from '../database.ts';
import { applyFilter, streamCalls, type CallFilter } from './report.repository.ts';

/** How a CSV feed's records were made: copied from stored lines, or formatted live (no valid stored line). */
export interface FeedLineStats {
  stored: number;
  live: number;
}

/**
 * Streams the calls of a feed in (started_at, id) order, in batches, in flat memory, as FeedRows (FEED_CALL_COLUMNS
 * values in that order: no object per row). On SQLite it reads through a read-only connection of its own in
 * better-sqlite3's raw (array) row mode: one consistent snapshot for the whole feed, without blocking the shared
 * connection, and several times faster than object rows (a feed is the one query that reads a million rows). On
 * PostgreSQL it pages by keyset and turns each row object into a FeedRow.
 *
 * With `lineKey` (the CSV feed, feedLineKey()) on SQLite, a call whose stored CSV line (`calls.feed_csv`, migration 009)
 * carries that key comes as the line itself (a string) instead of a FeedRow: the scan reads one value a row, the line
 * or else the call's id, and only a call without a valid line has its FEED_CALL_COLUMNS read, by id, on the same
 * connection (same snapshot), to be formatted live. Elsewhere `lineKey` is ignored and every call is a FeedRow.
 */
export async function* streamFeedRows(
  storage: Storage,
  clientId: number,
  filter: CallFilter,
  batch?: number,
  lineKey?: string,
  stats?: FeedLineStats,
): AsyncGenerator<(FeedRow | string)[]> {
  const sqliteFile = storage.sqliteFile;
  if (storage.dialect !== 'sqlite' || !sqliteFile) {
    for await (const rows of streamCalls(storage.db, clientId, filter, batch ?? 1000)) {
      if (stats) stats.live += rows.length;
      yield rows.map(feedRowFromCall);
    }
    return;
  }
  const base = applyFilter(storage.db.selectFrom('calls'), clientId, filter);
  const q =
    lineKey === undefined
      ? base.select([...FEED_CALL_COLUMNS]).orderBy('started_at').orderBy('id').compile()
      : base
          .select(sql<string | number>`case when feed_csv_key = ${lineKey} and feed_csv is not null then feed_csv else id end`.as('line'))
          .orderBy('started_at')
          .orderBy('id')
          .compile();
  const conn = new SQLite(sqliteFile, { readonly: true, fileMustExist: true });
  try {
    conn.pragma('busy_timeout = 10000');
    // Small batches: a batch is alive while it is formatted, and a small live set keeps V8 from promoting it to the
    // old generation (measured: peak RSS +40 MB with 128 rows a batch against +135 MB with 2000, same speed).
    const size = batch ?? 128;
    let out: (FeedRow | string)[] = [];
    if (lineKey === undefined) {
      const it = conn.prepare(q.sql).raw(true).iterate(...(q.parameters as unknown[])) as IterableIterator<unknown[]>;
      for (const a of it) {
        out.push(a);
        if (out.length >= size) {
          yield out;
          out = [];
        }
      }
    } else {
      // Reads on the connection while the scan's statement is open see the scan's snapshot (one read transaction).
      const byId = conn.prepare(`select ${FEED_CALL_COLUMNS.map((c) => `"${c}"`).join(', ')} from "calls" where "id" = ?`).raw(true);
      const it = conn.prepare(q.sql).pluck(true).iterate(...(q.parameters as unknown[])) as IterableIterator<string | number | bigint>;
      let stored = 0;
      let live = 0;
      for (const v of it) {
        if (typeof v === 'string') {
          out.push(v);
          stored++;
        } else {
          const a = byId.get(v) as unknown[] | undefined;
          if (!a) throw new Error(`feed: call ${v} vanished during the scan`);
          out.push(a);
          live++;
        }
        if (out.length >= size) {
          yield out;
          out = [];
        }
      }
      if (stats) {
        stats.stored += stored;
        stats.live += live;
      }
    }
    if (out.length) yield out;
  } finally {
    conn.close();
  }
}
