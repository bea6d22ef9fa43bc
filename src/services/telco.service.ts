import { AppError, fieldError, type FieldError } from '../domain/errors.ts';
import type { Clock } from '../domain/clock.ts';
import { newId } from '../domain/ids.ts';
import { isNumberClass, parseNumber, type NumberClass } from '../domain/phone.ts';
import { checkUrlShape } from '../domain/url-policy.ts';
import { unknownTags } from '../domain/callback-template.ts';
import type { Executor, Storage } from '../storage/database.ts';
import * as numbers from '../storage/number.repository.ts';
import * as services from '../storage/service.repository.ts';
import * as requests from '../storage/request.repository.ts';
import type { DeliveryService } from './delivery.service.ts';
import type { InventoryService } from './inventory.service.ts';

export const SERVICE_TYPES = ['transfer', 'voicemail', 'prompt', 'ivr'] as const;
export const NOTIFY_STATUSES = ['answered', 'missed', 'busy', 'failed', 'abandoned', 'voicemail', 'ivr'] as const;

export interface NotificationIn {
  channel: 'email' | 'sms';
  to: string;
  statuses: string[];
}

export interface ServiceFieldsIn {
  type?: string;
  name?: string | null;
  target_number?: string | null;
  target_name?: string | null;
  prompt_url?: string | null;
  prompt_text?: string | null;
  custom_id?: string | null;
  custom_group?: string | null;
  call_callback_uri?: string | null;
  /** GET (default) or POST with a JSON body of the same fields. */
  call_callback_method?: string;
  sms_forward_uri?: string | null;
  notifications?: NotificationIn[];
  ring_timeout?: number;
  record?: boolean;
  voicemail_fallback?: boolean;
  ivr_options?: { digit: string; name?: string | null; target_number?: string | null; target_name?: string | null }[] | null;
}

export interface CriteriaIn {
  country?: string;
  class?: string;
  area?: string;
  contains?: string;
  sms?: boolean;
}

export interface RequestIn {
  type: 'new' | 'update' | 'decommission';
  callback_uri?: string;
  service_id?: string;
  number?: string;
  criteria?: CriteriaIn;
  service?: ServiceFieldsIn;
}

export interface Actor {
  userId: string;
  clientId: number;
}

/** Service columns a request may set, after validation; null clears a field. */
type ServiceChanges = Partial<Pick<services.ServiceRow, 'type' | 'name' | 'target_number' | 'target_name' | 'prompt_url' | 'prompt_text' | 'custom_id' | 'custom_group' | 'call_callback_uri' | 'call_callback_method' | 'sms_forward_uri' | 'notifications' | 'ring_timeout' | 'record' | 'voicemail_fallback' | 'ivr_options'>>;

const LEASE_MS = 60_000;

