import type { Selectable } from 'kysely';
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

export function deleteSubscription(db: Executor, clientId: number, id: string) {
  return db.deleteFrom('event_subscriptions').where('client_id', '=', clientId).where('id', '=', id).executeTakeFirst();
}
