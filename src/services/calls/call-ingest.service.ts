import { AppError } from '../../domain/errors.ts';
import type { Clock } from '../../domain/clock.ts';
import { newId } from '../../domain/ids.ts';
import { classifyCaller } from '../../domain/calls/caller-geo.ts';
import { newCallRecord, PROBE_NUMBER } from '../../domain/calls/call-row.ts';
import { buildCallPlan, buildClickToCallPlan, continuation, type CallPlan, type Step, type StepResult } from '../../telephony/call-plan.ts';
import type { QueueCaller, QueueEngine } from '../artic/queue-engine.service.ts';
import type { Doc } from './queue-documents.ts';
import { QueueCallIngest } from './queue-call-ingest.ts';
import { endPendingOutboundCall, findOutboundCall, updateOutboundCall } from '../../storage/calls/outbound.repository.ts';
import { agentLegEndStatus } from '../../domain/calls/outbound-status.ts';
import { eventKey, type EdgeEvent } from '../../telephony/call-events.ts';
import { awaitedSteps, EMPTY_TWIML, HANGUP_TWIML, rejectTwiml, renderTwiml, type RenderCtx } from '../../telephony/adapters/twiml/render.ts';
import type { Executor, Storage } from '../../storage/database.ts';
import { findAccount } from '../../storage/accounts/account.repository.ts';
import type { CarrierRequestRow } from '../../storage/calls/telephony.repository.ts';
import type { InventoryService } from '../inventory/inventory.service.ts';
import type { CallConsumers } from './call-consumers.ts';
import type { CallFinalizer } from './call-finalize.service.ts';
import type { RecordingService } from './recording.service.ts';
import { sessionPlan, type SessionPlan } from './session-plan.ts';
import { e164, geoOf, uniqueId } from './call-numbers.ts';

const PROBE_WINDOW_MS = 120_000;
/** The longest a call may last before it is finalized without its end (Twilio's default Dial timeLimit). */
const MAX_CALL_MS = 4 * 3600_000;

/**
 * Call ingestion: a verified carrier request, already parsed into carrier-neutral events, is stored (raw row and
 * idempotent events) in one group-committed write, and answered with what the call does next (TwiML). Incoming calls
 * open a session with the service's plan; actions continue it; notifications and recordings update the record; SMS
 * are stored once and handed to the consumers.
 */
