/** Timestamps are ISO 8601 UTC strings (`2026-01-01T00:00:00.000Z`) on both dialects: portable and sortable. */
type Ts = string;

/** A tracking code: what the website script swaps and how numbers are chosen (migration 018). */
export interface DniTrackingCodeTable {
  id: string;
  client_id: number;
  /** The numeric code the page names (`AvanserOptions.trackingCode`), unique per account. */
  tracking_code: number;
  name: string;
  /** ISO country the business numbers are written in nationally (AU). */
  country: string;
  /** JSON array of E.164 business numbers the script swaps. */
  replace_numbers: string;
  /** JSON array of allowed page origins (`https://shop.example`, `https://*.example.com`). */
  origins: string;
  /** JSON array of source rules in priority order (domain/dni/rules.ts), each with its service's E.164 `number`. */
  rules: string;
  /** JSON array of the pool's service ids (their lease rows are dni_pool_numbers). */
  pool: string;
  fallback_service_id: string | null;
  /** E.164 of the fallback service (null: the business number, the first of replace_numbers). */
  fallback_number: string | null;
  hold_minutes: number;
  cooldown_minutes: number;
  cookie_days: number;
  created_at: Ts;
  updated_at: Ts;
}

/** One pool number and its current (or last) lease. */
export interface DniPoolNumberTable {
  service_id: string;
  tracking_code_id: string;
  number: string;
  visitor_id: string | null;
  visit_id: string | null;
  leased_at: Ts | null;
  /** The hold: the lease is live until then (extended by each heartbeat). */
  leased_until: Ts | null;
  /** leased_until plus the cool-down: another visitor may take the number from then on. */
  free_at: Ts | null;
}

/** One page view the script reported, the number it was shown and the visit's attribution data. */
export interface DniVisitTable {
  id: string;
  client_id: number;
  tracking_code_id: string;
  visitor_id: string;
  created_at: Ts;
  last_seen_at: Ts;
  /** pool (leased) | rule (a source rule's number) | fallback (the fallback service) | default (the business number) */
  kind: string;
  /** 1 when the visitor should have had a pool number and the pool was exhausted. */
  fell_back: number;
  rule_index: number | null;
  service_id: string | null;
  /** E.164 of the number shown. */
  number: string;
  lease_until: Ts | null;
  attribute_until: Ts;
  /** JSON: the attribution fields (domain/dni/visit-data.ts). */
  data: string;
}

/** The DNI decision for one finalized call to a tracking code's number: the visit, or null when unattributed. */
export interface DniCallAttributionTable {
  call_id: number;
  client_id: number;
  tracking_code_id: string;
  visit_id: string | null;
  started_at: Ts;
}
