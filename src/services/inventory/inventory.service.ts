import { getCountryCallingCode, type CountryCode } from 'libphonenumber-js/max';
import { AppError, fieldError, type FieldError } from '../../domain/errors.ts';
import { addDays, type Clock } from '../../domain/clock.ts';
import { newId } from '../../domain/ids.ts';
import { isNumberClass, parseNumber, type NumberClass } from '../../domain/phone.ts';
import { mayRelease, quarantineEnd, releaseAfterNoise, STOCK_POLICIES, type InventoryRules, type StockPolicy } from '../../domain/inventory/inventory.ts';
import type { Executor, Storage } from '../../storage/database.ts';
import * as numbers from '../../storage/inventory/number.repository.ts';
import * as accounts from '../../storage/accounts/account.repository.ts';
import * as rules from '../../storage/inventory/inventory.repository.ts';
import { decodeCursor, encodeCursor } from '../../domain/cursor.ts';

export interface NumberRecordIn {
  line: number;
  number: string;
  class?: string;
  sms?: string;
  country?: string;
}

export interface ImportResult {
  inserted: number;
  duplicates: { line: number; number: string }[];
  errors: { line: number; message: string }[];
}

export interface StockFilter {
  country?: string;
  class?: NumberClass;
  area?: string;
  contains?: string;
  sms?: boolean;
}

export interface PlatformRules {
  quarantineDays: number;
  quietDays: number;
  noiseThreshold: number;
}

const IMPORT_BATCH = 500;

