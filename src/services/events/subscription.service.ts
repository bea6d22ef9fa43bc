import { randomBytes } from 'node:crypto';
import type { SecretCodec } from '../../domain/accounts/secret-box.ts';
import type { Clock } from '../../domain/clock.ts';
import { decodeCursor, idKey, pageOf } from '../../domain/cursor.ts';
import { AppError, fieldError, type FieldError } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { webhookHeaders } from '../../domain/delivery/signature.ts';
import { checkUrlShape } from '../../domain/delivery/url-policy.ts';
import type { HttpSender, OutboundResult } from '../../integrations/delivery/http-sender.ts';
import type { Executor, Storage } from '../../storage/database.ts';
import * as deliveries from '../../storage/delivery/delivery.repository.ts';
import * as subs from '../../storage/events/subscription.repository.ts';
import type { SubscriptionRow } from '../../storage/events/subscription.repository.ts';
import type { AuditActor, AuditLog } from '../accounts/audit.service.ts';
import type { DeliveryService, SettledDelivery } from '../delivery/delivery.service.ts';
import type { DeliveryLogService } from '../delivery/delivery-log.service.ts';
import { EVENT_TYPES, type AccountEvent, type AccountEvents, type EventType } from './account-events.ts';

/** The delivery kind of subscription events in the outbox and the delivery log; `subject_id` is the subscription's id. */
export const EVENT_DELIVERY_KIND = 'event';
/** The test event `POST /subscriptions/{id}/ping` sends (not subscribable: every subscription can be pinged). */
export const PING_EVENT = 'ping';

const SUB_ID = /^sub_[0-9a-z]{22}$/;

export interface SubscriptionIn {
  url: string;
  events: string[];
  description?: string | null;
}

export interface SubscriptionPatch {
  url?: string;
  events?: string[];
  description?: string | null;
  enabled?: boolean;
}

export interface SubscriptionOptions {
  /** Outbound URL policy checked when a URL is saved: a reason to refuse it, or null (see TT_ALLOW_PRIVATE_URLS). */
  checkDestination?: (url: string) => Promise<string | null>;
  /** Deliveries in a row that end failed or dead (their retries spent) before the subscription is disabled. */
  disableAfterFailures: number;
}

/** A subscription as its owner sees it (the secret only in the answer that created it). */
export function subscriptionOut(s: SubscriptionRow) {
  return {
    id: s.id,
    url: s.url,
    events: JSON.parse(s.events) as string[],
    description: s.description,
    enabled: s.enabled === 1,
    consecutive_failures: Number(s.consecutive_failures),
    last_failure_at: s.last_failure_at,
    last_success_at: s.last_success_at,
    disabled_reason: s.disabled_reason,
    disabled_at: s.disabled_at,
    created_at: s.created_at,
    updated_at: s.updated_at,
  };
}

/** A fresh signing secret in the Standard Webhooks form: `whsec_` and 32 random bytes in base64. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * Event subscriptions (the integration framework): an account's endpoints, each with its own Standard Webhooks
 * secret, and `publish`, which queues one delivery per enabled subscription to the event's type inside the caller's
 * transaction. Deliveries go through the delivery engine (outbox, retries, log, redelivery) as the `event` kind, sent
 * by this service's transport (signed with the subscription's secret); a subscription whose deliveries keep failing is
 * disabled after `disableAfterFailures` in a row, and any delivered one resets the count.
 */
