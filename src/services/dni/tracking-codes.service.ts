import type { Clock } from '../../domain/clock.ts';
import { AppError, fieldError, type FieldError } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { parseNumber } from '../../domain/phone.ts';
import { validateRules, type SourceRule } from '../../domain/dni/rules.ts';
import {
  DEFAULT_COOKIE_DAYS,
  DEFAULT_COOLDOWN_MINUTES,
  DEFAULT_HOLD_MINUTES,
  MAX_ORIGINS,
  MAX_POOL,
  MAX_REPLACE,
  displayNumber,
  normalizeOrigin,
  pageSnippet,
} from '../../domain/dni/tracking-code.ts';
import { poolReport, type PoolReport } from '../../domain/dni/pool-report.ts';
import { isUniqueViolation, type Executor, type Storage } from '../../storage/database.ts';
import type { TrackingCodeRow } from '../../storage/dni/dni.repository.ts';
import type { AuditActor, AuditLog } from '../accounts/audit.service.ts';

/** A tracking code as the API takes it (create: name and replace required; update: any subset). */
export interface TrackingCodeIn {
  name?: string;
  /** business numbers to swap, E.164 or national in `country` */
  replace?: string[];
  country?: string;
  origins?: string[];
  rules?: unknown;
  pool?: string[];
  fallback_service_id?: string | null;
  hold_minutes?: number;
  cooldown_minutes?: number;
  cookie_days?: number;
}

/** A stored rule: the API's rule plus its service's number. */
export type StoredRule = SourceRule & { number: string };

export interface TrackingCodeView {
  tracking_code: number;
  client_id: number;
  name: string;
  country: string;
  replace: string[];
  origins: string[];
  /** true when no origin is listed and the mode lets any page use the code (sandbox) */
  any_origin: boolean;
  rules: { when: SourceRule['when']; service_id: string; number: string }[];
  pool: { service_id: string; number: string }[];
  fallback_service_id: string | null;
  fallback_number: string;
  hold_minutes: number;
  cooldown_minutes: number;
  cookie_days: number;
  snippet: string;
  created_at: string;
  updated_at: string;
}

export function parseJsonArray<T>(text: string): T[] {
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? (v as T[]) : [];
  } catch {
    return [];
  }
}

