import type { Clock } from '../../domain/clock.ts';
import { AppError } from '../../domain/errors.ts';
import { newId, newToken } from '../../domain/ids.ts';
import { matchRule } from '../../domain/dni/rules.ts';
import { callDni, ruleInput, visitData, type VisitData } from '../../domain/dni/visit-data.ts';
import { displayNumber, heartbeatSeconds, originAllowed } from '../../domain/dni/tracking-code.ts';
import type { Executor, Storage } from '../../storage/database.ts';
import type { LeaseStore, TrackingCodeRow, VisitRow } from '../../storage/dni/dni.repository.ts';
import type { CallRow } from '../calls/call-consumers.ts';
import { parseJsonArray, type StoredRule } from './tracking-codes.service.ts';

/** A visit as the website script reports it (fields checked and bounded by the route schema). */
export interface VisitRequest {
  visitorId: string | null;
  pageUrl: string;
  landingUrl: string | null;
  referrer: string | null;
  gaClientId: string | null;
  userAgent: string | null;
  ip: string | null;
}

export interface NumberShown {
  is_default: boolean;
  number: string;
  e164: string;
  text: string;
  lease_expires_at: string | null;
}

export interface VisitAnswer extends NumberShown {
  visitor_id: string;
  tracking_code: number;
  replace: string[];
  heartbeat_seconds: number;
  cookie_days: number;
}

const MIN = 60_000;

/** A tracking code's JSON columns, parsed once per row object (rows are cached, so per second, not per page view). */
interface Parsed {
  origins: string[];
  rules: StoredRule[];
  replace: string[];
  poolSize: number;
}
const parsedRows = new WeakMap<TrackingCodeRow, Parsed>();
function parsed(code: TrackingCodeRow): Parsed {
  let p = parsedRows.get(code);
  if (!p) {
    p = { origins: parseJsonArray<string>(code.origins), rules: parseJsonArray<StoredRule>(code.rules), replace: parseJsonArray<string>(code.replace_numbers), poolSize: parseJsonArray(code.pool).length };
    parsedRows.set(code, p);
  }
  return p;
}
export const VISITOR_ID = /^v_[A-Za-z0-9_-]{8,64}$/;

/**
 * The website script's side: visits (which number a visitor sees: source rules first, then a pool lease, then the
 * fallback), heartbeats that keep a lease, and the attribution of a finalized call to the visit that was shown its
 * number.
 */
export class DniVisitService {
  /** Tracking codes read in the last second, by `client_id:tracking_code` (each page view would read its code again). */
  private readonly codes = new Map<string, { row: TrackingCodeRow | undefined; at: number }>();

