import { type ExpressionBuilder, sql } from 'kysely';
import type { Dialect, Executor } from '../database.ts';
import type { Database, NumberTable } from '../schema.ts';
import type { NumberClass } from '../../domain/phone.ts';
import { stockSources, type StockPolicy } from '../../domain/inventory/inventory.ts';

export type NumberRow = NumberTable;

/** What an order or a listing may match: everything optional but the account. */
export interface StockQuery {
  clientId: number;
  country?: string;
  class?: NumberClass;
  /** E.164 prefix built from country code + area digits. */
  e164Prefix?: string;
  contains?: string;
  sms?: boolean;
  number?: string;
  /** The account's policy per `${country}:${class}`; PUBLIC when absent. */
  policies: Map<string, StockPolicy>;
  /** Include all of the account's own private stock whatever the policy (listings, orders by explicit number). */
  anyOwnPrivate?: boolean;
}

/** Rows of stock the account may take under its policies: its own private numbers where allowed, public ones where allowed. */
function orderableWhere(q: StockQuery) {
  return (eb: ExpressionBuilder<Database, 'numbers'>) => {
    const conds = [eb('numbers.state', '=', 'available')];
    if (q.country) conds.push(eb('numbers.country', '=', q.country));
    if (q.class) conds.push(eb('numbers.class', '=', q.class));
    if (q.e164Prefix) conds.push(eb('numbers.number', 'like', `${q.e164Prefix}%`));
    if (q.contains) conds.push(eb('numbers.number', 'like', `%${q.contains}%`));
    if (q.sms !== undefined) conds.push(eb('numbers.sms', '=', q.sms ? 1 : 0));
    if (q.number) conds.push(eb('numbers.number', '=', q.number));

    // Policies are per country and class; PUBLIC (the default) covers every pair without a row.
    // PUBLIC: public stock. PRIVATE: own private first, then public. STRICT_PRIVATE: own private only.
    // The account's own private numbers are always orderable when named or listed.
    const ownPrivate = eb('numbers.owner_client_id', '=', q.clientId);
    const publicStock = eb('numbers.owner_client_id', 'is', null);
    const pair = (key: string) => {
      const [country, cls] = key.split(':');
      return eb.and([eb('numbers.country', '=', country), eb('numbers.class', '=', cls)]);
    };
    const strict = [...q.policies].filter(([, p]) => !stockSources(p).public).map(([k]) => pair(k));
    const privateFirst = [...q.policies].filter(([, p]) => stockSources(p).private).map(([k]) => pair(k));
    const publicAllowed = strict.length ? eb.and([publicStock, eb.not(eb.or(strict))]) : publicStock;
    const privateAllowed = q.anyOwnPrivate ? ownPrivate : privateFirst.length ? eb.and([ownPrivate, eb.or(privateFirst)]) : null;
    conds.push(privateAllowed ? eb.or([publicAllowed, privateAllowed]) : publicAllowed);
    return eb.and(conds);
  };
}

/** Available numbers the account may order, its private stock first. */
export function listOrderable(db: Executor, q: StockQuery, limit: number, after?: { privateFirst: number; number: string }) {
  let query = db
    .selectFrom('numbers')
    .selectAll()
    .select(sql<number>`case when owner_client_id is null then 1 else 0 end`.as('rank'))
    .where(orderableWhere(q));
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb(sql`case when owner_client_id is null then 1 else 0 end`, '>', after.privateFirst),
        eb.and([eb(sql`case when owner_client_id is null then 1 else 0 end`, '=', after.privateFirst), eb('number', '>', after.number)]),
      ]),
    );
  }
  return query.orderBy(sql`case when owner_client_id is null then 1 else 0 end`).orderBy('number').limit(limit).execute();
}

/**
 * Picks one orderable number and marks it reserved for the request, atomically: under SKIP LOCKED on PostgreSQL
 * concurrent orders take different rows; on SQLite the write transaction serialises them.
 */
export async function reserveOne(db: Executor, dialect: Dialect, q: StockQuery, requestId: string, now: string): Promise<NumberRow | undefined> {
  const pick = db
    .selectFrom('numbers')
    .select('number')
    .where(orderableWhere(q))
    .orderBy(sql`case when owner_client_id is null then 1 else 0 end`)
    .orderBy('number')
    .limit(1)
    .$if(dialect === 'postgres', (qb) => qb.forUpdate().skipLocked());
  return db
    .updateTable('numbers')
    .set({ state: 'reserved', reserved_request_id: requestId, updated_at: now })
    .where('number', '=', pick)
    .where('state', '=', 'available')
    .returningAll()
    .executeTakeFirst();
}

/** Gives a number back to stock when it is still reserved for the request. */
export function releaseReservation(db: Executor, number: string, requestId: string, now: string) {
  return db.updateTable('numbers').set({ state: 'available', reserved_request_id: null, updated_at: now }).where('number', '=', number).where('reserved_request_id', '=', requestId).execute();
}

export function findNumber(db: Executor, number: string): Promise<NumberRow | undefined> {
  return db.selectFrom('numbers').selectAll().where('number', '=', number).executeTakeFirst();
}

export function updateNumber(db: Executor, number: string, patch: Partial<Omit<NumberRow, 'number'>>) {
  return db.updateTable('numbers').set(patch).where('number', '=', number).execute();
}

/** Inserts numbers, skipping ones already in the inventory; returns the numbers actually inserted. */
export async function insertNumbers(db: Executor, rows: NumberRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const inserted = await db
    .insertInto('numbers')
    .values(rows)
    .onConflict((oc) => oc.column('number').doNothing())
    .returning('number')
    .execute();
  return new Set(inserted.map((r) => r.number));
}

export function insertNoiseCall(db: Executor, row: { id: string; number: string; caller: string | null; received_at: string }) {
  return db.insertInto('noise_calls').values(row).execute();
}

export async function countNoiseSince(db: Executor, number: string, since: string): Promise<number> {
  const r = await db
    .selectFrom('noise_calls')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('number', '=', number)
    .where('received_at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function countNoise(db: Executor, number: string): Promise<number> {
  const r = await db.selectFrom('noise_calls').select((eb) => eb.fn.countAll<number>().as('n')).where('number', '=', number).executeTakeFirstOrThrow();
  return Number(r.n);
}

export function quarantinedDue(db: Executor, now: string, limit: number) {
  return db
    .selectFrom('numbers')
    .selectAll()
    .where('state', '=', 'quarantined')
    .where('release_after', '<=', now)
    .orderBy('release_after')
    .limit(limit)
    .execute();
}

/** Counts by state for one private inventory, or for public stock when clientId is null. */
export async function inventoryCounts(db: Executor, clientId: number | null) {
  const rows = await db
    .selectFrom('numbers')
    .select(['state', 'country', 'class', (eb) => eb.fn.countAll<number>().as('n')])
    .where('owner_client_id', clientId === null ? 'is' : '=', clientId)
    .groupBy(['state', 'country', 'class'])
    .execute();
  return rows.map((r) => ({ state: r.state, country: r.country, class: r.class, count: Number(r.n) }));
}

export async function noiseTotalsForOwner(db: Executor, clientId: number) {
  const r = await db
    .selectFrom('noise_calls')
    .innerJoin('numbers', 'numbers.number', 'noise_calls.number')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('numbers.owner_client_id', '=', clientId)
    .where('numbers.state', '=', 'quarantined')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
