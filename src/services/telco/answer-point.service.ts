import type { Clock } from '../../domain/clock.ts';
import { decodeCursor, idKey, pageOf } from '../../domain/cursor.ts';
import { AppError, fieldError, type FieldError } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { parseNumber } from '../../domain/phone.ts';
import type { NotificationIn, ServiceFieldsIn } from '../../domain/telco/service-fields.ts';
import type { Executor, Storage } from '../../storage/database.ts';
import * as aps from '../../storage/telco/answer-point.repository.ts';
import type { AnswerPointRow } from '../../storage/telco/answer-point.repository.ts';
import type { RequestRow } from '../../storage/telco/request.repository.ts';
import type { AuditActor, AuditLog } from '../accounts/audit.service.ts';
import type { TelcoService } from './telco.service.ts';

const AP_ID = /^ap_[0-9a-z]{22}$/;

export interface AnswerPointIn {
  name: string;
  number: string;
  ring_timeout?: number | null;
}

/** What the UserAPI may change on a service: its answer point, notification rules and callback settings. */
export interface ServiceSettingsIn {
  /** a named answer point of the account (null: none; give target_number instead) */
  answer_point_id?: string | null;
  target_number?: string | null;
  target_name?: string | null;
  ring_timeout?: number;
  notifications?: NotificationIn[];
  call_callback_uri?: string | null;
  call_callback_method?: string;
  sms_forward_uri?: string | null;
  /** the Telco request's status callback */
  callback_uri?: string;
}

/**
 * Named answer points (a destination number, a name, maybe a ring timeout) an account's services ring, and the
 * UserAPI's changes to a service's settings. Every change that reaches a service is a Telco `update` request made
 * through `TelcoService.createRequest` (the same validation, the same worker, the same status callbacks and events):
 * changing an answer point's number queues one request per service that uses it, in the same transaction.
 */
