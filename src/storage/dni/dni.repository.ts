import { CompiledQuery, sql } from 'kysely';
import type { Dialect, Executor } from '../database.ts';
import type SQLite from 'better-sqlite3';
import { sqliteLeaseStore } from '../sqlite/dni-store.sqlite.ts';
import type { DniCallAttributionTable, DniPoolNumberTable, DniTrackingCodeTable, DniVisitTable } from './dni.tables.ts';

export type TrackingCodeRow = DniTrackingCodeTable;
export type PoolNumberRow = DniPoolNumberTable;
export type VisitRow = DniVisitTable;
export type CallAttributionRow = DniCallAttributionTable;

// ---- tracking codes

export function insertTrackingCode(db: Executor, row: TrackingCodeRow) {
  return db.insertInto('dni_tracking_codes').values(row).execute();
}

export async function nextTrackingCode(db: Executor, clientId: number): Promise<number> {
  const r = await db.selectFrom('dni_tracking_codes').select(sql<number | null>`max(tracking_code)`.as('m')).where('client_id', '=', clientId).executeTakeFirst();
  return Number(r?.m ?? 0) + 1;
}

/** The account's tracking code by its number, or undefined (another account's is as invisible as a missing one). */
export function findTrackingCode(db: Executor, clientId: number, trackingCode: number): Promise<TrackingCodeRow | undefined> {
  return db.selectFrom('dni_tracking_codes').selectAll().where('client_id', '=', clientId).where('tracking_code', '=', trackingCode).executeTakeFirst();
}

export function listTrackingCodes(db: Executor, clientId: number): Promise<TrackingCodeRow[]> {
  return db.selectFrom('dni_tracking_codes').selectAll().where('client_id', '=', clientId).orderBy('tracking_code').execute();
}

export function updateTrackingCode(db: Executor, id: string, patch: Partial<Omit<TrackingCodeRow, 'id' | 'client_id' | 'tracking_code'>>) {
  return db.updateTable('dni_tracking_codes').set(patch).where('id', '=', id).execute();
}

export async function deleteTrackingCode(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('dni_pool_numbers').where('tracking_code_id', '=', id).execute();
  await db.deleteFrom('dni_tracking_codes').where('id', '=', id).execute();
}

// ---- pool numbers

export function insertPoolNumbers(db: Executor, rows: PoolNumberRow[]) {
  return rows.length ? db.insertInto('dni_pool_numbers').values(rows).execute() : Promise.resolve([]);
}

export function deletePoolNumbers(db: Executor, trackingCodeId: string, serviceIds: string[]) {
  return serviceIds.length ? db.deleteFrom('dni_pool_numbers').where('tracking_code_id', '=', trackingCodeId).where('service_id', 'in', serviceIds).execute() : Promise.resolve([]);
}

/** Pool rows of these services in any tracking code (a service is in at most one pool). */
export function poolRowsOfServices(db: Executor, serviceIds: string[]): Promise<PoolNumberRow[]> {
  return serviceIds.length ? db.selectFrom('dni_pool_numbers').selectAll().where('service_id', 'in', serviceIds).execute() : Promise.resolve([]);
}

/** The public code of a tracking code, by its row id. */
export async function trackingCodeNumber(db: Executor, id: string): Promise<number | undefined> {
  const r = await db.selectFrom('dni_tracking_codes').select('tracking_code').where('id', '=', id).executeTakeFirst();
  return r === undefined ? undefined : Number(r.tracking_code);
}

export function poolOf(db: Executor, trackingCodeId: string): Promise<PoolNumberRow[]> {
  return db.selectFrom('dni_pool_numbers').selectAll().where('tracking_code_id', '=', trackingCodeId).orderBy('number').execute();
}

export interface LeaseTimes {
  visitorId: string;
  visitId: string;
  now: string;
  /** the hold: now + hold minutes */
  until: string;
  /** until + cool-down */
  freeAt: string;
}

