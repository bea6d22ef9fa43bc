import { AppError, fieldError } from '../../domain/errors.ts';
import type { Clock } from '../../domain/clock.ts';
import { decodeCursor, idKey, pageOf } from '../../domain/cursor.ts';
import type { Executor, Storage } from '../../storage/database.ts';
import * as deliveries from '../../storage/delivery/delivery.repository.ts';
import type { DeliveryService } from './delivery.service.ts';

/** The delivery log an account reads (`/webapi/v1/deliveries`): its deliveries with their attempts, and redelivery. */
export class DeliveryLogService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly engine: Pick<DeliveryService, 'announce'>,
  ) {}

  /** The delivery log of one account, newest first, each delivery with its attempts. */
  async list(clientId: number, f: { status?: string; kind?: string; callId?: number; subjectId?: string; since?: string; until?: string; limit: number; cursor?: string }) {
    const since = f.since === undefined ? undefined : isoOrThrow('since', f.since);
    const until = f.until === undefined ? undefined : isoOrThrow('until', f.until);
    const before = f.cursor === undefined ? undefined : decodeCursor(f.cursor, idKey(/^msg_[0-9a-z]{22}$/));
    const subjectId = f.callId !== undefined ? String(f.callId) : f.subjectId;
    const rows = await deliveries.listDeliveries(this.storage.db, clientId, { status: f.status, kind: f.kind, subjectId, since, until, before, limit: f.limit + 1 });
    const { items, nextCursor } = pageOf(rows, f.limit, (d) => d.id);
    const attempts = await deliveries.listAttempts(this.storage.db, items.map((d) => d.id));
    return { items: items.map((d) => ({ delivery: d, attempts: attempts.filter((a) => a.delivery_id === d.id) })), nextCursor };
  }

  async get(clientId: number, id: string) {
    const d = await deliveries.findDelivery(this.storage.db, clientId, id);
    if (!d) throw new AppError('not_found', `delivery ${id} does not exist`);
    return { delivery: d, attempts: await deliveries.listAttempts(this.storage.db, [id]) };
  }

  /**
   * Sends a delivery again now, with the same id (so receivers can deduplicate) and a fresh retry schedule. A
   * delivery being attempted right now cannot be redelivered (409). `within` runs in the same transaction (e.g. the
   * audit entry of who asked).
   */
  async redeliver(clientId: number, id: string, within?: (tx: Executor) => Promise<void>) {
    await this.storage.tx(async (tx) => {
      const d = await deliveries.findDelivery(tx, clientId, id);
      if (!d) throw new AppError('not_found', `delivery ${id} does not exist`);
      const now = this.clock.now().toISOString();
      if (d.status === 'pending' && d.lease_until !== null && d.lease_until > now) throw new AppError('conflict', `delivery ${id} is being attempted right now; try again shortly`);
      await deliveries.updateDelivery(tx, id, { status: 'pending', attempts: 0, next_attempt_at: now, lease_until: null, lease_owner: null, delivered_at: null, updated_at: now });
      await within?.(tx);
    });
    this.engine.announce();
    return this.get(clientId, id);
  }
}

function isoOrThrow(field: string, v: string): string {
  const t = Date.parse(v);
  if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}/.test(v)) throw fieldError(field, 'must be an ISO 8601 date or date-time, e.g. 2026-01-31T00:00:00Z');
  return new Date(t).toISOString();
}
