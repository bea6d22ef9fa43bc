import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { AppError } from '../domain/errors.ts';
import type { Clock } from '../domain/clock.ts';
import { newId, newToken } from '../domain/ids.ts';
import { parseNumber } from '../domain/phone.ts';
import { callerGeo, classifyCaller } from '../domain/caller-geo.ts';
import { feedLineColumns } from '../domain/call-report.ts';
import { buildCallPlan, continuation, type CallPlan, type Step, type StepResult } from '../telephony/call-plan.ts';
import { eventKey, type EdgeEvent } from '../telephony/call-events.ts';
import { reduceCall, type StoredEvent } from '../telephony/call-record.ts';
import { twimlToEvents, type TwimlKind } from '../telephony/adapters/twiml/events.ts';
import type { FlavourCredentials, TwimlFlavour } from '../telephony/adapters/twiml/flavours.ts';
import { awaitedSteps, EMPTY_TWIML, HANGUP_TWIML, rejectTwiml, renderTwiml, TWIML_CONTENT_TYPE, type RenderCtx } from '../telephony/adapters/twiml/render.ts';
import type { Executor, Storage } from '../storage/database.ts';
import { isUniqueViolation } from '../storage/database.ts';
import * as numbers from '../storage/number.repository.ts';
import * as services from '../storage/service.repository.ts';
import * as accounts from '../storage/account.repository.ts';
import * as repo from '../storage/telephony.repository.ts';
import { WriteBatcher } from '../storage/write-batcher.ts';
import type { CallHooks } from './call-hooks.ts';
import type { InventoryService } from './inventory.service.ts';

/** The public URL of a call's recording (`[[audio]]`): authenticated, and unguessable by its token. */
export function audioUrl(publicUrl: string, call: { has_audio: number; audio_token: string | null }): string {
  return call.has_audio && call.audio_token ? `${publicUrl}/recordings/${call.audio_token}.wav` : '';
}

/** The caller id of automatic test calls: ACMA's range for fictitious numbers ((02) 5550 xxxx), so it never rings anyone. */
export const PROBE_NUMBER = '+61255501234';
const PROBE_WINDOW_MS = 120_000;
/** The longest a call may last before it is finalized without its end (Twilio's default Dial timeLimit). */
const MAX_CALL_MS = 4 * 3600_000;
const RECORDING_MAX_ATTEMPTS = 8;

