import type { Logger } from 'pino';
import { systemClock, type Clock } from '../domain/clock.ts';
import type { TelcoRequestsJob } from './telco-requests.job.ts';
import type { Outbox } from './outbox.ts';
import type { InventoryService } from '../services/inventory/inventory.service.ts';

export interface WorkerDeps {
  telco: TelcoRequestsJob;
  /** The outbox claim loop (deliveries). */
  delivery: Outbox;
  inventory: InventoryService;
  /** Schedules the daily feed uploads that are due (optional: the reporting area). */
  feedUploads?: { runDue(): Promise<number> };
  log: Pick<Logger, 'info' | 'error' | 'warn'>;
  pollMs: number;
  sweepIntervalMs: number;
  /** Telephony jobs (recording copies, finalization after the grace window, automatic test calls). */
  calls?: { runDue(): Promise<number>; onQueued(listener: () => void): () => void };
  /** The time the sweep interval is measured on (default the system clock; tests pass a manual one). */
  clock?: Clock;
  /** Idempotency keys: the sweep deletes the expired ones. */
  idempotency?: { purgeExpired(): Promise<number> };
  /** Click-to-call: the sweep ends attempts still ringing their agent past their ring timeout plus margin (every 30 s at most). */
  outbound?: { expireDue(): Promise<number> };
}

/** How often (at most) the sweep expires click-to-call attempts, on the worker's clock. */
const OUTBOUND_EXPIRY_INTERVAL_MS = 30_000;

/** One kind of background job with a loop of its own. */
interface Lane {
  name: string;
  run: () => Promise<number>;
  timer: NodeJS.Timeout | null;
  running: boolean;
  wakeRequested: boolean;
  idle: Promise<void>;
}

/**
 * Runs the background jobs: Telco requests, outbound deliveries, telephony jobs, feed upload scheduling and the
 * quarantine sweep. Each kind runs in a loop of its own, so one kind stuck on a slow job (a bad destination, a slow
 * query) never stops another. It polls the database (so it works across processes) and is woken at once by work
 * queued in its own process.
 */
export class Worker {
  private stopped = true;
  private lastSweep = Number.NEGATIVE_INFINITY;
  private lastExpiry = Number.NEGATIVE_INFINITY;
  private lanes: Lane[] = [];
  private stopping: AbortController = new AbortController();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly clock: Clock;

  constructor(private readonly deps: WorkerDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopping = new AbortController();
    const lane = (name: string, run: () => Promise<number>): Lane => ({ name, run, timer: null, running: false, wakeRequested: false, idle: Promise.resolve() });
    const telco = lane('telco requests', () => this.deps.telco.runDue());
    const delivery = lane('deliveries', () => this.deps.delivery.runDue(undefined, { signal: this.stopping.signal }));
    const calls = this.deps.calls ? lane('calls jobs', () => this.deps.calls!.runDue()) : null;
    const feeds = this.deps.feedUploads ? lane('feed uploads', () => this.deps.feedUploads!.runDue()) : null;
    const sweep = lane('quarantine sweep', () => this.sweepIfDue());
    this.lanes = [telco, delivery, ...(calls ? [calls] : []), ...(feeds ? [feeds] : []), sweep];
    this.unsubscribe.push(this.deps.telco.onRequestQueued(() => this.wakeLane(telco)));
    this.unsubscribe.push(this.deps.delivery.onEnqueue(() => this.wakeLane(delivery)));
    if (calls) this.unsubscribe.push(this.deps.calls!.onQueued(() => this.wakeLane(calls)));
    this.wake();
  }

  /** Wakes every loop now (each looks for due work at once). */
  wake(): void {
    for (const l of this.lanes) this.wakeLane(l);
  }

  private wakeLane(l: Lane): void {
    if (this.stopped) return;
    if (l.running) {
      l.wakeRequested = true;
      return;
    }
    if (l.timer) clearTimeout(l.timer);
    l.timer = setTimeout(() => void this.tick(l), 0);
  }

  /** Runs every due job until none is left (used by tests). */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = (await this.deps.telco.runDue()) + (await this.deps.delivery.runDue()) + ((await this.deps.calls?.runDue()) ?? 0) + ((await this.deps.feedUploads?.runDue()) ?? 0);
      total += n;
      if (n === 0) return total;
    }
  }

  /** The quarantine sweep (and the purge of expired idempotency keys), once every `sweepIntervalMs` on the worker's clock. */
  private async sweepIfDue(): Promise<number> {
    const now = this.clock.now().getTime();
    // Click-to-call attempts are minutes-scale: their expiry runs at least every 30 s, whatever the sweep interval.
    if (this.deps.outbound && now - this.lastExpiry >= Math.min(this.deps.sweepIntervalMs, OUTBOUND_EXPIRY_INTERVAL_MS)) {
      this.lastExpiry = now;
      try {
        const expired = await this.deps.outbound.expireDue();
        if (expired) this.deps.log.info({ expired }, 'sweep expired click-to-call attempts still ringing their agent');
      } catch (err) {
        // Never in the way of the quarantine sweep; tried again at the next interval.
        this.deps.log.error({ err }, 'sweep could not expire click-to-call attempts');
      }
    }
    if (now - this.lastSweep < this.deps.sweepIntervalMs) return 0;
    this.lastSweep = now;
    const { released } = await this.deps.inventory.sweep();
    if (released.length) this.deps.log.info({ released: released.length }, 'quarantine sweep released numbers');
    const purged = (await this.deps.idempotency?.purgeExpired()) ?? 0;
    if (purged) this.deps.log.info({ purged }, 'sweep deleted expired idempotency keys');
    return 0;
  }

  private async tick(l: Lane): Promise<void> {
    l.timer = null;
    if (this.stopped) return;
    l.running = true;
    l.wakeRequested = false;
    let finish!: () => void;
    l.idle = new Promise((r) => (finish = r));
    let more = false;
    try {
      // A kind that found work looks again at once; one that found none waits for the poll (or a wake).
      more = (await l.run()) > 0;
    } catch (err) {
      this.deps.log.error({ err, job: l.name }, 'worker job failed');
    } finally {
      l.running = false;
      finish();
    }
    if (this.stopped) return;
    l.timer = setTimeout(() => void this.tick(l), more || l.wakeRequested ? 0 : this.deps.pollMs);
  }

  /** Stops every loop; waits for the jobs in flight (each attempt is bounded by its deadline) and claims nothing new. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    this.unsubscribe.splice(0).forEach((u) => u());
    for (const l of this.lanes) if (l.timer) clearTimeout(l.timer);
    await Promise.all(this.lanes.map((l) => l.idle));
  }
}
