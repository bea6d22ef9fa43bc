import type { Executor } from '../../storage/database.ts';
import type { CallRow, SmsRow } from '../../storage/calls/telephony.repository.ts';

export type { CallRow, SmsRow };

/** What another area does when a call is finalized or an SMS received: run inside that event's transaction. */
export interface CallConsumer {
  onCallFinalized?(tx: Executor, call: CallRow): Promise<void>;
  onSmsReceived?(tx: Executor, sms: SmsRow): Promise<void>;
  /** Late data changed a finalized call (e.g. a recording copied after finalization); `changes` names the fields. */
  onCallUpdated?(tx: Executor, call: CallRow, changes: string[]): Promise<void>;
}

/**
 * The consumers of finalized calls and received SMS, fixed when the app is built (`app.ts` lists them: the HTTP
 * Callback, SMS Forward and notifications today), so the edge from a finalized call to its deliveries reads in one place.
 */
export class CallConsumers {
  constructor(private readonly consumers: readonly CallConsumer[]) {}

  async callFinalized(tx: Executor, call: CallRow): Promise<void> {
    for (const c of this.consumers) await c.onCallFinalized?.(tx, call);
  }

  async callUpdated(tx: Executor, call: CallRow, changes: string[]): Promise<void> {
    for (const c of this.consumers) await c.onCallUpdated?.(tx, call, changes);
  }

  async smsReceived(tx: Executor, sms: SmsRow): Promise<void> {
    for (const c of this.consumers) await c.onSmsReceived?.(tx, sms);
  }
}