export interface CarrierHttpRequest {
  /** Path and query exactly as received. */
  url: string;
  query: Record<string, string | undefined>;
  rawBody: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface CarrierHttpResponse {
  status: number;
  contentType: string;
  body: string;
}

export interface CallServiceOptions {
  publicUrl: string;
  dataDir: string;
  graceSeconds: number;
  mode: 'sandbox' | 'production';
  credentials: FlavourCredentials;
  /** Webhook credentials per flavour (SignalWire signing key, Telnyx public key); twilio falls back to `credentials`, any other flavour without an entry is refused. */
  credentialsFor?: Partial<Record<TwimlFlavour['name'], FlavourCredentials>>;
  /** Downloads a recording's media (the carrier URL without extension; WAV is asked for). */
  fetchMedia: (carrierUrl: string) => Promise<Buffer>;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
}

interface SessionPlan {
  plan: CallPlan;
  tracking: string;
  target: { number: string | null; name: string | null };
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/**
 * A session's plan as stored (JSON), parsed once: calls to the same service store the same plan, and every callback of
 * a call reads it again. Kept read-only (frozen), the newest 512.
 */
const plans = new Map<string, SessionPlan>();
function sessionPlan(json: string): SessionPlan {
  let sp = plans.get(json);
  if (!sp) {
    sp = deepFreeze(JSON.parse(json) as SessionPlan);
    if (plans.size >= 512) plans.delete(plans.keys().next().value!);
    plans.set(json, sp);
  }
  return sp;
}

const NODE = `TT${process.pid % 100}`;
let seq = Math.floor(Math.random() * 1_000_000);

/** `NODE-unixtime.seq`, as the original's uniqueid. */
function uniqueId(at: Date): string {
  seq = (seq + 1) % 1_000_000;
  return `${NODE}-${Math.floor(at.getTime() / 1000)}.${String(seq).padStart(6, '0')}`;
}

const xml = (body: string): CarrierHttpResponse => ({ status: 200, contentType: TWIML_CONTENT_TYPE, body });
/** Numbers repeat (the same tracking numbers and callers): parsing with libphonenumber is worth remembering. */
const e164Cache = new Map<string, string | null>();
const e164 = (s: string): string | null => {
  let v = e164Cache.get(s);
  if (v === undefined) {
    v = parseNumber(s)?.e164 ?? null;
    if (e164Cache.size >= 10_000) e164Cache.clear();
    e164Cache.set(s, v);
  }
  return v;
};
const geoCache = new Map<string, ReturnType<typeof callerGeo>>();
const geoOf = (n: string | null) => {
  if (!n) return callerGeo(null);
  let g = geoCache.get(n);
  if (!g) {
    g = callerGeo(n);
    if (geoCache.size >= 10_000) geoCache.clear();
    geoCache.set(n, g);
  }
  return g;
};

/** Headers that sign a carrier request: with the path and the body they make a replay recognisable. */
const SIGNATURE_HEADERS = ['x-twilio-signature', 'x-signalwire-signature', 'telnyx-signature-ed25519', 'telnyx-timestamp'];

/** The identity of a signed carrier request (stored once; a replay of it is counted): a hash of what was signed and its signature. */
function requestKey(flavour: string, kind: string, req: CarrierHttpRequest, kept: Record<string, string>): string {
  const h = createHash('sha256').update(`${flavour}\n${kind}\n${req.url}\n`);
  for (const name of SIGNATURE_HEADERS) h.update(`${kept[name] ?? ''}\n`);
  return h.update(req.rawBody).digest('base64url');
}

const KEPT_HEADERS = ['content-type', 'user-agent', 'x-twilio-signature', 'x-signalwire-signature', 'telnyx-signature-ed25519', 'telnyx-timestamp', 'i-twilio-idempotency-token'];

/**
 * The telephony edge's use cases: ingests carrier requests (stored raw, then as idempotent carrier-neutral events),
 * answers them with the call plan rendered for the carrier, keeps the call record derived from the events, copies
 * recordings into TT_DATA_DIR, and finalizes each call exactly once.
 */
export class CallService {
  /** Carrier requests are many small writes: grouped into shared commits on SQLite. */
  readonly writes: WriteBatcher;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly inventory: InventoryService,
    private readonly hooks: CallHooks,
    private readonly opts: CallServiceOptions,
  ) {
    this.writes = new WriteBatcher(storage);
  }

  /** The hot queries of this transaction: committed SQL on SQLite, Kysely on PostgreSQL. */
  private store(tx: Executor): repo.CallStore {
    return repo.callStore(tx, this.storage.dialect, this.storage.sqlite);
  }

  /** The carrier name a request belongs to: `sandbox` for the built-in simulated carrier, else the flavour. */
  carrierName(flavour: TwimlFlavour, accountSid: string | null): string {
    return this.opts.mode === 'sandbox' && accountSid === this.opts.credentials.accountSid && flavour.name === 'twilio' ? 'sandbox' : flavour.name;
  }

  /** The credentials a flavour's webhooks are verified with: Twilio's by default; a flavour without any is refused. */
  private credentialsOf(flavour: TwimlFlavour): FlavourCredentials {
    return this.opts.credentialsFor?.[flavour.name] ?? (flavour.name === 'twilio' ? this.opts.credentials : { accountSid: '', authToken: '' });
  }

