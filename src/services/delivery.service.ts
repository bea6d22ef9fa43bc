import type { Clock } from '../domain/clock.ts';
import { newId } from '../domain/ids.ts';
import { isRetryableStatus, nextRetryDelaySeconds } from '../domain/retry.ts';
import { webhookHeaders } from '../domain/signature.ts';
import type { HttpSender, OutboundResult } from '../integrations/http-sender.ts';
import type { Executor, Storage } from '../storage/database.ts';
import * as deliveries from '../storage/delivery.repository.ts';
import * as accounts from '../storage/account.repository.ts';

export type DeliveryKind = string;

/**
 * Carries one delivery attempt out. The default transport is signed HTTP; other kinds (e.g. feed uploads to SFTP or
 * a folder) register their own, and get the same leases, retries, dead-lettering and log.
 */
export type DeliveryTransport = (d: deliveries.DeliveryRow) => Promise<OutboundResult>;

export interface NewDelivery {
  clientId: number;
  kind: DeliveryKind;
  subjectId: string | null;
  method: 'GET' | 'POST';
  url: string;
  body?: string;
}

/**
 * The transactional outbox: deliveries are written in the transaction of the event that causes them, then sent
 * at least once by workers holding a lease, retried on the schedule and dead-lettered after it.
 */
export class DeliveryService {
  private readonly listeners = new Set<() => void>();
  private readonly transports = new Map<string, DeliveryTransport>();

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly sender: HttpSender,
    private readonly opts: { retrySchedule: readonly number[]; leaseMs: number },
  ) {}

  /** Writes a delivery inside the caller's transaction; its id is the stable `webhook-id` of every attempt. */
  async enqueue(tx: Executor, d: NewDelivery): Promise<string> {
    const now = this.clock.now();
    const id = newId('msg', now.getTime());
    await deliveries.insertDelivery(tx, {
      id,
      client_id: d.clientId,
      kind: d.kind,
      subject_id: d.subjectId,
      method: d.method,
      url: d.url,
      body: d.body ?? null,
      status: 'pending',
      attempts: 0,
      next_attempt_at: new Date(now.getTime() + (this.opts.retrySchedule[0] ?? 0) * 1000).toISOString(),
      lease_until: null,
      last_status_code: null,
      last_error: null,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
      delivered_at: null,
    });
    queueMicrotask(() => this.listeners.forEach((l) => l()));
    return id;
  }

  /** Called after a delivery is enqueued in this process, so an in-process worker can start at once. */
  onEnqueue(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Routes deliveries of one kind through a transport of their own instead of signed HTTP. */
  registerTransport(kind: string, transport: DeliveryTransport): void {
    this.transports.set(kind, transport);
  }

  /** Claims due deliveries and makes one attempt at each; returns how many were attempted. */
  async runDue(limit = 50): Promise<number> {
    const now = this.clock.now();
    const claimed = await this.storage.tx((tx) =>
      deliveries.claimDueDeliveries(tx, this.storage.dialect, now.toISOString(), new Date(now.getTime() + this.opts.leaseMs).toISOString(), limit),
    );
    await Promise.all(claimed.map((d) => this.attempt(d)));
    return claimed.length;
  }

  /** Signed HTTP (Standard Webhooks): the signed payload is the body for a POST and the full URL for a GET. */
  private async sendHttp(d: deliveries.DeliveryRow): Promise<OutboundResult> {
    const account = await accounts.findAccount(this.storage.db, Number(d.client_id));
    const ts = Math.floor(this.clock.now().getTime() / 1000);
    const payload = d.method === 'GET' ? d.url : (d.body ?? '');
    const headers: Record<string, string> = {
      'user-agent': 'Telltale-Webhooks/1',
      ...(account ? webhookHeaders(account.webhook_secret, d.id, ts, payload) : {}),
    };
    if (d.method !== 'GET') headers['content-type'] = 'application/json';
    return this.sender.send({ method: d.method as 'GET' | 'POST', url: d.url, headers, body: d.method === 'GET' ? undefined : (d.body ?? '') });
  }

  private async attempt(d: deliveries.DeliveryRow): Promise<void> {
    const transport = this.transports.get(d.kind);
    const result = transport ? await transport(d).catch((err: Error): OutboundResult => ({ kind: 'transport_error', error: err.message })) : await this.sendHttp(d);
    const attempts = d.attempts + 1;
    const now = this.clock.now();
    const base = { attempts, lease_until: null, updated_at: now.toISOString() };
    if (result.kind === 'response' && result.status >= 200 && result.status < 300) {
      await deliveries.updateDelivery(this.storage.db, d.id, { ...base, status: 'delivered', last_status_code: result.status, last_error: null, delivered_at: now.toISOString() });
      return;
    }
    const retryable = result.kind === 'transport_error' || (result.kind === 'response' && isRetryableStatus(result.status));
    const lastError = result.kind === 'response' ? result.body.slice(0, 500) || `HTTP ${result.status}` : result.error;
    const lastStatus = result.kind === 'response' ? result.status : null;
    const delay = retryable ? nextRetryDelaySeconds(this.opts.retrySchedule, attempts) : null;
    if (delay === null) {
      await deliveries.updateDelivery(this.storage.db, d.id, { ...base, status: retryable ? 'dead' : 'failed', last_status_code: lastStatus, last_error: lastError });
      return;
    }
    await deliveries.updateDelivery(this.storage.db, d.id, {
      ...base,
      status: 'pending',
      last_status_code: lastStatus,
      last_error: lastError,
      next_attempt_at: new Date(now.getTime() + delay * 1000).toISOString(),
    });
  }
}
