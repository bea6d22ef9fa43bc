import type { CallService } from '../services/call.service.ts';
import type { TestCallService } from '../services/test-call.service.ts';

/** The telephony edge's due jobs for the worker: recording copies to retry, calls past their grace window, test calls. */
export function callJobs(calls: CallService, testCalls: TestCallService) {
  return {
    async runDue(): Promise<number> {
      return (await calls.runDue()) + (await testCalls.runDue());
    },
    onQueued: (listener: () => void) => testCalls.onQueued(listener),
  };
}