  /** One request from a Twilio-style carrier: verified, stored raw, ingested; answers TwiML (403 when the signature is wrong). */
  async handle(flavour: TwimlFlavour, kind: TwimlKind, req: CarrierHttpRequest): Promise<CarrierHttpResponse> {
    const params = new URLSearchParams(req.rawBody);
    const list = [...params];
    const now = this.clock.now();
    if (!flavour.verify({ url: this.opts.publicUrl + req.url, headers: req.headers, params: list, rawBody: req.rawBody, nowMs: now.getTime() }, this.credentialsOf(flavour))) {
      this.opts.log.warn({ carrier: flavour.name, kind, url: req.url }, 'carrier request refused: missing or wrong signature');
      return { status: 403, contentType: 'text/plain; charset=utf-8', body: 'invalid signature' };
    }
    const parsed = twimlToEvents(kind, params, req.query, now);
    const carrier = this.carrierName(flavour, parsed.accountSid);
    const headers: Record<string, string> = {};
    for (const h of KEPT_HEADERS) {
      const v = req.headers[h];
      if (v !== undefined) headers[h] = Array.isArray(v) ? v.join(', ') : v;
    }
    const raw: repo.CarrierRequestRow = {
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
          return await this.inbound(carrier, parsed.carrierCallId, parsed.events[0], raw, ctx, now);
        case 'sms':
          return await this.sms(carrier, params, raw, now);
        case 'dial':
        case 'gather':
        case 'record':
          return await this.action(kind, carrier, parsed.carrierCallId, parsed.events, raw, ctx, req.query.step ?? '');
        default:
          await this.notification(carrier, parsed.carrierCallId, parsed.events, raw);
          return xml(EMPTY_TWIML);
      }
    } catch (err) {
      // Busy storage: nothing was stored, and nothing can be now; the 503 makes the carrier send the request again.
      if (err instanceof AppError && err.code === 'unavailable') {
        this.opts.log.warn({ carrier, kind, url: req.url, error: err.message }, 'carrier request refused with 503: the database is busy; the carrier retries it');
        throw err;
      }
      if (err instanceof AppError) {
        await this.storage.tx((tx) => repo.insertCarrierRequest(tx, { ...raw, error: err.message }));
        return { status: 400, contentType: 'text/plain; charset=utf-8', body: err.message };
      }
      // Keep the request for replay even when ingesting it failed.
      await this.storage.tx((tx) => repo.insertCarrierRequest(tx, { ...raw, id: newId('crq'), error: String((err as Error).message ?? err) })).catch(() => undefined);
      throw err;
    }
  }