  /** Telltale's own origin (TT_PUBLIC_URL), parsed once. */
  private readonly ownOrigin: string;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly opts: { mode: 'sandbox' | 'production'; publicUrl: string; graceMinutes: number | null; codeCacheMs?: number },
  ) {
    this.ownOrigin = new URL(opts.publicUrl).origin;
  }

  /** Forgets cached tracking codes (set-up changes in this process call it; other processes see a change within a second). */
  forgetCodes(): void {
    this.codes.clear();
  }

  private async cachedCode(clientId: number, trackingCode: number): Promise<TrackingCodeRow | undefined> {
    const key = `${clientId}:${trackingCode}`;
    const now = Date.now();
    const hit = this.codes.get(key);
    if (hit && now - hit.at < (this.opts.codeCacheMs ?? 1000)) return hit.row;
    const row = await this.repo.findTrackingCode(this.storage.db, clientId, trackingCode);
    if (this.codes.size >= 10_000) this.codes.clear();
    this.codes.set(key, { row, at: now });
    return row;
  }

  private get repo() {
    return this.storage.repos.dni;
  }

  /** The tracking code the page names, after the origin check: 404 when the account does not own it, 403 for an origin it does not allow. */
  async trackingCodeFor(clientId: number, trackingCode: number, origin: string | null): Promise<TrackingCodeRow> {
    const code = await this.cachedCode(clientId, trackingCode);
    if (!code) throw new AppError('not_found', `tracking code ${trackingCode} does not exist for client_id ${clientId}`);
    if (!this.originOk(code, origin)) throw new AppError('forbidden', origin ? `origin ${origin} is not allowed for tracking code ${trackingCode}` : `tracking code ${trackingCode} takes requests from its allowed origins only (no Origin header was sent)`);
    return code;
  }

  /** Whether the page origin may use the code. Without an Origin header: sandbox only. Telltale's own origin (its demo page) is allowed in sandbox mode. */
  originOk(code: TrackingCodeRow, origin: string | null): boolean {
    if (!origin) return this.opts.mode === 'sandbox';
    if (this.opts.mode === 'sandbox' && origin.toLowerCase() === this.ownOrigin) return true;
    return originAllowed(origin, parsed(code).origins, this.opts.mode);
  }

  private grace(code: TrackingCodeRow): number {
    return (this.opts.graceMinutes ?? code.hold_minutes) * MIN;
  }

  /** A write of the visit hot path: a call of its own where each store call is one atomic statement (PostgreSQL), else in the group-committed write batch. */
  private leaseWrite<T>(fn: (st: LeaseStore) => Promise<T>): Promise<T> {
    if (this.repo.singleStatement) return fn(this.repo.leaseStore(this.storage.db));
    return this.storage.writes.run((tx) => fn(this.repo.leaseStore(tx)));
  }

  /** The visit of a page on `code` (from trackingCodeFor): the number to show, leased or shared. */
  async visit(code: TrackingCodeRow, v: VisitRequest): Promise<VisitAnswer> {
    const visitorId = v.visitorId ?? `v_${newToken(16)}`;
    const data = visitData({ page_url: v.pageUrl, landing_url: v.landingUrl, referrer: v.referrer, ga_client_id: v.gaClientId, user_agent: v.userAgent, ip: v.ip });
    const { rules, replace, poolSize } = parsed(code);
    const ruleIndex = !rules.length ? -1 : matchRule(rules, ruleInput({ page_url: v.pageUrl, landing_url: v.landingUrl, referrer: v.referrer, ga_client_id: null, user_agent: null, ip: null }));
    const shown = await this.leaseWrite(async (st) => {
      const now = this.clock.now();
      const at = now.toISOString();
      const visitId = newId('vs', now.getTime());
      const base = { id: visitId, client_id: Number(code.client_id), tracking_code_id: code.id, visitor_id: visitorId, created_at: at, last_seen_at: at, data: JSON.stringify(data) };
      const shared = (kind: string, serviceId: string | null, number: string, fellBack: boolean, rule: number | null): VisitRow => ({
        ...base,
        kind,
        fell_back: fellBack ? 1 : 0,
        rule_index: rule,
        service_id: serviceId,
        number,
        lease_until: null,
        attribute_until: new Date(now.getTime() + this.grace(code)).toISOString(),
      });
      if (ruleIndex >= 0) {
        const r = rules[ruleIndex];
        await st.insertVisit(shared('rule', r.service_id, r.number, false, ruleIndex));
        return { number: r.number, isDefault: false, leaseUntil: null };
      }
      if (poolSize) {
        const until = new Date(now.getTime() + code.hold_minutes * MIN);
        const t = { visitorId, visitId, now: at, until: until.toISOString(), freeAt: new Date(until.getTime() + code.cooldown_minutes * MIN).toISOString() };
        // A returning visitor keeps the number it held if nobody took it since; else any free number; the visit is
        // recorded with the lease, or as the fallback when the pool is full.
        const fallback = code.fallback_service_id && code.fallback_number ? shared('fallback', code.fallback_service_id, code.fallback_number, true, null) : shared('default', null, replace[0], true, null);
        const lease = await st.poolVisit(code.id, t, fallback, new Date(until.getTime() + this.grace(code)).toISOString());
        if (lease) return { number: lease.number, isDefault: false, leaseUntil: t.until };
        return { number: fallback.number, isDefault: fallback.kind === 'default', leaseUntil: null };
      }
      const fellBack = poolSize > 0;
      if (code.fallback_service_id && code.fallback_number) {
        await st.insertVisit(shared('fallback', code.fallback_service_id, code.fallback_number, fellBack, null));
        return { number: code.fallback_number, isDefault: false, leaseUntil: null };
      }
      await st.insertVisit(shared('default', null, replace[0], fellBack, null));
      return { number: replace[0], isDefault: true, leaseUntil: null };
    });
    return {
      visitor_id: visitorId,
      tracking_code: Number(code.tracking_code),
      is_default: shown.isDefault,
      ...displayNumber(shown.number),
      replace,
      heartbeat_seconds: heartbeatSeconds(code.hold_minutes),
      cookie_days: code.cookie_days,
      lease_expires_at: shown.leaseUntil,
    };
  }

  /** Keeps the visitor's lease (hold time from now); 404 when the visitor is unknown or its number went to someone else. */
  async heartbeat(code: TrackingCodeRow, visitorId: string): Promise<NumberShown> {
    const h = { visitorId, trackingCode: Number(code.tracking_code) };
    const times = () => {
      const now = this.clock.now();
      const until = new Date(now.getTime() + code.hold_minutes * MIN);
      return { now, at: now.toISOString(), until, freeAt: new Date(until.getTime() + code.cooldown_minutes * MIN).toISOString(), attributeUntil: new Date(until.getTime() + this.grace(code)).toISOString() };
    };
    // The common case, a live lease, is one atomic call (one statement on PostgreSQL); the rest in a transaction.
    const extend = async (st: LeaseStore) => {
      const { at, until, freeAt, attributeUntil } = times();
      const live = await st.extendAndTouch(code.id, h.visitorId, at, until.toISOString(), freeAt, attributeUntil);
      return live ? { number: live.number, isDefault: false, leaseUntil: until.toISOString() } : undefined;
    };
    const shown = (await this.leaseWrite(extend)) ?? (await this.storage.writes.run(async (tx) => {
      const st = this.repo.leaseStore(tx);
      const live = await extend(st);
      if (live) return live;
      const { now, at, until, freeAt, attributeUntil } = times();
      const last = await st.latestVisitOf(code.id, h.visitorId);
      if (!last) return null;
      if (last.kind === 'pool') {
        // The hold ran out while the page stayed open (a sleeping laptop): take the number back if nobody has.
        const back = await st.reclaimLease(code.id, { visitorId: h.visitorId, visitId: last.id, now: at, until: until.toISOString(), freeAt });
        if (!back) return null;
        await st.touchVisit(last.id, { last_seen_at: at, lease_until: until.toISOString(), attribute_until: attributeUntil });
        return { number: back.number, isDefault: false, leaseUntil: until.toISOString() };
      }
      await st.touchVisit(last.id, { last_seen_at: at, attribute_until: new Date(now.getTime() + this.grace(code)).toISOString() });
      return { number: last.number, isDefault: last.kind === 'default', leaseUntil: null };
    }));
    if (!shown) throw new AppError('not_found', `visitor ${h.visitorId} has no number on tracking code ${h.trackingCode}: send a visit`);
    return { is_default: shown.isDefault, ...displayNumber(shown.number), lease_expires_at: shown.leaseUntil };
  }

  /**
   * The call's `dni` JSON, decided inside the finalizing transaction before the consumers run: the latest visit shown
   * the called service's number at or before the call's start whose window (lease or last sighting, plus the grace
   * window) covers it; a DNI number with no such visit is `unattributed`; a call to any other number is left alone
   * (null). Records the decision for the pool report.
   */
  async dniOf(tx: Executor, call: Pick<CallRow, 'id' | 'client_id' | 'service_id' | 'started_at'>): Promise<string | null> {
    if (!call.service_id) return null;
    const clientId = Number(call.client_id);
    // Most accounts have no tracking code: one indexed read, and nothing else to do.
    const codes = await this.repo.listTrackingCodes(tx, clientId);
    if (!codes.length) return null;
    const visit = await this.repo.attributableVisit(tx, clientId, call.service_id, call.started_at);
    const serviceId = call.service_id;
    const code = (visit && codes.find((c) => c.id === visit.tracking_code_id)) || codes.find((c) => usesService(c, serviceId));
    if (!code) return null;
    const attributed = visit && visit.tracking_code_id === code.id ? visit : undefined;
    const trackingCode = Number(code.tracking_code);
    await this.repo.insertCallAttribution(tx, { call_id: Number(call.id), client_id: clientId, tracking_code_id: code.id, visit_id: attributed?.id ?? null, started_at: call.started_at });
    if (!attributed) return JSON.stringify(callDni({ attribution: 'unattributed', trackingCode }));
    const data = JSON.parse(attributed.data) as VisitData;
    return JSON.stringify(callDni({ attribution: attributed.kind === 'pool' ? 'lease' : 'shared_number', trackingCode, visitId: attributed.id, visitorId: attributed.visitor_id, visitedAt: attributed.created_at }, data));
  }
}

/** Whether the tracking code shows this service's number (pool, a rule or the fallback). */
function usesService(code: TrackingCodeRow, serviceId: string): boolean {
  const p = parsed(code);
  return code.fallback_service_id === serviceId || p.rules.some((r) => r.service_id === serviceId) || parseJsonArray<{ service_id: string }>(code.pool).some((x) => x.service_id === serviceId);
}
