import type { ServiceChanges } from '../../domain/telco/service-fields.ts';
import type { Executor } from '../../storage/database.ts';
import type { RequestRow } from '../../storage/telco/request.repository.ts';
import type { ServiceRow } from '../../storage/telco/service.repository.ts';
import type { DeliveryService } from '../delivery/delivery.service.ts';
import type { AccountEvents } from '../events/account-events.ts';
import { requestStatusEvent } from '../events/event-consumers.ts';

/** Queues a Telco request's status callback, in the transaction of the status change, when the order asked for one. */
export class RequestStatusNotifier {
  constructor(
    private readonly delivery: Pick<DeliveryService, 'enqueue'>,
    /** Where the `request.status` event goes (the account's subscriptions), whether or not the order asked for a callback. */
    private readonly events?: AccountEvents,
  ) {}

  async notify(tx: Executor, r: RequestRow, svc: ServiceRow | null): Promise<void> {
    const changes = JSON.parse(r.changes) as ServiceChanges;
    await this.events?.publish(tx, requestStatusEvent(r, svc, changes));
    if (!r.callback_uri) return;
    const params = new URLSearchParams({
      request_id: r.id,
      type: r.type,
      status: r.status,
      service_id: r.service_id ?? '',
      number: r.number ?? '',
      custom_id: svc?.custom_id ?? changes.custom_id ?? '',
      custom_group: svc?.custom_group ?? changes.custom_group ?? '',
      error: r.error_code ?? '',
    });
    const url = `${r.callback_uri}${r.callback_uri.includes('?') ? '&' : '?'}${params.toString()}`;
    await this.delivery.enqueue(tx, { clientId: Number(r.client_id), kind: 'request_status', subjectId: r.id, method: 'GET', url });
  }
}