  private async inbound(carrier: string, callSid: string | null, received: EdgeEvent | undefined, raw: repo.CarrierRequestRow, ctx: Omit<RenderCtx, 'trackingNumber'>, now: Date): Promise<CarrierHttpResponse> {
    const body = received?.body;
    const to = body?.kind === 'call.received' ? e164(body.trackingNumber) : null;
    if (!callSid || !to || !received || body?.kind !== 'call.received') throw new AppError('validation_failed', 'CallSid and a valid To number are required');
    const caller = classifyCaller(body.from, e164);
    const result = await this.writes.run(async (tx) => {
      const st = this.store(tx);
      raw.id = await st.insertCarrierRequest(raw);
      const existing = await st.findSession(carrier, callSid);
      if (existing) {
        // A retried webhook: the same answer, nothing new.
        const sp = sessionPlan(existing.plan);
        return { twiml: renderTwiml(sp.plan.steps, { ...ctx, trackingNumber: sp.tracking }), noise: false };
      }
      // Number, service and account in one lookup.
      const route = await st.inboundRoute(to);
      if (route?.numberState === 'quarantined') {
        const fresh = await st.insertEvent({ id: newId('cev', now.getTime()), carrier, carrier_call_id: callSid, kind: 'call.noise', dedupe_key: '-', occurred_at: received.occurredAt, received_at: now.toISOString(), data: JSON.stringify(body), raw_id: raw.id });
        return { twiml: rejectTwiml('rejected'), noise: fresh };
      }
      const svc = route?.service;
      if (!svc || svc.status !== 'live') return { twiml: rejectTwiml('rejected'), noise: false };
      const plan = buildCallPlan(svc);
      let testCallId: string | null = null;
      if (caller.e164 === PROBE_NUMBER) {
        const t = await repo.runningTestCallFor(tx, to, new Date(now.getTime() - PROBE_WINDOW_MS).toISOString());
        if (t) testCallId = t.id;
      }
      const geo = geoOf(caller.e164);
      const started = received.occurredAt;
      let callId = 0;
      for (let attempt = 0; ; attempt++) {
        try {
          callId = await st.insertCall({
            unique_id: uniqueId(new Date(started)),
            client_id: Number(svc.client_id),
            service_id: svc.id,
            direction: 'call-in',
            state: 'in_progress',
            carrier,
            carrier_call_id: callSid,
            tracking_number: to,
            tracking_name: svc.name,
            tracking_notes: null,
            target_number: svc.target_number,
            target_name: svc.target_name,
            caller_number: caller.e164,
            caller_withheld: caller.withheld ? 1 : 0,
            caller_location: geo.location,
            caller_state: geo.state,
            caller_country: geo.country,
            timezone: route.timezone ?? 'UTC',
            started_at: started,
            answered_at: null,
            ended_at: null,
            duration: 0,
            connection_duration: 0,
            talk_duration: 0,
            status_code: null,
            status: null,
            disposition: null,
            has_audio: 0,
            audio_token: null,
            recording_path: null,
            recording_duration: null,
            label: null,
            ivr: null,
            features: '[]',
            custom_id: svc.custom_id,
            custom_group: svc.custom_group,
            dni: null,
            sentiment: null,
            is_test: testCallId ? 1 : 0,
            finalized_at: null,
            created_at: now.toISOString(),
            updated_at: now.toISOString(),
          });
          break;
        } catch (err) {
          // Another process took the same unique id in the same second: draw the next one.
          if (!isUniqueViolation(err) || attempt > 5 || this.storage.dialect === 'postgres') throw err;
        }
      }
      const sp: SessionPlan = { plan, tracking: to, target: { number: svc.target_number, name: svc.target_name } };
      await st.insertSession({
        call_id: callId,
        carrier,
        carrier_call_id: callSid,
        plan: JSON.stringify(sp),
        test_call_id: testCallId,
        finalize_after: new Date(now.getTime() + MAX_CALL_MS + this.opts.graceSeconds * 1000).toISOString(),
        finalized: 0,
      });
      if (testCallId) await repo.updateTestCall(tx, testCallId, { call_id: callId, updated_at: now.toISOString() });
      // Callbacks that overtook the incoming-call webhook are folded in now; usually there are none.
      const early = await st.hasEvents(carrier, callSid);
      await this.storeEvents(tx, carrier, callSid, [received, ...this.renderedEvents(plan.steps, received.occurredAt)], raw.id, now);
      if (early) await this.recompute(tx, callId);
      return { twiml: renderTwiml(plan.steps, { ...ctx, trackingNumber: to }), noise: false };
    });
    if (result.noise) await this.inventory.recordNoiseCall(to, caller.e164 ?? (caller.withheld ? 'Private' : null), now);
    return xml(result.twiml);
  }

  /** Events for what a document asks the carrier to do that the record must hear back about. */
  private renderedEvents(steps: Step[], at: string): EdgeEvent[] {
    return awaitedSteps(steps).map((s) =>
      s.kind === 'transfer' ? { occurredAt: at, body: { kind: 'leg.started' as const, legId: s.id, target: s.targets[0], record: s.record } } : { occurredAt: at, body: { kind: 'record.started' as const, stepPath: s.id } },
    );
  }

  /** Stores events once each; says whether any new one can change the record, and whether a recording awaits its copy. */
  private async storeEvents(tx: Executor, carrier: string, callSid: string, events: EdgeEvent[], rawId: string, now: Date): Promise<{ changed: boolean; recording: boolean }> {
    let changed = false;
    let recording = false;
    if (!events.length) return { changed, recording };
    const st = this.store(tx);
    for (const e of events) {
      const fresh = await st.insertEvent({
        id: newId('cev', now.getTime()),
        carrier,
        carrier_call_id: callSid,
        kind: e.body.kind,
        dedupe_key: eventKey(e.body),
        occurred_at: e.occurredAt,
        received_at: now.toISOString(),
        data: JSON.stringify(e.body),
        raw_id: rawId,
      });
      if (!fresh) continue;
      // A ringing leg changes nothing in the record.
      if (e.body.kind !== 'leg.ringing') changed = true;
      if (e.body.kind === 'recording.ready') {
        const b = e.body;
        const status = b.status === 'completed' && b.durationSec > 0 && b.carrierUrl ? 'pending' : b.status === 'failed' ? 'failed' : 'absent';
        if (status === 'pending') recording = true;
        await repo.upsertRecording(tx, {
          id: newId('rec', now.getTime()),
          carrier,
          carrier_call_id: callSid,
          carrier_recording_id: b.recordingId,
          kind: b.recKind,
          carrier_url: b.carrierUrl,
          duration: b.durationSec,
          status,
          path: null,
          attempts: 0,
          next_attempt_at: null,
          error: null,
          created_at: now.toISOString(),
          updated_at: now.toISOString(),
        });
      }
    }
    return { changed, recording };
  }

