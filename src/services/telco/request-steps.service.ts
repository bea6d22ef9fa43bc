import type { Clock } from '../../domain/clock.ts';
import type { ServiceChanges } from '../../domain/telco/service-fields.ts';
import type { Executor, Storage } from '../../storage/database.ts';
import type { RequestRow } from '../../storage/telco/request.repository.ts';
import type { ServiceRow } from '../../storage/telco/service.repository.ts';
import type { InventoryService } from '../inventory/inventory.service.ts';
import type { RequestStatusNotifier } from './request-status.ts';

const LEASE_MS = 60_000;

/**
 * Carries out Telco requests: `claimDue` leases due requests, `advance` moves one a step (queued → processing →
 * completed | failed), each step in one transaction so a crash before commit leaves it to be retried. The loop that
 * drives it is `jobs/telco-requests.job.ts`.
 */
export class TelcoRequestSteps {
  private readonly repos: Storage['repos'];

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly inventory: InventoryService,
    private readonly statusCallbacks: RequestStatusNotifier,
    private readonly opts: {
      propagationDelaySeconds: number;
      onServiceLive?: (tx: Executor, service: ServiceRow) => Promise<void>;
    },
  ) {
    this.repos = storage.repos;
  }

  /** Leases up to `limit` due requests, oldest first (so an update and a decommission run in the order asked for). */
  async claimDue(limit: number): Promise<RequestRow[]> {
    const now = this.clock.now();
    const claimed = await this.storage.tx((tx) => this.repos.requests.claimDueRequests(tx, now.toISOString(), new Date(now.getTime() + LEASE_MS).toISOString(), limit));
    return claimed.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : 1));
  }

  /** One idempotent step of a request, in one transaction: a crash before commit leaves it to be retried. */
  async advance(id: string): Promise<void> {
    await this.storage.tx(async (tx) => {
      const r = await this.repos.requests.findRequestById(tx, id);
      if (!r || r.status === 'completed' || r.status === 'failed') return;
      const now = this.clock.now();
      if (await this.waitsForEarlier(tx, r, now)) return;
      if (r.status === 'queued') {
        const processing = { ...r, status: 'processing', updated_at: now.toISOString() };
        await this.repos.requests.updateRequest(tx, r.id, { status: 'processing', updated_at: processing.updated_at });
        await this.statusCallbacks.notify(tx, processing, null);
        r.status = 'processing';
      }
      const changes = JSON.parse(r.changes) as ServiceChanges;
      if (r.type === 'new') {
        let svc = await this.repos.services.findServiceById(tx, r.service_id!);
        if (!svc) {
          const num = await this.repos.numbers.findNumber(tx, r.number!);
          if (!num || num.state !== 'reserved' || num.reserved_request_id !== r.id) {
            return this.finish(tx, r, 'failed', null, { code: 'number_unavailable', text: `${r.number} is no longer reserved for this request` });
          }
          svc = {
            id: r.service_id!,
            client_id: r.client_id,
            number: r.number!,
            type: changes.type ?? 'transfer',
            status: 'provisioning',
            name: changes.name ?? null,
            target_number: changes.target_number ?? null,
            target_name: changes.target_name ?? null,
            prompt_url: changes.prompt_url ?? null,
            prompt_text: changes.prompt_text ?? null,
            custom_id: changes.custom_id ?? null,
            custom_group: changes.custom_group ?? null,
            call_callback_uri: changes.call_callback_uri ?? null,
            sms_forward_uri: changes.sms_forward_uri ?? null,
            call_callback_method: changes.call_callback_method ?? 'GET',
            ring_timeout: changes.ring_timeout ?? 30,
            record: changes.record ?? 0,
            voicemail_fallback: changes.voicemail_fallback ?? 0,
            ivr_options: changes.ivr_options ?? null,
            artic_queue_id: changes.artic_queue_id ?? null,
            artic_menu_id: changes.artic_menu_id ?? null,
            notifications: changes.notifications ?? '[]',
            created_at: now.toISOString(),
            updated_at: now.toISOString(),
            live_at: null,
            decommissioned_at: null,
          };
          await this.repos.services.insertService(tx, svc);
          await this.repos.numbers.updateNumber(tx, svc.number, { state: 'active', service_id: svc.id, reserved_request_id: null, last_client_id: r.client_id, updated_at: now.toISOString() });
          if (this.opts.propagationDelaySeconds > 0) {
            // The network takes a while to learn the new number; come back when it has.
            await this.repos.requests.updateRequest(tx, r.id, { run_after: new Date(now.getTime() + this.opts.propagationDelaySeconds * 1000).toISOString(), lease_until: null });
            return;
          }
        }
        await this.repos.services.updateService(tx, svc.id, { status: 'live', live_at: now.toISOString(), updated_at: now.toISOString() });
        const live = { ...svc, status: 'live', live_at: now.toISOString() };
        await this.opts.onServiceLive?.(tx, live);
        return this.finish(tx, r, 'completed', live, null);
      }
      const svc = await this.repos.services.findServiceById(tx, r.service_id!);
      if (!svc || svc.status === 'decommissioned') {
        return this.finish(tx, r, 'failed', svc ?? null, { code: 'service_decommissioned', text: `service ${r.service_id} is decommissioned` });
      }
      if (r.type === 'update') {
        await this.repos.services.updateService(tx, svc.id, { ...changes, updated_at: now.toISOString() });
        return this.finish(tx, r, 'completed', { ...svc, ...changes }, null);
      }
      await this.repos.services.updateService(tx, svc.id, { status: 'decommissioned', decommissioned_at: now.toISOString(), updated_at: now.toISOString() });
      await this.inventory.quarantine(tx, svc.number, now);
      return this.finish(tx, r, 'completed', { ...svc, status: 'decommissioned' }, null);
    });
  }

  /**
   * Requests on one service are carried out in the order they were made: while an earlier one (the `new` still
   * propagating, an update) is unfinished, a later one waits, whichever worker claimed it.
   */
  private async waitsForEarlier(tx: Executor, r: RequestRow, now: Date): Promise<boolean> {
    if (!r.service_id || r.type === 'new') return false;
    const earlier = await this.repos.requests.findEarlierUnfinished(tx, r);
    if (!earlier) return false;
    await this.repos.requests.updateRequest(tx, r.id, { run_after: new Date(now.getTime() + 1000).toISOString(), lease_until: null });
    return true;
  }

  private async finish(tx: Executor, r: RequestRow, status: 'completed' | 'failed', svc: ServiceRow | null, error: { code: string; text: string } | null) {
    const now = this.clock.now().toISOString();
    const patch = { status, updated_at: now, completed_at: now, lease_until: null, error_code: error?.code ?? null, error_text: error?.text ?? null };
    await this.repos.requests.updateRequest(tx, r.id, patch);
    if (status === 'failed' && r.type === 'new' && r.number) {
      // Give back a number this request had reserved.
      await this.repos.numbers.releaseReservation(tx, r.number, r.id, now);
    }
    await this.statusCallbacks.notify(tx, { ...r, ...patch }, svc);
  }
}
