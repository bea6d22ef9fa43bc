import type { Executor } from '../database.ts';
import type { FeedTable, FeedUploadTable } from '../schema.ts';

export type FeedRow = FeedTable;

export function insertFeed(db: Executor, row: FeedRow) {
  return db.insertInto('feeds').values(row).execute();
}

/** A feed by id alone: feed URLs name the feed, and its own auth decides who may read it. */
export function findFeed(db: Executor, id: string): Promise<FeedRow | undefined> {
  return db.selectFrom('feeds').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findAccountFeed(db: Executor, clientId: number, id: string): Promise<FeedRow | undefined> {
  return db.selectFrom('feeds').selectAll().where('client_id', '=', clientId).where('id', '=', id).executeTakeFirst();
}

export function listFeeds(db: Executor, clientId: number): Promise<FeedRow[]> {
  return db.selectFrom('feeds').selectAll().where('client_id', '=', clientId).orderBy('id').execute();
}

export async function deleteFeed(db: Executor, clientId: number, id: string): Promise<boolean> {
  const r = await db.deleteFrom('feeds').where('client_id', '=', clientId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export function updateFeed(db: Executor, id: string, patch: Partial<Omit<FeedRow, 'id' | 'client_id'>>) {
  return db.updateTable('feeds').set(patch).where('id', '=', id).execute();
}

/**
 * Trust on first use: pins an SFTP upload's host key fingerprint unless one is set already (the first connection wins
 * a race); returns the fingerprint the feed holds afterwards.
 */
export async function pinUploadHostKey(db: Executor, id: string, fingerprint: string, now: string): Promise<string | null> {
  await db.updateTable('feeds').set({ upload_host_key: fingerprint, upload_host_key_source: 'first_use', updated_at: now }).where('id', '=', id).where('upload_host_key', 'is', null).execute();
  const row = await db.selectFrom('feeds').select('upload_host_key').where('id', '=', id).executeTakeFirst();
  return row?.upload_host_key ?? null;
}

/** Feeds whose daily upload is due. */
export function dueUploads(db: Executor, now: string, limit: number): Promise<FeedRow[]> {
  return db.selectFrom('feeds').selectAll().where('upload_next_at', '<=', now).orderBy('upload_next_at').limit(limit).execute();
}

/** Records that a feed's day is scheduled; false when it already was (the key makes scheduling idempotent). */
export async function claimUploadDay(db: Executor, row: FeedUploadTable): Promise<boolean> {
  const r = await db.insertInto('feed_uploads').values(row).onConflict((oc) => oc.columns(['feed_id', 'day']).doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export function listUploads(db: Executor, feedId: string) {
  return db.selectFrom('feed_uploads').selectAll().where('feed_id', '=', feedId).orderBy('day').execute();
}