  /** Dial, Gather and Record actions: stored, then answered with what the call does next. */
  private async action(kind: 'dial' | 'gather' | 'record', carrier: string, callSid: string | null, events: EdgeEvent[], raw: repo.CarrierRequestRow, ctx: Omit<RenderCtx, 'trackingNumber'>, step: string): Promise<CarrierHttpResponse> {
    if (!callSid) throw new AppError('validation_failed', 'CallSid is required');
    let recording = false;
    const twiml = await this.writes.run(async (tx) => {
      const st = this.store(tx);
      raw.id = await st.insertCarrierRequest(raw);
      const session = await st.findSession(carrier, callSid);
      const stored = await this.storeEvents(tx, carrier, callSid, events, raw.id, this.clock.now());
      recording = stored.recording;
      if (!session) return HANGUP_TWIML;
      const sp = sessionPlan(session.plan);
      let result: StepResult;
      if (kind === 'dial') {
        const ended = events.find((e) => e.body.kind === 'leg.ended')?.body;
        const r = ended?.kind === 'leg.ended' ? ended.result : 'failed';
        // The caller is gone: nothing more to run.
        if (r === 'canceled') {
          if (stored.changed) await this.recompute(tx, session.call_id, false, session);
          return HANGUP_TWIML;
        }
        result = { kind: 'transfer', answered: r === 'answered' };
      } else if (kind === 'gather') {
        const input = events.find((e) => e.body.kind === 'ivr.input')?.body;
        result = { kind: 'gather', digits: input?.kind === 'ivr.input' ? input.digits : '' };
      } else result = { kind: 'record' };
      const next = continuation(sp.plan, step, result);
      const at = events[0]?.occurredAt ?? this.clock.now().toISOString();
      const rendered = await this.storeEvents(tx, carrier, callSid, this.renderedEvents(next, at), raw.id, this.clock.now());
      if (stored.changed || rendered.changed) await this.recompute(tx, session.call_id, false, session);
      return renderTwiml(next, { ...ctx, trackingNumber: sp.tracking });
    });
    if (recording) await this.copyRecordingsNow(carrier, callSid);
    return xml(twiml);
  }

  /** Status and recording callbacks: stored; recordings are then copied into our storage. */
  private async notification(carrier: string, callSid: string | null, events: EdgeEvent[], raw: repo.CarrierRequestRow): Promise<void> {
    if (!callSid) throw new AppError('validation_failed', 'CallSid (or ParentCallSid) is required');
    const recording = await this.writes.run(async (tx) => {
      const st = this.store(tx);
      raw.id = await st.insertCarrierRequest(raw);
      const session = await st.findSession(carrier, callSid);
      const stored = await this.storeEvents(tx, carrier, callSid, events, raw.id, this.clock.now());
      if (session && stored.changed) await this.recompute(tx, session.call_id, false, session);
      return stored.recording;
    });
    if (recording) await this.copyRecordingsNow(carrier, callSid);
  }


