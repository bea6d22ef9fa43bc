import type { Generated } from 'kysely';
import type { CallRecord } from '../domain/calls/call.ts';

/** Timestamps are ISO 8601 UTC strings (`2026-01-01T00:00:00.000Z`) on both dialects: portable and sortable. */
type Ts = string;

export interface AccountTable {
  client_id: number;
  name: string;
  timezone: string;
  webhook_secret: string;
  auto_test_call: number;
  created_at: Ts;
}

export interface UserTable {
  id: string;
  username: string;
  password_hash: string;
  created_at: Ts;
}

export interface UserAccountTable {
  user_id: string;
  client_id: number;
}

export interface NumberTable {
  number: string;
  country: string;
  class: string;
  sms: number;
  voice: number;
  owner_client_id: number | null;
  state: string;
  service_id: string | null;
  reserved_request_id: string | null;
  quarantined_at: Ts | null;
  release_after: Ts | null;
  last_client_id: number | null;
  created_at: Ts;
  updated_at: Ts;
}

export interface StockPolicyTable {
  client_id: number;
  country: string;
  class: string;
  policy: string;
}

export interface InventoryRulesTable {
  client_id: number;
  quarantine_days: number;
  quiet_days: number;
  noise_threshold: number;
  recycle_on_request: number;
  updated_at: Ts;
}

export interface NoiseCallTable {
  id: string;
  number: string;
  caller: string | null;
  received_at: Ts;
}

export interface ServiceTable {
  id: string;
  client_id: number;
  number: string;
  type: string;
  status: string;
  name: string | null;
  target_number: string | null;
  target_name: string | null;
  prompt_url: string | null;
  prompt_text: string | null;
  custom_id: string | null;
  custom_group: string | null;
  call_callback_uri: string | null;
  sms_forward_uri: string | null;
  /** GET (default) or POST: how the HTTP Callback is sent (migration 004; optional so older row literals still type). */
  call_callback_method?: string;
  notifications: string;
  /** Transfer: seconds the answer point rings (migration 003; optional so older row literals still type). */
  ring_timeout?: number;
  /** Transfer: 1 to record the answered call (migration 003). */
  record?: number;
  /** Transfer: 1 to take a voicemail on busy / no answer / failure (migration 003). */
  voicemail_fallback?: number;
  /** IVR: JSON [{digit, name?, target_number?, target_name?}] (migration 003). */
  ivr_options?: string | null;
  created_at: Ts;
  updated_at: Ts;
  live_at: Ts | null;
  decommissioned_at: Ts | null;
}

export interface RequestTable {
  id: string;
  client_id: number;
  user_id: string;
  type: string;
  status: string;
  number: string | null;
  service_id: string | null;
  changes: string;
  callback_uri: string | null;
  error_code: string | null;
  error_text: string | null;
  run_after: Ts;
  lease_until: Ts | null;
  attempts: number;
  created_at: Ts;
  updated_at: Ts;
  completed_at: Ts | null;
}

export interface DeliveryTable {
  id: string;
  client_id: number;
  kind: string;
  subject_id: string | null;
  method: string;
  url: string;
  body: string | null;
  status: string;
  attempts: number;
  next_attempt_at: Ts;
  lease_until: Ts | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Ts;
  updated_at: Ts;
  delivered_at: Ts | null;
  /** The worker holding the lease (migration 004): only it may write the attempt's outcome. */
  lease_owner: string | null;
  /** Attempts over the delivery's whole life; `attempts` counts the current round (reset by a redeliver). */
  total_attempts: number;
}

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