/**
 * A returning visitor takes back the number it last held, if nobody has taken it since (the row still names it):
 * one UPDATE, so it cannot race another claim of the same row.
 */
export function reclaimLease(db: Executor, trackingCodeId: string, t: LeaseTimes): Promise<PoolNumberRow | undefined> {
  return db
    .updateTable('dni_pool_numbers')
    .set({ visit_id: t.visitId, leased_at: sql`case when leased_until >= ${t.now} then leased_at else ${t.now} end`, leased_until: t.until, free_at: t.freeAt })
    .where('tracking_code_id', '=', trackingCodeId)
    .where('visitor_id', '=', t.visitorId)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Leases a free number of the pool (free: never leased, or past its hold and cool-down), the longest-free first, in
 * one statement: the row is re-checked by the UPDATE itself, so two claims never get the same row. On PostgreSQL the
 * candidate is locked with SKIP LOCKED, so concurrent claims (other processes too) take different rows instead of
 * queueing on one; SQLite runs writers one at a time.
 */
export function claimFreeNumber(db: Executor, dialect: Dialect, trackingCodeId: string, t: LeaseTimes): Promise<PoolNumberRow | undefined> {
  const pick = db
    .selectFrom('dni_pool_numbers')
    .select('service_id')
    .where('tracking_code_id', '=', trackingCodeId)
    .where((eb) => eb.or([eb('free_at', 'is', null), eb('free_at', '<=', t.now)]))
    .orderBy(sql`coalesce(free_at, '')`)
    .orderBy('number')
    .limit(1)
    .$if(dialect === 'postgres', (q) => q.forUpdate().skipLocked());
  return db
    .updateTable('dni_pool_numbers')
    .set({ visitor_id: t.visitorId, visit_id: t.visitId, leased_at: t.now, leased_until: t.until, free_at: t.freeAt })
    .where('service_id', '=', pick)
    .where((eb) => eb.or([eb('free_at', 'is', null), eb('free_at', '<=', t.now)]))
    .returningAll()
    .executeTakeFirst();
}

/** A heartbeat: extends the visitor's live lease (not one already past its hold). */
export function extendLease(db: Executor, trackingCodeId: string, visitorId: string, now: string, until: string, freeAt: string): Promise<PoolNumberRow | undefined> {
  return db
    .updateTable('dni_pool_numbers')
    .set({ leased_until: until, free_at: freeAt })
    .where('tracking_code_id', '=', trackingCodeId)
    .where('visitor_id', '=', visitorId)
    .where('leased_until', '>=', now)
    .returningAll()
    .executeTakeFirst();
}

// ---- visits

export function insertVisit(db: Executor, row: VisitRow) {
  return db.insertInto('dni_visits').values(row).execute();
}

export function updateVisit(db: Executor, id: string, patch: Partial<Pick<VisitRow, 'last_seen_at' | 'lease_until' | 'attribute_until'>>) {
  return db.updateTable('dni_visits').set(patch).where('id', '=', id).execute();
}

export function latestVisitOf(db: Executor, trackingCodeId: string, visitorId: string): Promise<VisitRow | undefined> {
  return db.selectFrom('dni_visits').selectAll().where('tracking_code_id', '=', trackingCodeId).where('visitor_id', '=', visitorId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
}

/** The latest visit shown this service's number at or before `at` whose attribution window still covers `at`. */
export function attributableVisit(db: Executor, clientId: number, serviceId: string, at: string): Promise<VisitRow | undefined> {
  return db
    .selectFrom('dni_visits')
    .selectAll()
    .where('service_id', '=', serviceId)
    .where('created_at', '<=', at)
    .where('client_id', '=', clientId)
    .where('attribute_until', '>=', at)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Visits of a tracking code that overlap [from, to): created before `to`, seen (or held) until after `from`. */
export function visitsOverlapping(db: Executor, trackingCodeId: string, from: string, to: string, since: string) {
  return db
    .selectFrom('dni_visits')
    .select(['visitor_id', 'kind', 'fell_back', 'service_id', 'created_at', 'last_seen_at', 'lease_until'])
    .where('tracking_code_id', '=', trackingCodeId)
    .where('created_at', '<', to)
    .where('created_at', '>=', since)
    .where((eb) => eb.or([eb('last_seen_at', '>=', from), eb('lease_until', '>=', from)]))
    .orderBy('created_at')
    .execute();
}

/** The statements of the visit and heartbeat hot path: each call is atomic on its own where `singleStatement` says so (PostgreSQL), else it runs inside one write (batch) transaction. */
export interface LeaseStore {
  /**
   * A pool visit: the visitor's own number taken back if nobody took it since, else a free one claimed, and the visit
   * recorded — `fallback` as given when no number was free, else the same row as a `pool` visit of the lease.
   */
  poolVisit(trackingCodeId: string, t: LeaseTimes, fallback: VisitRow, leaseAttributeUntil: string): Promise<PoolNumberRow | undefined>;
  /** A heartbeat of a live lease: the lease extended and its visit touched; undefined when the visitor holds no live lease. */
  extendAndTouch(trackingCodeId: string, visitorId: string, now: string, until: string, freeAt: string, attributeUntil: string): Promise<Pick<PoolNumberRow, 'number' | 'visit_id'> | undefined>;
  reclaimLease(trackingCodeId: string, t: LeaseTimes): Promise<PoolNumberRow | undefined>;
  claimFreeNumber(trackingCodeId: string, t: LeaseTimes): Promise<PoolNumberRow | undefined>;
  extendLease(trackingCodeId: string, visitorId: string, now: string, until: string, freeAt: string): Promise<PoolNumberRow | undefined>;
  insertVisit(row: VisitRow): Promise<void>;
  /** A sighting: last_seen_at and attribute_until, and lease_until when given. */
  touchVisit(id: string, p: { last_seen_at: string; lease_until?: string; attribute_until: string }): Promise<void>;
  latestVisitOf(trackingCodeId: string, visitorId: string): Promise<VisitRow | undefined>;
}

async function firstRow<R>(db: Executor, text: string, params: unknown[]): Promise<R | undefined> {
  return (await db.executeQuery(CompiledQuery.raw(text, params))).rows[0] as R | undefined;
}

/** A lease as its visit records it. */
export function leaseVisit(fallback: VisitRow, lease: Pick<PoolNumberRow, 'service_id' | 'number'>, t: LeaseTimes, attributeUntil: string): VisitRow {
  return { ...fallback, kind: 'pool', fell_back: 0, rule_index: null, service_id: lease.service_id, number: lease.number, lease_until: t.until, attribute_until: attributeUntil };
}

/**
 * PostgreSQL: a pool visit in one statement (one round trip, no BEGIN/COMMIT). The reclaim and the claim are the
 * same conditional UPDATEs as reclaimLease and claimFreeNumber (the claim only when the reclaim took nothing; its
 * candidate row locked with SKIP LOCKED and re-checked by the UPDATE), and the visit row is inserted from whichever
 * returned a lease, else as the fallback. A statement is atomic on its own: the lease and its visit commit together.
 */
const POOL_VISIT_PG = `/* prepared:dni_pool_visit */ with reclaimed as (
  update dni_pool_numbers set visit_id = $1::text, leased_at = case when leased_until >= $2::text then leased_at else $2::text end, leased_until = $3::text, free_at = $4::text
  where tracking_code_id = $5::text and visitor_id = $6::text
  returning service_id, number
), claimed as (
  update dni_pool_numbers set visitor_id = $6::text, visit_id = $1::text, leased_at = $2::text, leased_until = $3::text, free_at = $4::text
  where service_id = (select service_id from dni_pool_numbers where tracking_code_id = $5::text and (free_at is null or free_at <= $2::text) and not exists (select 1 from reclaimed) order by coalesce(free_at, ''), number limit 1 for update skip locked)
  and (free_at is null or free_at <= $2::text)
  returning service_id, number
), lease as (
  select service_id, number from reclaimed union all select service_id, number from claimed
), ins as (
  insert into dni_visits (id, client_id, tracking_code_id, visitor_id, created_at, last_seen_at, kind, fell_back, rule_index, service_id, number, lease_until, attribute_until, data)
  select $1::text, $7::integer, $5::text, $6::text, $2::text, $2::text,
    case when l.service_id is null then $8::text else 'pool' end, case when l.service_id is null then $9::integer else 0 end, null,
    case when l.service_id is null then $10::text else l.service_id end, case when l.service_id is null then $11::text else l.number end,
    case when l.service_id is null then null else $3::text end, case when l.service_id is null then $12::text else $13::text end, $14::text
  from (select 1) as one left join lease l on true
)
select service_id, number from lease`;

/** PostgreSQL: a heartbeat of a live lease in one statement (extendLease, then the visit touched). */
const EXTEND_AND_TOUCH_PG = `/* prepared:dni_extend_and_touch */ with live as (
  update dni_pool_numbers set leased_until = $1::text, free_at = $2::text where tracking_code_id = $3::text and visitor_id = $4::text and leased_until >= $5::text
  returning number, visit_id
), touched as (
  update dni_visits set last_seen_at = $5::text, lease_until = $1::text, attribute_until = $6::text where id = (select visit_id from live)
)
select number, visit_id from live`;

/** The lease store of a transaction: committed SQL on SQLite (storage/sqlite/dni-store.sqlite.ts), these Kysely queries elsewhere. */
export function leaseStore(tx: Executor, dialect: Dialect, sqlite?: SQLite.Database): LeaseStore {
  if (dialect === 'sqlite' && sqlite) return sqliteLeaseStore(sqlite);
  return {
    poolVisit: (codeId, t, f, leaseAttributeUntil) =>
      firstRow<PoolNumberRow>(tx, POOL_VISIT_PG, [t.visitId, t.now, t.until, t.freeAt, codeId, t.visitorId, f.client_id, f.kind, f.fell_back, f.service_id, f.number, f.attribute_until, leaseAttributeUntil, f.data]),
    extendAndTouch: (codeId, visitorId, now, until, freeAt, attributeUntil) => firstRow<PoolNumberRow>(tx, EXTEND_AND_TOUCH_PG, [until, freeAt, codeId, visitorId, now, attributeUntil]),
    reclaimLease: (codeId, t) => reclaimLease(tx, codeId, t),
    claimFreeNumber: (codeId, t) => claimFreeNumber(tx, dialect, codeId, t),
    extendLease: (codeId, visitorId, now, until, freeAt) => extendLease(tx, codeId, visitorId, now, until, freeAt),
    insertVisit: async (row) => void (await insertVisit(tx, row)),
    touchVisit: async (id, p) => void (await updateVisit(tx, id, p.lease_until === undefined ? { last_seen_at: p.last_seen_at, attribute_until: p.attribute_until } : p)),
    latestVisitOf: (codeId, visitorId) => latestVisitOf(tx, codeId, visitorId),
  };
}

// ---- call attributions

export function insertCallAttribution(db: Executor, row: CallAttributionRow) {
  return db.insertInto('dni_call_attributions').values(row).onConflict((oc) => oc.column('call_id').doNothing()).execute();
}

export function attributionsBetween(db: Executor, trackingCodeId: string, from: string, to: string) {
  return db.selectFrom('dni_call_attributions').select(['started_at', 'visit_id']).where('tracking_code_id', '=', trackingCodeId).where('started_at', '>=', from).where('started_at', '<', to).execute();
}
