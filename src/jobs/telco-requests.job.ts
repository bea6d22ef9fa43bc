import type { TelcoService } from '../services/telco/telco.service.ts';
import type { TelcoRequestSteps } from '../services/telco/request-steps.service.ts';

/** The worker's Telco lane: claims due requests and advances each one step; woken when an order is queued. */
export function telcoRequestsJob(telco: Pick<TelcoService, 'onRequestQueued'>, steps: TelcoRequestSteps, batch = 20) {
  return {
    async runDue(): Promise<number> {
      const claimed = await steps.claimDue(batch);
      for (const r of claimed) await steps.advance(r.id);
      return claimed.length;
    },
    onRequestQueued: (listener: () => void) => telco.onRequestQueued(listener),
  };
}

export type TelcoRequestsJob = ReturnType<typeof telcoRequestsJob>;
