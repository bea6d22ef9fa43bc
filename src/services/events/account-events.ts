import type { Executor } from '../../storage/database.ts';

/** The events an account's integrations can subscribe to (the catalogue is documented in the OpenAPI `webhooks`). */
export const EVENT_TYPES = ['call.finalized', 'call.updated', 'sms.received', 'service.live', 'request.status'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface AccountEvent {
  clientId: number;
  type: EventType;
  /** the event's payload (`data` of the delivered `{type, id, timestamp, data}`) */
  data: Record<string, unknown>;
}

/**
 * Where the areas announce what happened in an account. `publish` runs inside the transaction of the change, so an
 * event is queued for delivery exactly when its change commits.
 */
export interface AccountEvents {
  publish(tx: Executor, event: AccountEvent): Promise<void>;
}
