import { newId } from '../../domain/ids.ts';
import type { Clock } from '../../domain/clock.ts';
import type { Executor } from '../../storage/database.ts';
import * as repo from '../../storage/calls/sandbox-sms.repository.ts';
import type { OutboundResult } from './http-sender.ts';

export interface OutboundSms {
  clientId: number | null;
  from: string | null;
  to: string;
  body: string;
  /** Our reference (the delivery id), so a carrier or the sandbox can tell a resend from a new message. */
  reference: string;
}

/** The carrier port for sending SMS (notifications). */
export interface SmsPort {
  send(sms: OutboundSms): Promise<OutboundResult>;
}

/**
 * The sandbox carrier's SMS: nothing leaves the machine; each message is recorded in `sandbox_sms_outbox` where tests,
 * the demo and the portal can read it. A resend of the same reference is recorded once.
 */
export function createSandboxSms(db: Executor, clock: Clock): SmsPort {
  return {
    async send(sms) {
      const existing = await repo.findByReference(db, sms.reference);
      const id = existing?.id ?? newId('sms', clock.now().getTime());
      if (!existing) {
        await repo.insertSandboxSms(db, { id, client_id: sms.clientId, from_number: sms.from, to_number: sms.to, body: sms.body, reference: sms.reference, created_at: clock.now().toISOString() });
      }
      return { kind: 'response', status: 200, body: `sandbox accepted ${id}` };
    },
  };
}

/** Production has no SMS carrier wired yet: SMS notifications fail with a clear message in the delivery log. */
export const unconfiguredSms: SmsPort = {
  async send() {
    return { kind: 'refused', error: 'no SMS carrier is configured for sending in production mode yet' };
  },
};
