import { AppError } from '../../domain/errors.ts';
import type { Clock } from '../../domain/clock.ts';
import type { CallPlan, Step } from '../../telephony/call-plan.ts';
import type { EdgeEvent } from '../../telephony/call-events.ts';
import { HANGUP_TWIML, renderTwiml, type RenderCtx } from '../../telephony/adapters/twiml/render.ts';
import { renderHold } from '../../telephony/adapters/twiml/render-queue.ts';
import { openQueueCallsOf } from '../../storage/artic/queue.repository.ts';
import type { Executor, Storage } from '../../storage/database.ts';
import type { CarrierRequestRow } from '../../storage/calls/telephony.repository.ts';
import type { QueueCaller, QueueEngine } from '../artic/queue-engine.service.ts';
import type { CallFinalizer } from './call-finalize.service.ts';
import { offerLegEnds, QueueDocuments, type Doc } from './queue-documents.ts';
import { sessionPlan, type SessionPlan } from './session-plan.ts';

/** What call ingestion lends the queue's carrier paths: announcing and storing events. */
export interface IngestEvents {
  renderedEvents(steps: Step[], at: string): EdgeEvent[];
  storeEvents(tx: Executor, carrier: string, callSid: string, events: EdgeEvent[], rawId: string, now: Date): Promise<{ changed: boolean; recording: boolean }>;
}

/**
 * The carrier paths of `queue` services (call ingestion hands them over): the plan from the call-centre set-up, the
 * documents whose queue step the engine decides, the hold redirect (`/queue?qc=`) and the dial action of an offer.
 */
