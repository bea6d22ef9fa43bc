import { sql, type Selectable } from 'kysely';
import type { Executor } from '../database.ts';
import type { EventSubscriptionTable } from './events.tables.ts';

export type SubscriptionRow = Selectable<EventSubscriptionTable>;

export function insertSubscription(db: Executor, row: SubscriptionRow) {
  return db.insertInto('event_subscriptions').values(row).execute();
}

export function findSubscription(db: Executor, clientId: number, id: string): Promise<SubscriptionRow | undefined> {
  return db.selectFrom('event_subscriptions').selectAll().where('client_id', '=', clientId).where('id', '=', id).executeTakeFirst();
}

export function findSubscriptionById(db: Executor, id: string): Promise<SubscriptionRow | undefined> {
  return db.selectFrom('event_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** One account's subscriptions, oldest first, keyset-paged by id. */
export function listSubscriptions(db: Executor, clientId: number, f: { after?: string; limit: number }): Promise<SubscriptionRow[]> {
  return db
    .selectFrom('event_subscriptions')
    .selectAll()
    .where('client_id', '=', clientId)
    .$if(!!f.after, (q) => q.where('id', '>', f.after!))
    .orderBy('id')
    .limit(f.limit)
    .execute();
}

/** The account's enabled subscriptions (the caller picks those that take the event type). */
export function enabledSubscriptions(db: Executor, clientId: number): Promise<SubscriptionRow[]> {
  return db.selectFrom('event_subscriptions').selectAll().where('client_id', '=', clientId).where('enabled', '=', 1).orderBy('id').execute();
}

export function updateSubscription(db: Executor, id: string, patch: Partial<Omit<SubscriptionRow, 'id' | 'client_id'>>) {
  return db.updateTable('event_subscriptions').set(patch).where('id', '=', id).execute();
}

/** Counts one more failed delivery of an enabled subscription (atomically: workers may record at once); answers the new count. */
export async function countFailure(db: Executor, id: string, at: string): Promise<number | null> {
  const r = await db
    .updateTable('event_subscriptions')
    .set({ consecutive_failures: sql<number>`consecutive_failures + 1`, last_failure_at: at })
    .where('id', '=', id)
    .where('enabled', '=', 1)
    .returning('consecutive_failures')
    .executeTakeFirst();
  return r ? Number(r.consecutive_failures) : null;
}

/** Disables a subscription that is still enabled, saying why. */
export function disableSubscription(db: Executor, id: string, at: string, reason: string) {
  return db.updateTable('event_subscriptions').set({ enabled: 0, disabled_at: at, disabled_reason: reason, updated_at: at }).where('id', '=', id).where('enabled', '=', 1).execute();
}

export function deleteSubscription(db: Executor, clientId: number, id: string) {
  return db.deleteFrom('event_subscriptions').where('client_id', '=', clientId).where('id', '=', id).executeTakeFirst();
}
