import { CALL_STATUSES, type CallStatusCode, type Disposition } from '../domain/calls/call-status.ts';
import { branchName, findStep, type CallPlan } from './call-plan.ts';
import type { EdgeEventBody, LegResult } from './call-events.ts';
import type { CallRecord } from '../domain/calls/call.ts';

export interface StoredEvent {
  occurredAt: string;
  body: EdgeEventBody;
}

export interface RecordingState {
  carrierRecordingId: string;
  kind: 'voicemail' | 'call';
  /** pending (announced, not yet copied) | stored | absent | failed */
  status: string;
  duration: number;
  path: string | null;
}

export interface ReduceInput {
  plan: CallPlan;
  /** The call row's start (the inbound webhook's time). */
  startedAt: string;
  events: StoredEvent[];
  recordings: RecordingState[];
  service: { targetNumber: string | null; targetName: string | null };
  /** ARTIC calls: the last queue the call was in, its agent and outcome (storage/artic articSummaryOf); null otherwise. */
  artic?: { outcome: string | null; agent: string | null } | null;
}

/** The parts of the call record that follow from the events (the rest is fixed when the call arrives). */
export interface ReducedCall
  extends Pick<
    CallRecord,
    | 'started_at'
    | 'answered_at'
    | 'ended_at'
    | 'duration'
    | 'connection_duration'
    | 'talk_duration'
    | 'status_code'
    | 'status'
    | 'target_number'
    | 'target_name'
    | 'ivr'
    | 'features'
    | 'has_audio'
    | 'recording_path'
    | 'recording_duration'
    | 'artic'
  > {
  state: 'in_progress' | 'ended';
  disposition: Disposition | null;
  /** Ended, and nothing the call is known to wait for (dial outcomes, recordings and their copies) is missing. */
  complete: boolean;
  /** What completeness still waits for, for logs and tests. */
  waitingFor: string[];
}

interface Leg {
  id: string;
  target: string;
  targetName?: string;
  record: boolean;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  result: LegResult | null;
  talkSec: number;
  hasAction: boolean;
}

const ms = (iso: string) => Date.parse(iso);
const secs = (fromIso: string, toIso: string) => Math.max(0, Math.round((ms(toIso) - ms(fromIso)) / 1000));

/** A deterministic order that does not depend on arrival: carrier time, then kind, then identity. */
function sortEvents(events: StoredEvent[]): StoredEvent[] {
  return [...events].sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0) || (a.body.kind < b.body.kind ? -1 : a.body.kind > b.body.kind ? 1 : 0) || (JSON.stringify(a.body) < JSON.stringify(b.body) ? -1 : 1));
}

function statusOf(code: CallStatusCode, disposition: Disposition) {
  return { status_code: code, status: CALL_STATUSES[code], disposition };
}

/**
 * Derives the call record from the set of events (a pure function of the set, so any arrival order gives the same
 * record). Durations per telephony.md 5.3: `duration` is the carrier's total (else end − start);
 * `connection_duration` is the caller's wait until the answer point answered (0 when the platform answered at once;
 * the ringing time when nobody answered); `talk_duration` is the time connected to the answer point.
 */