export class QueueCallIngest {
  private readonly repos: Storage['repos']['telephony'];
  private readonly queueDocs: QueueDocuments;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly queue: QueueEngine,
    private readonly finalizer: CallFinalizer,
    private readonly events: IngestEvents,
  ) {
    this.repos = storage.repos.telephony;
    this.queueDocs = new QueueDocuments(queue, (steps, at) => events.renderedEvents(steps, at));
  }

  private storeEvents(...args: Parameters<IngestEvents['storeEvents']>) {
    return this.events.storeEvents(...args);
  }

  private renderedEvents(steps: Step[], at: string): EdgeEvent[] {
    return this.events.renderedEvents(steps, at);
  }

  plan(tx: Executor, svc: Parameters<QueueDocuments['plan']>[1]): Promise<CallPlan> {
    return this.queueDocs.plan(tx, svc);
  }

  /** The document a call runs next and the events it announces; a queue plan's queue steps ask the queue engine. */
  document(tx: Executor, plan: CallPlan, steps: Step[], caller: QueueCaller, ctx: RenderCtx, at: string): Promise<Doc> | Doc {
    if (plan.serviceType !== 'queue') return { twiml: renderTwiml(steps, ctx), events: this.renderedEvents(steps, at) };
    return this.queueDocs.document(tx, plan, steps, caller, ctx, at);
  }

  /** A retried incoming-call webhook of a queue call: hold and ask the queue again (no state changes here). */
  async resume(tx: Executor, carrier: string, callSid: string, sp: SessionPlan, ctx: Omit<RenderCtx, 'trackingNumber'>): Promise<string> {
    const [qc] = await openQueueCallsOf(tx, carrier, callSid);
    if (!qc) return HANGUP_TWIML;
    const c = { ...ctx, trackingNumber: sp.tracking };
    return renderTwiml([{ kind: 'queue', id: qc.step_id, queueId: qc.queue_id, queueName: '', record: false, onOverflow: [], onClosed: [] }], { ...c, queueVerbs: renderHold({ kind: 'hold', stepId: qc.step_id, queueCallId: qc.id, position: null, text: null, musicUrl: null, pollSec: 1 }, c) });
  }

  /**
   * The dial action of a queue offer (`?qc=`): the engine completes, abandons or moves the queue call on; the record
   * gets each offered leg's end; the caller's next document is the engine's (hold, the next agent, or the route out).
   */
  async offerAction(carrier: string, callSid: string, events: EdgeEvent[], raw: CarrierRequestRow, ctx: Omit<RenderCtx, 'trackingNumber'>, offerId: string, qcId: string, callStatus: string | null): Promise<string> {
    return this.storage.writes.run(async (tx) => {
      const st = this.repos.callStore(tx);
      raw.id = await st.insertCarrierRequest(raw);
      const session = await st.findSession(carrier, callSid);
      const now = this.clock.now();
      if (!session) return HANGUP_TWIML;
      const sp = sessionPlan(session.plan);
      const ended = events.find((e) => e.body.kind === 'leg.ended')?.body;
      const result = ended?.kind === 'leg.ended' ? ended.result : 'failed';
      const talkSec = ended?.kind === 'leg.ended' ? ended.talkSec : 0;
      const known = (await st.eventsOfCall(carrier, callSid)).filter((e) => e.kind === 'leg.started' || e.kind === 'leg.answered').map((e) => JSON.parse(e.data) as { kind: string; legId: string; carrierLegId?: string });
      const legIds = known.filter((e) => e.kind === 'leg.started' && e.legId.startsWith(`${offerId}.`)).map((e) => e.legId);
      const answered = known.find((e) => e.kind === 'leg.answered' && e.legId.startsWith(`${offerId}.`));
      const at = events[0]?.occurredAt ?? now.toISOString();
      const decision = await this.queue.offerEnded(tx, qcId, { result, talkSec, callerGone: callStatus === 'completed' || result === 'canceled', answeredLegId: answered?.legId ?? null, carrierLegId: answered?.carrierLegId ?? (ended?.kind === 'leg.ended' ? (ended.carrierLegId ?? null) : null) });
      const c = { ...ctx, trackingNumber: sp.tracking };
      const doc =
        result === 'canceled' || callStatus === 'completed'
          ? { twiml: HANGUP_TWIML, events: [] }
          : await this.queueDocs.after(tx, sp.plan, qcId, decision, () => this.caller(tx, session.call_id, carrier, callSid), c, at);
      const stored = await this.storeEvents(tx, carrier, callSid, [...events, ...offerLegEnds(legIds, answered?.legId ?? null, result, talkSec, ended?.kind === 'leg.ended' ? ended.carrierStatus : 'failed', at), ...doc.events], raw.id, now);
      if (stored.changed) await this.finalizer.recompute(tx, session.call_id, false, session);
      return doc.twiml;
    });
  }

  /** The caller of a call as a queue sees it (for an overflow into another queue). */
  async caller(tx: Executor, callId: number, carrier: string, callSid: string): Promise<QueueCaller | null> {
    const call = await this.repos.callStore(tx).findCall(callId);
    return call ? { callId, clientId: Number(call.client_id), carrier, carrierCallId: callSid, caller: call.caller_number } : null;
  }

  /** A queue's hold document asks again (`/queue?qc=`): the engine answers hold, an offer, or the route out. */
  async poll(carrier: string, callSid: string | null, raw: CarrierRequestRow, ctx: Omit<RenderCtx, 'trackingNumber'>, qcId: string): Promise<string> {
    if (!callSid || !qcId) throw new AppError('validation_failed', 'CallSid and the queue call (?qc=) are required');
    return this.storage.writes.run(async (tx) => {
      const st = this.repos.callStore(tx);
      raw.id = await st.insertCarrierRequest(raw);
      const session = await st.findSession(carrier, callSid);
      if (!session) return HANGUP_TWIML;
      const sp = sessionPlan(session.plan);
      const now = this.clock.now();
      const decision = await this.queue.poll(tx, qcId);
      const doc = await this.queueDocs.after(tx, sp.plan, qcId, decision, () => this.caller(tx, session.call_id, carrier, callSid), { ...ctx, trackingNumber: sp.tracking }, now.toISOString());
      const stored = await this.storeEvents(tx, carrier, callSid, doc.events, raw.id, now);
      if (stored.changed) await this.finalizer.recompute(tx, session.call_id, false, session);
      return doc.twiml;
    });
  }
}