/** Provisioning: orders are answered at once (the number reserved in real time) and carried out by workers. */
export class TelcoService {
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly inventory: InventoryService,
    private readonly delivery: DeliveryService,
    private readonly opts: {
      propagationDelaySeconds: number;
      onServiceLive?: (tx: Executor, service: services.ServiceRow) => Promise<void>;
      /** Outbound URL policy checked when a URL is saved: a reason to refuse it, or null (see TT_ALLOW_PRIVATE_URLS). */
      checkDestination?: (url: string) => Promise<string | null>;
    },
  ) {}

  onRequestQueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async createRequest(actor: Actor, input: RequestIn) {
    const now = this.clock.now();
    const id = newId('req', now.getTime());
    const base: requests.RequestRow = {
      id,
      client_id: actor.clientId,
      user_id: actor.userId,
      type: input.type,
      status: 'queued',
      number: null,
      service_id: null,
      changes: '{}',
      callback_uri: input.callback_uri ?? null,
      error_code: null,
      error_text: null,
      run_after: now.toISOString(),
      lease_until: null,
      attempts: 0,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
      completed_at: null,
    };
    if (input.callback_uri !== undefined) {
      const bad = checkUrlShape(input.callback_uri);
      if (bad) throw fieldError('callback_uri', bad);
    }
    await this.checkDestinations(input);
    let row: requests.RequestRow;
    if (input.type === 'new') row = await this.createNew(actor, input, base);
    else if (input.type === 'update') row = await this.createUpdate(actor, input, base);
    else row = await this.createDecommission(actor, input, base);
    if (row.status === 'queued') queueMicrotask(() => this.listeners.forEach((l) => l()));
    return row;
  }

  private async createNew(actor: Actor, input: RequestIn, base: requests.RequestRow): Promise<requests.RequestRow> {
    if (input.service_id !== undefined) throw fieldError('service_id', 'is not allowed for a new service');
    if (!input.service) throw fieldError('service', 'is required for a new service');
    if (input.number !== undefined && input.criteria !== undefined) throw fieldError('number', 'give either number or criteria, not both');
    const changes = this.validateServiceFields(input.service, true);
    const criteria = input.criteria ?? {};
    let cls: NumberClass | undefined;
    if (criteria.class !== undefined) {
      const c = criteria.class.toUpperCase();
      if (!isNumberClass(c)) throw fieldError('criteria.class', 'must be GEO, TOLLFREE, FREECALL or MOBILE');
      cls = c;
    }
    let explicit: string | undefined;
    if (input.number !== undefined) {
      const parsed = parseNumber(input.number);
      if (!parsed) throw fieldError('number', `"${input.number}" is not a valid phone number (use E.164, e.g. +61290088888)`);
      explicit = parsed.e164;
    }
    const wantsSms = !!changes.sms_forward_uri;
    const serviceId = newId('svc', this.clock.now().getTime());
    return this.storage.tx(async (tx) => {
      const q = await this.inventory.stockQuery(
        tx,
        actor.clientId,
        explicit ? { number: explicit } : { country: criteria.country, class: cls, area: criteria.area, contains: criteria.contains, sms: criteria.sms ?? (wantsSms ? true : undefined) },
        !!explicit,
      ).catch((err: unknown) => {
        // Criteria errors are reported under the criteria object.
        if (err instanceof AppError && err.details) throw new AppError(err.code, err.message.replace(/(^|; )/g, '$1criteria.'), err.details.map((d) => ({ ...d, path: `criteria.${d.path}` })));
        throw err;
      });
      const picked = await numbers.reserveOne(tx, this.storage.dialect, q, base.id, base.created_at);
      if (!picked) {
        const failed: requests.RequestRow = {
          ...base,
          number: explicit ?? null,
          changes: JSON.stringify(changes),
          status: 'failed',
          error_code: explicit ? 'number_unavailable' : 'no_stock',
          error_text: explicit ? `${explicit} is not available to this account` : 'no number in stock matches the criteria',
          completed_at: base.created_at,
        };
        await requests.insertRequest(tx, failed);
        await this.notify(tx, failed, null);
        return failed;
      }
      if (wantsSms && picked.sms !== 1) throw new AppError('unprocessable', `${picked.number} cannot receive SMS, so sms_forward_uri cannot be set`, [{ path: 'service.sms_forward_uri', message: 'needs an SMS-capable number' }]);
      const row: requests.RequestRow = { ...base, number: picked.number, service_id: serviceId, changes: JSON.stringify(changes) };
      await requests.insertRequest(tx, row);
      return row;
    });
  }

  private async createUpdate(actor: Actor, input: RequestIn, base: requests.RequestRow): Promise<requests.RequestRow> {
    if (!input.service_id) throw fieldError('service_id', 'is required for an update');
    if (input.number !== undefined) throw fieldError('number', 'cannot be changed by an update; decommission and order a new service');
    if (input.criteria !== undefined) throw fieldError('criteria', 'is only for a new service');
    if (!input.service || Object.keys(input.service).length === 0) throw fieldError('service', 'give at least one field to change');
    const changes = this.validateServiceFields(input.service, false);
    return this.storage.tx(async (tx) => {
      const svc = await services.findService(tx, actor.clientId, input.service_id!);
      if (!svc) throw new AppError('not_found', `service ${input.service_id} does not exist`);
      if (svc.status === 'decommissioned') throw new AppError('conflict', `service ${svc.id} is decommissioned`);
      const merged = { ...svc, ...changes };
      if (merged.type === 'transfer' && !merged.target_number) throw fieldError('service.target_number', 'is required for a transfer service');
      if (merged.type === 'ivr' && !merged.ivr_options) throw fieldError('service.ivr_options', 'is required for an ivr service (at least one option)');
      if (changes.sms_forward_uri) {
        const num = await numbers.findNumber(tx, svc.number);
        if (num?.sms !== 1) throw new AppError('unprocessable', `${svc.number} cannot receive SMS, so sms_forward_uri cannot be set`, [{ path: 'service.sms_forward_uri', message: 'needs an SMS-capable number' }]);
      }
      const row: requests.RequestRow = { ...base, service_id: svc.id, number: svc.number, changes: JSON.stringify(changes) };
      await requests.insertRequest(tx, row);
      return row;
    });
  }

  private async createDecommission(actor: Actor, input: RequestIn, base: requests.RequestRow): Promise<requests.RequestRow> {
    if (!input.service_id) throw fieldError('service_id', 'is required to decommission');
    for (const f of ['number', 'criteria', 'service'] as const) if (input[f] !== undefined) throw fieldError(f, 'is not allowed when decommissioning');
    return this.storage.tx(async (tx) => {
      const svc = await services.findService(tx, actor.clientId, input.service_id!);
      if (!svc) throw new AppError('not_found', `service ${input.service_id} does not exist`);
      if (svc.status === 'decommissioned') throw new AppError('conflict', `service ${svc.id} is already decommissioned`);
      const row: requests.RequestRow = { ...base, service_id: svc.id, number: svc.number };
      await requests.insertRequest(tx, row);
      return row;
    });
  }

  /** Refuses (422) outbound URLs the policy forbids, e.g. private addresses in production; badly formed ones are left to validation. */
  private async checkDestinations(input: RequestIn): Promise<void> {
    if (!this.opts.checkDestination) return;
    const urls: [string, string | null | undefined][] = [
      ['callback_uri', input.callback_uri],
      ['service.call_callback_uri', input.service?.call_callback_uri],
      ['service.sms_forward_uri', input.service?.sms_forward_uri],
    ];
    const errors: FieldError[] = [];
    for (const [path, url] of urls) {
      if (!url || checkUrlShape(url)) continue;
      const refusal = await this.opts.checkDestination(url.replace(/\[\[[^\]]*\]\]/g, 'x'));
      if (refusal) errors.push({ path, message: `is refused by the outbound URL policy: ${refusal}` });
    }
    if (errors.length) throw new AppError('unprocessable', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
  }

  /** Non-fatal remarks on a request: tags of the HTTP Callback template Telltale does not know (sent empty). */
  requestWarnings(input: RequestIn): FieldError[] {
    const uri = input.service?.call_callback_uri;
    if (!uri) return [];
    return unknownTags(uri).map((t) => ({ path: 'service.call_callback_uri', message: `unknown tag [[${t}]] will be sent empty` }));
  }

  /** Validates service fields; `full` for a new service (type required). Returns the columns to write. */
  validateServiceFields(s: ServiceFieldsIn, full: boolean): ServiceChanges {
    const errors: FieldError[] = [];
    const out: ServiceChanges = {};
    const p = (f: string) => `service.${f}`;
    if (full && !s.type) errors.push({ path: p('type'), message: 'is required' });
    if (s.type !== undefined) {
      if (!(SERVICE_TYPES as readonly string[]).includes(s.type)) errors.push({ path: p('type'), message: `must be one of ${SERVICE_TYPES.join(', ')}` });
      else out.type = s.type;
    }
    const text = (f: keyof ServiceFieldsIn, max: number) => {
      const v = s[f];
      if (v === undefined) return;
      if (v === null || v === '') return void ((out as Record<string, unknown>)[f] = null);
      if (typeof v !== 'string' || v.length > max) errors.push({ path: p(f), message: `must be text of at most ${max} characters` });
      else (out as Record<string, unknown>)[f] = v;
    };
    for (const f of ['name', 'target_name', 'custom_id', 'custom_group'] as const) text(f, 255);
    text('prompt_text', 2000);
    if (s.target_number !== undefined && s.target_number !== null && s.target_number !== '') {
      const parsed = parseNumber(s.target_number);
      if (!parsed) errors.push({ path: p('target_number'), message: `"${s.target_number}" is not a valid phone number (use E.164, e.g. +61290088888)` });
      else out.target_number = parsed.e164;
    } else if (s.target_number !== undefined) out.target_number = null;
    for (const f of ['prompt_url', 'call_callback_uri', 'sms_forward_uri'] as const) {
      const v = s[f];
      if (v === undefined) continue;
      if (v === null || v === '') {
        out[f] = null;
        continue;
      }
      const bad = checkUrlShape(v);
      if (bad) errors.push({ path: p(f), message: bad });
      else if (v.length > 4000) errors.push({ path: p(f), message: 'must be at most 4000 characters' });
      else out[f] = v;
    }
    if (s.call_callback_method !== undefined) {
      const m = String(s.call_callback_method).toUpperCase();
      if (m !== 'GET' && m !== 'POST') errors.push({ path: p('call_callback_method'), message: 'must be GET or POST' });
      else out.call_callback_method = m;
    }
    if (s.notifications !== undefined) {
      s.notifications.forEach((n, i) => {
        const np = `${p('notifications')}[${i}]`;
        if (n.channel === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(n.to)) errors.push({ path: `${np}.to`, message: 'must be an e-mail address' });
        if (n.channel === 'sms' && !parseNumber(n.to)) errors.push({ path: `${np}.to`, message: 'must be a phone number in E.164' });
        n.statuses.forEach((st, j) => {
          if (!(NOTIFY_STATUSES as readonly string[]).includes(st)) errors.push({ path: `${np}.statuses[${j}]`, message: `must be one of ${NOTIFY_STATUSES.join(', ')}` });
        });
      });
      out.notifications = JSON.stringify(s.notifications.map((n) => ({ ...n, to: n.channel === 'sms' ? parseNumber(n.to)?.e164 ?? n.to : n.to })));
    }
    this.validateCallFields(s, out, errors, full);
    const type = out.type ?? s.type;
    if (full && type === 'transfer' && !out.target_number) errors.push({ path: p('target_number'), message: 'is required for a transfer service' });
    if (errors.length) throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
    return out;
  }

  /** Call handling (issue 3): ring timeout, recording, voicemail fallback, IVR options. */
  private validateCallFields(s: ServiceFieldsIn, out: ServiceChanges, errors: FieldError[], full: boolean): void {
    const p = (f: string) => `service.${f}`;
    if (s.ring_timeout !== undefined) {
      if (!Number.isInteger(s.ring_timeout) || s.ring_timeout < 5 || s.ring_timeout > 120) errors.push({ path: p('ring_timeout'), message: 'must be a whole number of seconds from 5 to 120' });
      else out.ring_timeout = s.ring_timeout;
    }
    for (const f of ['record', 'voicemail_fallback'] as const) {
      if (s[f] === undefined) continue;
      if (typeof s[f] !== 'boolean') errors.push({ path: p(f), message: 'must be true or false' });
      else out[f] = s[f] ? 1 : 0;
    }
    if (s.ivr_options !== undefined) {
      if (s.ivr_options === null) out.ivr_options = null;
      else {
        const seen = new Set<string>();
        const options = s.ivr_options.map((o, i) => {
          const op = `${p('ivr_options')}[${i}]`;
          if (!/^[0-9*#]$/.test(o.digit ?? '')) errors.push({ path: `${op}.digit`, message: 'must be one key: 0-9, * or #' });
          else if (seen.has(o.digit)) errors.push({ path: `${op}.digit`, message: `${o.digit} is used by another option` });
          seen.add(o.digit);
          let target: string | null = null;
          if (o.target_number) {
            target = parseNumber(o.target_number)?.e164 ?? null;
            if (!target) errors.push({ path: `${op}.target_number`, message: `"${o.target_number}" is not a valid phone number (use E.164, e.g. +61290088888)` });
          }
          return { digit: o.digit, name: o.name ?? null, target_number: target, target_name: o.target_name ?? null };
        });
        if (!options.length) errors.push({ path: p('ivr_options'), message: 'needs at least one option' });
        out.ivr_options = JSON.stringify(options);
      }
    }
    const type = out.type ?? s.type;
    if (full && type === 'ivr' && !out.ivr_options) errors.push({ path: p('ivr_options'), message: 'is required for an ivr service (at least one option)' });
  }

  /** Claims due requests and advances each one step; returns how many were handled. */
  async runDue(limit = 20): Promise<number> {
    const now = this.clock.now();
    const claimed = await this.storage.tx((tx) =>
      requests.claimDueRequests(tx, this.storage.dialect, now.toISOString(), new Date(now.getTime() + LEASE_MS).toISOString(), limit),
    );
    // Oldest first, so an update and a decommission claimed together run in the order they were asked for.
    claimed.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : 1));
    for (const r of claimed) await this.advance(r.id);
    return claimed.length;
  }

  /** One idempotent step of a request, in one transaction: a crash before commit leaves it to be retried. */
  private async advance(id: string): Promise<void> {
    await this.storage.tx(async (tx) => {
      const r = await tx.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirst();
      if (!r || r.status === 'completed' || r.status === 'failed') return;
      const now = this.clock.now();
      if (await this.waitsForEarlier(tx, r, now)) return;
      if (r.status === 'queued') {
        const processing = { ...r, status: 'processing', updated_at: now.toISOString() };
        await requests.updateRequest(tx, r.id, { status: 'processing', updated_at: processing.updated_at });
        await this.notify(tx, processing, null);
        r.status = 'processing';
      }
      const changes = JSON.parse(r.changes) as ServiceChanges;
      if (r.type === 'new') {
        let svc = await services.findServiceById(tx, r.service_id!);
        if (!svc) {
          const num = await numbers.findNumber(tx, r.number!);
          if (!num || num.state !== 'reserved' || num.reserved_request_id !== r.id) {
            return this.finish(tx, r, 'failed', null, { code: 'number_unavailable', text: `${r.number} is no longer reserved for this request` });
          }
          svc = {
            id: r.service_id!,
            client_id: r.client_id,
            number: r.number!,
            type: changes.type ?? 'transfer',
            status: 'provisioning',
            name: changes.name ?? null,
            target_number: changes.target_number ?? null,
            target_name: changes.target_name ?? null,
            prompt_url: changes.prompt_url ?? null,
            prompt_text: changes.prompt_text ?? null,
            custom_id: changes.custom_id ?? null,
            custom_group: changes.custom_group ?? null,
            call_callback_uri: changes.call_callback_uri ?? null,
            sms_forward_uri: changes.sms_forward_uri ?? null,
            call_callback_method: changes.call_callback_method ?? 'GET',
            ring_timeout: changes.ring_timeout ?? 30,
            record: changes.record ?? 0,
            voicemail_fallback: changes.voicemail_fallback ?? 0,
            ivr_options: changes.ivr_options ?? null,
            notifications: changes.notifications ?? '[]',
            created_at: now.toISOString(),
            updated_at: now.toISOString(),
            live_at: null,
            decommissioned_at: null,
          };
          await services.insertService(tx, svc);
          await numbers.updateNumber(tx, svc.number, { state: 'active', service_id: svc.id, reserved_request_id: null, last_client_id: r.client_id, updated_at: now.toISOString() });
          if (this.opts.propagationDelaySeconds > 0) {
            // The network takes a while to learn the new number; come back when it has.
            await requests.updateRequest(tx, r.id, { run_after: new Date(now.getTime() + this.opts.propagationDelaySeconds * 1000).toISOString(), lease_until: null });
            return;
          }
        }
        await services.updateService(tx, svc.id, { status: 'live', live_at: now.toISOString(), updated_at: now.toISOString() });
        const live = { ...svc, status: 'live', live_at: now.toISOString() };
        await this.opts.onServiceLive?.(tx, live);
        return this.finish(tx, r, 'completed', live, null);
      }
      const svc = await services.findServiceById(tx, r.service_id!);
      if (!svc || svc.status === 'decommissioned') {
        return this.finish(tx, r, 'failed', svc ?? null, { code: 'service_decommissioned', text: `service ${r.service_id} is decommissioned` });
      }
      if (r.type === 'update') {
        await services.updateService(tx, svc.id, { ...changes, updated_at: now.toISOString() });
        return this.finish(tx, r, 'completed', { ...svc, ...changes }, null);
      }
      await services.updateService(tx, svc.id, { status: 'decommissioned', decommissioned_at: now.toISOString(), updated_at: now.toISOString() });
      await this.inventory.quarantine(tx, svc.number, now);
      return this.finish(tx, r, 'completed', { ...svc, status: 'decommissioned' }, null);
    });
  }

  /**
   * Requests on one service are carried out in the order they were made: while an earlier one (the `new` still
   * propagating, an update) is unfinished, a later one waits, whichever worker claimed it.
   */
  private async waitsForEarlier(tx: Executor, r: requests.RequestRow, now: Date): Promise<boolean> {
    if (!r.service_id || r.type === 'new') return false;
    const earlier = await tx
      .selectFrom('requests')
      .select('id')
      .where('service_id', '=', r.service_id)
      .where('id', '!=', r.id)
      .where('status', 'in', ['queued', 'processing'])
      .where((eb) => eb.or([eb('created_at', '<', r.created_at), eb.and([eb('created_at', '=', r.created_at), eb('id', '<', r.id)])]))
      .executeTakeFirst();
    if (!earlier) return false;
    await requests.updateRequest(tx, r.id, { run_after: new Date(now.getTime() + 1000).toISOString(), lease_until: null });
    return true;
  }

  private async finish(tx: Executor, r: requests.RequestRow, status: 'completed' | 'failed', svc: services.ServiceRow | null, error: { code: string; text: string } | null) {
    const now = this.clock.now().toISOString();
    const patch = { status, updated_at: now, completed_at: now, lease_until: null, error_code: error?.code ?? null, error_text: error?.text ?? null };
    await requests.updateRequest(tx, r.id, patch);
    if (status === 'failed' && r.type === 'new' && r.number) {
      // Give back a number this request had reserved.
      await tx.updateTable('numbers').set({ state: 'available', reserved_request_id: null, updated_at: now }).where('number', '=', r.number).where('reserved_request_id', '=', r.id).execute();
    }
    await this.notify(tx, { ...r, ...patch }, svc);
  }

  /** Queues the request-status callback (in the same transaction as the change), when the order asked for one. */
  private async notify(tx: Executor, r: requests.RequestRow, svc: services.ServiceRow | null): Promise<void> {
    if (!r.callback_uri) return;
    const changes = JSON.parse(r.changes) as ServiceChanges;
    const params = new URLSearchParams({
      request_id: r.id,
      type: r.type,
      status: r.status,
      service_id: r.service_id ?? '',
      number: r.number ?? '',
      custom_id: svc?.custom_id ?? changes.custom_id ?? '',
      custom_group: svc?.custom_group ?? changes.custom_group ?? '',
      error: r.error_code ?? '',
    });
    const url = `${r.callback_uri}${r.callback_uri.includes('?') ? '&' : '?'}${params.toString()}`;
    await this.delivery.enqueue(tx, { clientId: Number(r.client_id), kind: 'request_status', subjectId: r.id, method: 'GET', url });
  }

  async getRequest(clientId: number, id: string) {
    const r = await requests.findRequest(this.storage.db, clientId, id);
    if (!r) throw new AppError('not_found', `request ${id} does not exist`);
    return r;
  }

  async listRequests(clientId: number, f: { status?: string; type?: string; serviceId?: string; limit: number; cursor?: string }) {
    const rows = await requests.listRequests(this.storage.db, clientId, { ...f, before: decodeCursor(f.cursor), limit: f.limit + 1 });
    return page(rows, f.limit);
  }

  async getService(clientId: number, id: string) {
    const s = await services.findService(this.storage.db, clientId, id);
    if (!s) throw new AppError('not_found', `service ${id} does not exist`);
    return s;
  }

  async listServices(clientId: number, f: { status?: string; number?: string; customId?: string; customGroup?: string; limit: number; cursor?: string }) {
    let number = f.number;
    if (number !== undefined) {
      const parsed = parseNumber(number);
      if (!parsed) throw fieldError('number', `"${number}" is not a valid phone number`);
      number = parsed.e164;
    }
    const rows = await services.listServices(this.storage.db, clientId, { ...f, number, after: decodeCursor(f.cursor), limit: f.limit + 1 });
    return page(rows, f.limit);
  }
}

function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const v = Buffer.from(cursor, 'base64url').toString();
  if (!/^[a-z]{3}_[0-9a-z]{22}$/.test(v)) throw fieldError('cursor', 'is not a cursor this API gave');
  return v;
}

function page<T extends { id: string }>(rows: T[], limit: number): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? Buffer.from(items[items.length - 1].id).toString('base64url') : null };
}
