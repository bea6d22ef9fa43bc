import { attrs, xmlEscape, type RenderCtx } from './render.ts';

/** An offer: the caller's `<Dial>` to one agent (or several at once for ring_all); each agent's leg has its own id. */
export interface QueueOffer {
  kind: 'offer';
  /** The action's step: the offer (`<queue step>~<n>`); legs are `<offer>.<i>`. */
  offerId: string;
  queueCallId: string;
  agents: { legId: string; answerPoint: string }[];
  ringSec: number;
  record: boolean;
}

/** A hold: announcements, then music (or a pause) and a redirect that asks the engine again. */
export interface QueueHold {
  kind: 'hold';
  stepId: string;
  queueCallId: string;
  position: number | null;
  text: string | null;
  musicUrl: string | null;
  pollSec: number;
}

const sayAttrs = (ctx: RenderCtx) => attrs({ voice: 'alice', language: ctx.language ?? 'en-AU' });

/** The verbs of an offer: `<Dial>` with a `<Number>` (or `<Sip>`) per agent, each leg reporting answered/completed. */
export function renderOffer(o: QueueOffer, ctx: RenderCtx): string {
  const [lo, hi] = ctx.flavour.dialTimeoutRange;
  const q = `&qc=${encodeURIComponent(o.queueCallId)}`;
  const legs = o.agents
    .map((a) => {
      const cb = attrs({ statusCallback: `${ctx.callbackBase}/leg?step=${encodeURIComponent(a.legId)}${q}`, statusCallbackMethod: 'POST', statusCallbackEvent: 'answered completed' });
      return a.answerPoint.startsWith('sip:') ? `<Sip${cb}>${xmlEscape(a.answerPoint)}</Sip>` : `<Number${cb}>${xmlEscape(a.answerPoint)}</Number>`;
    })
    .join('');
  return `<Dial${attrs({
    action: `${ctx.callbackBase}/dial?step=${encodeURIComponent(o.offerId)}${q}`,
    method: 'POST',
    timeout: Math.min(hi, Math.max(lo, o.ringSec)),
    answerOnBridge: true,
    record: o.record ? 'record-from-answer-dual' : undefined,
    recordingStatusCallback: o.record ? `${ctx.callbackBase}/recording?step=${encodeURIComponent(o.offerId)}&kind=call` : undefined,
    recordingStatusCallbackMethod: o.record ? 'POST' : undefined,
    recordingStatusCallbackEvent: o.record ? 'completed absent' : undefined,
  })}>${legs}</Dial>`;
}

/** The verbs of a hold: position and message when there are, music or a pause, then a redirect back to the engine. */
export function renderHold(h: QueueHold, ctx: RenderCtx): string {
  let out = '';
  if (h.position !== null) out += `<Say${sayAttrs(ctx)}>${xmlEscape(`You are caller number ${h.position}.`)}</Say>`;
  if (h.text) out += `<Say${sayAttrs(ctx)}>${xmlEscape(h.text)}</Say>`;
  out += h.musicUrl ? `<Play>${xmlEscape(h.musicUrl)}</Play>` : `<Pause${attrs({ length: h.pollSec })}/>`;
  out += `<Redirect method="POST">${xmlEscape(`${ctx.callbackBase}/queue?step=${encodeURIComponent(h.stepId)}&qc=${encodeURIComponent(h.queueCallId)}`)}</Redirect>`;
  return out;
}
