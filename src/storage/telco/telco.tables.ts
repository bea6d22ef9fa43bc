/** Timestamps are ISO 8601 UTC strings (`2026-01-01T00:00:00.000Z`) on both dialects: portable and sortable. */
type Ts = string;

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
