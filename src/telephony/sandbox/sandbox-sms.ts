import { newId } from '../../domain/ids.ts';
import type { Clock } from '../../domain/clock.ts';
import type { Executor } from '../../storage/database.ts';
import * as repo from '../../storage/calls/sandbox-sms.repository.ts';

/**
 * The sandbox carrier's SMS port: nothing leaves the machine; each message is recorded in `sandbox_sms_outbox` where
 * tests, the demo and the portal can read it. A resend of the same reference is recorded once.
 */
export function sandboxSmsOutbox(db: Executor, clock: Clock) {
  return {
    async send(sms: { clientId: number | null; from: string | null; to: string; body: string; reference: string }) {
      const existing = await repo.findByReference(db, sms.reference);
      const id = existing?.id ?? newId('sms', clock.now().getTime());
      if (!existing) {
        await repo.insertSandboxSms(db, { id, client_id: sms.clientId, from_number: sms.from, to_number: sms.to, body: sms.body, reference: sms.reference, created_at: clock.now().toISOString() });
      }
      return { kind: 'response' as const, status: 200, body: `sandbox accepted ${id}` };
    },
  };
}
