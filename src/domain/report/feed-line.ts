import { FeedCsvBytes } from './feed-csv-bytes.ts';
import { feedRowFromCall, type FeedRow } from './feed-row.ts';
import type { ReportCall } from './formats.ts';

/**
 * Stored feed lines (issue #5): a finalized call keeps its CSV feed record in `calls.feed_csv`, and the CSV feed copies
 * it instead of formatting the call again. A line depends on its call row (any other write to the row clears it: a
 * trigger on SQLite, migration 009) and, outside the row, on what feedLineKey() names; the feed serves a stored line only
 * when its `feed_csv_key` is the current key, and formats the call live otherwise. Bump FEED_LINE_FORMAT when the CSV
 * record changes, so that lines written by an older version are not served.
 */
export const FEED_LINE_FORMAT = 2;

/**
 * What a stored line depends on outside its call row: the line format, the time-zone database (offsets and DST rules of
 * the call's zone) and the public URL (recording links). The zone itself is the call's own `timezone` column.
 */
export function feedLineKey(publicUrl: string): string {
  return `${FEED_LINE_FORMAT}|${process.versions.tz ?? ''}|${publicUrl}`;
}

let lineWriter: FeedCsvBytes | null = null;
let lineWriterUrl = '';

/**
 * A call's CSV feed record exactly as the feed writes it (FeedCsvBytes.row), without the CRLF: from a FeedRow or a call
 * row object. A few µs (the hour of the zone is remembered between calls, as in the feed).
 */
export function feedCsvLine(call: FeedRow | Partial<ReportCall>, publicUrl: string): string {
  if (!lineWriter || lineWriterUrl !== publicUrl) {
    lineWriter = new FeedCsvBytes(publicUrl, 4096);
    lineWriterUrl = publicUrl;
  }
  return lineWriter.lineOf(Array.isArray(call) ? call : feedRowFromCall(call));
}

/**
 * The stored-line columns of a finalized call as it will be stored (`{ ...call, ...patch }`), for the UPDATE that
 * finalizes it: its line and key, or nulls when the call cannot be formatted (the feed then formats it live, and fails
 * there as it always did) — finalization never fails for its feed line.
 */
export function feedLineColumns(call: Partial<ReportCall>, publicUrl: string): { feed_csv: string | null; feed_csv_key: string | null } {
  try {
    return { feed_csv: feedCsvLine(call, publicUrl), feed_csv_key: feedLineKey(publicUrl) };
  } catch {
    return { feed_csv: null, feed_csv_key: null };
  }
}
