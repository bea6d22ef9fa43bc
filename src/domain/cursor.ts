import { fieldError } from './errors.ts';

/**
 * The one codec of the APIs' opaque paging cursors: a key written as text and carried base64url-encoded. Each listing
 * keeps its own key shape (an id, a keyset), checked by `parse` on the way back in.
 */
export function encodeCursor(key: string): string {
  return Buffer.from(key).toString('base64url');
}

/** Reads a cursor back into its key; a cursor no listing gave (or one `parse` rejects) is a 400 naming `cursor`. */
export function decodeCursor<T>(cursor: string, parse: (key: string) => T | null): T {
  const key = Buffer.from(cursor, 'base64url').toString();
  const v = parse(key);
  if (v === null) throw fieldError('cursor', 'is not a cursor this API gave');
  return v;
}

/** A cursor key that must be one prefixed id of ours, e.g. `req_…`: the listing goes on after (or before) it. */
export function idKey(prefix: RegExp): (key: string) => string | null {
  return (key) => (prefix.test(key) ? key : null);
}

/** One page of rows fetched with `limit + 1`, its next cursor keyed by `keyOf` of the last row when more remain. */
export function pageOf<T>(rows: T[], limit: number, keyOf: (row: T) => string): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(keyOf(items[items.length - 1])) : null };
}
