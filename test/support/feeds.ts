import assert from 'node:assert/strict';
import type { App } from '../../src/app.ts';
import type { TestApp } from './app.ts';

/** POSTs a feed (IP auth from 127.0.0.1) with this daily upload as the user of `auth`; the raw answer. */
export function postUploadFeed(t: Pick<TestApp, 'server'>, auth: string, upload: Record<string, unknown>) {
  return t.server.inject({ method: 'POST', url: '/webapi/v1/feeds', headers: { authorization: auth }, payload: { auth: 'ip', allow: ['127.0.0.1'], upload } });
}

/** The same, asserting 201; the created feed. */
export async function createUploadFeed<T = { id: string; upload: { next_at: string } }>(t: Pick<TestApp, 'server'>, auth: string, upload: Record<string, unknown>): Promise<T> {
  const res = await postUploadFeed(t, auth, upload);
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as T;
}

/** A feed's upload deliveries (the delivery log's rows), oldest first. */
export function uploadDeliveriesOf(app: App, feedId: string) {
  return app.storage.db.selectFrom('deliveries').selectAll().where('subject_id', '=', feedId).where('kind', '=', 'feed_upload').orderBy('created_at').execute();
}
