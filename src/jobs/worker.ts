import type { Logger } from 'pino';
import type { TelcoRequestsJob } from './telco-requests.job.ts';
import type { DeliveryService } from '../services/delivery.service.ts';
import type { InventoryService } from '../services/inventory.service.ts';

export interface WorkerDeps {
  telco: TelcoRequestsJob;
  delivery: DeliveryService;
  inventory: InventoryService;
  /** Schedules the daily feed uploads that are due (optional: the reporting area). */
  feedUploads?: { runDue(): Promise<number> };
  log: Pick<Logger, 'info' | 'error' | 'warn'>;
  pollMs: number;
  sweepIntervalMs: number;
  /** Telephony jobs (recording copies, finalization after the grace window, automatic test calls). */
  calls?: { runDue(): Promise<number>; onQueued(listener: () => void): () => void };
}

/**
 * Runs the background jobs: Telco requests, outbound deliveries and the quarantine sweep. It polls the database
 * (so it works across processes) and is woken at once by work queued in its own process.
 */
export class Worker {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = true;
  private wakeRequested = false;
  private lastSweep = 0;
  private idle: Promise<void> = Promise.resolve();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly deps: WorkerDeps) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe.push(this.deps.telco.onRequestQueued(() => this.wake()));
    this.unsubscribe.push(this.deps.delivery.onEnqueue(() => this.wake()));
    if (this.deps.calls) this.unsubscribe.push(this.deps.calls.onQueued(() => this.wake()));
    this.wake();
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.wakeRequested = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), 0);
  }

  /** Runs every due job until none is left (used by tests and by the loop). */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = (await this.deps.telco.runDue()) + (await this.deps.delivery.runDue()) + ((await this.deps.calls?.runDue()) ?? 0) + ((await this.deps.feedUploads?.runDue()) ?? 0);
      total += n;
      if (n === 0) return total;
    }
  }

  private async tick(): Promise<void> {
    this.timer = null;
    if (this.stopped) return;
    this.running = true;
    let finish!: () => void;
    this.idle = new Promise((r) => (finish = r));
    try {
      this.wakeRequested = false;
      await this.drain();
      if (Date.now() - this.lastSweep >= this.deps.sweepIntervalMs) {
        this.lastSweep = Date.now();
        const { released } = await this.deps.inventory.sweep();
        if (released.length) this.deps.log.info({ released: released.length }, 'quarantine sweep released numbers');
      }
    } catch (err) {
      this.deps.log.error({ err }, 'worker tick failed');
    } finally {
      this.running = false;
      finish();
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.wakeRequested ? 0 : this.deps.pollMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe.forEach((u) => u());
    if (this.timer) clearTimeout(this.timer);
    await this.idle;
  }
}
