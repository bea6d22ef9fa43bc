import type SQLite from 'better-sqlite3';
import { leaseVisit, type LeaseStore, type LeaseTimes, type PoolNumberRow, type VisitRow } from '../dni/dni.repository.ts';

/**
 * The DNI visit and heartbeat hot path on SQLite: the same statements as the Kysely twins in `dni/dni.repository.ts`,
 * written out and prepared once per connection, run inside the write batch (building a Kysely query costs more than
 * running these small ones). SQLite runs one writer at a time, so the conditional UPDATEs are atomic as they are.
 */
const stores = new WeakMap<SQLite.Database, LeaseStore>();

const VISIT_COLUMNS = ['id', 'client_id', 'tracking_code_id', 'visitor_id', 'created_at', 'last_seen_at', 'kind', 'fell_back', 'rule_index', 'service_id', 'number', 'lease_until', 'attribute_until', 'data'] as const;

export function sqliteLeaseStore(db: SQLite.Database): LeaseStore {
  let s = stores.get(db);
  if (s) return s;
  const reclaim = db.prepare(
    'update "dni_pool_numbers" set "visit_id" = ?, "leased_at" = case when "leased_until" >= ? then "leased_at" else ? end, "leased_until" = ?, "free_at" = ? where "tracking_code_id" = ? and "visitor_id" = ? returning *',
  );
  const claim = db.prepare(
    'update "dni_pool_numbers" set "visitor_id" = ?, "visit_id" = ?, "leased_at" = ?, "leased_until" = ?, "free_at" = ? where "service_id" = (select "service_id" from "dni_pool_numbers" where "tracking_code_id" = ? and ("free_at" is null or "free_at" <= ?) order by coalesce("free_at", \'\'), "number" limit 1) and ("free_at" is null or "free_at" <= ?) returning *',
  );
  const extend = db.prepare('update "dni_pool_numbers" set "leased_until" = ?, "free_at" = ? where "tracking_code_id" = ? and "visitor_id" = ? and "leased_until" >= ? returning *');
  const insertVisit = db.prepare(`insert into "dni_visits" (${VISIT_COLUMNS.map((c) => `"${c}"`).join(', ')}) values (${VISIT_COLUMNS.map(() => '?').join(', ')})`);
  const touch = db.prepare('update "dni_visits" set "last_seen_at" = ?, "lease_until" = coalesce(?, "lease_until"), "attribute_until" = ? where "id" = ?');
  const latest = db.prepare('select * from "dni_visits" where "tracking_code_id" = ? and "visitor_id" = ? order by "created_at" desc, "id" desc limit 1');
  s = {
    poolVisit: async (codeId: string, t: LeaseTimes, fallback: VisitRow, leaseAttributeUntil: string) => {
      const lease = (reclaim.get(t.visitId, t.now, t.now, t.until, t.freeAt, codeId, t.visitorId) ?? claim.get(t.visitorId, t.visitId, t.now, t.until, t.freeAt, codeId, t.now, t.now)) as PoolNumberRow | undefined;
      const row = lease ? leaseVisit(fallback, lease, t, leaseAttributeUntil) : fallback;
      insertVisit.run(VISIT_COLUMNS.map((c) => row[c] ?? null));
      return lease;
    },
    extendAndTouch: async (codeId: string, visitorId: string, now: string, until: string, freeAt: string, attributeUntil: string) => {
      const live = extend.get(until, freeAt, codeId, visitorId, now) as PoolNumberRow | undefined;
      if (live?.visit_id) touch.run(now, until, attributeUntil, live.visit_id);
      return live;
    },
    reclaimLease: async (codeId: string, t: LeaseTimes) => reclaim.get(t.visitId, t.now, t.now, t.until, t.freeAt, codeId, t.visitorId) as PoolNumberRow | undefined,
    claimFreeNumber: async (codeId: string, t: LeaseTimes) => claim.get(t.visitorId, t.visitId, t.now, t.until, t.freeAt, codeId, t.now, t.now) as PoolNumberRow | undefined,
    extendLease: async (codeId: string, visitorId: string, now: string, until: string, freeAt: string) => extend.get(until, freeAt, codeId, visitorId, now) as PoolNumberRow | undefined,
    insertVisit: async (row: VisitRow) => void insertVisit.run(VISIT_COLUMNS.map((c) => row[c] ?? null)),
    touchVisit: async (id: string, p: { last_seen_at: string; lease_until?: string; attribute_until: string }) => void touch.run(p.last_seen_at, p.lease_until ?? null, p.attribute_until, id),
    latestVisitOf: async (codeId: string, visitorId: string) => latest.get(codeId, visitorId) as VisitRow | undefined,
  };
  stores.set(db, s);
  return s;
}