export class InventoryService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly platformRules: PlatformRules,
  ) {}

  /** Imports numbers into public stock or one account's private inventory; bad rows are reported with their line, good ones kept. */
  async importNumbers(records: AsyncIterable<NumberRecordIn> | Iterable<NumberRecordIn>, opts: { privateFor?: number; onProgress?: (done: number) => void } = {}): Promise<ImportResult> {
    if (opts.privateFor !== undefined && !(await accounts.findAccount(this.storage.db, opts.privateFor))) {
      throw fieldError('private_for', `account ${opts.privateFor} does not exist`);
    }
    const result: ImportResult = { inserted: 0, duplicates: [], errors: [] };
    const seen = new Set<string>();
    let batch: { line: number; row: numbers.NumberRow }[] = [];
    let done = 0;
    const flush = async () => {
      if (!batch.length) return;
      const inserted = await this.storage.tx((tx) => numbers.insertNumbers(tx, batch.map((b) => b.row)));
      for (const b of batch) {
        if (inserted.has(b.row.number)) result.inserted++;
        else result.duplicates.push({ line: b.line, number: b.row.number });
      }
      done += batch.length;
      opts.onProgress?.(done);
      batch = [];
    };
    const now = this.clock.now().toISOString();
    for await (const rec of records) {
      const parsed = parseNumber(rec.number ?? '', rec.country || undefined);
      if (!parsed) {
        result.errors.push({ line: rec.line, message: `"${rec.number ?? ''}" is not a valid phone number (write it as +CC… or give a country column)` });
        continue;
      }
      let cls: NumberClass | null = parsed.inferredClass;
      if (rec.class && rec.class.trim() !== '') {
        const c = rec.class.trim().toUpperCase();
        if (!isNumberClass(c)) {
          result.errors.push({ line: rec.line, message: `class "${rec.class}" is not one of GEO, TOLLFREE, FREECALL, MOBILE` });
          continue;
        }
        cls = c;
      }
      if (!cls) {
        result.errors.push({ line: rec.line, message: `cannot infer the class of ${parsed.e164}; give a class column` });
        continue;
      }
      let sms = cls === 'MOBILE';
      if (rec.sms !== undefined && rec.sms.trim() !== '') {
        const v = rec.sms.trim().toLowerCase();
        if (['1', 'true', 'yes', 'y'].includes(v)) sms = true;
        else if (['0', 'false', 'no', 'n'].includes(v)) sms = false;
        else {
          result.errors.push({ line: rec.line, message: `sms "${rec.sms}" must be true or false` });
          continue;
        }
      }
      if (seen.has(parsed.e164)) {
        result.duplicates.push({ line: rec.line, number: parsed.e164 });
        continue;
      }
      seen.add(parsed.e164);
      batch.push({
        line: rec.line,
        row: {
          number: parsed.e164,
          country: parsed.country,
          class: cls,
          sms: sms ? 1 : 0,
          voice: 1,
          owner_client_id: opts.privateFor ?? null,
          state: 'available',
          service_id: null,
          reserved_request_id: null,
          quarantined_at: null,
          release_after: null,
          last_client_id: null,
          created_at: now,
          updated_at: now,
        },
      });
      if (batch.length >= IMPORT_BATCH) await flush();
    }
    await flush();
    return result;
  }

  async setStockPolicy(clientId: number, country: string, cls: string, policy: string): Promise<void> {
    const errors: FieldError[] = [];
    const cc = country?.toUpperCase();
    if (!/^[A-Z]{2}$/.test(cc ?? '')) errors.push({ path: 'country', message: 'must be a two-letter country code' });
    const c = cls?.toUpperCase();
    if (!isNumberClass(c)) errors.push({ path: 'class', message: 'must be GEO, TOLLFREE, FREECALL or MOBILE' });
    const p = policy?.toUpperCase();
    if (!(STOCK_POLICIES as readonly string[]).includes(p)) errors.push({ path: 'policy', message: 'must be PUBLIC, PRIVATE or STRICT_PRIVATE' });
    if (errors.length) throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
    if (!(await accounts.findAccount(this.storage.db, clientId))) throw fieldError('client_id', `account ${clientId} does not exist`);
    await rules.upsertStockPolicy(this.storage.db, { client_id: clientId, country: cc, class: c, policy: p });
  }

  async policiesOf(db: Executor, clientId: number): Promise<Map<string, StockPolicy>> {
    const rows = await rules.listStockPolicies(db, clientId);
    return new Map(rows.map((r) => [`${r.country}:${r.class}`, r.policy as StockPolicy]));
  }

  /** Sets a private inventory's recycling rules; unspecified fields keep their value (or the platform default). */
  async setInventoryRules(clientId: number, patch: Partial<InventoryRules>): Promise<InventoryRules> {
    const errors: FieldError[] = [];
    const check = (name: string, v: number | undefined, min: number, max: number) => {
      if (v !== undefined && (!Number.isInteger(v) || v < min || v > max)) errors.push({ path: name, message: `must be a whole number from ${min} to ${max}` });
    };
    check('quarantine_days', patch.quarantineDays, 0, 730);
    check('quiet_days', patch.quietDays, 0, 365);
    check('noise_threshold', patch.noiseThreshold, 0, 100000);
    if (errors.length) throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
    if (!(await accounts.findAccount(this.storage.db, clientId))) throw fieldError('client_id', `account ${clientId} does not exist`);
    const current = await this.privateRules(this.storage.db, clientId);
    const next: InventoryRules = { ...current, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) };
    const row = {
      client_id: clientId,
      quarantine_days: next.quarantineDays,
      quiet_days: next.quietDays,
      noise_threshold: next.noiseThreshold,
      recycle_on_request: next.recycleOnRequest ? 1 : 0,
      updated_at: this.clock.now().toISOString(),
    };
    await rules.upsertInventoryRules(this.storage.db, row);
    return next;
  }

  /** The rules of an account's private inventory (platform defaults where none were set). */
  async privateRules(db: Executor, clientId: number): Promise<InventoryRules> {
    const r = await rules.findInventoryRules(db, clientId);
    if (!r) return { ...this.platformRules, recycleOnRequest: false };
    return { quarantineDays: r.quarantine_days, quietDays: r.quiet_days, noiseThreshold: r.noise_threshold, recycleOnRequest: r.recycle_on_request === 1 };
  }

  /** The rules a number is released by: its private inventory's, or the platform's for public stock. */
  async rulesForNumber(db: Executor, row: { owner_client_id: number | null }): Promise<InventoryRules> {
    return row.owner_client_id === null ? { ...this.platformRules, recycleOnRequest: false } : this.privateRules(db, Number(row.owner_client_id));
  }

  /** Turns a stock filter into a repository query, validating it. */
  async stockQuery(db: Executor, clientId: number, f: StockFilter & { number?: string }, anyOwnPrivate: boolean): Promise<numbers.StockQuery> {
    const errors: FieldError[] = [];
    const country = f.country?.toUpperCase();
    if (country !== undefined && !/^[A-Z]{2}$/.test(country)) errors.push({ path: 'country', message: 'must be a two-letter country code' });
    let e164Prefix: string | undefined;
    if (f.area !== undefined) {
      const digits = f.area.replace(/[\s-]/g, '');
      if (!/^\d{1,6}$/.test(digits)) errors.push({ path: 'area', message: 'must be 1–6 digits' });
      else if (!country) errors.push({ path: 'area', message: 'needs a country' });
      else {
        try {
          e164Prefix = `+${getCountryCallingCode(country as CountryCode)}${digits.replace(/^0+/, '')}`;
        } catch {
          errors.push({ path: 'country', message: `unknown country ${country}` });
        }
      }
    }
    if (f.contains !== undefined && !/^\d{1,15}$/.test(f.contains)) errors.push({ path: 'contains', message: 'must be 1–15 digits' });
    if (errors.length) throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
    return {
      clientId,
      country,
      class: f.class,
      e164Prefix,
      contains: f.contains,
      sms: f.sms,
      number: f.number,
      policies: await this.policiesOf(db, clientId),
      anyOwnPrivate,
    };
  }

  /** Numbers the account may order now, private stock first; `cursor` continues a listing. */
  async listOrderable(clientId: number, f: StockFilter, limit: number, cursor?: string) {
    const q = await this.stockQuery(this.storage.db, clientId, f, true);
    const after = cursor
      ? decodeCursor(cursor, (key) => {
          const m = /^([01])\|(\+\d+)$/.exec(key);
          return m ? { privateFirst: Number(m[1]), number: m[2] } : null;
        })
      : undefined;
    const rows = await numbers.listOrderable(this.storage.db, q, limit + 1, after);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const next = rows.length > limit && last ? encodeCursor(`${Number(last.rank)}|${last.number}`) : null;
    return { numbers: page, nextCursor: next };
  }

  /**
   * Records a call to a quarantined number as noise (never as an account's call) and pushes its release date by the
   * rules. Returns false when the number is not quarantined, so the caller can route the call normally.
   */
  async recordNoiseCall(number: string, caller: string | null, at: Date = this.clock.now()): Promise<boolean> {
    return this.storage.tx(async (tx) => {
      const row = await numbers.findNumber(tx, number);
      if (!row || row.state !== 'quarantined') return false;
      const rules = await this.rulesForNumber(tx, row);
      await numbers.insertNoiseCall(tx, { id: newId('nse', at.getTime()), number, caller, received_at: at.toISOString() });
      const inQuiet = await numbers.countNoiseSince(tx, number, addDays(at, -rules.quietDays).toISOString());
      const current = row.release_after ? new Date(row.release_after) : at;
      const next = releaseAfterNoise(current, at, inQuiet, rules);
      await numbers.updateNumber(tx, number, { release_after: next.toISOString(), updated_at: at.toISOString() });
      return true;
    });
  }

  /** Puts a number into quarantine (inside the caller's transaction) until the rules allow its release. */
  async quarantine(tx: Executor, number: string, at: Date): Promise<void> {
    const row = await numbers.findNumber(tx, number);
    if (!row) return;
    const rules = await this.rulesForNumber(tx, row);
    await numbers.updateNumber(tx, number, {
      state: 'quarantined',
      service_id: null,
      reserved_request_id: null,
      last_client_id: row.last_client_id,
      quarantined_at: at.toISOString(),
      release_after: quarantineEnd(at, rules).toISOString(),
      updated_at: at.toISOString(),
    });
  }

  /** Releases every quarantined number whose date has passed and whose quiet period was quiet enough. */
  async sweep(now: Date = this.clock.now()): Promise<{ released: string[]; held: string[] }> {
    const released: string[] = [];
    const held: string[] = [];
    for (;;) {
      const due = await numbers.quarantinedDue(this.storage.db, now.toISOString(), 200);
      const batch = due.filter((d) => !held.includes(d.number));
      if (batch.length === 0) break;
      for (const row of batch) {
        const outcome = await this.storage.tx(async (tx) => {
          const fresh = await numbers.findNumber(tx, row.number);
          if (!fresh || fresh.state !== 'quarantined' || !fresh.release_after || fresh.release_after > now.toISOString()) return 'skip';
          const rules = await this.rulesForNumber(tx, fresh);
          const inQuiet = await numbers.countNoiseSince(tx, fresh.number, addDays(now, -rules.quietDays).toISOString());
          if (!mayRelease(now, new Date(fresh.release_after), inQuiet, rules)) {
            // Too noisy: look again once a quiet period has passed.
            await numbers.updateNumber(tx, fresh.number, { release_after: addDays(now, Math.max(1, rules.quietDays)).toISOString(), updated_at: now.toISOString() });
            return 'held';
          }
          await this.release(tx, fresh.number, now);
          return 'released';
        });
        if (outcome === 'released') released.push(row.number);
        else held.push(row.number);
      }
      if (due.length < 200) break;
    }
    return { released, held };
  }

  private release(tx: Executor, number: string, now: Date) {
    return numbers.updateNumber(tx, number, {
      state: 'available',
      service_id: null,
      reserved_request_id: null,
      quarantined_at: null,
      release_after: null,
      updated_at: now.toISOString(),
    });
  }

  /** Recycle on request: an account whose private inventory allows it releases one of its quarantined numbers now. */
  async recycle(clientId: number, input: string): Promise<numbers.NumberRow> {
    const parsed = parseNumber(input);
    if (!parsed) throw fieldError('number', `"${input}" is not a valid phone number`);
    return this.storage.tx(async (tx) => {
      const row = await numbers.findNumber(tx, parsed.e164);
      if (!row || row.owner_client_id === null || Number(row.owner_client_id) !== clientId) throw new AppError('not_found', `${parsed.e164} is not in this account's private inventory`);
      const rules = await this.privateRules(tx, clientId);
      if (!rules.recycleOnRequest) throw new AppError('forbidden', 'this private inventory does not allow recycle on request');
      if (row.state !== 'quarantined') throw new AppError('conflict', `${parsed.e164} is ${row.state}, not quarantined`);
      const now = this.clock.now();
      await this.release(tx, parsed.e164, now);
      return (await numbers.findNumber(tx, parsed.e164))!;
    });
  }

  /** Size, use, quarantine and noise of an account's private inventory, with its rules. */
  async report(clientId: number) {
    const counts = await numbers.inventoryCounts(this.storage.db, clientId);
    const byState: Record<string, number> = { available: 0, reserved: 0, active: 0, quarantined: 0, retired: 0 };
    for (const c of counts) byState[c.state] = (byState[c.state] ?? 0) + c.count;
    const total = Object.values(byState).reduce((a, b) => a + b, 0);
    const rules = await this.privateRules(this.storage.db, clientId);
    return {
      // snake_case like every other field of the API
      rules: { quarantine_days: rules.quarantineDays, quiet_days: rules.quietDays, noise_threshold: rules.noiseThreshold, recycle_on_request: rules.recycleOnRequest },
      total,
      by_state: byState,
      by_class: counts,
      utilisation: total ? (byState.active + byState.reserved) / total : 0,
      noise_calls_on_quarantined: await numbers.noiseTotalsForOwner(this.storage.db, clientId),
    };
  }
}
