import { AppError, fieldError, type FieldError } from '../../domain/errors.ts';
import type { Clock } from '../../domain/clock.ts';
import { decodeCursor, idKey, pageOf } from '../../domain/cursor.ts';
import { newId } from '../../domain/ids.ts';
import { isNumberClass, parseNumber, type NumberClass } from '../../domain/phone.ts';
import { checkUrlShape } from '../../domain/delivery/url-policy.ts';
import { validateServiceFields, type RequestIn } from '../../domain/telco/service-fields.ts';
import type { Executor, Storage } from '../../storage/database.ts';
import { articTargetExists } from '../../storage/artic/queue.repository.ts';
import type { RequestRow } from '../../storage/telco/request.repository.ts';
import type { InventoryService } from '../inventory/inventory.service.ts';
import type { RequestStatusNotifier } from './request-status.ts';

export interface Actor {
  userId: string;
  clientId: number;
}

/** How a request is made from inside another use case (the UserAPI's answer points and service settings). */
export interface RequestOptions {
  /** Write the request in this transaction (the caller's) instead of one of its own. */
  tx?: Executor;
  /** An update that applies a named answer point links the service to it (null unlinks it). */
  answerPointId?: string | null;
}

type InTx = <T>(fn: (tx: Executor) => Promise<T>) => Promise<T>;

const REQUEST_ID = /^req_[0-9a-z]{22}$/;
const SERVICE_ID = /^svc_[0-9a-z]{22}$/;

/** Provisioning orders and their reads: an order is answered at once (the number reserved in real time); workers carry it out (`TelcoRequestSteps`). */
export class TelcoService {
  private readonly listeners = new Set<() => void>();

