import { FEED_CALL_COLUMNS, type FeedCall } from './feed-record.ts';
import type { ReportCall } from './formats.ts';

/** A feed call as an array of FEED_CALL_COLUMNS values, in that order (how the feed reads rows: no object per row). */
export type FeedRow = unknown[];

// Positions in FeedRow; checked against FEED_CALL_COLUMNS when this module loads.
export const ID = 0, UNIQUE_ID = 1, CLIENT_ID = 2, DIRECTION = 3, TRACKING_NUMBER = 4, TRACKING_NAME = 5, TRACKING_NOTES = 6, TARGET_NUMBER = 7;
export const TARGET_NAME = 8, CALLER_NUMBER = 9, CALLER_WITHHELD = 10, CALLER_LOCATION = 11, CALLER_STATE = 12, CALLER_COUNTRY = 13, TIMEZONE = 14;
export const STARTED_AT = 15, ENDED_AT = 16, DURATION = 17, CONNECTION_DURATION = 18, TALK_DURATION = 19, STATUS_CODE = 20, STATUS = 21, HAS_AUDIO = 22;
export const AUDIO_TOKEN = 23, FEATURES = 24, CUSTOM_ID = 25, CUSTOM_GROUP = 26, PRIVATE_REFERENCE = 27, ARTIC = 28;
{
  const at = { ID, UNIQUE_ID, CLIENT_ID, DIRECTION, TRACKING_NUMBER, TRACKING_NAME, TRACKING_NOTES, TARGET_NUMBER, TARGET_NAME, CALLER_NUMBER, CALLER_WITHHELD, CALLER_LOCATION, CALLER_STATE, CALLER_COUNTRY, TIMEZONE, STARTED_AT, ENDED_AT, DURATION, CONNECTION_DURATION, TALK_DURATION, STATUS_CODE, STATUS, HAS_AUDIO, AUDIO_TOKEN, FEATURES, CUSTOM_ID, CUSTOM_GROUP, PRIVATE_REFERENCE, ARTIC };
  for (const [k, i] of Object.entries(at)) if (FEED_CALL_COLUMNS[i] !== k.toLowerCase()) throw new Error(`FeedRow position ${i} is not ${k.toLowerCase()}`);
}

/** A FeedRow as a FeedCall object (the JSON and XML feeds and the tests use the object form). */
export function feedCallFromRow(a: FeedRow): FeedCall {
  return {
    id: a[ID] as number, unique_id: a[UNIQUE_ID] as string, client_id: a[CLIENT_ID] as number, direction: a[DIRECTION] as string,
    tracking_number: a[TRACKING_NUMBER] as string, tracking_name: a[TRACKING_NAME] as string | null, tracking_notes: a[TRACKING_NOTES] as string | null,
    target_number: a[TARGET_NUMBER] as string | null, target_name: a[TARGET_NAME] as string | null, caller_number: a[CALLER_NUMBER] as string | null,
    caller_withheld: a[CALLER_WITHHELD] as number, caller_location: a[CALLER_LOCATION] as string | null, caller_state: a[CALLER_STATE] as string | null,
    caller_country: a[CALLER_COUNTRY] as string | null, timezone: a[TIMEZONE] as string, started_at: a[STARTED_AT] as string, ended_at: a[ENDED_AT] as string | null,
    duration: a[DURATION] as number, connection_duration: a[CONNECTION_DURATION] as number, talk_duration: a[TALK_DURATION] as number,
    status_code: a[STATUS_CODE] as number | null, status: a[STATUS] as string | null, has_audio: a[HAS_AUDIO] as number, audio_token: a[AUDIO_TOKEN] as string | null,
    features: a[FEATURES] as string, custom_id: a[CUSTOM_ID] as string | null, custom_group: a[CUSTOM_GROUP] as string | null,
    private_reference: a[PRIVATE_REFERENCE] as string | null,
    ...(a[ARTIC] !== undefined ? { artic: a[ARTIC] as string | null } : {}),
  };
}

/** A FeedCall as a FeedRow (the PostgreSQL path reads objects). */
export function feedRowFromCall(c: Partial<ReportCall>): FeedRow {
  return FEED_CALL_COLUMNS.map((k) => c[k]);
}
