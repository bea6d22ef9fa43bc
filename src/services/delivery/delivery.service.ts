import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../../domain/clock.ts';
import { newId } from '../../domain/ids.ts';
import { isRetryableStatus, nextRetryDelaySeconds } from '../../domain/delivery/retry.ts';
import { webhookHeaders } from '../../domain/delivery/signature.ts';
import { withDeadline } from '../../integrations/deadline.ts';
import type { HttpSender, OutboundResult } from '../../integrations/delivery/http-sender.ts';
import type { Executor, Storage } from '../../storage/database.ts';
import * as deliveries from '../../storage/delivery/delivery.repository.ts';
import type { SecretCodec } from '../../domain/accounts/secret-box.ts';

export type DeliveryKind = string;

/** The kinds the engine itself produces (others may register more, e.g. feed uploads). */
export const DELIVERY_KINDS = ['call_callback', 'sms_forward', 'request_status', 'notify_email', 'notify_sms'] as const;
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'dead'] as const;

/**
 * Carries one delivery attempt out. The default transport is signed HTTP; other kinds (e-mail, SMS, feed uploads)
 * register their own and get the same leases, retries, dead-lettering and log. A non-HTTP transport reports success
 * as `{kind: 'response', status: 200}`, a permanent refusal as `refused`, and anything worth retrying as
 * `transport_error` (or a thrown error). Every attempt runs under a hard deadline: its outcome is a retryable
 * timeout once the deadline passes, whatever the transport does, and `signal` aborts then so the transport can tear
 * its connection down.
 */
export type DeliveryTransport = (d: deliveries.DeliveryRow, ctx: { signal: AbortSignal }) => Promise<OutboundResult>;

/** A delivery that reached a final outcome in an attempt just recorded: delivered, or failed / dead (no more retries). */
export interface SettledDelivery {
  delivery: deliveries.DeliveryRow;
  outcome: 'delivered' | 'failed' | 'dead';
  /** the attempt's error (response body or transport error), null when delivered */
  error: string | null;
}

/** Runs inside the transaction that records the outcomes (e.g. event subscriptions count their failures). */
export type SettledHook = (tx: Executor, settled: SettledDelivery[]) => Promise<void>;

export interface NewDelivery {
  clientId: number;
  kind: DeliveryKind;
  subjectId: string | null;
  method: 'GET' | 'POST';
  url: string;
  body?: string;
}

export interface DeliveryOptions {
  retrySchedule: readonly number[];
  /** How long a claim holds a delivery; a crashed worker's deliveries are taken over after it. */
  leaseMs: number;
  /**
   * Longest one attempt may take (the sender's total timeout): an attempt is only started while it fits in the lease,
   * and it is cut off at this hard deadline (or at the lease end when unset) whatever its transport does.
   */
  attemptTimeoutMs?: number;
  /** While a slow attempt is in flight, how often idle lanes look for new due deliveries (default 250 ms). */
  pollMs?: number;
  /** Attempts in flight at once in this process. */
  concurrency?: number;
  /** Names this worker in the attempt log (default host:pid). */
  workerName?: string;
  /** Opens the accounts' webhook secrets, sealed at rest (the app's one codec: opened secrets are cached). */
  secrets?: SecretCodec;
}

/** A delivery this worker holds, under the lease of the batch it was claimed in. */
export interface ClaimedDelivery {
  d: deliveries.DeliveryRow;
  owner: string;
  leaseUntil: number;
}

/** What one attempt came to, with its timing (written with the attempt log). */
export interface AttemptOutcome extends ClaimedDelivery {
  startedAt: string;
  durationMs: number;
  result: OutboundResult;
}

/**
 * The transactional outbox's engine: deliveries are written in the transaction of the event that causes them, then
 * claimed with a lease, attempted and recorded (the claim loop that drives these steps is `jobs/outbox.ts`): sent at
 * least once, retried on the schedule and dead-lettered after it. Every attempt is recorded for the delivery log.
 */
