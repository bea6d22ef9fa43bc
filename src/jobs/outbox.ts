import type { AttemptOutcome, ClaimedDelivery, DeliveryService } from '../services/delivery/delivery.service.ts';

/** Longest an attempt's outcome waits to be written with others (outcomes are grouped into few transactions). */
const WRITE_DELAY_MS = 20;

/**
 * The outbox claim loop: sends due deliveries through the delivery engine, `concurrency` attempts at a time, as a
 * pipeline. Batches are claimed with a lease (one lease token per batch) before the lanes run dry; an attempt starts
 * only while it fits in its lease (the engine's lease-fit rule); outcomes with their attempt log are written as they
 * settle, grouped opportunistically (whatever settled while the previous write ran goes into the next one), so a slow
 * attempt never holds back the writing of the others. While one lane is still on a slow attempt, idle lanes keep
 * claiming new due deliveries (woken by an enqueue in this process, or every `pollMs`): one bad destination does not
 * hold up the rest.
 */
export class Outbox {
  constructor(private readonly engine: Pick<DeliveryService, 'claim' | 'fitsLease' | 'attempt' | 'record' | 'onEnqueue' | 'lanes'>) {}

  /** Wakes the listener when a delivery is queued in this process (the worker's delivery lane). */
  onEnqueue(listener: () => void): () => void {
    return this.engine.onEnqueue(listener);
  }

  /**
   * Runs the pipeline until nothing is due and no attempt is in flight, after `maxClaims` claims, or once `signal`
   * aborts (attempts in flight still finish, each bounded by its deadline); returns how many were claimed.
   */
  async runDue(maxClaims = this.engine.lanes.concurrency * 16, opts: { signal?: AbortSignal } = {}): Promise<number> {
    const engine = this.engine;
    const { concurrency, pollMs } = engine.lanes;
    const batchSize = Math.max(1, Math.min(concurrency * 2, maxClaims));
    const queue: ClaimedDelivery[] = [];
    const secrets = new Map<number, string>();
    const stopped = () => opts.signal?.aborted === true;
    let total = 0;
    let exhausted = stopped();
    let claiming: Promise<void> | null = null;
    let claimError: unknown = null;

    const claimMore = async () => {
      const want = Math.min(batchSize, maxClaims - total);
      const claimed = await engine.claim(want, secrets);
      total += claimed.length;
      if (claimed.length < want || total >= maxClaims) exhausted = true;
      queue.push(...claimed);
    };
    const refill = (): Promise<void> | null => {
      if (!exhausted && !claiming && queue.length < concurrency) {
        claiming = claimMore()
          .catch((err) => {
            // Stop claiming; what was claimed is still sent and recorded, and the error is raised at the end.
            claimError ??= err;
            exhausted = true;
          })
          .finally(() => (claiming = null));
      }
      return claiming;
    };

    // Idle lanes wait here while another lane is busy: woken by new work in this process, the last busy lane
    // finishing, a stop, or after pollMs (work queued by other processes).
    const waiting = new Set<() => void>();
    const wakeIdle = () => {
      for (const w of [...waiting]) w();
    };
    const idleWait = () =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          waiting.delete(done);
          resolve();
        };
        const t = setTimeout(done, pollMs);
        waiting.add(done);
      });
    const offEnqueue = engine.onEnqueue(wakeIdle);
    const onStop = () => {
      exhausted = true;
      wakeIdle();
    };
    opts.signal?.addEventListener('abort', onStop, { once: true });
    let busy = 0;

    let outcomes: AttemptOutcome[] = [];
    let unused: ClaimedDelivery[] = [];
    let writing: Promise<void> | null = null;
    let writeError: unknown = null;
    let writeTimer: NodeJS.Timeout | null = null;
    // One write at a time, taking everything that settled meanwhile: outcomes are written as they settle, grouped
    // opportunistically — at once when a lane's worth is waiting, else within WRITE_DELAY_MS of the first one waiting
    // (never held back by an attempt still in flight).
    const soon = () => {
      if (outcomes.length + unused.length >= concurrency) write();
      else writeTimer ??= setTimeout(write, WRITE_DELAY_MS);
    };
    const write = () => {
      if (writeTimer) clearTimeout(writeTimer);
      writeTimer = null;
      if (writing || (outcomes.length === 0 && unused.length === 0)) return;
      const batch = outcomes;
      const skipped = unused;
      outcomes = [];
      unused = [];
      writing = engine
        .record(batch, skipped)
        .catch((err) => void (writeError ??= err))
        .finally(() => {
          writing = null;
          if (outcomes.length || unused.length) soon();
        });
    };

    const lane = async () => {
      for (;;) {
        if (queue.length === 0) {
          const pending = refill();
          if (pending) {
            await pending;
            continue;
          }
          // Nothing due now. While another lane is still on a (slow) attempt, keep looking for new work rather than
          // letting that attempt hold everything up; once no attempt is in flight, this run is over.
          if (busy === 0 || total >= maxClaims || claimError || stopped()) return;
          await idleWait();
          if (total < maxClaims && !claimError && !stopped()) exhausted = false;
          continue;
        }
        void refill();
        const c = queue.shift()!;
        // Start only what can finish inside the lease, so no other worker can be sending the same attempt.
        if (!engine.fitsLease(c)) {
          unused.push(c);
          soon();
          continue;
        }
        busy++;
        let outcome: AttemptOutcome;
        try {
          outcome = await engine.attempt(c, secrets);
        } finally {
          busy--;
          if (busy === 0) wakeIdle();
        }
        outcomes.push(outcome);
        soon();
      }
    };
    try {
      await refill();
      if (claimError) throw claimError;
      if (queue.length === 0) return total;
      await Promise.all(Array.from({ length: concurrency }, lane));
      for (;;) {
        write();
        if (!writing) break;
        await writing;
      }
    } finally {
      if (writeTimer) clearTimeout(writeTimer);
      offEnqueue();
      opts.signal?.removeEventListener('abort', onStop);
    }
    if (writeError) throw writeError;
    if (claimError) throw claimError;
    return total;
  }
}