  /**
   * Re-derives the call record from its events and finalizes it when nothing more is awaited (or `forced`, when the
   * grace window has passed). Runs inside the caller's transaction; finalization happens exactly once.
   */
  private async recompute(tx: Executor, callId: number, forced = false, known?: repo.CallSessionRow): Promise<void> {
    const st = this.store(tx);
    const session = known ?? (await st.findSessionByCallId(callId));
    if (!session) return;
    // Late data for a finalized call (a recording copied after the grace window): the record follows it, derived as
    // finalization derived it; finalization itself, and the callbacks hung on it, stay once.
    const late = !!session.finalized;
    if (late) forced = true;
    const call = await st.findCall(callId);
    if (!call) return;
    const sp = sessionPlan(session.plan);
    const [events, recs] = await Promise.all([st.eventsOfCall(session.carrier, session.carrier_call_id), st.recordingsOfCall(session.carrier, session.carrier_call_id)]);
    const stored: StoredEvent[] = events.filter((e) => e.kind !== 'call.noise').map((e) => ({ occurredAt: e.occurred_at, body: JSON.parse(e.data) }));
    const r = reduceCall(
      {
        plan: sp.plan,
        startedAt: call.started_at,
        events: stored,
        recordings: recs.map((x) => ({ carrierRecordingId: x.carrier_recording_id, kind: x.kind as 'voicemail' | 'call', status: x.status, duration: x.duration, path: x.path })),
        service: { targetNumber: sp.target.number, targetName: sp.target.name },
      },
      forced,
    );
    const now = this.clock.now();
    const { complete, waitingFor: _w, ...fields } = r;
    // Only the columns that changed: an UPDATE rewrites the entries of every index on a column it sets.
    const patch: Partial<repo.CallRow> = {};
    const current = call as Record<string, unknown>;
    for (const [k, v] of Object.entries(fields)) if (current[k] !== v) (patch as Record<string, unknown>)[k] = v;
    if (r.has_audio && !call.audio_token) patch.audio_token = newToken(24);
    if (late) {
      delete patch.state;
      if (Object.keys(patch).length) {
        patch.updated_at = now.toISOString();
        // The stored CSV feed line follows the row (written by the same UPDATE; migration 009's trigger would clear it).
        Object.assign(patch, feedLineColumns({ ...call, ...patch }, this.opts.publicUrl));
        await st.updateCall(callId, patch);
        this.opts.log.info({ call: callId, fields: Object.keys(patch) }, 'finalized call updated by late data');
      }
      return;
    }
    if ((complete || forced) && r.state === 'ended' && (await st.claimFinalization(callId))) {
      patch.state = 'finalized';
      patch.finalized_at = now.toISOString();
      patch.updated_at = now.toISOString();
      // The call's CSV feed line, stored by the finalizing UPDATE itself (issue #5: feeds copy it instead of formatting).
      Object.assign(patch, feedLineColumns({ ...call, ...patch }, this.opts.publicUrl));
      await st.updateCall(callId, patch);
      const row = { ...call, ...patch } as repo.CallRow;
      await this.hooks.callFinalized(tx, row);
      if (session.test_call_id) await this.completeTestCall(tx, session.test_call_id, row);
      return;
    }
    // Nothing the events say has changed (e.g. a leg status that only repeats the dial action): no write.
    if (Object.keys(patch).length) {
      patch.updated_at = now.toISOString();
      await st.updateCall(callId, patch);
    }
    if (r.state === 'ended') {
      const graceEnd = new Date(now.getTime() + this.opts.graceSeconds * 1000).toISOString();
      if (graceEnd < session.finalize_after) await st.updateSession(callId, { finalize_after: graceEnd });
    }
  }

  private async completeTestCall(tx: Executor, testCallId: string, call: repo.CallRow): Promise<void> {
    const passed = call.status_code !== null && call.status_code !== 3;
    await repo.updateTestCall(tx, testCallId, {
      status: passed ? 'passed' : 'failed',
      call_id: call.id,
      result: JSON.stringify({ call_id: call.id, status_code: call.status_code, status: call.status, disposition: call.disposition, duration: call.duration }),
      lease_until: null,
      updated_at: this.clock.now().toISOString(),
    });
  }

