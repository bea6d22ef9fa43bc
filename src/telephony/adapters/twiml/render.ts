import { segment, type PlayStep, type Step } from '../../call-plan.ts';
import type { TwimlFlavour } from './flavours.ts';

export interface RenderCtx {
  /** Where the carrier sends this call's callbacks: TT_PUBLIC_URL + /carrier/<flavour>. */
  callbackBase: string;
  flavour: TwimlFlavour;
  trackingNumber: string;
  /** Language of `<Say>`. */
  language?: string;
  /** What a queue step does in this document (the queue engine decides: hold, offer to agents): its verbs. */
  queueVerbs?: string;
}

export const TWIML_CONTENT_TYPE = 'text/xml; charset=utf-8';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
export { attrs };
export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]);
}

function attrs(a: Record<string, string | number | boolean | undefined>): string {
  let out = '';
  for (const [k, v] of Object.entries(a)) if (v !== undefined) out += ` ${k}="${xmlEscape(String(v))}"`;
  return out;
}

function play(p: PlayStep, ctx: RenderCtx): string {
  if (p.audioUrl) return `<Play${attrs({ loop: p.loop })}>${xmlEscape(p.audioUrl)}</Play>`;
  return `<Say${attrs({ voice: p.voice ?? 'alice', language: ctx.language ?? 'en-AU', loop: p.loop })}>${xmlEscape(p.text ?? '')}</Say>`;
}

/** One step as TwiML verbs. */
function verb(s: Step, ctx: RenderCtx): string {
  const cb = (kind: string) => `${ctx.callbackBase}/${kind}?step=${encodeURIComponent(s.id)}`;
  switch (s.kind) {
    case 'play':
      return play(s, ctx);
    case 'hangup':
      return '<Hangup/>';
    case 'reject':
      return `<Reject${attrs({ reason: s.reason })}/>`;
    case 'record':
      // An empty recording calls no action: the carrier runs the next verb, so one always follows (telephony.md 1.2).
      return (
        `<Record${attrs({
          action: cb('record'),
          method: 'POST',
          maxLength: s.maxLengthSec,
          playBeep: s.beep,
          finishOnKey: s.finishOnKey,
          timeout: s.silenceTimeoutSec ?? ctx.flavour.recordSilenceTimeoutDefault,
          recordingStatusCallback: `${cb('recording')}&kind=voicemail`,
          recordingStatusCallbackMethod: 'POST',
          recordingStatusCallbackEvent: 'completed absent',
        })}/>` + '<Hangup/>'
      );
    case 'gather':
      return `<Gather${attrs({ action: cb('gather'), method: 'POST', input: 'dtmf', numDigits: s.numDigits, timeout: s.timeoutSec, actionOnEmptyResult: true })}>${play(s.prompt, ctx)}</Gather>`;
    case 'queue':
      return ctx.queueVerbs ?? '<Hangup/>';
    case 'transfer': {
      const [lo, hi] = ctx.flavour.dialTimeoutRange;
      // Only the leg events the record uses: when the answer point answered and when the leg ended.
      const numbers = s.targets
        .map(
          (t) =>
            `<Number${attrs({ statusCallback: cb('leg'), statusCallbackMethod: 'POST', statusCallbackEvent: 'answered completed' })}>${xmlEscape(t)}</Number>`,
        )
        .join('');
      return `<Dial${attrs({
        action: cb('dial'),
        method: 'POST',
        timeout: Math.min(hi, Math.max(lo, s.ringTimeoutSec)),
        timeLimit: s.timeLimitSec,
        callerId: s.callerId === 'tracking' ? ctx.trackingNumber : undefined,
        answerOnBridge: true,
        record: s.record ? 'record-from-answer-dual' : undefined,
        recordingStatusCallback: s.record ? `${cb('recording')}&kind=call` : undefined,
        recordingStatusCallbackMethod: s.record ? 'POST' : undefined,
        recordingStatusCallbackEvent: s.record ? 'completed absent' : undefined,
      })}>${numbers}</Dial>`;
    }
  }
}

/**
 * Renders the document for the steps a call runs next: verbs up to the first one that waits for an action callback.
 * A document that would end without a verb ends with `<Hangup/>`, so the call's end is explicit.
 */
export function renderTwiml(steps: Step[], ctx: RenderCtx): string {
  const seg = segment(steps);
  let body = seg.map((s) => verb(s, ctx)).join('');
  const last = seg[seg.length - 1];
  if (!last || last.kind === 'play') body += '<Hangup/>';
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${body}</Response>`;
}

export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';
export const HANGUP_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>';
export function rejectTwiml(reason: 'busy' | 'rejected'): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Reject reason="${reason}"/></Response>`;
}

/** The steps a document renders that the call record must hear back about: dials and records. */
export function awaitedSteps(steps: Step[]): Step[] {
  return segment(steps).filter((s) => s.kind === 'transfer' || s.kind === 'record');
}
