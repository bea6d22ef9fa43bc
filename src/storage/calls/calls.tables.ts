import type { Generated } from 'kysely';
import type { CallRecord } from '../../domain/calls/call.ts';

/** Timestamps are ISO 8601 UTC strings (`2026-01-01T00:00:00.000Z`) on both dialects: portable and sortable. */
type Ts = string;

/** The `calls` table: a CallRecord whose numeric id the database assigns. */
export interface CallTable extends Omit<CallRecord, 'id'> {
  id: Generated<number>;
  /** The call's CSV feed record as stored at finalization, and what it depends on outside the row (migration 009; optional so older row literals still type). Never shown by the APIs. */
  feed_csv?: string | null;
  feed_csv_key?: string | null;
}

export interface SmsMessageTable {
  id: string;
  client_id: number | null;
  service_id: string | null;
  carrier: string;
  carrier_message_id: string;
  to_number: string;
  from_number: string | null;
  body: string;
  segments: number;
  is_test: number;
  received_at: Ts;
}

/** SMS the sandbox carrier "sent" (notifications), so tests and the demo can read them (migration 004). */
export interface SandboxSmsOutboxTable {
  id: string;
  client_id: number | null;
  from_number: string | null;
  to_number: string;
  body: string;
  reference: string | null;
  created_at: Ts;
}

/** Every authenticated inbound carrier request, stored raw before parsing (migration 003). */
export interface CarrierRequestTable {
  id: string;
  carrier: string;
  /** voice | status | dial | leg | gather | record | recording | sms */
  kind: string;
  path: string;
  carrier_call_id: string | null;
  /** JSON of the headers that matter (content-type, user-agent, signature). */
  headers: string;
  body: string;
  error: string | null;
  received_at: Ts;
  /** Hash of the signed request (migration 012): a replay of it is not stored again but counted. */
  dedupe_key?: string | null;
  /** How many times the same request came again after the first (migration 012). */
  replays?: number;
  /** When the last replay came (migration 012). */
  last_received_at?: Ts | null;
}

/** Carrier-neutral call events, unique on (carrier, carrier_call_id, kind, dedupe_key) so retries change nothing (migration 003). */
export interface CallEventTable {
  id: string;
  carrier: string;
  carrier_call_id: string;
  kind: string;
  dedupe_key: string;
  occurred_at: Ts;
  received_at: Ts;
  data: string;
  raw_id: string | null;
}

/** The plan a call runs (a snapshot of its service at call time) and when to finalize it at the latest (migration 003). */
export interface CallSessionTable {
  call_id: number;
  carrier: string;
  carrier_call_id: string;
  plan: string;
  test_call_id: string | null;
  finalize_after: Ts;
  finalized: number;
}

/** Recordings announced by the carrier and their copy in TT_DATA_DIR/recordings (migration 003). */
export interface CallRecordingTable {
  id: string;
  carrier: string;
  carrier_call_id: string;
  carrier_recording_id: string;
  /** voicemail | call */
  kind: string;
  carrier_url: string | null;
  duration: number;
  /** pending | stored | absent | failed */
  status: string;
  path: string | null;
  attempts: number;
  next_attempt_at: Ts | null;
  error: string | null;
  created_at: Ts;
  updated_at: Ts;
}

/** Automatic test calls queued when a service goes live (migration 003). */
export interface TestCallTable {
  id: string;
  client_id: number;
  service_id: string;
  number: string;
  /** pending | running | passed | failed */
  status: string;
  call_id: number | null;
  result: string | null;
  attempts: number;
  run_after: Ts;
  lease_until: Ts | null;
  started_at: Ts | null;
  created_at: Ts;
  updated_at: Ts;
}

/** Per-account yes/no call evaluation questions (migration 005). */
export interface EvaluationQuestionTable {
  id: Generated<number>;
  client_id: number;
  title: string;
  text: string;
  position: number;
  created_at: Ts;
  /** Weight in the weighted evaluation score, 0–100 (migration 016; default 1). */
  weight?: number;
  /** Set when the question is archived: no longer asked, its answers kept (migration 016). */
  archived_at?: Ts | null;
  updated_at?: Ts | null;
}

/** One answer to an evaluation question for one call (migration 005). */
export interface CallEvaluationTable {
  call_id: number;
  question_id: number;
  /** yes | no */
  answer: string;
  updated_at: Ts;
  /** The user who gave the answer (migration 016). */
  answered_by?: string | null;
}
