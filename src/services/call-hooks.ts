import type { Selectable } from 'kysely';
import type { Executor } from '../storage/database.ts';
import type { CallTable, SmsMessageTable } from '../storage/schema.ts';

export type CallRow = Selectable<CallTable>;
export type SmsRow = Selectable<SmsMessageTable>;

/** What other areas do when a call is finalized or an SMS received: run inside that event's transaction. */
export interface CallEventHandler {
  onCallFinalized?(tx: Executor, call: CallRow): Promise<void>;
  onSmsReceived?(tx: Executor, sms: SmsRow): Promise<void>;
}

/** Fan-out of call events to the handlers registered at composition time (delivery engine, reports, …). */
export class CallHooks {
  private readonly handlers: CallEventHandler[] = [];

  add(handler: CallEventHandler): void {
    this.handlers.push(handler);
  }

  async callFinalized(tx: Executor, call: CallRow): Promise<void> {
    for (const h of this.handlers) await h.onCallFinalized?.(tx, call);
  }

  async smsReceived(tx: Executor, sms: SmsRow): Promise<void> {
    for (const h of this.handlers) await h.onSmsReceived?.(tx, sms);
  }
}
