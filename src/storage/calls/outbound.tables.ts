/** Timestamps are ISO 8601 UTC strings (`2026-01-01T00:00:00.000Z`) on both dialects: portable and sortable. */
type Ts = string;

/** One click-to-call attempt (migration 017): the agent is rung first, then the customer, from the service's number. */
export interface OutboundCallTable {
  /** `oc_…`: also the token in the URL the carrier requests once the agent answers */
  id: string;
  client_id: number;
  service_id: string;
  /** the service's number: the caller id both parties see */
  tracking_number: string;
  agent_number: string;
  customer_number: string;
  answer_point_id: string | null;
  user_id: string | null;
  /**
   * dialling_agent → connected (the agent answered; the call is tracked as `call_id`), or → agent_no_answer,
   * agent_busy, failed, cancelled, expired (the agent never answered: no call record); see domain/calls/outbound-status.ts
   */
  status: string;
  carrier: string | null;
  carrier_call_id: string | null;
  call_id: number | null;
  created_at: Ts;
  updated_at: Ts;
  /** when an attempt whose agent never answered got its final status (migration 020) */
  ended_at: Ts | null;
}