export class DeliveryService {
  private readonly listeners = new Set<() => void>();
  private readonly transports = new Map<string, DeliveryTransport>();
  private readonly settledHooks = new Map<string, SettledHook>();
  private readonly worker: string;
  private readonly concurrency: number;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly sender: HttpSender,
    private readonly opts: DeliveryOptions,
  ) {
    this.worker = opts.workerName ?? `${os.hostname()}:${process.pid}`;
    this.concurrency = opts.concurrency ?? 64;
  }

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
      lease_owner: null,
      total_attempts: 0,
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

  /**
   * Hears, inside the transaction that records them, about deliveries of one kind that reached a final outcome
   * (delivered, failed or dead); an attempt that will be retried is not final. Redelivered ones settle again.
   */
  onSettled(kind: string, hook: SettledHook): void {
    this.settledHooks.set(kind, hook);
  }

  /**
   * Claims up to `want` due deliveries under one lease token, and puts the webhook secrets of their accounts (those not
   * already known) into `secrets`. Several workers never hold the same delivery (SKIP LOCKED on PostgreSQL).
   */
  async claim(want: number, secrets: Map<number, string>): Promise<ClaimedDelivery[]> {
    const now = this.clock.now();
    const leaseUntil = now.getTime() + this.opts.leaseMs;
    const owner = `${this.worker}:${newId('lease', now.getTime())}`;
    const claimed = await this.storage.tx((tx) => this.storage.repos.deliveries.claimDueDeliveries(tx, now.toISOString(), new Date(leaseUntil).toISOString(), want, owner));
    const missing = [...new Set(claimed.filter((d) => !this.transports.has(d.kind)).map((d) => Number(d.client_id)))].filter((c) => !secrets.has(c));
    for (const [c, secret] of await deliveries.secretsOf(this.storage.db, missing, this.opts.secrets)) secrets.set(c, secret);
    return claimed.map((d) => ({ d, owner, leaseUntil }));
  }

  /** The lease-fit rule: an attempt starts only if it can finish inside its lease, so no other worker can be sending it. */
  fitsLease(c: ClaimedDelivery): boolean {
    return this.clock.now().getTime() + (this.opts.attemptTimeoutMs ?? 0) < c.leaseUntil;
  }

  /** One attempt of a claimed delivery, timed; the transport's answer (or failure) is its outcome. */
  async attempt(c: ClaimedDelivery, secrets: Map<number, string>): Promise<AttemptOutcome> {
    const startedAt = this.clock.now().toISOString();
    const t0 = performance.now();
    const result = await this.send(c, secrets);
    return { ...c, startedAt, durationMs: Math.round(performance.now() - t0), result };
  }

  /** Attempts in flight at once in this process, and how often idle lanes look for new work while one is slow. */
  get lanes(): { concurrency: number; pollMs: number } {
    return { concurrency: this.concurrency, pollMs: this.opts.pollMs ?? 250 };
  }

  /**
   * One attempt under its hard deadline: `attemptTimeoutMs` (which the lease-fit rule reserved), never past the
   * lease end, so the attempt is over before another worker may take the delivery over.
   */
  private send(c: ClaimedDelivery, secrets: Map<number, string>): Promise<OutboundResult> {
    const d = c.d;
    const remaining = c.leaseUntil - this.clock.now().getTime();
    const deadline = Math.max(1, Math.min(this.opts.attemptTimeoutMs || remaining, remaining));
    const transport = this.transports.get(d.kind);
    return withDeadline(deadline, `${d.kind} ${d.id}`, (signal) => (transport ? transport(d, { signal }) : this.sendHttp(d, secrets.get(Number(d.client_id)), signal)));
  }

  /**
   * Sends one request now exactly as an attempt of an HTTP delivery is sent — the same headers and Standard Webhooks
   * signature with the account's secret, the same sender (connect timeout, outbound URL policy) and the same hard
   * deadline — but writes no delivery and retries nothing: the UserAPI's test callback. `id` is a fresh `webhook-id`.
   */
  async sendNow(d: { clientId: number; method: 'GET' | 'POST'; url: string; body?: string }): Promise<{ id: string; result: OutboundResult; durationMs: number }> {
    const id = newId('msg', this.clock.now().getTime());
    const secret = (await deliveries.secretsOf(this.storage.db, [d.clientId], this.opts.secrets)).get(d.clientId);
    const t0 = performance.now();
    const result = await withDeadline(this.opts.attemptTimeoutMs || this.opts.leaseMs, `test ${id}`, (signal) => this.sendHttp({ id, method: d.method, url: d.url, body: d.body ?? null }, secret, signal));
    return { id, result, durationMs: Math.round(performance.now() - t0) };
  }

  /** Signed HTTP (Standard Webhooks): the signed payload is the body for a POST and the full URL for a GET. */
  private sendHttp(d: Pick<deliveries.DeliveryRow, 'id' | 'method' | 'url' | 'body'>, secret: string | undefined, signal: AbortSignal): Promise<OutboundResult> {
    const ts = Math.floor(this.clock.now().getTime() / 1000);
    const payload = d.method === 'GET' ? d.url : (d.body ?? '');
    const headers: Record<string, string> = { 'user-agent': 'Telltale-Webhooks/1', ...(secret ? webhookHeaders(secret, d.id, ts, payload) : {}) };
    if (d.method !== 'GET') headers['content-type'] = 'application/json';
    return this.sender.send({ method: d.method as 'GET' | 'POST', url: d.url, headers, body: d.method === 'GET' ? undefined : (d.body ?? ''), signal });
  }

  /** Writes outcomes (grouped by lease and identical patch), their attempt log and unused leases in one transaction. */
  async record(outcomes: AttemptOutcome[], unused: ClaimedDelivery[]): Promise<void> {
    const now = this.clock.now().toISOString();
    const groups = new Map<string, { owner: string; patch: deliveries.AttemptPatch; outcome: string; items: AttemptOutcome[] }>();
    for (const o of outcomes) {
      const { patch, outcome } = this.patchFor(o, now);
      const key = `${o.owner}|${JSON.stringify(patch)}`;
      const g = groups.get(key) ?? { owner: o.owner, patch, outcome, items: [] };
      g.items.push(o);
      groups.set(key, g);
    }
    await this.storage.tx(async (tx) => {
      const log: deliveries.NewDeliveryAttempt[] = [];
      const settled = new Map<string, SettledDelivery[]>();
      for (const g of groups.values()) {
        const written = new Set(await deliveries.completeAttempts(tx, g.items.map((o) => o.d.id), g.owner, g.patch));
        for (const o of g.items) {
          if (written.has(o.d.id) && this.settledHooks.has(o.d.kind) && (g.outcome === 'delivered' || g.outcome === 'failed' || g.outcome === 'dead')) {
            settled.set(o.d.kind, [...(settled.get(o.d.kind) ?? []), { delivery: o.d, outcome: g.outcome, error: g.patch.last_error ?? null }]);
          }
          const r = o.result;
          log.push({
            delivery_id: o.d.id,
            client_id: Number(o.d.client_id),
            attempt_no: Number(o.d.total_attempts) + 1,
            started_at: o.startedAt,
            duration_ms: o.durationMs,
            outcome: written.has(o.d.id) ? g.outcome : 'lost_lease',
            status_code: r.kind === 'response' ? r.status : null,
            error: r.kind === 'response' ? null : r.error.slice(0, 1000),
            response_body: r.kind === 'response' ? r.body.slice(0, 2000) : null,
            worker: this.worker,
          });
        }
      }
      await deliveries.insertAttempts(tx, log);
      for (const [kind, list] of settled) await this.settledHooks.get(kind)!(tx, list);
      const byOwner = new Map<string, string[]>();
      for (const u of unused) byOwner.set(u.owner, [...(byOwner.get(u.owner) ?? []), u.d.id]);
      for (const [owner, ids] of byOwner) await deliveries.releaseLeases(tx, ids, owner);
    });
  }

  /** The delivery's new state after one attempt: delivered, retry later, failed (not retryable) or dead (schedule spent). */
  private patchFor(o: AttemptOutcome, now: string): { patch: deliveries.AttemptPatch; outcome: string } {
    const r = o.result;
    if (r.kind === 'response' && r.status >= 200 && r.status < 300) {
      return { patch: { status: 'delivered', last_status_code: r.status, last_error: null, delivered_at: now, updated_at: now }, outcome: 'delivered' };
    }
    const retryable = r.kind === 'transport_error' || (r.kind === 'response' && isRetryableStatus(r.status));
    const lastError = r.kind === 'response' ? r.body.slice(0, 500) || `HTTP ${r.status}` : r.error.slice(0, 500);
    const lastStatus = r.kind === 'response' ? r.status : null;
    const delay = retryable ? nextRetryDelaySeconds(this.opts.retrySchedule, Number(o.d.attempts) + 1) : null;
    if (delay === null) {
      const status = retryable ? 'dead' : 'failed';
      return { patch: { status, last_status_code: lastStatus, last_error: lastError, updated_at: now }, outcome: status };
    }
    const at = new Date(new Date(now).getTime() + delay * 1000).toISOString();
    return { patch: { status: 'pending', last_status_code: lastStatus, last_error: lastError, next_attempt_at: at, updated_at: now }, outcome: 'retry' };
  }

  /** Wakes the workers of this process: a delivery was queued or made due again (outside `enqueue`). */
  announce(): void {
    queueMicrotask(() => this.listeners.forEach((l) => l()));
  }
}
