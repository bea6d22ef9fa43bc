import { legResultOf, type EdgeEvent, type RecordingKind } from '../../call-events.ts';

/** The callbacks a Twilio-style carrier sends, by the path Telltale gave it. */
export const TWIML_KINDS = ['voice', 'status', 'dial', 'leg', 'gather', 'record', 'recording', 'sms', 'outbound', 'queue'] as const;
export type TwimlKind = (typeof TWIML_KINDS)[number];

export interface ParsedCallback {
  /** The parent call's id at the carrier (child-leg callbacks carry it as ParentCallSid). */
  carrierCallId: string | null;
  accountSid: string | null;
  events: EdgeEvent[];
}

/** Carrier time when the request carries one (`Timestamp`, RFC 2822 or ISO 8601), else receipt time. */
function occurredAt(p: URLSearchParams, receivedAt: Date): string {
  const ts = p.get('Timestamp');
  if (ts) {
    const t = Date.parse(ts);
    if (!Number.isNaN(t)) return new Date(t).toISOString();
  }
  return receivedAt.toISOString();
}

function int(v: string | null): number | null {
  if (v === null || v === '' || !/^\d+$/.test(v.trim())) return null;
  return Number(v);
}

/**
 * Turns one Twilio-style callback into carrier-neutral events (the adapter's `toEvents`, telephony.md 5.4). Pure:
 * no storage, no clock but the receipt time given.
 */
export function twimlToEvents(kind: TwimlKind, p: URLSearchParams, query: Record<string, string | undefined>, receivedAt: Date): ParsedCallback {
  const at = occurredAt(p, receivedAt);
  const step = query.step ?? '';
  const callSid = p.get('CallSid');
  const out: ParsedCallback = { carrierCallId: callSid, accountSid: p.get('AccountSid'), events: [] };
  const push = (body: EdgeEvent['body']) => out.events.push({ occurredAt: at, body });
  switch (kind) {
    case 'voice':
      push({
        kind: 'call.received',
        trackingNumber: p.get('To') ?? p.get('Called') ?? '',
        from: p.get('From') ?? p.get('Caller'),
        ...(p.get('CallerName') ? { callerName: p.get('CallerName')! } : {}),
        ...(p.get('ForwardedFrom') ? { forwardedFrom: p.get('ForwardedFrom')! } : {}),
        ...(p.get('AccountSid') ? { carrierAccountId: p.get('AccountSid')! } : {}),
      });
      break;
    case 'outbound': {
      // Click-to-call: the agent leg Telltale asked the carrier to place. Its answer URL and its status callback are
      // this same URL: a final CallStatus is the leg's end (before any answer: the attempt ends; after: the call's end).
      const status = p.get('CallStatus') ?? '';
      if (['completed', 'busy', 'failed', 'no-answer', 'canceled'].includes(status)) {
        push({ kind: 'call.ended', carrierStatus: status, totalSec: int(p.get('CallDuration')) });
        break;
      }
      // The agent answered. From is the service's number (the caller id shown), To the agent; the call's record takes
      // the agent as its caller.
      push({ kind: 'call.received', trackingNumber: p.get('From') ?? '', from: p.get('To') ?? p.get('Called'), ...(p.get('AccountSid') ? { carrierAccountId: p.get('AccountSid')! } : {}) });
      break;
    }
    case 'status': {
      const status = p.get('CallStatus') ?? '';
      if (['completed', 'busy', 'failed', 'no-answer', 'canceled'].includes(status)) push({ kind: 'call.ended', carrierStatus: status, totalSec: int(p.get('CallDuration')) });
      break;
    }
    case 'dial': {
      const status = p.get('DialCallStatus') ?? '';
      const result = legResultOf(status);
      if (result) {
        push({
          kind: 'leg.ended',
          legId: step,
          source: 'action',
          result,
          talkSec: result === 'answered' ? (int(p.get('DialCallDuration')) ?? 0) : 0,
          carrierStatus: status,
          ...(p.get('DialCallSid') ? { carrierLegId: p.get('DialCallSid')! } : {}),
        });
      }
      break;
    }
    case 'leg': {
      out.carrierCallId = p.get('ParentCallSid') ?? callSid;
      const status = p.get('CallStatus') ?? '';
      const legSid = callSid ?? undefined;
      if (status === 'ringing') push({ kind: 'leg.ringing', legId: step, ...(legSid ? { carrierLegId: legSid } : {}) });
      else if (status === 'in-progress' || status === 'answered') push({ kind: 'leg.answered', legId: step, ...(legSid ? { carrierLegId: legSid } : {}) });
      else {
        const result = legResultOf(status);
        if (result) {
          push({
            kind: 'leg.ended',
            legId: step,
            source: 'status',
            result,
            talkSec: result === 'answered' ? (int(p.get('CallDuration')) ?? 0) : 0,
            carrierStatus: status,
            ...(legSid ? { carrierLegId: legSid } : {}),
          });
        }
      }
      break;
    }
    case 'gather':
      push({ kind: 'ivr.input', stepPath: step, digits: (p.get('Digits') ?? '').replace(/[^0-9*#]/g, ''), ...(p.get('FinishedOnKey') ? { terminator: p.get('FinishedOnKey')! } : {}) });
      break;
    case 'record': {
      const url = p.get('RecordingUrl');
      if (url) {
        push({
          kind: 'recording.ready',
          recordingId: p.get('RecordingSid') ?? url.split('/').pop() ?? url,
          recKind: 'voicemail',
          stepPath: step,
          source: 'action',
          status: 'completed',
          carrierUrl: url,
          durationSec: int(p.get('RecordingDuration')) ?? 0,
          channels: 1,
        });
      }
      break;
    }
    case 'recording': {
      const status = p.get('RecordingStatus') ?? '';
      if (status === 'completed' || status === 'absent' || status === 'failed') {
        const url = p.get('RecordingUrl');
        push({
          kind: 'recording.ready',
          recordingId: p.get('RecordingSid') ?? `${step}:${status}`,
          recKind: (query.kind === 'call' ? 'call' : 'voicemail') as RecordingKind,
          stepPath: step,
          source: 'status',
          status,
          carrierUrl: url || null,
          durationSec: int(p.get('RecordingDuration')) ?? 0,
          channels: int(p.get('RecordingChannels')) ?? 1,
        });
      }
      break;
    }
    case 'sms':
    case 'queue':
      break;
  }
  return out;
}
