import type { Generated } from 'kysely';

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
  notifications: string;
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
}

export interface CallTable {
  id: Generated<number>;
  unique_id: string;
  client_id: number;
  service_id: string | null;
  /** call-in | call-out */
  direction: string;
  /** in_progress | ended | finalized */
  state: string;
  carrier: string;
  carrier_call_id: string;
  tracking_number: string;
  tracking_name: string | null;
  tracking_notes: string | null;
  target_number: string | null;
  target_name: string | null;
  /** E.164, null when withheld */
  caller_number: string | null;
  caller_withheld: number;
  caller_location: string | null;
  caller_state: string | null;
  caller_country: string | null;
  /** The account's IANA zone at call time. */
  timezone: string;
  started_at: Ts;
  answered_at: Ts | null;
  ended_at: Ts | null;
  duration: number;
  connection_duration: number;
  talk_duration: number;
  status_code: number | null;
  status: string | null;
  disposition: string | null;
  has_audio: number;
  audio_token: string | null;
  recording_path: string | null;
  recording_duration: number | null;
  label: string | null;
  /** IVR selections, e.g. "1,3" */
  ivr: string | null;
  /** JSON: up to ten {name, value} feature-tracking pairs (feat01/cd_cp01 …). */
  features: string;
  custom_id: string | null;
  custom_group: string | null;
  /** JSON: DNI attribution (url, source, medium, term, campaign, location, state, country, usercode, sessioncode, gclid …). */
  dni: string | null;
  /** JSON: sentiment fields, empty until analysed. */
  sentiment: string | null;
  is_test: number;
  finalized_at: Ts | null;
  created_at: Ts;
  updated_at: Ts;
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
}
