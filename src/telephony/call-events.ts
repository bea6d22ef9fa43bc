/**
 * Carrier-neutral call events (telephony.md 5.3). Adapters turn carrier requests into these; call ingestion stores
 * them once each (unique on carrier, carrier call id, kind and `key`) and derives the call record from the set, so
 * duplicated and reordered callbacks give the same record.
 */

export type LegResult = 'answered' | 'busy' | 'no_answer' | 'failed' | 'canceled';
export type RecordingKind = 'voicemail' | 'call';

export type EdgeEventBody =
  | { kind: 'call.received'; trackingNumber: string; from: string | null; callerName?: string; forwardedFrom?: string; carrierAccountId?: string }
  | { kind: 'leg.started'; legId: string; target: string; record: boolean; targetName?: string }
  | { kind: 'leg.ringing'; legId: string; carrierLegId?: string }
  | { kind: 'leg.answered'; legId: string; carrierLegId?: string }
  | { kind: 'leg.ended'; legId: string; source: 'action' | 'status'; result: LegResult; talkSec: number; carrierStatus: string; carrierLegId?: string }
  | { kind: 'ivr.input'; stepPath: string; digits: string; terminator?: string }
  | { kind: 'record.started'; stepPath: string }
  | {
      kind: 'recording.ready';
      recordingId: string;
      recKind: RecordingKind;
      stepPath: string;
      source: 'action' | 'status';
      status: 'completed' | 'absent' | 'failed';
      carrierUrl: string | null;
      durationSec: number;
      channels: number;
    }
  | { kind: 'call.ended'; carrierStatus: string; totalSec: number | null };

export type EdgeEventKind = EdgeEventBody['kind'];

export interface EdgeEvent {
  /** Carrier timestamp when the carrier gives one, else the time Telltale received the request (ISO 8601). */
  occurredAt: string;
  body: EdgeEventBody;
}

/** The logical identity of an event within its call: a second event with the same identity is a duplicate. */
export function eventKey(b: EdgeEventBody): string {
  switch (b.kind) {
    case 'call.received':
    case 'call.ended':
      return '-';
    case 'leg.started':
    case 'leg.ringing':
    case 'leg.answered':
      return b.legId;
    case 'leg.ended':
      return `${b.legId}:${b.source}`;
    case 'ivr.input':
    case 'record.started':
      return b.stepPath;
    case 'recording.ready':
      return `${b.recordingId}:${b.source}:${b.status}`;
  }
}

/** Maps a Twilio-style DialCallStatus / child-leg CallStatus to a leg result (telephony.md 5.3). */
export function legResultOf(status: string): LegResult | null {
  switch (status) {
    case 'completed':
    case 'answered':
      return 'answered';
    case 'busy':
      return 'busy';
    case 'no-answer':
      return 'no_answer';
    case 'failed':
      return 'failed';
    case 'canceled':
      return 'canceled';
    default:
      return null;
  }
}
