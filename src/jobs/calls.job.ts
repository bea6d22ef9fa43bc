import type { CallFinalizer } from '../services/calls/call-finalize.service.ts';
import type { RecordingService } from '../services/calls/recording.service.ts';
import type { TestCallService } from '../services/calls/test-call.service.ts';

/** The telephony edge's due jobs for the worker: recording copies to retry, calls past their grace window, test calls. */
export function callJobs(deps: { recordings: RecordingService; finalizer: CallFinalizer; testCalls: TestCallService }) {
  return {
    async runDue(): Promise<number> {
      return (await deps.recordings.copyRecordings()) + (await deps.finalizer.finalizeDue()) + (await deps.testCalls.runDue());
    },
    onQueued: (listener: () => void) => deps.testCalls.onQueued(listener),
  };
}
