/** Seconds to wait before attempt `attemptsMade + 1`, or null when the schedule is spent (dead-letter). */
export function nextRetryDelaySeconds(schedule: readonly number[], attemptsMade: number): number | null {
  return attemptsMade < schedule.length ? schedule[attemptsMade] : null;
}

/** Only transport errors, timeouts, 408, 429 and 5xx are worth another attempt. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