  /** SMS: stored once per carrier message id and handed to the hooks in the same transaction. */
  private async sms(carrier: string, p: URLSearchParams, raw: repo.CarrierRequestRow, now: Date): Promise<CarrierHttpResponse> {
    const messageId = p.get('MessageSid') ?? p.get('SmsMessageSid') ?? p.get('SmsSid');
    const to = e164(p.get('To') ?? '');
    if (!messageId || !to) throw new AppError('validation_failed', 'MessageSid and a valid To number are required');
    const from = p.get('From');
    await this.writes.run(async (tx) => {
      raw.id = await repo.insertCarrierRequest(tx, raw);
      const num = await numbers.findNumber(tx, to);
      const svc = num?.service_id && num.state === 'active' ? await services.findServiceById(tx, num.service_id) : undefined;
      const live = svc && svc.status === 'live' ? svc : undefined;
      const segments = Number(p.get('NumSegments') ?? '1');
      const fromE164 = from ? e164(from) : null;
      const row = {
        id: newId('sms', now.getTime()),
        client_id: live ? Number(live.client_id) : null,
        service_id: live?.id ?? null,
        carrier,
        carrier_message_id: messageId,
        to_number: to,
        from_number: fromE164 ?? (from || null),
        body: p.get('Body') ?? '',
        segments: Number.isInteger(segments) && segments > 0 ? segments : 1,
        is_test: fromE164 === PROBE_NUMBER ? 1 : 0,
        received_at: now.toISOString(),
      };
      const fresh = await repo.insertSms(tx, row);
      if (fresh && row.client_id !== null) await this.hooks.smsReceived(tx, row);
    });
    return xml(EMPTY_TWIML);
  }

  /**
   * Copies announced recordings into TT_DATA_DIR/recordings (all due ones, or one call's); returns how many were handled.
   * A recording is `stored` (and its call `has_audio`) only once its file is durably in place: written to a temporary
   * file, fsynced, renamed. A failed download or write keeps the row `pending` with the error, the attempt count and
   * the next attempt's time (retried by the worker on the schedule; `failed` after the last attempt).
   */
  async copyRecordings(call?: { carrier: string; carrierCallId: string }, limit = 20): Promise<number> {
    const now = this.clock.now();
    const due = await repo.dueRecordings(this.storage.db, now.toISOString(), limit, call);
    for (const rec of due) {
      let file: string | null = null;
      let error: string | null = null;
      try {
        if (!rec.carrier_url) throw new Error('no recording URL');
        const media = await this.opts.fetchMedia(rec.carrier_url);
        const rel = path.join('recordings', now.toISOString().slice(0, 7), `${rec.id}-${newToken(9)}.wav`);
        await writeFileDurably(path.join(this.opts.dataDir, rel), media);
        file = rel;
      } catch (err) {
        error = (err as Error).message || String(err);
      }
      await this.storage.tx(async (tx) => {
        const session = await repo.findSession(tx, this.storage.dialect, rec.carrier, rec.carrier_call_id);
        if (file) await repo.updateRecording(tx, rec.id, { status: 'stored', path: file, error: null, next_attempt_at: null, updated_at: now.toISOString() });
        else {
          const attempts = rec.attempts + 1;
          const giveUp = attempts >= RECORDING_MAX_ATTEMPTS;
          const nextAt = giveUp ? null : new Date(now.getTime() + Math.min(3600, 10 * 2 ** attempts) * 1000).toISOString();
          const log = giveUp ? this.opts.log.error.bind(this.opts.log) : this.opts.log.warn.bind(this.opts.log);
          log({ recording: rec.id, carrier_call_id: rec.carrier_call_id, attempts, error, next_attempt_at: nextAt }, giveUp ? 'copying a recording failed for the last time: given up' : 'copying a recording failed; it will be retried');
          await repo.updateRecording(tx, rec.id, { status: giveUp ? 'failed' : 'pending', attempts, error, next_attempt_at: nextAt, updated_at: now.toISOString() });
          if (!giveUp) return;
        }
        if (session) await this.recompute(tx, session.call_id);
      });
    }
    return due.length;
  }

  /** Copies a call's announced recordings right after the webhook that announced them; a failure is left to the worker's retries. */
  private async copyRecordingsNow(carrier: string, carrierCallId: string): Promise<void> {
    try {
      await this.copyRecordings({ carrier, carrierCallId });
    } catch (err) {
      this.opts.log.warn({ err, carrier, carrier_call_id: carrierCallId }, 'copying a recording right away failed; the worker retries it');
    }
  }

