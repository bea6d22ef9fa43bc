import type { Executor, Dialect } from '../database.ts';
import type { RequestTable } from '../schema.ts';

export type RequestRow = RequestTable;

export function insertRequest(db: Executor, row: RequestRow) {
  return db.insertInto('requests').values(row).execute();
}

export function findRequest(db: Executor, clientId: number, id: string): Promise<RequestRow | undefined> {
  return db.selectFrom('requests').selectAll().where('client_id', '=', clientId).where('id', '=', id).executeTakeFirst();
}

export function listRequests(db: Executor, clientId: number, f: { status?: string; type?: string; serviceId?: string; before?: string; limit: number }) {
  return db
    .selectFrom('requests')
    .selectAll()
    .where('client_id', '=', clientId)
    .$if(!!f.status, (q) => q.where('status', '=', f.status!))
    .$if(!!f.type, (q) => q.where('type', '=', f.type!))
    .$if(!!f.serviceId, (q) => q.where('service_id', '=', f.serviceId!))
    .$if(!!f.before, (q) => q.where('id', '<', f.before!))
    .orderBy('id', 'desc')
    .limit(f.limit)
    .execute();
}

export function updateRequest(db: Executor, id: string, patch: Partial<Omit<RequestRow, 'id' | 'client_id'>>) {
  return db.updateTable('requests').set(patch).where('id', '=', id).execute();
}

/**
 * Claims up to `limit` due requests with a lease: queued ones, and processing ones whose lease expired (a crashed
 * worker's). Several workers never hold the same request: SKIP LOCKED on PostgreSQL, one writer at a time on SQLite.
 */
export async function claimDueRequests(db: Executor, dialect: Dialect, now: string, leaseUntil: string, limit: number): Promise<RequestRow[]> {
  const due = db
    .selectFrom('requests')
    .select('id')
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'queued'), eb('run_after', '<=', now)]),
        eb.and([eb('status', '=', 'processing'), eb('run_after', '<=', now), eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)])]),
      ]),
    )
    .orderBy('run_after')
    .limit(limit)
    .$if(dialect === 'postgres', (q) => q.forUpdate().skipLocked());
  return db
    .updateTable('requests')
    .set((eb) => ({ lease_until: leaseUntil, attempts: eb('attempts', '+', 1) }))
    .where('id', 'in', due)
    .returningAll()
    .execute();
}

export function findRequestById(db: Executor, id: string): Promise<RequestRow | undefined> {
  return db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirst();
}

/** An unfinished request on the same service made before `r` (by time, then id), if any. */
export function findEarlierUnfinished(db: Executor, r: Pick<RequestRow, 'id' | 'service_id' | 'created_at'>): Promise<{ id: string } | undefined> {
  return db
    .selectFrom('requests')
    .select('id')
    .where('service_id', '=', r.service_id)
    .where('id', '!=', r.id)
    .where('status', 'in', ['queued', 'processing'])
    .where((eb) => eb.or([eb('created_at', '<', r.created_at), eb.and([eb('created_at', '=', r.created_at), eb('id', '<', r.id)])]))
    .executeTakeFirst();
}