export class AnswerPointService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly telco: Pick<TelcoService, 'createRequest'>,
    private readonly audit: AuditLog,
  ) {}

  async list(clientId: number, f: { limit: number; cursor?: string }) {
    const after = f.cursor === undefined ? undefined : decodeCursor(f.cursor, idKey(AP_ID));
    const rows = await aps.listAnswerPoints(this.storage.db, clientId, { after, limit: f.limit + 1 });
    const page = pageOf(rows, f.limit, (r) => r.id);
    const users = await aps.servicesUsing(this.storage.db, clientId, page.items.map((r) => r.id));
    return { items: page.items.map((r) => ({ row: r, serviceIds: users.filter((s) => s.answer_point_id === r.id).map((s) => s.id) })), nextCursor: page.nextCursor };
  }

  async get(clientId: number, id: string) {
    const row = await this.find(this.storage.db, clientId, id);
    return { row, serviceIds: (await aps.servicesUsing(this.storage.db, clientId, [id])).map((s) => s.id) };
  }

  async create(clientId: number, actor: AuditActor, input: AnswerPointIn) {
    const v = checkAnswerPoint(input, true);
    const now = this.clock.now().toISOString();
    const row: AnswerPointRow = { id: newId('ap'), client_id: clientId, name: v.name!, number: v.number!, ring_timeout: v.ring_timeout ?? null, created_at: now, updated_at: now };
    await this.storage.tx(async (tx) => {
      if (await aps.findAnswerPointByName(tx, clientId, row.name)) throw new AppError('conflict', `an answer point named "${row.name}" exists already`, [{ path: 'name', message: 'is used by another answer point' }]);
      await aps.insertAnswerPoint(tx, row);
      await this.audit.record(tx, { clientId, actor, action: 'answer_point.create', target: row.id, detail: { name: row.name, number: row.number, ring_timeout: row.ring_timeout } });
    });
    return { row, serviceIds: [] as string[] };
  }

  /**
   * Renames it or changes its number or ring timeout; every service that uses it (or is being linked to it) gets a
   * Telco update request with the new values, in the same transaction. Answers the requests made.
   */
  async update(clientId: number, actor: AuditActor, id: string, input: Partial<AnswerPointIn>) {
    const v = checkAnswerPoint(input, false);
    return this.storage.tx(async (tx) => {
      const ap = await this.find(tx, clientId, id);
      if (v.name !== undefined && v.name !== ap.name && (await aps.findAnswerPointByName(tx, clientId, v.name))) {
        throw new AppError('conflict', `an answer point named "${v.name}" exists already`, [{ path: 'name', message: 'is used by another answer point' }]);
      }
      const next: AnswerPointRow = { ...ap, ...v, updated_at: this.clock.now().toISOString() };
      await aps.updateAnswerPoint(tx, id, { name: next.name, number: next.number, ring_timeout: next.ring_timeout, updated_at: next.updated_at });
      const requests: RequestRow[] = [];
      if (next.number !== ap.number || next.name !== ap.name || next.ring_timeout !== ap.ring_timeout) {
        const ids = new Set([...(await aps.servicesUsing(tx, clientId, [id])).map((s) => s.id), ...(await aps.servicesLinking(tx, clientId, id))]);
        for (const serviceId of ids) {
          requests.push(await this.telco.createRequest({ userId: actor.userId ?? 'system', clientId }, { type: 'update', service_id: serviceId, service: targetOf(next) }, { tx, answerPointId: id }));
        }
      }
      await this.audit.record(tx, { clientId, actor, action: 'answer_point.update', target: id, detail: { ...v, requests: requests.map((r) => r.id) } });
      return { row: next, serviceIds: [...new Set(requests.map((r) => r.service_id!))], requests };
    });
  }

  /** Deletes an answer point no service uses (409 while one does, or an unfinished request is linking one to it). */
  async remove(clientId: number, actor: AuditActor, id: string): Promise<void> {
    await this.storage.tx(async (tx) => {
      await this.find(tx, clientId, id);
      const using = [...(await aps.servicesUsing(tx, clientId, [id])).map((s) => s.id), ...(await aps.servicesLinking(tx, clientId, id))];
      if (using.length) throw new AppError('conflict', `answer point ${id} is used by ${[...new Set(using)].join(', ')}; point those services elsewhere first`);
      await aps.deleteAnswerPoint(tx, id);
      await this.audit.record(tx, { clientId, actor, action: 'answer_point.delete', target: id });
    });
  }

  /**
   * Changes a service's answer point, notification rules and callback settings through a Telco `update` request
   * (the Telco API's validation and URL policy; the worker applies it). Answers the request.
   */
  async changeService(clientId: number, actor: AuditActor, serviceId: string, input: ServiceSettingsIn): Promise<RequestRow> {
    const { answer_point_id: apId, callback_uri, ...fields } = input;
    if (apId && (fields.target_number !== undefined || fields.target_name !== undefined)) {
      throw new AppError('validation_failed', 'answer_point_id: give either answer_point_id or target_number/target_name, not both', [{ path: 'answer_point_id', message: 'give either answer_point_id or target_number/target_name' }]);
    }
    if (apId === undefined && Object.keys(fields).length === 0) throw fieldError('service', 'give at least one setting to change');
    return this.storage.tx(async (tx) => {
      let service: ServiceFieldsIn = { ...fields };
      if (apId) {
        const ap = await aps.findAnswerPoint(tx, clientId, apId);
        if (!ap) throw new AppError('validation_failed', `answer_point_id: ${apId} is not an answer point of this account`, [{ path: 'answer_point_id', message: 'is not an answer point of this account' }]);
        service = { ...service, ...targetOf(ap) };
      }
      const opts = apId !== undefined ? { tx, answerPointId: apId } : { tx };
      const r = await this.telco
        .createRequest({ userId: actor.userId ?? 'system', clientId }, { type: 'update', service_id: serviceId, service, ...(callback_uri !== undefined ? { callback_uri } : {}) }, opts)
        .catch((err: unknown) => {
          // The settings are top-level fields here, not under `service` as in the Telco API.
          if (err instanceof AppError && err.details) throw new AppError(err.code, err.message.replace(/(^|; )service\./g, '$1'), err.details.map((d) => ({ ...d, path: d.path.replace(/^service\./, '') })));
          throw err;
        });
      await this.audit.record(tx, { clientId, actor, action: 'service.update', target: serviceId, detail: { request_id: r.id, ...input } });
      return r;
    });
  }

  private async find(db: Executor, clientId: number, id: string): Promise<AnswerPointRow> {
    const r = await aps.findAnswerPoint(db, clientId, id);
    if (!r) throw new AppError('not_found', `answer point ${id} does not exist`);
    return r;
  }
}

/** The service fields an answer point sets: the target number and name, and its ring timeout when it has one. */
function targetOf(ap: Pick<AnswerPointRow, 'number' | 'name' | 'ring_timeout'>): ServiceFieldsIn {
  return { target_number: ap.number, target_name: ap.name, ...(ap.ring_timeout !== null ? { ring_timeout: ap.ring_timeout } : {}) };
}

function checkAnswerPoint(input: Partial<AnswerPointIn>, full: boolean): Partial<AnswerPointRow> {
  const errors: FieldError[] = [];
  const out: Partial<AnswerPointRow> = {};
  if (input.name !== undefined || full) {
    const name = (input.name ?? '').trim();
    if (!name || name.length > 100) errors.push({ path: 'name', message: 'must be 1 to 100 characters' });
    else out.name = name;
  }
  if (input.number !== undefined || full) {
    const parsed = input.number ? parseNumber(input.number) : null;
    if (!parsed) errors.push({ path: 'number', message: `"${input.number ?? ''}" is not a valid phone number (use E.164, e.g. +61290088888)` });
    else out.number = parsed.e164;
  }
  if (input.ring_timeout !== undefined) {
    if (input.ring_timeout !== null && (!Number.isInteger(input.ring_timeout) || input.ring_timeout < 5 || input.ring_timeout > 120)) errors.push({ path: 'ring_timeout', message: 'must be a whole number of seconds from 5 to 120, or null' });
    else out.ring_timeout = input.ring_timeout;
  }
  if (errors.length) throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
  return out;
}