export class SubscriptionService implements AccountEvents {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly delivery: DeliveryService,
    private readonly deliveryLog: DeliveryLogService,
    private readonly sender: HttpSender,
    private readonly secrets: SecretCodec,
    private readonly audit: AuditLog,
    private readonly opts: SubscriptionOptions,
  ) {
    delivery.registerTransport(EVENT_DELIVERY_KIND, (d, { signal }) => this.send(d, signal));
    delivery.onSettled(EVENT_DELIVERY_KIND, (tx, settled) => this.settled(tx, settled));
  }

  /** Queues the event for every enabled subscription of the account that takes its type (inside the caller's transaction). */
  async publish(tx: Executor, event: AccountEvent): Promise<void> {
    const targets = (await subs.enabledSubscriptions(tx, event.clientId)).filter((s) => (JSON.parse(s.events) as string[]).includes(event.type));
    if (!targets.length) return;
    const now = this.clock.now();
    const id = newId('evt', now.getTime());
    const body = JSON.stringify({ type: event.type, id, timestamp: now.toISOString(), data: event.data });
    for (const s of targets) await this.delivery.enqueue(tx, { clientId: event.clientId, kind: EVENT_DELIVERY_KIND, subjectId: s.id, method: 'POST', url: s.url, body });
  }

  async create(clientId: number, actor: AuditActor, input: SubscriptionIn) {
    const url = await this.checkUrl(input.url);
    const events = checkEvents(input.events);
    const now = this.clock.now().toISOString();
    const secret = newSigningSecret();
    const row: SubscriptionRow = {
      id: newId('sub'),
      client_id: clientId,
      url,
      events: JSON.stringify(events),
      description: input.description ?? null,
      secret: this.secrets.seal(secret),
      enabled: 1,
      consecutive_failures: 0,
      last_failure_at: null,
      last_success_at: null,
      disabled_reason: null,
      disabled_at: null,
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    };
    await this.storage.tx(async (tx) => {
      await subs.insertSubscription(tx, row);
      await this.audit.record(tx, { clientId, actor, action: 'subscription.create', target: row.id, detail: { url, events } });
    });
    return { ...subscriptionOut(row), secret };
  }

  async list(clientId: number, f: { limit: number; cursor?: string }) {
    const after = f.cursor === undefined ? undefined : decodeCursor(f.cursor, idKey(SUB_ID));
    const rows = await subs.listSubscriptions(this.storage.db, clientId, { after, limit: f.limit + 1 });
    const { items, nextCursor } = pageOf(rows, f.limit, (s) => s.id);
    return { items: items.map(subscriptionOut), nextCursor };
  }

  async get(clientId: number, id: string) {
    return subscriptionOut(await this.find(this.storage.db, clientId, id));
  }

  /** Changes url, events, description or enabled; enabling again clears the failure count and the reason it was disabled. */
  async update(clientId: number, actor: AuditActor, id: string, patch: SubscriptionPatch) {
    const set: Partial<SubscriptionRow> = {};
    if (patch.url !== undefined) set.url = await this.checkUrl(patch.url);
    if (patch.events !== undefined) set.events = JSON.stringify(checkEvents(patch.events));
    if (patch.description !== undefined) set.description = patch.description;
    return this.storage.tx(async (tx) => {
      const s = await this.find(tx, clientId, id);
      if (patch.enabled === true && s.enabled !== 1) Object.assign(set, { enabled: 1, consecutive_failures: 0, disabled_reason: null, disabled_at: null });
      if (patch.enabled === false && s.enabled === 1) Object.assign(set, { enabled: 0, disabled_reason: 'disabled by a user', disabled_at: this.clock.now().toISOString() });
      set.updated_at = this.clock.now().toISOString();
      await subs.updateSubscription(tx, id, set);
      const detail: Record<string, unknown> = { ...patch };
      await this.audit.record(tx, { clientId, actor, action: 'subscription.update', target: id, detail });
      return subscriptionOut({ ...s, ...set });
    });
  }

  /** Deletes a subscription; its deliveries still pending are given up (their log stays). */
  async remove(clientId: number, actor: AuditActor, id: string): Promise<void> {
    await this.storage.tx(async (tx) => {
      await this.find(tx, clientId, id);
      await subs.deleteSubscription(tx, clientId, id);
      await this.audit.record(tx, { clientId, actor, action: 'subscription.delete', target: id });
    });
  }

  /** Queues a `ping` test event to this subscription now (even a disabled one), through the same engine; answers the delivery. */
  async ping(clientId: number, actor: AuditActor, id: string) {
    const deliveryId = await this.storage.tx(async (tx) => {
      const s = await this.find(tx, clientId, id);
      const now = this.clock.now();
      const body = JSON.stringify({ type: PING_EVENT, id: newId('evt', now.getTime()), timestamp: now.toISOString(), data: { subscription_id: s.id, message: 'Test event from Telltale' } });
      const did = await this.delivery.enqueue(tx, { clientId, kind: EVENT_DELIVERY_KIND, subjectId: s.id, method: 'POST', url: s.url, body });
      await this.audit.record(tx, { clientId, actor, action: 'subscription.ping', target: id, detail: { delivery_id: did } });
      return did;
    });
    return this.deliveryLog.get(clientId, deliveryId);
  }

  /** The delivery log of one subscription, newest first, each delivery with its attempts. */
  async deliveries(clientId: number, id: string, f: { status?: string; limit: number; cursor?: string }) {
    await this.find(this.storage.db, clientId, id);
    return this.deliveryLog.list(clientId, { kind: EVENT_DELIVERY_KIND, subjectId: id, status: f.status, limit: f.limit, cursor: f.cursor });
  }

  /** Sends one of the subscription's deliveries again now, with the same id (the delivery log's redeliver). */
  async redeliver(clientId: number, actor: AuditActor, id: string, deliveryId: string) {
    await this.find(this.storage.db, clientId, id);
    const d = await deliveries.findDelivery(this.storage.db, clientId, deliveryId);
    if (!d || d.kind !== EVENT_DELIVERY_KIND || d.subject_id !== id) throw new AppError('not_found', `delivery ${deliveryId} is not a delivery of subscription ${id}`);
    return this.deliveryLog.redeliver(clientId, deliveryId, (tx) => this.audit.record(tx, { clientId, actor, action: 'subscription.redeliver', target: id, detail: { delivery_id: deliveryId } }));
  }

  private async find(db: Executor, clientId: number, id: string): Promise<SubscriptionRow> {
    const s = await subs.findSubscription(db, clientId, id);
    if (!s) throw new AppError('not_found', `subscription ${id} does not exist`);
    return s;
  }

  private async checkUrl(url: string): Promise<string> {
    const bad = checkUrlShape(url) ?? (url.length > 2000 ? 'must be at most 2000 characters' : null) ?? (/\[\[/.test(url) ? 'must not contain [[tags]]' : null);
    if (bad) throw fieldError('url', bad);
    const refusal = this.opts.checkDestination ? await this.opts.checkDestination(url) : null;
    if (refusal) throw new AppError('unprocessable', `url: is refused by the outbound URL policy: ${refusal}`, [{ path: 'url', message: `is refused by the outbound URL policy: ${refusal}` }]);
    return url;
  }

  /** The transport of `event` deliveries: a POST signed (Standard Webhooks) with the subscription's own secret. */
  private async send(d: deliveries.DeliveryRow, signal: AbortSignal): Promise<OutboundResult> {
    const s = d.subject_id ? await subs.findSubscriptionById(this.storage.db, d.subject_id) : undefined;
    if (!s) return { kind: 'refused', error: 'the subscription was deleted' };
    const body = d.body ?? '';
    if (s.enabled !== 1 && (JSON.parse(body) as { type?: string }).type !== PING_EVENT) return { kind: 'refused', error: `the subscription is disabled (${s.disabled_reason ?? 'no reason given'})` };
    let secret: string;
    try {
      secret = this.secrets.open(s.secret);
    } catch {
      return { kind: 'refused', error: 'the subscription’s signing secret does not open with this server’s key (set TT_SECRET_KEY to the key it was stored with)' };
    }
    const headers = { 'user-agent': 'Telltale-Webhooks/1', 'content-type': 'application/json', ...webhookHeaders(secret, d.id, Math.floor(this.clock.now().getTime() / 1000), body) };
    return this.sender.send({ method: 'POST', url: d.url, headers, body, signal });
  }

  /** Counts deliveries that ended: a delivered one resets the count, failed or dead ones add up to the threshold. */
  private async settled(tx: Executor, settled: SettledDelivery[]): Promise<void> {
    const now = this.clock.now().toISOString();
    for (const { delivery: d, outcome, error } of settled) {
      if (!d.subject_id) continue;
      if (outcome === 'delivered') {
        await subs.updateSubscription(tx, d.subject_id, { consecutive_failures: 0, last_success_at: now });
        continue;
      }
      // A disabled (or deleted) subscription counts no more.
      const failures = await subs.countFailure(tx, d.subject_id, now);
      if (failures !== null && failures >= this.opts.disableAfterFailures) {
        const reason = `disabled automatically: ${failures} deliveries in a row failed after their retries (threshold TT_SUBSCRIPTION_DISABLE_AFTER = ${this.opts.disableAfterFailures}); last error: ${(error ?? 'unknown').slice(0, 300)}`;
        await subs.disableSubscription(tx, d.subject_id, now, reason);
      }
    }
  }
}

/** The event types given: known, at least one, each once. */
function checkEvents(events: string[]): EventType[] {
  const errors: FieldError[] = [];
  if (!Array.isArray(events) || events.length === 0) errors.push({ path: 'events', message: `give at least one of ${EVENT_TYPES.join(', ')}` });
  const seen = new Set<string>();
  (events ?? []).forEach((e, i) => {
    if (!(EVENT_TYPES as readonly string[]).includes(e)) errors.push({ path: `events[${i}]`, message: `unknown event type "${e}"; known: ${EVENT_TYPES.join(', ')}` });
    else if (seen.has(e)) errors.push({ path: `events[${i}]`, message: `${e} is listed twice` });
    seen.add(e);
  });
  if (errors.length) throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
  return events as EventType[];
}
