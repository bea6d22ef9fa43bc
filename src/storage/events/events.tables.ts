/** Timestamps are ISO 8601 UTC strings (`2026-01-01T00:00:00.000Z`) on both dialects: portable and sortable. */
type Ts = string;

/** One event subscription of an account (migration 017): where its events go and how they are signed. */
export interface EventSubscriptionTable {
  /** `sub_…` */
  id: string;
  client_id: number;
  url: string;
  /** JSON array of event types */
  events: string;
  description: string | null;
  /** the `whsec_…` signing secret, sealed at rest (secret box) */
  secret: string;
  enabled: number;
  /** deliveries in a row that ended failed or dead (their retries spent); a delivered one resets it */
  consecutive_failures: number;
  last_failure_at: Ts | null;
  last_success_at: Ts | null;
  disabled_reason: string | null;
  disabled_at: Ts | null;
  created_by: string | null;
  created_at: Ts;
  updated_at: Ts;
}
