/** Seconds to wait before attempt `attemptsMade + 1`, or null when the schedule is spent (dead-letter). */
export function nextRetryDelaySeconds(schedule: readonly number[], attemptsMade: number): number | null {
  return attemptsMade < schedule.length ? schedule[attemptsMade] : null;
}

/** Only transport errors, timeouts, 408, 429 and 5xx are worth another attempt. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * When a recording's copy is tried again (seconds before attempt n + 1, the first at once): doubling from 20 s, eight
 * attempts in all (about 42 minutes), then the recording is `failed`.
 */
export const RECORDING_RETRY_SCHEDULE: readonly number[] = [0, 20, 40, 80, 160, 320, 640, 1280];
