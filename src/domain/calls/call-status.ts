/**
 * Telltale's documented call status mapping (the original's is not public):
 * 0 Answered, 1 Missed (rang out), 2 Busy, 3 Failed, 4 Abandoned (caller hung up before answer),
 * 7 Voicemail (message left), 8 Prompt/IVR completed. Disposition is ANSWERED, BUSY, NO ANSWER, FAILED or IVR.
 */
export const CALL_STATUSES = {
  0: 'Answered',
  1: 'Missed',
  2: 'Busy',
  3: 'Failed',
  4: 'Abandoned',
  7: 'Voicemail',
  8: 'Prompt/IVR completed',
} as const;

export type CallStatusCode = keyof typeof CALL_STATUSES;
export type Disposition = 'ANSWERED' | 'BUSY' | 'NO ANSWER' | 'FAILED' | 'IVR';

/** Notification rule names (services' `notifications[].statuses`) for each status code. */
export const NOTIFY_NAME_BY_CODE: Record<CallStatusCode, string> = {
  0: 'answered',
  1: 'missed',
  2: 'busy',
  3: 'failed',
  4: 'abandoned',
  7: 'voicemail',
  8: 'ivr',
};
