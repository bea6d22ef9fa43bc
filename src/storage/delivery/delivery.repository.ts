import { sql, type Insertable, type Selectable } from 'kysely';
import { SecretCodec } from '../../domain/accounts/secret-box.ts';
import { webhookSecretsOf } from '../accounts/account.repository.ts';
import type { Executor, Dialect } from '../database.ts';
import type { DeliveryAttemptTable, DeliveryTable } from '../schema.ts';

export type DeliveryRow = DeliveryTable;
export type DeliveryAttemptRow = Selectable<DeliveryAttemptTable>;
export type NewDeliveryAttempt = Insertable<DeliveryAttemptTable>;

export function insertDelivery(db: Executor, row: DeliveryRow) {
  return db.insertInto('deliveries').values(row).execute();
}

export function findDelivery(db: Executor, clientId: number, id: string): Promise<DeliveryRow | undefined> {
  return db.selectFrom('deliveries').selectAll().where('client_id', '=', clientId).where('id', '=', id).executeTakeFirst();
}

export function listDeliveriesBySubject(db: Executor, clientId: number, subjectId: string) {
  return db.selectFrom('deliveries').selectAll().where('client_id', '=', clientId).where('subject_id', '=', subjectId).orderBy('id').execute();
}

export interface DeliveryFilter {
  status?: string;
  kind?: string;
  subjectId?: string;
  /** ISO bounds on created_at: since inclusive, until exclusive. */
  since?: string;
  until?: string;
  /** Keyset: only ids before this one (newest first). */
  before?: string;
  limit: number;
}

/** One account's deliveries, newest first, keyset-paged by id (ids sort by creation time). */
export function listDeliveries(db: Executor, clientId: number, f: DeliveryFilter): Promise<DeliveryRow[]> {
  return db
    .selectFrom('deliveries')
    .selectAll()
    .where('client_id', '=', clientId)
    .$if(!!f.status, (q) => q.where('status', '=', f.status!))
    .$if(!!f.kind, (q) => q.where('kind', '=', f.kind!))
    .$if(f.subjectId !== undefined, (q) => q.where('subject_id', '=', f.subjectId!))
    .$if(!!f.since, (q) => q.where('created_at', '>=', f.since!))
    .$if(!!f.until, (q) => q.where('created_at', '<', f.until!))
    .$if(!!f.before, (q) => q.where('id', '<', f.before!))
    .orderBy('id', 'desc')
    .limit(f.limit)
    .execute();
}

export function listAttempts(db: Executor, deliveryIds: string[]): Promise<DeliveryAttemptRow[]> {
  if (deliveryIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('delivery_attempts').selectAll().where('delivery_id', 'in', deliveryIds).orderBy('delivery_id').orderBy('attempt_no').execute();
}

export async function insertAttempts(db: Executor, rows: NewDeliveryAttempt[]): Promise<void> {
  // Chunked: SQLite caps bound parameters per statement.
  for (let i = 0; i < rows.length; i += 80) await db.insertInto('delivery_attempts').values(rows.slice(i, i + 80)).execute();
}

/**
 * Claims due pending deliveries (and ones whose holder's lease expired) for `owner`, so one attempt is made once.
 * PostgreSQL skips rows another worker is claiming; SQLite serialises claims with its write lock.
 */
export async function claimDueDeliveries(db: Executor, dialect: Dialect, now: string, leaseUntil: string, limit: number, owner: string): Promise<DeliveryRow[]> {
  const due = db
    .selectFrom('deliveries')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    // A request's status callbacks go out in order: one waits while an earlier one for the same request is pending.
    .where((eb) =>
      eb.or([
        eb('kind', '!=', 'request_status'),
        eb.not(
          eb.exists(
            eb
              .selectFrom('deliveries as prior')
              .select('prior.id')
              .whereRef('prior.client_id', '=', 'deliveries.client_id')
              .whereRef('prior.subject_id', '=', 'deliveries.subject_id')
              .where('prior.kind', '=', 'request_status')
              .where('prior.status', '=', 'pending')
              .whereRef('prior.id', '<', 'deliveries.id'),
          ),
        ),
      ]),
    )
    .orderBy('next_attempt_at')
    .limit(limit)
    .$if(dialect === 'postgres', (q) => q.forUpdate().skipLocked());
  return db.updateTable('deliveries').set({ lease_until: leaseUntil, lease_owner: owner }).where('id', 'in', due).returningAll().execute();
}

export type AttemptPatch = Partial<Omit<DeliveryRow, 'id' | 'client_id' | 'attempts' | 'total_attempts' | 'lease_owner' | 'lease_until'>>;

/**
 * Writes one outcome to several deliveries at once, only where `owner` still holds the lease (a fencing token): an
 * attempt whose lease was lost leaves the delivery to its new holder. Returns the ids written.
 */
export async function completeAttempts(db: Executor, ids: string[], owner: string, patch: AttemptPatch): Promise<string[]> {
  const written: string[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .updateTable('deliveries')
      .set({
        ...patch,
        attempts: sql<number>`attempts + 1`,
        total_attempts: sql<number>`total_attempts + 1`,
        lease_until: null,
        lease_owner: null,
      })
      .where('id', 'in', ids.slice(i, i + 500))
      .where('lease_owner', '=', owner)
      .returning('id')
      .execute();
    written.push(...rows.map((r) => r.id));
  }
  return written;
}

/** Gives back leases taken but not used (no attempt made). */
export function releaseLeases(db: Executor, ids: string[], owner: string) {
  if (ids.length === 0) return Promise.resolve([]);
  return db.updateTable('deliveries').set({ lease_until: null, lease_owner: null }).where('id', 'in', ids).where('lease_owner', '=', owner).execute();
}

export function updateDelivery(db: Executor, id: string, patch: Partial<Omit<DeliveryRow, 'id' | 'client_id'>>) {
  return db.updateTable('deliveries').set(patch).where('id', '=', id).execute();
}

export async function nextDueAt(db: Executor): Promise<string | undefined> {
  const r = await db.selectFrom('deliveries').select((eb) => eb.fn.min('next_attempt_at').as('t')).where('status', '=', 'pending').executeTakeFirst();
  return (r?.t as string | null) ?? undefined;
}

/** Without a server key: secrets as stored. */
const CLEAR = new SecretCodec(() => null);

/** The webhook secrets of the given accounts, in clear (one query per batch of deliveries; sealed at rest, migration 011). */
export function secretsOf(db: Executor, clientIds: number[], secrets: SecretCodec = CLEAR): Promise<Map<number, string>> {
  return webhookSecretsOf(db, clientIds, secrets);
}