  /** The recordings of a call of one of these accounts, with their copy status (404 when the call is not theirs). */
  async recordingsOfCall(callId: number, clientIds: number[]) {
    const call = Number.isSafeInteger(callId) ? await repo.findCall(this.storage.db, callId) : undefined;
    if (!call || !clientIds.includes(Number(call.client_id))) throw new AppError('not_found', `no call ${callId}`);
    const recs = await repo.recordingsOfCall(this.storage.db, call.carrier, call.carrier_call_id);
    return {
      call_id: Number(call.id),
      has_audio: !!call.has_audio,
      audio_url: audioUrl(this.opts.publicUrl, call) || null,
      recordings: recs.map((r) => ({
        id: r.id,
        kind: r.kind,
        status: r.status,
        duration: Number(r.duration),
        attempts: Number(r.attempts),
        error: r.error,
        next_attempt_at: r.next_attempt_at,
        updated_at: r.updated_at,
      })),
    };
  }

  /** Finalizes calls whose grace window has passed without everything they waited for; returns how many. */
  async finalizeDue(limit = 50): Promise<number> {
    const due = await repo.dueSessions(this.storage.db, this.clock.now().toISOString(), limit);
    for (const s of due) {
      await this.storage.tx(async (tx) => {
        const session = await repo.findSessionByCallId(tx, this.storage.dialect, Number(s.call_id));
        if (!session || session.finalized) return;
        await this.recompute(tx, Number(s.call_id), true);
      });
    }
    return due.length;
  }

  /** Jobs for the worker: recordings to copy again, calls to finalize. */
  async runDue(): Promise<number> {
    return (await this.copyRecordings()) + (await this.finalizeDue());
  }

  /** The account a sandbox caller may ring this number for: the live service's, or the last one's while quarantined. */
  async numberAccount(number: string): Promise<number | null> {
    const num = await numbers.findNumber(this.storage.db, number);
    if (!num) return null;
    if (num.state === 'active' && num.service_id) {
      const svc = await services.findServiceById(this.storage.db, num.service_id);
      return svc ? Number(svc.client_id) : null;
    }
    const owner = num.owner_client_id ?? num.last_client_id;
    return owner === null ? null : Number(owner);
  }

  async findSms(carrier: string, messageId: string) {
    return this.storage.db.selectFrom('sms_messages').selectAll().where('carrier', '=', carrier).where('carrier_message_id', '=', messageId).executeTakeFirst();
  }

  async findCallByCarrierId(carrier: string, carrierCallId: string) {
    return repo.findCallByCarrierId(this.storage.db, carrier, carrierCallId);
  }

  /**
   * The recording of a call for a user who reaches its account, by its unguessable token, opened for reading (404
   * otherwise, and when its file is missing: that is logged, as it means the data folder lost it).
   */
  async recordingFile(token: string, clientIds: number[]): Promise<{ handle: fs.FileHandle; size: number; call: repo.CallRow }> {
    const call = /^[A-Za-z0-9_-]{16,64}$/.test(token) ? await repo.findCallByAudioToken(this.storage.db, token) : undefined;
    if (!call || !call.has_audio || !call.recording_path || !clientIds.includes(Number(call.client_id))) throw new AppError('not_found', 'no such recording');
    const file = path.join(this.opts.dataDir, call.recording_path);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (err) {
      this.opts.log.error({ call: Number(call.id), file, error: (err as Error).message }, 'a stored recording’s file cannot be read');
      throw new AppError('not_found', 'the recording’s file is missing');
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new Error('not a regular file');
      return { handle, size: stat.size, call };
    } catch (err) {
      await handle.close();
      this.opts.log.error({ call: Number(call.id), file, error: (err as Error).message }, 'a stored recording’s file cannot be read');
      throw new AppError('not_found', 'the recording’s file is missing');
    }
  }
}

/** Writes a file so that it is either absent or complete, also after a crash: temporary file, fsync, rename, fsync of the folder. */
async function writeFileDurably(file: string, data: Buffer): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${newToken(6)}.tmp`;
  const fh = await fs.open(tmp, 'wx', 0o600);
  try {
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  // The rename is durable once the folder is synced (some file systems refuse to sync a folder: not an error).
  const d = await fs.open(dir, 'r');
  try {
    await d.sync();
  } catch {
    // ignored
  } finally {
    await d.close();
  }
}
