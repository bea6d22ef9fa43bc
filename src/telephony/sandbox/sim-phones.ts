import type { SimPhone } from './sandbox-carrier.ts';
import { recordingSid, sid } from './recordings.ts';
import type { SimCall } from './sim-call.ts';
import type { XmlNode } from './twiml-parse.ts';

/**
 * A `<Dial>` to answer points the sandbox plays by their own behaviour (call-centre agents; several at once for a
 * ring-all offer): the first to answer takes the call and the others are cancelled; the caller may give up while
 * they ring (`hangUpAfterSec`); after the talk the caller or the agent hangs up (`hangsUp`). The action says which.
 */
export async function dialPhones(call: SimCall, v: XmlNode, legs: XmlNode[]): Promise<string | null | undefined> {
  const timeout = Number(v.attrs.timeout ?? 30) || 30;
  const fallback: SimPhone = { outcome: call.s.outcome === 'caller-hangup' ? 'no-answer' : call.s.outcome, answerAfterSec: call.s.answerAfterSec };
  const plays = legs.map((n) => {
    const target = n.text.trim();
    return { target, child: sid('CA'), phone: call.carrier.phones.get(target) ?? fallback, events: (n.attrs.statusCallbackEvent ?? '').split(/[\s,]+/).filter(Boolean), url: n.attrs.statusCallback };
  });
  type Play = (typeof plays)[number];
  const legCb = async (p: Play, event: string, status: string, extra: Record<string, string> = {}) => {
    if (!p.events.includes(event)) return;
    await call.notify(p.url, {
      ...call.params({ CallSid: p.child, ParentCallSid: call.s.callSid, CallStatus: status, Direction: 'outbound-dial', From: call.s.from, To: p.target, Called: p.target, CallbackSource: 'call-progress-events', SequenceNumber: String(call.seqNo++) }),
      ...extra,
    });
  };
  call.trace.push(`t=${call.t} dial ${plays.map((p) => p.target).join(', ')} (timeout ${timeout} s)`);
  for (const o of call.carrier.dialObservers) o(call.s.callSid, plays.map((p) => p.target));
  const busy = call.carrier.phoneLegs;
  for (const p of plays) {
    if ((busy.get(p.target) ?? 0) > 0) call.carrier.doubleOffers.push(`${p.target} dialled for ${call.s.callSid} while on another leg`);
    busy.set(p.target, (busy.get(p.target) ?? 0) + 1);
  }
  // The phones' legs are over before the carrier asks Telltale what next (the dial action).
  const hangUpLegs = () => {
    for (const p of plays) busy.set(p.target, (busy.get(p.target) ?? 1) - 1);
  };
  const answerAt = (p: Play) => (p.phone.outcome === 'answered' && (p.phone.answerAfterSec ?? 5) <= timeout ? (p.phone.answerAfterSec ?? 5) : Infinity);
  const winner = plays.reduce((best, p) => (answerAt(p) < answerAt(best) ? p : best), plays[0]);
  let dialStatus: string;
  let talk = 0;
  if (answerAt(winner) !== Infinity) {
    if (await call.waitOrGiveUp(answerAt(winner), 'while an agent rang')) {
      dialStatus = 'canceled';
      for (const p of plays) await legCb(p, 'completed', 'canceled', { CallDuration: '0' });
    } else {
      call.connected = true;
      await legCb(winner, 'answered', 'in-progress');
      for (const p of plays) if (p !== winner) await legCb(p, 'completed', 'canceled', { CallDuration: '0' });
      call.trace.push(`t=${call.t} answered by ${winner.target}`);
      talk = call.s.talkSec;
      await call.wait(talk);
      dialStatus = 'completed';
      await legCb(winner, 'completed', 'completed', { CallDuration: String(talk) });
    }
  } else {
    const fast = plays.every((p) => p.phone.outcome === 'busy' || p.phone.outcome === 'failed');
    if (await call.waitOrGiveUp(fast ? 1 : timeout, 'while an agent rang')) {
      dialStatus = 'canceled';
      for (const p of plays) await legCb(p, 'completed', 'canceled', { CallDuration: '0' });
    } else {
      dialStatus = fast ? (plays.some((p) => p.phone.outcome === 'busy') ? 'busy' : 'failed') : 'no-answer';
      for (const p of plays) await legCb(p, 'completed', p.phone.outcome === 'busy' || p.phone.outcome === 'failed' ? p.phone.outcome : 'no-answer', { CallDuration: '0' });
    }
  }
  call.trace.push(`t=${call.t} dial ${dialStatus}${talk ? ` after ${talk} s of talk` : ''}`);
  hangUpLegs();
  if (dialStatus === 'completed' && call.s.hangsUp === 'caller') call.hangup('completed', 'caller hung up after the talk');
  let recording: Record<string, string> | null = null;
  if (v.attrs.record && v.attrs.record !== 'do-not-record' && talk > 0) {
    const rec = recordingSid(talk);
    recording = { RecordingSid: rec, RecordingUrl: call.carrier.recordingUrl(rec), RecordingDuration: String(talk), RecordingChannels: v.attrs.record.endsWith('dual') ? '2' : '1', RecordingSource: 'DialVerb', RecordingStatus: 'completed' };
  }
  let next: string | null = null;
  if (v.attrs.action) {
    next = await call.ask(
      v.attrs.action,
      call.params({
        CallStatus: call.ended ? 'completed' : 'in-progress',
        DialCallStatus: dialStatus,
        DialCallSid: winner.child,
        DialCallDuration: String(talk),
        DialBridged: String(talk > 0),
        ...(recording ? { RecordingUrl: recording.RecordingUrl, RecordingSid: recording.RecordingSid } : {}),
      }),
    );
  }
  if (recording && (v.attrs.recordingStatusCallbackEvent ?? 'completed').split(/[\s,]+/).includes('completed')) await call.notify(v.attrs.recordingStatusCallback, call.params(recording));
  if (call.ended || !v.attrs.action) return undefined;
  return next ?? undefined;
}
