/**
 * One call as Telltale records it: every field of the seed's HTTP Callback list and Data Feed example. Storage keeps
 * it as a `calls` row; callbacks, reports and feeds read it. Times are ISO 8601 UTC strings; numbers are E.164.
 */
export interface CallRecord {
  id: number;
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
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
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
  /** JSON: the ARTIC queue, agent and outcome (domain/artic/call-artic.ts); null for calls that never reached a queue. Optional so older row literals still type. */
  artic?: string | null;
  /** JSON: sentiment fields, empty until analysed. */
  sentiment: string | null;
  is_test: number;
  /** Client reference shown in feeds (migration 005); null unless set. Optional so older row literals still type. */
  private_reference?: string | null;
  finalized_at: string | null;
  created_at: string;
  updated_at: string;
}

/** A JSON object column (dni, sentiment) as an object; empty when null, malformed or not an object. */
export function parseJsonObject(json: string | null): Record<string, unknown> {
  if (!json) return {};
  try {
    const v = JSON.parse(json) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