  private readonly repos: Storage['repos'];

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly inventory: InventoryService,
    private readonly statusCallbacks: RequestStatusNotifier,
    private readonly opts: {
      /** Outbound URL policy checked when a URL is saved: a reason to refuse it, or null (see TT_ALLOW_PRIVATE_URLS). */
      checkDestination?: (url: string) => Promise<string | null>;
    } = {},
  ) {
    this.repos = storage.repos;
  }

  onRequestQueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async createRequest(actor: Actor, input: RequestIn, opts: RequestOptions = {}) {
    const now = this.clock.now();
    const id = newId('req', now.getTime());
    const base: RequestRow = {
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
    let row: RequestRow;
    const inTx = <T>(fn: (tx: Executor) => Promise<T>): Promise<T> => (opts.tx ? fn(opts.tx) : this.storage.tx(fn));
    if (input.type === 'new') row = await this.createNew(actor, input, base, inTx);
    else if (input.type === 'update') row = await this.createUpdate(actor, input, base, inTx, opts.answerPointId);
    else row = await this.createDecommission(actor, input, base, inTx);
    if (row.status === 'queued') queueMicrotask(() => this.listeners.forEach((l) => l()));
    return row;
  }

  /** A queue service's queue or menu must be the account's own (another account's id is not found either). */
  private async checkArticTargets(db: Executor, clientId: number, changes: { artic_queue_id?: string | null; artic_menu_id?: string | null }): Promise<void> {
    if (changes.artic_queue_id && !(await articTargetExists(db, 'artic_queues', clientId, changes.artic_queue_id))) throw fieldError('service.artic_queue_id', `no call-centre queue ${changes.artic_queue_id} in this account`);
    if (changes.artic_menu_id && !(await articTargetExists(db, 'artic_menus', clientId, changes.artic_menu_id))) throw fieldError('service.artic_menu_id', `no call-centre menu ${changes.artic_menu_id} in this account`);
  }

  private async createNew(actor: Actor, input: RequestIn, base: RequestRow, inTx: InTx): Promise<RequestRow> {
    if (input.service_id !== undefined) throw fieldError('service_id', 'is not allowed for a new service');
    if (!input.service) throw fieldError('service', 'is required for a new service');
    if (input.number !== undefined && input.criteria !== undefined) throw fieldError('number', 'give either number or criteria, not both');
    const changes = validateServiceFields(input.service, true);
    if (changes.artic_queue_id || changes.artic_menu_id) await inTx((tx) => this.checkArticTargets(tx, actor.clientId, changes));
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
    return inTx(async (tx) => {
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
      const picked = await this.repos.numbers.reserveOne(tx, q, base.id, base.created_at);
      if (!picked) {
        const failed: RequestRow = {
          ...base,
          number: explicit ?? null,
          changes: JSON.stringify(changes),
          status: 'failed',
          error_code: explicit ? 'number_unavailable' : 'no_stock',
          error_text: explicit ? `${explicit} is not available to this account` : 'no number in stock matches the criteria',
          completed_at: base.created_at,
        };
        await this.repos.requests.insertRequest(tx, failed);
        await this.statusCallbacks.notify(tx, failed, null);
        return failed;
      }
      if (wantsSms && picked.sms !== 1) throw new AppError('unprocessable', `${picked.number} cannot receive SMS, so sms_forward_uri cannot be set`, [{ path: 'service.sms_forward_uri', message: 'needs an SMS-capable number' }]);
      const row: RequestRow = { ...base, number: picked.number, service_id: serviceId, changes: JSON.stringify(changes) };
      await this.repos.requests.insertRequest(tx, row);
      return row;
    });
  }

  private async createUpdate(actor: Actor, input: RequestIn, base: RequestRow, inTx: InTx, answerPointId?: string | null): Promise<RequestRow> {
    if (!input.service_id) throw fieldError('service_id', 'is required for an update');
    if (input.number !== undefined) throw fieldError('number', 'cannot be changed by an update; decommission and order a new service');
    if (input.criteria !== undefined) throw fieldError('criteria', 'is only for a new service');
    if (!input.service || Object.keys(input.service).length === 0) throw fieldError('service', 'give at least one field to change');
    const changes = validateServiceFields(input.service, false);
    if (changes.artic_queue_id || changes.artic_menu_id) await inTx((tx) => this.checkArticTargets(tx, actor.clientId, changes));
    // The target set by hand is no longer the named answer point's; one applied through the UserAPI links it.
    if (answerPointId !== undefined) changes.answer_point_id = answerPointId;
    else if (changes.target_number !== undefined) changes.answer_point_id = null;
    return inTx(async (tx) => {
      const svc = await this.repos.services.findService(tx, actor.clientId, input.service_id!);
      if (!svc) throw new AppError('not_found', `service ${input.service_id} does not exist`);
      if (svc.status === 'decommissioned') throw new AppError('conflict', `service ${svc.id} is decommissioned`);
      const merged = { ...svc, ...changes };
      if (merged.type === 'transfer' && !merged.target_number) throw fieldError('service.target_number', 'is required for a transfer service');
      if (merged.type === 'ivr' && !merged.ivr_options) throw fieldError('service.ivr_options', 'is required for an ivr service (at least one option)');
      if (changes.sms_forward_uri) {
        const num = await this.repos.numbers.findNumber(tx, svc.number);
        if (num?.sms !== 1) throw new AppError('unprocessable', `${svc.number} cannot receive SMS, so sms_forward_uri cannot be set`, [{ path: 'service.sms_forward_uri', message: 'needs an SMS-capable number' }]);
      }
      const row: RequestRow = { ...base, service_id: svc.id, number: svc.number, changes: JSON.stringify(changes) };
      await this.repos.requests.insertRequest(tx, row);
      return row;
    });
  }

  private async createDecommission(actor: Actor, input: RequestIn, base: RequestRow, inTx: InTx): Promise<RequestRow> {
    if (!input.service_id) throw fieldError('service_id', 'is required to decommission');
    for (const f of ['number', 'criteria', 'service'] as const) if (input[f] !== undefined) throw fieldError(f, 'is not allowed when decommissioning');
    return inTx(async (tx) => {
      const svc = await this.repos.services.findService(tx, actor.clientId, input.service_id!);
      if (!svc) throw new AppError('not_found', `service ${input.service_id} does not exist`);
      if (svc.status === 'decommissioned') throw new AppError('conflict', `service ${svc.id} is already decommissioned`);
      const row: RequestRow = { ...base, service_id: svc.id, number: svc.number };
      await this.repos.requests.insertRequest(tx, row);
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

  async getRequest(clientId: number, id: string) {
    const r = await this.repos.requests.findRequest(this.storage.db, clientId, id);
    if (!r) throw new AppError('not_found', `request ${id} does not exist`);
    return r;
  }

  async listRequests(clientId: number, f: { status?: string; type?: string; serviceId?: string; limit: number; cursor?: string }) {
    const before = f.cursor === undefined ? undefined : decodeCursor(f.cursor, idKey(REQUEST_ID));
    const rows = await this.repos.requests.listRequests(this.storage.db, clientId, { ...f, before, limit: f.limit + 1 });
    return pageOf(rows, f.limit, (r) => r.id);
  }

  async getService(clientId: number, id: string) {
    const s = await this.repos.services.findService(this.storage.db, clientId, id);
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
    const after = f.cursor === undefined ? undefined : decodeCursor(f.cursor, idKey(SERVICE_ID));
    const rows = await this.repos.services.listServices(this.storage.db, clientId, { ...f, number, after, limit: f.limit + 1 });
    return pageOf(rows, f.limit, (s) => s.id);
  }
}
