import type { Generated } from 'kysely';

/** Timestamps are ISO 8601 UTC strings (`2026-01-01T00:00:00.000Z`) on both dialects: portable and sortable. */
type Ts = string;

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
