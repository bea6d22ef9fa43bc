/** Timestamps are ISO 8601 UTC strings (`2026-01-01T00:00:00.000Z`) on both dialects: portable and sortable. */
type Ts = string;

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
