import type { Executor } from '../database.ts';

/**
 * Accepts a Digest nonce count for (feed, nonce, cnonce) only if it is higher than every count accepted before, on
 * any API process: one atomic upsert whose update applies only to a lower stored count. False: a replay.
 */
export async function acceptNonceCount(db: Executor, row: { feed_id: string; nonce: string; cnonce: string; nc: number; expires_at: number }): Promise<boolean> {
  const r = await db
    .insertInto('digest_nonces')
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(['feed_id', 'nonce', 'cnonce'])
        .doUpdateSet((eb) => ({ nc: eb.ref('excluded.nc'), expires_at: eb.ref('excluded.expires_at') }))
        .where('digest_nonces.nc', '<', (eb) => eb.ref('excluded.nc')),
    )
    .returning('nc')
    .executeTakeFirst();
  return r !== undefined;
}

/** Deletes the counts of nonces that are stale by now (a stale nonce is refused before its count is looked at). */
export async function deleteExpiredNonces(db: Executor, nowMs: number): Promise<void> {
  await db.deleteFrom('digest_nonces').where('expires_at', '<', nowMs).execute();
}
