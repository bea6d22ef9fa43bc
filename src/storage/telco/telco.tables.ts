import type { ServiceSettings } from '../../domain/telco/service-fields.ts';

/** Timestamps are ISO 8601 UTC strings (`2026-01-01T00:00:00.000Z`) on both dialects: portable and sortable. */
type Ts = string;

/** Settings columns added by migrations 003 and 004: optional, so row literals written before them still type. */
type LaterSettings = 'call_callback_method' | 'ring_timeout' | 'record' | 'voicemail_fallback' | 'ivr_options' | 'artic_queue_id' | 'artic_menu_id';

/** A service: its settings (the Telco API's service fields, see domain/telco) and its lifecycle. */
export interface ServiceTable extends Omit<ServiceSettings, LaterSettings>, Partial<Pick<ServiceSettings, LaterSettings>> {
  id: string;
  client_id: number;
  number: string;
  status: string;
  created_at: Ts;
  updated_at: Ts;
  live_at: Ts | null;
  decommissioned_at: Ts | null;
  /** The named answer point the service rings (migration 017), set by the Telco request that applied it. */
  answer_point_id?: string | null;
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

/** A named answer point of an account (migration 017): a destination number services ring, reusable by several. */
export interface AnswerPointTable {
  /** `ap_…` */
  id: string;
  client_id: number;
  name: string;
  /** E.164 */
  number: string;
  /** seconds it rings; null: the service's own ring timeout */
  ring_timeout: number | null;
  created_at: Ts;
  updated_at: Ts;
}
