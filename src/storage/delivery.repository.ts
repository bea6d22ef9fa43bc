import type { Executor, Dialect } from './database.ts';
import type { DeliveryTable } from './schema.ts';

export type DeliveryRow = DeliveryTable;

export function insertDelivery(db: Executor, row: DeliveryRow) {
  return db.insertInto('deliveries').values(row).execute();
}

export function findDelivery(db: Executor, clientId: number, id: string): Promise<DeliveryRow | undefined> {
  return db.selectFrom('deliveries').selectAll().where('client_id', '=', clientId).where('id', '=', id).executeTakeFirst();
}

export function listDeliveriesBySubject(db: Executor, clientId: number, subjectId: string) {
  return db.selectFrom('deliveries').selectAll().where('client_id', '=', clientId).where('subject_id', '=', subjectId).orderBy('id').execute();
}

/** Claims due pending deliveries (and ones whose sender's lease expired) with a lease, so one attempt is made once. */
export async function claimDueDeliveries(db: Executor, dialect: Dialect, now: string, leaseUntil: string, limit: number): Promise<DeliveryRow[]> {
  const due = db
    .selectFrom('deliveries')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .orderBy('next_attempt_at')
    .limit(limit)
    .$if(dialect === 'postgres', (q) => q.forUpdate().skipLocked());
  return db.updateTable('deliveries').set({ lease_until: leaseUntil }).where('id', 'in', due).returningAll().execute();
}

export function updateDelivery(db: Executor, id: string, patch: Partial<Omit<DeliveryRow, 'id' | 'client_id'>>) {
  return db.updateTable('deliveries').set(patch).where('id', '=', id).execute();
}

export async function nextDueAt(db: Executor): Promise<string | undefined> {
  const r = await db.selectFrom('deliveries').select((eb) => eb.fn.min('next_attempt_at').as('t')).where('status', '=', 'pending').executeTakeFirst();
  return (r?.t as string | null) ?? undefined;
}
