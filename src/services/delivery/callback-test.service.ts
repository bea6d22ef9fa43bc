import type { Clock } from '../../domain/clock.ts';
import { syntheticCallForTags } from '../../domain/delivery/callback-tags.ts';
import { AppError, fieldError } from '../../domain/errors.ts';
import type { Storage } from '../../storage/database.ts';
import * as accounts from '../../storage/accounts/account.repository.ts';
import { latestFinalizedCallOfService } from '../../storage/calls/telephony.repository.ts';
import * as services from '../../storage/telco/service.repository.ts';
import { callbackRequest } from './call-delivery.service.ts';
import type { DeliveryService } from './delivery.service.ts';

/** What a test callback did: the request sent and what came back (nothing is written to the delivery log). */
export interface CallbackTestResult {
  url: string;
  method: 'GET' | 'POST';
  sample: 'latest_call' | 'synthetic';
  /** the call whose values filled the tags (latest_call only) */
  call_id?: number;
  /** the fresh `webhook-id` the request carried */
  webhook_id: string;
  status: number | null;
  ok: boolean;
  latency_ms: number;
  response_excerpt: string | null;
  error: string | null;
}

/**
 * A service's HTTP Callback tried now, before or after it is saved: the template (a draft, or the saved one) rendered
 * with a sample call's values and sent the way the delivery engine sends an attempt (DeliveryService.sendNow), once
 * and synchronously, without a delivery row.
 */
export class CallbackTestService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly delivery: Pick<DeliveryService, 'sendNow'>,
    private readonly opts: { publicUrl: string },
  ) {}

  async send(clientId: number, serviceId: string, draftUrl?: string): Promise<CallbackTestResult> {
    const db = this.storage.db;
    const svc = await services.findService(db, clientId, serviceId);
    if (!svc) throw new AppError('not_found', `service ${serviceId} does not exist`);
    const template = draftUrl ?? svc.call_callback_uri;
    if (!template) throw fieldError('url', 'is required: the service has no callback URL (call_callback_uri) saved yet');
    const latest = await latestFinalizedCallOfService(db, clientId, svc);
    const call =
      latest ??
      syntheticCallForTags({
        trackingNumber: svc.number,
        trackingName: svc.name,
        targetNumber: svc.target_number,
        targetName: svc.target_name,
        customId: svc.custom_id,
        customGroup: svc.custom_group,
        timezone: (await accounts.findAccount(db, clientId))?.timezone ?? 'UTC',
        now: this.clock.now(),
      });
    const req = callbackRequest(svc, call, template, this.opts.publicUrl);
    if (!isHttpUrl(req.url)) throw fieldError('url', `must be an http(s) URL (with its tags filled in it reads ${JSON.stringify(req.url.slice(0, 200))})`);
    const sent = await this.delivery.sendNow({ clientId, ...req });
    const r = sent.result;
    const base = { url: req.url, method: req.method, sample: latest ? ('latest_call' as const) : ('synthetic' as const), ...(latest ? { call_id: Number(latest.id) } : {}), webhook_id: sent.id, latency_ms: sent.durationMs };
    if (r.kind === 'response') {
      const ok = r.status >= 200 && r.status < 300;
      return { ...base, status: r.status, ok, response_excerpt: r.body, error: ok ? null : `the receiver answered HTTP ${r.status}` };
    }
    return { ...base, status: null, ok: false, response_excerpt: null, error: r.kind === 'refused' ? r.error : failureReason(r.error) };
  }
}

function isHttpUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** A transport failure as a reason a person reads first: timeout, connection refused, DNS, TLS, reset; then the detail. */
export function failureReason(error: string): string {
  const rules: [RegExp, string][] = [
    [/timeout|timed out|no complete answer within|hard deadline/i, 'timeout'],
    [/ECONNREFUSED/, 'connection refused'],
    [/ENOTFOUND|EAI_AGAIN|EAI_NONAME|cannot resolve/i, 'DNS: the host name does not resolve'],
    [/certificate|CERT_|SSL|TLS|self.signed/i, 'TLS'],
    [/ECONNRESET|socket hang up|other side closed|EPIPE/i, 'connection reset'],
    [/EHOSTUNREACH|ENETUNREACH/, 'host unreachable'],
  ];
  const hit = rules.find(([re]) => re.test(error));
  return hit ? `${hit[1]}: ${error}` : error;
}
