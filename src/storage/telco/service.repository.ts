import type { Executor } from '../database.ts';
import type { ServiceTable } from '../schema.ts';

export type ServiceRow = ServiceTable;

export function insertService(db: Executor, row: ServiceRow) {
  return db.insertInto('services').values(row).execute();
}

/** A service of this account, or undefined (another account's service is as invisible as a missing one). */
export function findService(db: Executor, clientId: number, id: string): Promise<ServiceRow | undefined> {
  return db.selectFrom('services').selectAll().where('client_id', '=', clientId).where('id', '=', id).executeTakeFirst();
}

export function findServiceById(db: Executor, id: string): Promise<ServiceRow | undefined> {
  return db.selectFrom('services').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listServices(db: Executor, clientId: number, f: { status?: string; number?: string; customId?: string; customGroup?: string; after?: string; limit: number }) {
  return db
    .selectFrom('services')
    .selectAll()
    .where('client_id', '=', clientId)
    .$if(!!f.status, (q) => q.where('status', '=', f.status!))
    .$if(!!f.number, (q) => q.where('number', '=', f.number!))
    .$if(!!f.customId, (q) => q.where('custom_id', '=', f.customId!))
    .$if(!!f.customGroup, (q) => q.where('custom_group', '=', f.customGroup!))
    .$if(!!f.after, (q) => q.where('id', '>', f.after!))
    .orderBy('id')
    .limit(f.limit)
    .execute();
}

export function updateService(db: Executor, id: string, patch: Partial<Omit<ServiceRow, 'id' | 'client_id'>>) {
  return db.updateTable('services').set(patch).where('id', '=', id).execute();
}

/** The service a number currently belongs to (not decommissioned), if any. */
export function findLiveServiceByNumber(db: Executor, number: string): Promise<ServiceRow | undefined> {
  return db.selectFrom('services').selectAll().where('number', '=', number).where('status', '<>', 'decommissioned').executeTakeFirst();
}
