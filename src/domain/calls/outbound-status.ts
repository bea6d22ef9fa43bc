/**
 * The life of a click-to-call attempt. `dialling_agent` until the agent's leg answers (`connected`: from then on the
 * call record tells how it went) or ends without being answered; every other status is final.
 */
export const OUTBOUND_STATUSES = ['dialling_agent', 'connected', 'agent_no_answer', 'agent_busy', 'failed', 'cancelled', 'expired'] as const;
export type OutboundStatus = (typeof OUTBOUND_STATUSES)[number];

/** Statuses of an attempt whose agent never answered: final, no call record. */
export const OUTBOUND_ENDED: readonly OutboundStatus[] = ['agent_no_answer', 'agent_busy', 'failed', 'cancelled', 'expired'];

export function isOutboundEnded(status: string): boolean {
  return (OUTBOUND_ENDED as readonly string[]).includes(status);
}

/**
 * The attempt's status when the carrier reports the agent's leg ended before it was answered (its status callback's
 * `CallStatus`); null for a status that does not end the leg. `completed` before any answer reached Telltale (the
 * answer URL was never requested) is a failure.
 */
export function agentLegEndStatus(carrierStatus: string): OutboundStatus | null {
  switch (carrierStatus) {
    case 'no-answer':
      return 'agent_no_answer';
    case 'busy':
      return 'agent_busy';
    case 'failed':
    case 'completed':
      return 'failed';
    case 'canceled':
      return 'cancelled';
    default:
      return null;
  }
}

/** Seconds an attempt may ring its agent before it is expired: the answer point's ring timeout (or the default) plus the margin. */
export const OUTBOUND_DEFAULT_RING_SEC = 60;
export const OUTBOUND_EXPIRY_MARGIN_SEC = 60;

export function outboundExpiresAt(createdAt: string, ringTimeoutSec: number | null): string {
  return new Date(Date.parse(createdAt) + ((ringTimeoutSec ?? OUTBOUND_DEFAULT_RING_SEC) + OUTBOUND_EXPIRY_MARGIN_SEC) * 1000).toISOString();
}