export function reduceCall(input: ReduceInput, forced = false): ReducedCall {
  const events = sortEvents(input.events);
  const received = events.find((e) => e.body.kind === 'call.received');
  const startedAt = received?.occurredAt ?? input.startedAt;
  const ended = events.find((e) => e.body.kind === 'call.ended');
  const legs = new Map<string, Leg>();
  const waitingFor: string[] = [];
  for (const e of events) {
    const b = e.body;
    if (b.kind === 'leg.started') legs.set(b.legId, { id: b.legId, target: b.target, targetName: b.targetName, record: b.record, startedAt: e.occurredAt, answeredAt: null, endedAt: null, result: null, talkSec: 0, hasAction: false });
  }
  for (const e of events) {
    const b = e.body;
    if (b.kind !== 'leg.answered' && b.kind !== 'leg.ended') continue;
    const leg = legs.get(b.legId);
    if (!leg) continue;
    if (b.kind === 'leg.answered') leg.answeredAt = e.occurredAt;
    else if (b.source === 'action') {
      // The dial action is the carrier's verdict on the leg; the child-leg status only fills what it lacks.
      leg.result = b.result;
      leg.talkSec = b.talkSec;
      leg.hasAction = true;
      leg.endedAt ??= e.occurredAt;
    } else {
      if (!leg.hasAction) {
        leg.result = b.result;
        leg.talkSec = b.talkSec;
      }
      leg.endedAt = e.occurredAt;
    }
  }
  for (const leg of legs.values()) {
    if (leg.result === 'answered' && !leg.answeredAt && leg.endedAt) leg.answeredAt = new Date(ms(leg.endedAt) - leg.talkSec * 1000).toISOString();
    if (leg.result !== 'answered') leg.answeredAt = null;
  }
  const legList = [...legs.values()].sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : a.id < b.id ? -1 : 1));
  const primary = legList.find((l) => l.result === 'answered') ?? legList[legList.length - 1] ?? null;

  // Recordings: the union of what action and status callbacks announced, joined with their copies.
  const announced = new Map<string, { kind: 'voicemail' | 'call'; status: string; duration: number; stepPath: string }>();
  for (const e of events) {
    const b = e.body;
    if (b.kind !== 'recording.ready') continue;
    const prev = announced.get(b.recordingId);
    // completed beats absent/failed whichever came first; the longest duration wins.
    if (!prev || (prev.status !== 'completed' && b.status === 'completed') || (prev.status === b.status && b.durationSec > prev.duration)) {
      announced.set(b.recordingId, { kind: b.recKind, status: b.status, duration: Math.max(b.durationSec, prev?.duration ?? 0), stepPath: b.stepPath });
    }
  }
  const copies = new Map(input.recordings.map((r) => [r.carrierRecordingId, r]));
  const recordedSteps = new Set([...announced.values()].map((r) => r.stepPath));
  for (const e of events) {
    if (e.body.kind === 'record.started' && !recordedSteps.has(e.body.stepPath)) waitingFor.push(`recording of ${e.body.stepPath}`);
  }
  for (const leg of legList) {
    // The dial action decides what the call does next (e.g. a voicemail), so the leg's own status cannot stand in for it.
    if (!leg.hasAction) waitingFor.push(`outcome of leg ${leg.id}`);
    if (leg.record && leg.result === 'answered' && leg.talkSec > 0 && !recordedSteps.has(leg.id)) waitingFor.push(`recording of leg ${leg.id}`);
  }
  for (const [id, r] of announced) {
    if (r.status === 'completed' && r.duration > 0 && (copies.get(id)?.status ?? 'pending') === 'pending') waitingFor.push(`copy of recording ${id}`);
  }
  const message = [...announced.entries()]
    .filter(([, r]) => r.kind === 'voicemail' && r.status === 'completed' && r.duration > 0)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))[0];
  const callRec = [...announced.entries()].filter(([, r]) => r.kind === 'call' && r.status === 'completed' && r.duration > 0).sort((a, b) => (a[0] < b[0] ? -1 : 1))[0];
  const audio = message ?? callRec;
  const audioCopy = audio ? copies.get(audio[0]) : undefined;

  // IVR selections in the order they were made.
  const selections: { digits: string; name: string | null }[] = [];
  for (const e of events) {
    if (e.body.kind === 'ivr.input' && e.body.digits) selections.push({ digits: e.body.digits, name: branchName(input.plan, e.body.stepPath, e.body.digits) });
  }

  // End: the carrier's final status; when forced (grace window passed without it), the last thing we heard.
  let endedAt: string | null = ended?.occurredAt ?? null;
  if (!endedAt && forced) endedAt = events.length ? events[events.length - 1].occurredAt : startedAt;
  const endedBody = ended?.body.kind === 'call.ended' ? ended.body : null;
  const duration = endedBody?.totalSec ?? (endedAt ? secs(startedAt, endedAt) : 0);

  let st: ReturnType<typeof statusOf> | null = null;
  if (endedAt) {
    const vm = !!message;
    if (primary) {
      // A caller who hung up in a queue after agents missed the call abandoned it.
      const abandoned = input.artic?.outcome === 'abandoned' && primary.result !== 'answered' && !vm;
      switch (abandoned ? 'canceled' : primary.result) {
        case 'answered':
          st = statusOf(0, 'ANSWERED');
          break;
        case 'busy':
          st = statusOf(vm ? 7 : 2, 'BUSY');
          break;
        case 'no_answer':
          st = statusOf(vm ? 7 : 1, 'NO ANSWER');
          break;
        case 'failed':
          st = statusOf(vm ? 7 : 3, 'FAILED');
          break;
        default:
          // canceled, or the call ended with the leg still ringing: the caller gave up before an answer.
          st = statusOf(4, 'NO ANSWER');
      }
    } else if (endedBody && endedBody.carrierStatus !== 'completed') {
      const c = endedBody.carrierStatus;
      st = c === 'busy' ? statusOf(2, 'BUSY') : c === 'failed' ? statusOf(3, 'FAILED') : c === 'canceled' ? statusOf(4, 'NO ANSWER') : statusOf(1, 'NO ANSWER');
    } else if (vm) {
      st = statusOf(7, 'ANSWERED');
    } else if (input.artic?.outcome === 'abandoned') {
      st = statusOf(4, 'NO ANSWER');
    } else {
      st = statusOf(8, 'IVR');
    }
  }

  const answeredAt = primary?.answeredAt ?? null;
  let connection = 0;
  if (answeredAt) connection = secs(startedAt, answeredAt);
  else if (primary && (primary.endedAt ?? endedAt)) connection = secs(startedAt, (primary.endedAt ?? endedAt)!);
  const talk = primary?.result === 'answered' ? primary.talkSec : 0;

  const targetStep = primary ? findStep(input.plan, primary.id)?.step : null;
  if (!endedAt) waitingFor.unshift('end of call');
  return {
    state: endedAt ? 'ended' : 'in_progress',
    started_at: startedAt,
    answered_at: answeredAt,
    ended_at: endedAt,
    duration,
    connection_duration: Math.min(connection, Math.max(duration, connection)),
    talk_duration: talk,
    status_code: st?.status_code ?? null,
    status: st?.status ?? null,
    disposition: st?.disposition ?? null,
    target_number: primary?.target ?? input.service.targetNumber,
    target_name: targetStep?.kind === 'transfer' ? targetStep.targetName : (primary?.targetName ?? input.service.targetName),
    ivr: selections.length ? selections.map((s) => s.digits).join(',') : null,
    features: JSON.stringify(selections.slice(0, 10).map((s, i) => ({ name: `IVR ${i + 1}`, value: s.name ?? s.digits }))),
    has_audio: audioCopy?.status === 'stored' ? 1 : 0,
    recording_path: audioCopy?.status === 'stored' ? audioCopy.path : null,
    recording_duration: audio ? audio[1].duration : null,
    artic: input.artic ? JSON.stringify(input.artic) : null,
    complete: !!ended && waitingFor.length === 0,
    waitingFor,
  };
}
