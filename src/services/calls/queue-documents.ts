import { buildArticPlan } from '../../domain/artic/plan.ts';
import { continuation, findStep, segment, type CallPlan, type QueueStep, type Step } from '../../telephony/call-plan.ts';
import type { EdgeEvent, LegResult } from '../../telephony/call-events.ts';
import { renderTwiml, type RenderCtx } from '../../telephony/adapters/twiml/render.ts';
import { renderHold, renderOffer } from '../../telephony/adapters/twiml/render-queue.ts';
import { findQueueCall, queuesAndMenus } from '../../storage/artic/queue.repository.ts';
import type { Executor } from '../../storage/database.ts';
import type { QueueCaller, QueueDecision, QueueEngine } from '../artic/queue-engine.service.ts';

/** A document and the events it announces (legs and records the record must hear back about). */
export interface Doc {
  twiml: string;
  events: EdgeEvent[];
}

/**
 * The call documents of `queue` services: the plan from the account's call-centre set-up, and the documents whose
 * queue step the engine decides (hold, offer to agents, or leave for the overflow / closed route, which may be another
 * queue). Used by call ingestion for new calls, hold redirects and the dial actions of offers.
 */
export class QueueDocuments {
  constructor(
    private readonly engine: QueueEngine,
    /** The events a document of ordinary steps announces (CallIngestService.renderedEvents). */
    private readonly rendered: (steps: Step[], at: string) => EdgeEvent[],
  ) {}

  async plan(tx: Executor, svc: { client_id: number | string; artic_queue_id?: string | null; artic_menu_id?: string | null; record?: number }): Promise<CallPlan> {
    const { queues, menus } = await queuesAndMenus(tx, Number(svc.client_id));
    return buildArticPlan({ queueId: svc.artic_queue_id, menuId: svc.artic_menu_id }, { queues: new Map(queues.map((q) => [q.id, q])), menus: new Map(menus.map((m) => [m.id, m])), record: svc.record === 1 });
  }

  /** The document for `steps`: ordinary steps rendered as they are; a queue step entered (and left again if it must). */
  async document(tx: Executor, plan: CallPlan, steps: Step[], caller: QueueCaller, ctx: RenderCtx, at: string): Promise<Doc> {
    let current = steps;
    // Queue → queue overflows are bounded by the plan's depth; the loop is bounded too.
    for (let i = 0; i < 16; i++) {
      const seg = segment(current);
      const last = seg[seg.length - 1];
      if (last?.kind !== 'queue') return { twiml: renderTwiml(current, ctx), events: this.rendered(current, at) };
      const d = await this.engine.enter(tx, caller, last);
      if (d.kind !== 'left') return this.decided(seg, d, ctx, at);
      current = [...seg.slice(0, -1), ...continuation(plan, last.id, { kind: 'queue', left: d.left })];
    }
    return { twiml: renderTwiml([{ kind: 'hangup', id: 'h' }], ctx), events: [] };
  }

  /** What the queue step of a document (after its leading steps) renders for the engine's decision. */
  decided(seg: Step[], d: Exclude<QueueDecision, { kind: 'left' }>, ctx: RenderCtx, at: string): Doc {
    // The service records its calls: the agent's conversation is recorded (two channels where the carrier can).
    const step = seg[seg.length - 1];
    if (d.kind === 'offer' && step?.kind === 'queue') d.offer.record = step.record;
    const verbs = d.kind === 'offer' ? renderOffer(d.offer, ctx) : renderHold(d.hold, ctx);
    const events = this.rendered(seg.slice(0, -1), at);
    if (d.kind === 'offer') d.offer.agents.forEach((a, i) => events.push({ occurredAt: at, body: { kind: 'leg.started', legId: a.legId, target: a.answerPoint, record: false, targetName: d.agents[i].name } }));
    return { twiml: renderTwiml(seg, { ...ctx, queueVerbs: verbs }), events };
  }

  /** The document after the engine decided for a queue call already in its queue (a hold redirect or a dial action). */
  async after(tx: Executor, plan: CallPlan, qcId: string, d: QueueDecision, caller: () => Promise<QueueCaller | null>, ctx: RenderCtx, at: string): Promise<Doc> {
    const qc = await findQueueCall(tx, qcId);
    const step = qc ? findStep(plan, qc.step_id)?.step : undefined;
    if (!step || step.kind !== 'queue') return { twiml: renderTwiml([{ kind: 'hangup', id: 'h' }], ctx), events: [] };
    if (d.kind !== 'left') return this.decided([step], d, ctx, at);
    const next = continuation(plan, step.id, { kind: 'queue', left: d.left });
    const who = await caller();
    if (!who) return { twiml: renderTwiml(next, ctx), events: this.rendered(next, at) };
    return this.document(tx, plan, next, who, ctx, at);
  }
}

/**
 * The dial action of an offer, as the record keeps it: one `leg.ended` per offered leg (the carrier's action names
 * the offer, not the leg): the leg that answered gets the result and the talk; the others were cancelled when one
 * answered, else share the offer's result.
 */
export function offerLegEnds(legIds: string[], answeredLegId: string | null, result: LegResult, talkSec: number, carrierStatus: string, at: string): EdgeEvent[] {
  return legIds.map((legId) => {
    const mine = result === 'answered' ? legId === (answeredLegId ?? legIds[0]) : true;
    return { occurredAt: at, body: { kind: 'leg.ended', legId, source: 'action', result: mine ? result : 'canceled', talkSec: mine && result === 'answered' ? talkSec : 0, carrierStatus: mine ? carrierStatus : 'canceled' } };
  });
}

export type { QueueStep };