export interface Database {
  calls: CallTable;
  sms_messages: SmsMessageTable;
  accounts: AccountTable;
  users: UserTable;
  user_accounts: UserAccountTable;
  numbers: NumberTable;
  stock_policies: StockPolicyTable;
  inventory_rules: InventoryRulesTable;
  noise_calls: NoiseCallTable;
  services: ServiceTable;
  requests: RequestTable;
  deliveries: DeliveryTable;
  carrier_requests: CarrierRequestTable;
  call_events: CallEventTable;
  call_sessions: CallSessionTable;
  call_recordings: CallRecordingTable;
  test_calls: TestCallTable;
  delivery_attempts: DeliveryAttemptTable;
  sandbox_sms_outbox: SandboxSmsOutboxTable;
  feeds: FeedTable;
  feed_uploads: FeedUploadTable;
  legacy_api_keys: LegacyApiKeyTable;
  legacy_tokens: LegacyTokenTable;
  evaluation_questions: EvaluationQuestionTable;
  call_evaluations: CallEvaluationTable;
  rate_limits: RateLimitTable;
  auth_failures: AuthFailureTable;
  digest_nonces: DigestNonceTable;
}

/** Failed password checks per key and fixed window, shared by every API process (migration 010). */
export interface AuthFailureTable {
  /** `user:…`, `addr:…`, `feed:…` or `legacy:…` */
  key: string;
  /** epoch milliseconds */
  window_start: number;
  failures: number;
}

/** The highest Digest nonce count accepted per feed, nonce and client nonce (migration 010). */
export interface DigestNonceTable {
  feed_id: string;
  nonce: string;
  cnonce: string;
  nc: number;
  /** epoch milliseconds: when the nonce is stale and the row may be deleted */
  expires_at: number;
}

/** Requests counted per key and fixed window, shared by every API process (migration 008). */
export interface RateLimitTable {
  /** what is limited and for whom, e.g. `webapi:user:<id>` */
  key: string;
  /** epoch milliseconds */
  window_start: number;
  used: number;
}

/** One attempt at a delivery (migration 004): the delivery log. */
export interface DeliveryAttemptTable {
  id: Generated<number>;
  delivery_id: string;
  client_id: number;
  attempt_no: number;
  started_at: Ts;
  duration_ms: number;
  /** delivered | retry | failed | dead | lost_lease */
  outcome: string;
  status_code: number | null;
  error: string | null;
  response_body: string | null;
  worker: string;
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

/** A data feed of one account (migration 005): auth per feed, optional daily upload. */
export interface FeedTable {
  id: string;
  client_id: number;
  name: string | null;
  /** basic | digest | ip */
  auth: string;
  username: string | null;
  password_hash: string | null;
  digest_ha1_md5: string | null;
  digest_ha1_sha256: string | null;
  nonce_secret: string;
  /** JSON array of CIDRs */
  allow_cidrs: string;
  /** http_put | sftp | folder | null */
  upload_kind: string | null;
  upload_target: string | null;
  upload_format: string | null;
  /** HH:MM in the account's zone */
  upload_time: string | null;
  upload_username: string | null;
  upload_password: string | null;
  upload_next_at: Ts | null;
  /** the SFTP server's host key fingerprint, `SHA256:<base64>` (migration 007) */
  upload_host_key: string | null;
  /** configured (set by the user) | first_use (pinned by the first successful connection) | null */
  upload_host_key_source: string | null;
  created_at: Ts;
  updated_at: Ts;
  /** 1: the CSV neutralises cells a spreadsheet would run as formulas (migration 011) */
  csv_formula_protection: number;
}

/** One scheduled daily upload of a feed (migration 005); the key makes scheduling idempotent per feed per day. */
export interface FeedUploadTable {
  feed_id: string;
  day: string;
  delivery_id: string;
  created_at: Ts;
}

/** Legacy JSON API credentials (migration 005). */
export interface LegacyApiKeyTable {
  account_id: string;
  client_id: number;
  api_key: string;
  secret: string;
  created_at: Ts;
}

/** Legacy JSON API token keys and session tokens (migration 005). */
export interface LegacyTokenTable {
  token: string;
  kind: string;
  account_id: string;
  expires_at: Ts;
}

/** Per-account yes/no call evaluation questions (migration 005). */
export interface EvaluationQuestionTable {
  id: Generated<number>;
  client_id: number;
  title: string;
  text: string;
  position: number;
  created_at: Ts;
}

/** One answer to an evaluation question for one call (migration 005). */
export interface CallEvaluationTable {
  call_id: number;
  question_id: number;
  /** yes | no */
  answer: string;
  updated_at: Ts;
}