/** Tracking codes: set-up (create, list, show, change, delete) and the pool report. */
export class TrackingCodeService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly opts: { publicUrl: string; mode: 'sandbox' | 'production'; onChange?: () => void },
  ) {}

  private get repo() {
    return this.storage.repos.dni;
  }

  view(row: TrackingCodeRow): TrackingCodeView {
    const origins = parseJsonArray<string>(row.origins);
    const replace = parseJsonArray<string>(row.replace_numbers);
    return {
      tracking_code: Number(row.tracking_code),
      client_id: Number(row.client_id),
      name: row.name,
      country: row.country,
      replace,
      origins,
      any_origin: origins.length === 0 && this.opts.mode === 'sandbox',
      rules: parseJsonArray<StoredRule>(row.rules).map((r) => ({ when: r.when, service_id: r.service_id, number: r.number })),
      pool: parseJsonArray<{ service_id: string; number: string }>(row.pool),
      fallback_service_id: row.fallback_service_id,
      fallback_number: row.fallback_number ?? replace[0],
      hold_minutes: row.hold_minutes,
      cooldown_minutes: row.cooldown_minutes,
      cookie_days: row.cookie_days,
      snippet: pageSnippet(this.opts.publicUrl, Number(row.client_id), Number(row.tracking_code)),
      created_at: row.created_at,
      updated_at: row.updated_at,
    };
  }

  async create(clientId: number, input: TrackingCodeIn, actor: AuditActor): Promise<TrackingCodeView> {
    const errors: FieldError[] = [];
    if (typeof input.name !== 'string' || !input.name.trim()) errors.push({ path: 'name', message: 'is required' });
    if (!input.replace || !input.replace.length) errors.push({ path: 'replace', message: 'name at least one business number to replace' });
    if (errors.length) throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
    for (let attempt = 0; ; attempt++) {
      try {
        const created = await this.storage.tx(async (tx) => {
          const now = this.clock.now().toISOString();
          const fields = await this.resolve(tx, clientId, input, null);
          const row: TrackingCodeRow = {
            id: newId('dn'),
            client_id: clientId,
            tracking_code: await this.repo.nextTrackingCode(tx, clientId),
            name: fields.name!,
            country: fields.country!,
            replace_numbers: fields.replace_numbers!,
            origins: fields.origins ?? '[]',
            rules: fields.rules ?? '[]',
            pool: fields.pool ?? '[]',
            fallback_service_id: fields.fallback_service_id ?? null,
            fallback_number: fields.fallback_number ?? null,
            hold_minutes: fields.hold_minutes ?? DEFAULT_HOLD_MINUTES,
            cooldown_minutes: fields.cooldown_minutes ?? DEFAULT_COOLDOWN_MINUTES,
            cookie_days: fields.cookie_days ?? DEFAULT_COOKIE_DAYS,
            created_at: now,
            updated_at: now,
          };
          await this.repo.insertTrackingCode(tx, row);
          await this.repo.insertPoolNumbers(tx, parseJsonArray<{ service_id: string; number: string }>(row.pool).map((p) => ({ service_id: p.service_id, tracking_code_id: row.id, number: p.number, visitor_id: null, visit_id: null, leased_at: null, leased_until: null, free_at: null })));
          const view = this.view(row);
          await this.audit.record(tx, { clientId, actor, action: 'dni.create', target: String(row.tracking_code), detail: detailOf(view) });
          return view;
        });
        // After the commit: this process's visit endpoint forgets what it cached (a 404 for a code not yet created).
        this.opts.onChange?.();
        return created;
      } catch (err) {
        // Two creations at once picked the same next number, or a pool service was just taken by another code.
        if (isUniqueViolation(err) && attempt < 3) continue;
        if (isUniqueViolation(err)) throw new AppError('conflict', 'a pool service was added to another tracking code at the same time; try again');
        throw err;
      }
    }
  }

  async list(clientId: number): Promise<TrackingCodeView[]> {
    return (await this.repo.listTrackingCodes(this.storage.db, clientId)).map((r) => this.view(r));
  }

  async get(clientId: number, trackingCode: number): Promise<TrackingCodeView> {
    return this.view(await this.find(this.storage.db, clientId, trackingCode));
  }

  private async find(db: Executor, clientId: number, trackingCode: number): Promise<TrackingCodeRow> {
    const row = await this.repo.findTrackingCode(db, clientId, trackingCode);
    if (!row) throw new AppError('not_found', `tracking code ${trackingCode} does not exist in account ${clientId}`);
    return row;
  }

  async update(clientId: number, trackingCode: number, input: TrackingCodeIn, actor: AuditActor): Promise<TrackingCodeView> {
    try {
      const updated = await this.storage.tx(async (tx) => {
        const row = await this.find(tx, clientId, trackingCode);
        const fields = await this.resolve(tx, clientId, input, row);
        const next: TrackingCodeRow = { ...row, ...fields, updated_at: this.clock.now().toISOString() };
        if (input.pool !== undefined) {
          const before = new Set(parseJsonArray<{ service_id: string }>(row.pool).map((p) => p.service_id));
          const after = parseJsonArray<{ service_id: string; number: string }>(next.pool);
          await this.repo.deletePoolNumbers(tx, row.id, [...before].filter((id) => !after.some((p) => p.service_id === id)));
          await this.repo.insertPoolNumbers(tx, after.filter((p) => !before.has(p.service_id)).map((p) => ({ service_id: p.service_id, tracking_code_id: row.id, number: p.number, visitor_id: null, visit_id: null, leased_at: null, leased_until: null, free_at: null })));
        }
        const { id: _i, client_id: _c, tracking_code: _t, ...patch } = next;
        await this.repo.updateTrackingCode(tx, row.id, patch);
        const view = this.view(next);
        await this.audit.record(tx, { clientId, actor, action: 'dni.update', target: String(trackingCode), detail: { changed: Object.keys(input) } });
        return view;
      });
      this.opts.onChange?.();
      return updated;
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('conflict', 'a pool service was added to another tracking code at the same time; try again');
      throw err;
    }
  }

  async remove(clientId: number, trackingCode: number, actor: AuditActor): Promise<void> {
    await this.storage.tx(async (tx) => {
      const row = await this.find(tx, clientId, trackingCode);
      await this.repo.deleteTrackingCode(tx, row.id);
      await this.audit.record(tx, { clientId, actor, action: 'dni.delete', target: String(trackingCode), detail: { name: row.name } });
    });
    this.opts.onChange?.();
  }

  /** The pool report over [from, to) (default: the last 24 hours), hour by hour. */
  async report(clientId: number, trackingCode: number, range: { from?: string; to?: string }): Promise<PoolReport & { tracking_code: number }> {
    const row = await this.find(this.storage.db, clientId, trackingCode);
    const now = this.clock.now();
    const to = range.to ? isoOrFail(range.to, 'to') : new Date(Math.ceil(now.getTime() / 3_600_000) * 3_600_000).toISOString();
    const from = range.from ? isoOrFail(range.from, 'from') : new Date(Date.parse(to) - 86_400_000).toISOString();
    if (from >= to) throw fieldError('from', 'must be before to');
    if (Date.parse(to) - Date.parse(from) > 93 * 86_400_000) throw fieldError('to', 'the range is at most 93 days');
    // Visits that began up to a day before `from` may still hold a number inside the range.
    const since = new Date(Date.parse(from) - 86_400_000).toISOString();
    const [visits, calls] = await Promise.all([this.repo.visitsOverlapping(this.storage.db, row.id, from, to, since), this.repo.attributionsBetween(this.storage.db, row.id, from, to)]);
    const poolSize = parseJsonArray(row.pool).length;
    return { tracking_code: trackingCode, ...poolReport({ from, to, poolSize, holdMinutes: row.hold_minutes, visits, calls }) };
  }

  /** Checks and resolves the given fields into columns; services must be the account's and live. */
  private async resolve(tx: Executor, clientId: number, input: TrackingCodeIn, current: TrackingCodeRow | null): Promise<Partial<TrackingCodeRow>> {
    const errors: FieldError[] = [];
    const out: Partial<TrackingCodeRow> = {};
    if (input.name !== undefined) {
      if (typeof input.name !== 'string' || !input.name.trim() || input.name.length > 200) errors.push({ path: 'name', message: 'must be text of 1 to 200 characters' });
      else out.name = input.name.trim();
    }
    const country = (input.country ?? current?.country ?? 'AU').toUpperCase();
    if (!/^[A-Z]{2}$/.test(country)) errors.push({ path: 'country', message: 'must be an ISO 3166 alpha-2 country such as AU' });
    if (input.country !== undefined || !current) out.country = country;
    if (input.replace !== undefined) {
      if (!Array.isArray(input.replace) || input.replace.length === 0 || input.replace.length > MAX_REPLACE) errors.push({ path: 'replace', message: `name 1 to ${MAX_REPLACE} business numbers` });
      else {
        const e164: string[] = [];
        input.replace.forEach((n, i) => {
          const p = typeof n === 'string' && n.length <= 40 ? parseNumber(n, country) : null;
          if (!p) errors.push({ path: `replace[${i}]`, message: `"${String(n).slice(0, 40)}" is not a valid phone number (E.164, or national in ${country})` });
          else if (!e164.includes(p.e164)) e164.push(p.e164);
        });
        out.replace_numbers = JSON.stringify(e164);
      }
    }
    if (input.origins !== undefined) {
      if (!Array.isArray(input.origins) || input.origins.length > MAX_ORIGINS) errors.push({ path: 'origins', message: `at most ${MAX_ORIGINS} origins` });
      else {
        const list: string[] = [];
        input.origins.forEach((o, i) => {
          const n = typeof o === 'string' && o.length <= 300 ? normalizeOrigin(o) : null;
          if (!n) errors.push({ path: `origins[${i}]`, message: 'must be a page origin such as https://shop.example or https://*.example.com (no path)' });
          else if (!list.includes(n)) list.push(n);
        });
        out.origins = JSON.stringify(list);
      }
    }
    const ints: [keyof TrackingCodeIn & keyof TrackingCodeRow, number, number][] = [
      ['hold_minutes', 1, 1440],
      ['cooldown_minutes', 0, 1440],
      ['cookie_days', 1, 730],
    ];
    for (const [k, min, max] of ints) {
      const v = input[k];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) errors.push({ path: k, message: `must be a whole number from ${min} to ${max}` });
      else (out as Record<string, number>)[k] = v;
    }

    // Services: the account's, live; a pool service in no other pool and not also a rule or fallback number here.
    const wanted = new Set<string>();
    let rules: SourceRule[] | undefined;
    if (input.rules !== undefined) {
      const r = validateRules(input.rules);
      errors.push(...r.errors);
      rules = r.rules;
      for (const x of rules) wanted.add(x.service_id);
    }
    let pool: string[] | undefined;
    if (input.pool !== undefined) {
      if (!Array.isArray(input.pool) || input.pool.length > MAX_POOL) errors.push({ path: 'pool', message: `at most ${MAX_POOL} services` });
      else {
        pool = [];
        input.pool.forEach((id, i) => {
          if (typeof id !== 'string' || !id) errors.push({ path: `pool[${i}]`, message: 'must be a service id' });
          else if (pool!.includes(id)) errors.push({ path: `pool[${i}]`, message: `${id} is listed twice` });
          else pool!.push(id);
        });
        for (const id of pool) wanted.add(id);
      }
    }
    if (input.fallback_service_id) wanted.add(input.fallback_service_id);
    const services = new Map<string, { number: string; status: string }>();
    for (const id of wanted) {
      const s = id.length <= 100 ? await this.storage.repos.services.findService(tx, clientId, id) : undefined;
      if (s) services.set(id, { number: s.number, status: s.status });
    }
    const check = (id: string, path: string): string | null => {
      const s = services.get(id);
      if (!s) return void errors.push({ path, message: `service ${id} does not exist in account ${clientId}` }), null;
      if (s.status !== 'live') return void errors.push({ path, message: `service ${id} is ${s.status}, not live` }), null;
      return s.number;
    };
    if (rules) {
      const stored: StoredRule[] = [];
      rules.forEach((r, i) => {
        const n = check(r.service_id, `rules[${i}].service_id`);
        if (n) stored.push({ ...r, number: n });
      });
      out.rules = JSON.stringify(stored);
    }
    if (pool) {
      const stored: { service_id: string; number: string }[] = [];
      pool.forEach((id, i) => {
        const n = check(id, `pool[${i}]`);
        if (n) stored.push({ service_id: id, number: n });
      });
      const taken = await this.repo.poolRowsOfServices(tx, stored.map((s) => s.service_id));
      for (const t of taken) {
        if (current && t.tracking_code_id === current.id) continue;
        const other = await this.repo.trackingCodeNumber(tx, t.tracking_code_id);
        errors.push({ path: `pool[${pool.indexOf(t.service_id)}]`, message: `service ${t.service_id} is already in the pool of tracking code ${other ?? '?'}` });
      }
      out.pool = JSON.stringify(stored);
    }
    if (input.fallback_service_id !== undefined) {
      if (input.fallback_service_id === null || input.fallback_service_id === '') {
        out.fallback_service_id = null;
        out.fallback_number = null;
      } else {
        const n = check(input.fallback_service_id, 'fallback_service_id');
        out.fallback_service_id = input.fallback_service_id;
        out.fallback_number = n;
      }
    }
    // A pool number is one visitor's alone: it cannot also be shown by a rule or as the fallback.
    const poolIds = new Set(parseJsonArray<{ service_id: string }>(out.pool ?? current?.pool ?? '[]').map((p) => p.service_id));
    parseJsonArray<StoredRule>(out.rules ?? current?.rules ?? '[]').forEach((r, i) => {
      if (poolIds.has(r.service_id)) errors.push({ path: `rules[${i}].service_id`, message: `service ${r.service_id} is in the pool; a pool number cannot also be a rule's number` });
    });
    const fb = out.fallback_service_id !== undefined ? out.fallback_service_id : current?.fallback_service_id;
    if (fb && poolIds.has(fb)) errors.push({ path: 'fallback_service_id', message: `service ${fb} is in the pool; the fallback must be another number` });
    if (errors.length) throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
    return out;
  }
}

function isoOrFail(v: string, path: string): string {
  const t = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(t)) throw fieldError(path, 'must be an ISO 8601 date or time such as 2026-03-01T00:00:00Z');
  return new Date(t).toISOString();
}

function detailOf(v: TrackingCodeView): Record<string, unknown> {
  return { name: v.name, replace: v.replace, origins: v.origins, rules: v.rules.length, pool: v.pool.map((p) => p.service_id), fallback_service_id: v.fallback_service_id, hold_minutes: v.hold_minutes };
}

export { displayNumber };
