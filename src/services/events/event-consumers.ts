import { webapiCall } from '../../domain/report/webapi-call.ts';
import type { RequestRow } from '../../storage/telco/request.repository.ts';
import type { ServiceRow } from '../../storage/telco/service.repository.ts';
import type { Executor } from '../../storage/database.ts';
import type { CallConsumer, CallRow, SmsRow } from '../calls/call-consumers.ts';
import type { AccountEvents } from './account-events.ts';

/**
 * The account events of the call area, published to the subscriptions inside the event's own transaction (a
 * CallConsumer listed in app.ts): `call.finalized` (the call as the WebAPI shows it), `call.updated` when late data
 * changes a finalized call (a recording copied after finalization: `{call_id, changed, call}`) and `sms.received`.
 */
export class CallEventsConsumer implements CallConsumer {
  constructor(
    private readonly events: AccountEvents,
    private readonly opts: { publicUrl: string },
  ) {}

  async onCallFinalized(tx: Executor, call: CallRow): Promise<void> {
    await this.events.publish(tx, { clientId: Number(call.client_id), type: 'call.finalized', data: webapiCall(call, this.opts.publicUrl) });
  }

  async onCallUpdated(tx: Executor, call: CallRow, changes: string[]): Promise<void> {
    const view = webapiCall(call, this.opts.publicUrl);
    // Name the changes as the WebAPI fields they show in (the audio token is the audio URL; storage paths are not shown).
    const named = [...new Set(changes.map((c) => (c === 'audio_token' ? 'audio_url' : c)).filter((c) => c in view))];
    // The shape every call.updated shares (label, notes and evaluation changes publish `call_id` and `changed` too).
    await this.events.publish(tx, { clientId: Number(call.client_id), type: 'call.updated', data: { call_id: Number(call.id), changed: named, call: view } });
  }

  async onSmsReceived(tx: Executor, sms: SmsRow): Promise<void> {
    if (sms.client_id === null) return;
    await this.events.publish(tx, { clientId: Number(sms.client_id), type: 'sms.received', data: smsEventData(sms) });
  }
}

export function smsEventData(sms: SmsRow) {
  return { id: sms.id, service_id: sms.service_id, from: sms.from_number, to: sms.to_number, text: sms.body, segments: Number(sms.segments), is_test: sms.is_test === 1, received_at: sms.received_at };
}

/** `service.live`: a service ordered through the Telco API went live (published from the request step that makes it live). */
export function serviceLiveEvent(svc: ServiceRow) {
  return {
    clientId: Number(svc.client_id),
    type: 'service.live' as const,
    data: {
      id: svc.id,
      number: svc.number,
      status: svc.status,
      type: svc.type,
      name: svc.name,
      target_number: svc.target_number,
      target_name: svc.target_name,
      custom_id: svc.custom_id,
      custom_group: svc.custom_group,
      live_at: svc.live_at,
    },
  };
}

/** `request.status`: a Telco request's status changed (the same fields as its request-status callback). */
export function requestStatusEvent(r: RequestRow, svc: ServiceRow | null, changes: { custom_id?: string | null; custom_group?: string | null }) {
  return {
    clientId: Number(r.client_id),
    type: 'request.status' as const,
    data: {
      request_id: r.id,
      type: r.type,
      status: r.status,
      service_id: r.service_id,
      number: r.number,
      custom_id: svc?.custom_id ?? changes.custom_id ?? null,
      custom_group: svc?.custom_group ?? changes.custom_group ?? null,
      error: r.error_code ? { code: r.error_code, text: r.error_text ?? '' } : null,
    },
  };
}
