import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { AppError } from '../../domain/errors.ts';
import type { Clock } from '../../domain/clock.ts';
import { newId } from '../../domain/ids.ts';
import { twimlToEvents, type TwimlKind } from '../../telephony/adapters/twiml/events.ts';
import type { FlavourCredentials, TwimlFlavour } from '../../telephony/adapters/twiml/flavours.ts';
import { EMPTY_TWIML, type RenderCtx } from '../../telephony/adapters/twiml/render.ts';
import type { Storage } from '../../storage/database.ts';
import type { CarrierRequestRow } from '../../storage/calls/telephony.repository.ts';
import type { CallIngestService } from './call-ingest.service.ts';

export interface CarrierHttpRequest {
  /** Path and query exactly as received. */
  url: string;
  query: Record<string, string | undefined>;
  rawBody: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * What became of a carrier request: `accepted` (stored; answer the TwiML), `refused` (missing or wrong signature:
 * nothing stored) or `invalid` (signed, but not a request we can use: stored with its error). Busy storage is thrown
 * (`unavailable`), so the carrier is told to try again.
 */
export type CarrierWebhookResult = { kind: 'accepted'; twiml: string } | { kind: 'refused' } | { kind: 'invalid'; message: string };

export interface CarrierWebhookOptions {
  publicUrl: string;
  mode: 'sandbox' | 'production';
  credentials: FlavourCredentials;
  /** Webhook credentials per flavour (SignalWire signing key, Telnyx public key); twilio falls back to `credentials`, any other flavour without an entry is refused. */
  credentialsFor?: Partial<Record<TwimlFlavour['name'], FlavourCredentials>>;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
}

/** Headers that sign a carrier request: with the path and the body they make a replay recognisable. */
const SIGNATURE_HEADERS = ['x-twilio-signature', 'x-signalwire-signature', 'telnyx-signature-ed25519', 'telnyx-timestamp'];

/** The identity of a signed carrier request (stored once; a replay of it is counted): a hash of what was signed and its signature. */
function requestKey(flavour: string, kind: string, req: CarrierHttpRequest, kept: Record<string, string>): string {
  const h = createHash('sha256').update(`${flavour}\n${kind}\n${req.url}\n`);
  for (const name of SIGNATURE_HEADERS) h.update(`${kept[name] ?? ''}\n`);
  return h.update(req.rawBody).digest('base64url');
}

const KEPT_HEADERS = ['content-type', 'user-agent', 'x-twilio-signature', 'x-signalwire-signature', 'telnyx-signature-ed25519', 'telnyx-timestamp', 'i-twilio-idempotency-token'];

/** The carriers' way in: verifies a webhook's signature, keeps the raw request, and hands it to ingestion by kind. */
export class CarrierWebhookService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly ingest: CallIngestService,
    private readonly opts: CarrierWebhookOptions,
  ) {}

  /** The carrier name a request belongs to: `sandbox` for the built-in simulated carrier, else the flavour. */
  carrierName(flavour: TwimlFlavour, accountSid: string | null): string {
    return this.opts.mode === 'sandbox' && accountSid === this.opts.credentials.accountSid && flavour.name === 'twilio' ? 'sandbox' : flavour.name;
  }

  /** The credentials a flavour's webhooks are verified with: Twilio's by default; a flavour without any is refused. */
  private credentialsOf(flavour: TwimlFlavour): FlavourCredentials {
    return this.opts.credentialsFor?.[flavour.name] ?? (flavour.name === 'twilio' ? this.opts.credentials : { accountSid: '', authToken: '' });
  }

  /** One request from a Twilio-style carrier: verified, stored raw, ingested; `accepted` with the TwiML to answer. */
  async handle(flavour: TwimlFlavour, kind: TwimlKind, req: CarrierHttpRequest): Promise<CarrierWebhookResult> {
    const params = new URLSearchParams(req.rawBody);
    const list = [...params];
    const now = this.clock.now();
    if (!flavour.verify({ url: this.opts.publicUrl + req.url, headers: req.headers, params: list, rawBody: req.rawBody, nowMs: now.getTime() }, this.credentialsOf(flavour))) {
      this.opts.log.warn({ carrier: flavour.name, kind, url: req.url }, 'carrier request refused: missing or wrong signature');
      return { kind: 'refused' };
    }
    const parsed = twimlToEvents(kind, params, req.query, now);
    const carrier = this.carrierName(flavour, parsed.accountSid);
    const headers: Record<string, string> = {};
    for (const h of KEPT_HEADERS) {
      const v = req.headers[h];
      if (v !== undefined) headers[h] = Array.isArray(v) ? v.join(', ') : v;
    }
    const raw: CarrierRequestRow = {
      id: newId('crq', now.getTime()),
      carrier,
      kind,
      path: req.url,
      carrier_call_id: kind === 'sms' ? params.get('MessageSid') : parsed.carrierCallId,
      headers: JSON.stringify(headers),
      body: req.rawBody,
      error: null,
      received_at: now.toISOString(),
      dedupe_key: requestKey(flavour.name, kind, req, headers),
    };
    const ctx: Omit<RenderCtx, 'trackingNumber'> = { callbackBase: `${this.opts.publicUrl}/carrier/${flavour.pathName}`, flavour };
    try {
      switch (kind) {
        case 'voice':
          return { kind: 'accepted', twiml: await this.ingest.inbound(carrier, parsed.carrierCallId, parsed.events[0], raw, ctx, now) };
        case 'sms':
          return { kind: 'accepted', twiml: await this.ingest.sms(carrier, params, raw, now) };
        case 'outbound':
          if (parsed.events[0]?.body.kind === 'call.ended') {
            await this.ingest.outboundEnded(carrier, parsed.carrierCallId, parsed.events, raw, now, req.query.call ?? '');
            return { kind: 'accepted', twiml: EMPTY_TWIML };
          }
          return { kind: 'accepted', twiml: await this.ingest.outbound(carrier, parsed.carrierCallId, parsed.events[0], raw, ctx, now, req.query.call ?? '') };
        case 'dial':
        case 'gather':
        case 'record':
          return { kind: 'accepted', twiml: await this.ingest.action(kind, carrier, parsed.carrierCallId, parsed.events, raw, ctx, req.query.step ?? '', req.query.qc ? { qc: req.query.qc, callStatus: params.get('CallStatus') } : undefined) };
        case 'queue':
          return { kind: 'accepted', twiml: await this.ingest.queuePoll(carrier, parsed.carrierCallId, raw, ctx, req.query.qc ?? '') };
        default:
          await this.ingest.notification(carrier, parsed.carrierCallId, parsed.events, raw, req.query.qc);
          return { kind: 'accepted', twiml: EMPTY_TWIML };
      }
    } catch (err) {
      // Busy storage: nothing was stored, and nothing can be now; the 503 makes the carrier send the request again.
      if (err instanceof AppError && err.code === 'unavailable') {
        this.opts.log.warn({ carrier, kind, url: req.url, error: err.message }, 'carrier request refused with 503: the database is busy; the carrier retries it');
        throw err;
      }
      if (err instanceof AppError) {
        await this.storage.tx((tx) => this.storage.repos.telephony.insertCarrierRequest(tx, { ...raw, error: err.message }));
        return { kind: 'invalid', message: err.message };
      }
      // Keep the request for replay even when ingesting it failed.
      await this.storage.tx((tx) => this.storage.repos.telephony.insertCarrierRequest(tx, { ...raw, id: newId('crq'), error: String((err as Error).message ?? err) })).catch(() => undefined);
      throw err;
    }
  }
}