export class CallIngestService {
  private readonly repos: Storage['repos']['telephony'];
  private readonly queueCalls: QueueCallIngest;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly inventory: InventoryService,
    private readonly finalizer: CallFinalizer,
    private readonly recordings: RecordingService,
    private readonly consumers: CallConsumers,
    private readonly opts: { graceSeconds: number },
    private readonly queue: QueueEngine,
  ) {
    this.repos = storage.repos.telephony;
    this.queueCalls = new QueueCallIngest(storage, clock, queue, finalizer, { renderedEvents: (steps, at) => this.renderedEvents(steps, at), storeEvents: (...a) => this.storeEvents(...a) });
  }

  /** The document a call runs next and the events it announces; a queue plan's queue steps ask the queue engine. */
  private document(tx: Executor, plan: CallPlan, steps: Step[], caller: QueueCaller, ctx: RenderCtx, at: string): Promise<Doc> | Doc {
    return this.queueCalls.document(tx, plan, steps, caller, ctx, at);
  }

  /** A queue's hold document asks again (`/queue?qc=`): the engine answers hold, an offer, or the route out. */
  queuePoll(carrier: string, callSid: string | null, raw: CarrierRequestRow, ctx: Omit<RenderCtx, 'trackingNumber'>, qcId: string): Promise<string> {
    return this.queueCalls.poll(carrier, callSid, raw, ctx, qcId);
  }

  async inbound(carrier: string, callSid: string | null, received: EdgeEvent | undefined, raw: CarrierRequestRow, ctx: Omit<RenderCtx, 'trackingNumber'>, now: Date): Promise<string> {
    const body = received?.body;
    const to = body?.kind === 'call.received' ? e164(body.trackingNumber) : null;
    if (!callSid || !to || !received || body?.kind !== 'call.received') throw new AppError('validation_failed', 'CallSid and a valid To number are required');
    const caller = classifyCaller(body.from, e164);
    const result = await this.storage.writes.run(async (tx) => {
      const st = this.repos.callStore(tx);
      raw.id = await st.insertCarrierRequest(raw);
      const existing = await st.findSession(carrier, callSid);
      if (existing) {
        // A retried webhook: the same answer, nothing new (a queue call asks the queue where it is).
        const sp = sessionPlan(existing.plan);
        if (sp.plan.serviceType === 'queue') return { twiml: await this.queueCalls.resume(tx, carrier, callSid, sp, ctx), noise: false };
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
      const plan = svc.type === 'queue' ? await this.queueCalls.plan(tx, svc) : buildCallPlan(svc);
      let testCallId: string | null = null;
      if (caller.e164 === PROBE_NUMBER) {
        const t = await this.repos.runningTestCallFor(tx, to, new Date(now.getTime() - PROBE_WINDOW_MS).toISOString());
        if (t) testCallId = t.id;
      }
      const geo = geoOf(caller.e164);
      const started = received.occurredAt;
      const callId = await st.insertCall(
        newCallRecord({
          unique_id: uniqueId(new Date(started)),
          client_id: Number(svc.client_id),
          service_id: svc.id,
          carrier,
          carrier_call_id: callSid,
          tracking_number: to,
          tracking_name: svc.name,
          target_number: svc.target_number,
          target_name: svc.target_name,
          caller_number: caller.e164,
          caller_withheld: caller.withheld ? 1 : 0,
          caller_location: geo.location,
          caller_state: geo.state,
          caller_country: geo.country,
          timezone: route.timezone ?? 'UTC',
          started_at: started,
          custom_id: svc.custom_id,
          custom_group: svc.custom_group,
          is_test: testCallId ? 1 : 0,
          created_at: now.toISOString(),
        }),
        // Another process took the same unique id in the same second: draw the next one.
        () => uniqueId(new Date(started)),
      );
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
      if (testCallId) await this.repos.updateTestCall(tx, testCallId, { call_id: callId, updated_at: now.toISOString() });
      // Callbacks that overtook the incoming-call webhook are folded in now; usually there are none.
      const early = await st.hasEvents(carrier, callSid);
      const caller_: QueueCaller = { callId, clientId: Number(svc.client_id), carrier, carrierCallId: callSid, caller: caller.e164 };
      const doc = await this.document(tx, plan, plan.steps, caller_, { ...ctx, trackingNumber: to }, received.occurredAt);
      await this.storeEvents(tx, carrier, callSid, [received, ...doc.events], raw.id, now);
      if (early) await this.finalizer.recompute(tx, callId);
      return { twiml: doc.twiml, noise: false };
    });
    if (result.noise) await this.inventory.recordNoiseCall(to, caller.e164 ?? (caller.withheld ? 'Private' : null), now);
    return result.twiml;
  }

  /**
   * Click-to-call: the agent leg of attempt `outboundId` answered. Opens the call (`direction: call-out`, the agent as
   * its caller, the customer as its target, the service's number as the tracking number) with a plan that dials the
   * customer from the service's number; from here on it is a call like any other (dial action, leg and status
   * callbacks, finalization, deliveries). An unknown or already connected attempt is refused.
   */
  async outbound(carrier: string, callSid: string | null, received: EdgeEvent | undefined, raw: CarrierRequestRow, ctx: Omit<RenderCtx, 'trackingNumber'>, now: Date, outboundId: string): Promise<string> {
    const agent = received?.body.kind === 'call.received' ? received.body.from : null;
    if (!callSid || !received || !outboundId) throw new AppError('validation_failed', 'CallSid and the click-to-call id (?call=) are required');
    return this.storage.writes.run(async (tx) => {
      const st = this.repos.callStore(tx);
      raw.id = await st.insertCarrierRequest(raw);
      const existing = await st.findSession(carrier, callSid);
      if (existing) {
        const sp = sessionPlan(existing.plan);
        return renderTwiml(sp.plan.steps, { ...ctx, trackingNumber: sp.tracking });
      }
      const oc = await findOutboundCall(tx, outboundId);
      if (!oc || oc.status !== 'dialling_agent' || (agent && e164(agent) !== oc.agent_number)) return HANGUP_TWIML;
      const svc = await this.storage.repos.services.findServiceById(tx, oc.service_id);
      if (!svc || svc.status !== 'live') {
        await endPendingOutboundCall(tx, oc.id, { status: 'failed', ended_at: now.toISOString(), carrier, carrier_call_id: callSid });
        return HANGUP_TWIML;
      }
      const plan = buildClickToCallPlan(oc.customer_number, svc);
      const geo = geoOf(oc.agent_number);
      const started = received.occurredAt;
      const account = await findAccount(tx, Number(oc.client_id));
      const callId = await st.insertCall(
        {
          ...newCallRecord({
            unique_id: uniqueId(new Date(started)),
            client_id: Number(oc.client_id),
            service_id: svc.id,
            carrier,
            carrier_call_id: callSid,
            tracking_number: oc.tracking_number,
            tracking_name: svc.name,
            target_number: oc.customer_number,
            target_name: null,
            caller_number: oc.agent_number,
            caller_withheld: 0,
            caller_location: geo.location,
            caller_state: geo.state,
            caller_country: geo.country,
            timezone: account?.timezone ?? 'UTC',
            started_at: started,
            custom_id: svc.custom_id,
            custom_group: svc.custom_group,
            is_test: 0,
            created_at: now.toISOString(),
          }),
          direction: 'call-out',
        },
        () => uniqueId(new Date(started)),
      );
      const sp: SessionPlan = { plan, tracking: oc.tracking_number, target: { number: oc.customer_number, name: null } };
      await st.insertSession({
        call_id: callId,
        carrier,
        carrier_call_id: callSid,
        plan: JSON.stringify(sp),
        test_call_id: null,
        finalize_after: new Date(now.getTime() + MAX_CALL_MS + this.opts.graceSeconds * 1000).toISOString(),
        finalized: 0,
      });
      await updateOutboundCall(tx, oc.id, { status: 'connected', carrier, carrier_call_id: callSid, call_id: callId, updated_at: now.toISOString(), ended_at: null });
      const early = await st.hasEvents(carrier, callSid);
      await this.storeEvents(tx, carrier, callSid, [received, ...this.renderedEvents(plan.steps, received.occurredAt)], raw.id, now);
      if (early) await this.finalizer.recompute(tx, callId);
      return renderTwiml(plan.steps, { ...ctx, trackingNumber: oc.tracking_number });
    });
  }

  /**
   * Click-to-call: the status callback of attempt `outboundId`'s agent leg reports the leg ended. Once the agent
   * answered (the call has a session) it is the call's own end, as on `status`; before, the attempt ends with the
   * leg's outcome (agent_no_answer, agent_busy, failed, cancelled) and no call record. The raw request is kept either
   * way; an attempt that moved on (connected, expired, ended) is left as it is.
   */
  async outboundEnded(carrier: string, callSid: string | null, events: EdgeEvent[], raw: CarrierRequestRow, now: Date, outboundId: string): Promise<void> {
    const ended = events[0];
    if (!callSid || !ended || ended.body.kind !== 'call.ended' || !outboundId) throw new AppError('validation_failed', 'CallSid, CallStatus and the click-to-call id (?call=) are required');
    const session = await this.repos.callStore(this.storage.db).findSession(carrier, callSid);
    if (session) return this.notification(carrier, callSid, events, raw);
    const status = agentLegEndStatus(ended.body.carrierStatus);
    await this.storage.writes.run(async (tx) => {
      raw.id = await this.repos.callStore(tx).insertCarrierRequest(raw);
      const oc = await findOutboundCall(tx, outboundId);
      if (!oc || !status) return;
      await endPendingOutboundCall(tx, oc.id, { status, ended_at: now.toISOString(), carrier, carrier_call_id: callSid });
    });
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
    const st = this.repos.callStore(tx);
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
        await this.repos.upsertRecording(tx, {
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
  async action(kind: 'dial' | 'gather' | 'record', carrier: string, callSid: string | null, events: EdgeEvent[], raw: CarrierRequestRow, ctx: Omit<RenderCtx, 'trackingNumber'>, step: string, queue?: { qc: string; callStatus: string | null }): Promise<string> {
    if (!callSid) throw new AppError('validation_failed', 'CallSid is required');
    if (kind === 'dial' && queue?.qc) return this.queueCalls.offerAction(carrier, callSid, events, raw, ctx, step, queue.qc, queue.callStatus);
    let recording = false;
    const twiml = await this.storage.writes.run(async (tx) => {
      const st = this.repos.callStore(tx);
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
          if (stored.changed) await this.finalizer.recompute(tx, session.call_id, false, session);
          return HANGUP_TWIML;
        }
        result = { kind: 'transfer', answered: r === 'answered' };
      } else if (kind === 'gather') {
        const input = events.find((e) => e.body.kind === 'ivr.input')?.body;
        result = { kind: 'gather', digits: input?.kind === 'ivr.input' ? input.digits : '' };
      } else result = { kind: 'record' };
      const next = continuation(sp.plan, step, result);
      const at = events[0]?.occurredAt ?? this.clock.now().toISOString();
      const c = { ...ctx, trackingNumber: sp.tracking };
      // A menu digit that leads to a queue enters it here.
      const who = sp.plan.serviceType === 'queue' ? await this.queueCalls.caller(tx, session.call_id, carrier, callSid) : null;
      const doc = who ? await this.document(tx, sp.plan, next, who, c, at) : { twiml: renderTwiml(next, c), events: this.renderedEvents(next, at) };
      const rendered = await this.storeEvents(tx, carrier, callSid, doc.events, raw.id, this.clock.now());
      if (stored.changed || rendered.changed) await this.finalizer.recompute(tx, session.call_id, false, session);
      return doc.twiml;
    });
    if (recording) await this.recordings.copyNow(carrier, callSid);
    return twiml;
  }

  /** Status and recording callbacks: stored; recordings are then copied into our storage. A queue call's agent leg answering, and its end, move the queue. */
  async notification(carrier: string, callSid: string | null, events: EdgeEvent[], raw: CarrierRequestRow, qcId?: string): Promise<void> {
    if (!callSid) throw new AppError('validation_failed', 'CallSid (or ParentCallSid) is required');
    const recording = await this.storage.writes.run(async (tx) => {
      const st = this.repos.callStore(tx);
      raw.id = await st.insertCarrierRequest(raw);
      const session = await st.findSession(carrier, callSid);
      const stored = await this.storeEvents(tx, carrier, callSid, events, raw.id, this.clock.now());
      if (session && sessionPlan(session.plan).plan.serviceType === 'queue') {
        for (const e of events) {
          if (e.body.kind === 'leg.answered' && qcId) await this.queue.legAnswered(tx, qcId, e.body.legId, e.body.carrierLegId ?? null);
          if (e.body.kind === 'call.ended') await this.queue.callEnded(tx, carrier, callSid);
        }
      }
      if (session && stored.changed) await this.finalizer.recompute(tx, session.call_id, false, session);
      return stored.recording;
    });
    if (recording) await this.recordings.copyNow(carrier, callSid);
  }


  /** SMS: stored once per carrier message id and handed to the consumers in the same transaction. */
  async sms(carrier: string, p: URLSearchParams, raw: CarrierRequestRow, now: Date): Promise<string> {
    const messageId = p.get('MessageSid') ?? p.get('SmsMessageSid') ?? p.get('SmsSid');
    const to = e164(p.get('To') ?? '');
    if (!messageId || !to) throw new AppError('validation_failed', 'MessageSid and a valid To number are required');
    const from = p.get('From');
    await this.storage.writes.run(async (tx) => {
      raw.id = await this.repos.insertCarrierRequest(tx, raw);
      const num = await this.storage.repos.numbers.findNumber(tx, to);
      const svc = num?.service_id && num.state === 'active' ? await this.storage.repos.services.findServiceById(tx, num.service_id) : undefined;
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
      const fresh = await this.repos.insertSms(tx, row);
      if (fresh && row.client_id !== null) await this.consumers.smsReceived(tx, row);
    });
    return EMPTY_TWIML;
  }
}
