import { CALLBACK_TAGS, type CallbackTag, type CallForTags } from './callback-template.ts';

/** Groups a tag picker can show the HTTP Callback tags under. */
export type CallbackTagGroup = 'call' | 'numbers' | 'time' | 'features' | 'ivr' | 'dni' | 'google_analytics' | 'recording' | 'parties' | 'sentiment' | 'custom' | 'artic';

export interface CallbackTagInfo {
  tag: CallbackTag;
  /** the tag as written in a callback URL: `[[clientid]]` */
  placeholder: string;
  /** the seed's "Parameter" column (HTTP Callback: Full Parameter List) */
  name: string;
  /** the seed's "Description" column */
  description: string;
  group: CallbackTagGroup;
}

/**
 * The name and meaning of every HTTP Callback tag, as the seed document (AVANSER API Services Quick Reference, "HTTP
 * Callback: Full Parameter List") gives them; `[[tag]]` and `[[curl]]` from its example URL's table (custom_id and
 * custom_group). The seed's "Feature #N" rows all say "Feature1 name": each is written here with its own number.
 */
const INFO: Record<CallbackTag, [name: string, description: string, group: CallbackTagGroup]> = {
  clientid: ["AVANSER's ClientID", 'Unique for each account', 'call'],
  callid: ["AVANSER's CallID", 'Unique for each call', 'call'],
  callstatus: ['Call Status', 'Descriptive text of the call status', 'call'],
  callcode: ['Call status code', 'Call status code 0,1,2,3,4,7,8', 'call'],
  uniqueid: ["Avanser's UniqueId", 'Unique id for each call', 'call'],
  adname: ['adSource Name', 'As configured in the Portal', 'numbers'],
  bnum: ["Avanser's Bnum", 'Service Tracking Number (format +CC-LOCAL)', 'numbers'],
  duration: ['Call duration', 'Call Duration in seconds', 'call'],
  unixtime: ['Unixtime, now', 'Unix timestamp of the call', 'time'],
  tzdate: ['ISO 8601 date', 'ISO 8601 format string', 'time'],
  calldate: ['Call Date (d/m/Y)', 'day/month/year format', 'time'],
  ucalldate: ['Call Date (seconds)', 'UTC timestamp of the call', 'time'],
  ani: ['Calling number', 'Calling Number (format +CC-LOCAL) or "Private"', 'numbers'],
  target: ['Target number', 'Answer Point the call was sent to', 'numbers'],
  clocation: ['Call location', 'Detected call location', 'call'],
  cstate: ['Call state', 'Detected call state', 'call'],
  ccountry: ['Call country', 'Detected call country', 'call'],
  targetname: ['Target name', 'Answer Point name as configured in the Portal', 'numbers'],
  label: ['Call label', 'Call Label set through the dialler', 'call'],
  ...(Object.fromEntries(
    Array.from({ length: 10 }, (_, i) => {
      const nn = String(i + 1).padStart(2, '0');
      return [
        [`cd_cp${nn}`, [`Call parameter #${i + 1}`, 'Feature Tracking: Feature value', 'features']],
        [`feat${nn}`, [`Feature #${i + 1}`, `Feature Tracking: Feature${i + 1} name`, 'features']],
      ];
    }).flat(),
  ) as Record<`cd_cp${string}` | `feat${string}`, [string, string, CallbackTagGroup]>),
  ivr: ['IVR Selections', 'IVR selections', 'ivr'],
  'dl:url': ["User's visited page", 'Dynamic Numbers: website hit', 'dni'],
  'dl:source': ['Search Source', 'Dynamic Numbers: source', 'dni'],
  'dl:medium': ['Search Medium', 'Dynamic Numbers: medium', 'dni'],
  'dl:term': ['Search Keywords', 'Dynamic Numbers: keywords', 'dni'],
  'dl:campaign': ['Search Campaign', 'Dynamic Numbers: campaign', 'dni'],
  'dl:location': ['Web, location', "Dynamic Numbers: user's location", 'dni'],
  'dl:state': ['Web, state', "Dynamic Numbers: user's state", 'dni'],
  'dl:country': ['Web, country', "Dynamic Numbers: user's country", 'dni'],
  'web:usercode': ['GA User Code', 'Google Analytics: User Code', 'google_analytics'],
  'web:sessioncode': ['GA Session Code', 'Google Analytics: Session Code', 'google_analytics'],
  'web:gclid': ['Google Click Id', 'Google Analytics: Click ID', 'google_analytics'],
  audio: ['Downloadable Audio URL', 'Audio download url', 'recording'],
  'aparty:e164': ['A-Party E.164 Phone', 'Caller/Callee Number E164 format', 'parties'],
  'aparty:state': ['A-Party State', 'Caller/Callee Number state', 'parties'],
  'aparty:country': ['A-Party Country', 'Caller/Callee Number country', 'parties'],
  'bparty:e164': ['B-Party E.164 Phone', 'Service Number E164 format', 'parties'],
  'cparty:e164': ['C-Party E.164 Phone', 'Caller/Callee Number E164 format', 'parties'],
  'cparty:country': ['C-Party Country', 'Caller/Callee Number country', 'parties'],
  'call:disposition': ['Call Disposition', 'Hangup: IVR, BUSY, ANSWERED, NO ANSWER, FAILED', 'call'],
  'call:utcdate': ['UTC Date', 'UTC call timestamp', 'time'],
  'call:direction': ['Call Direction', 'Call Direction, call-in or call-out', 'call'],
  'sentiment:score': ['Sentiment Score', 'Sentiment Analysis: summary score', 'sentiment'],
  'sentiment:agent': ['Agent Sentiment', 'Sentiment Analysis: agent score', 'sentiment'],
  'sentiment:caller': ['Caller Sentiment', 'Sentiment Analysis: caller score', 'sentiment'],
  'sentiment:talkMost': ['Talk Most', 'Sentiment Analysis: who talked the most', 'sentiment'],
  'sentiment:communication': ['Communication', 'Sentiment Analysis: communication score', 'sentiment'],
  'sentiment:conduct': ['Conduct', 'Sentiment Analysis: conduct score', 'sentiment'],
  'sentiment:politeness': ['Agent Politeness', 'Sentiment Analysis: agent politeness score', 'sentiment'],
  'sentiment:highRisk': ['High Risk Call', 'Sentiment Analysis: call marked as high risk', 'sentiment'],
  'sentiment:badAttitude': ['Call Attitude', 'Sentiment Analysis: bad agent attitude detected', 'sentiment'],
  'sentiment:slangUsed': ['Slang Used', 'Sentiment Analysis: slang was used', 'sentiment'],
  'sentiment:profanityUsed': ['Profanity Used', 'Sentiment Analysis: profanities were used', 'sentiment'],
  tag: ['custom_id', 'custom_id, managed by the Telco API', 'custom'],
  curl: ['custom_group', 'custom_group, managed by the Telco API', 'custom'],
  'artic:isArtic': ['ARTIC Call', 'Call centre: 1 when the call went to a call-centre queue, else 0 (Telltale)', 'artic'],
  'artic:queue': ['ARTIC Queue', 'Call centre: the queue the call was in last (Telltale)', 'artic'],
  'artic:agent': ['ARTIC Agent', 'Call centre: the agent who answered (Telltale)', 'artic'],
  'artic:outcome': ['ARTIC Outcome', 'Call centre: answered, abandoned, timeout (overflowed after the maximum wait) or empty (nobody logged in) (Telltale)', 'artic'],
  'artic:wait': ['ARTIC Wait', 'Call centre: seconds the caller waited in the queue until answered or gone (Telltale)', 'artic'],
};

/** Every HTTP Callback tag with its name and one-line meaning, in the order of CALLBACK_TAGS (the seed's order). */
export const CALLBACK_TAG_INFO: readonly CallbackTagInfo[] = CALLBACK_TAGS.map((tag) => {
  const [name, description, group] = INFO[tag];
  return { tag, placeholder: `[[${tag}]]`, name, description, group };
});

/** The caller of the synthetic sample: the automatic test call's probe number (ACMA's fictitious range). */
export const SAMPLE_CALLER = '+61255501234';

/**
 * The synthetic call a test callback is rendered with when the service has no finalized call yet: the service's own
 * numbers, names and custom id/group; a call-in from +61255501234 (Sydney, NSW, AU) that started 60 s before `now`, was
 * answered after 4 s and lasted 42 s (Answered, code 0, ANSWERED); call id 0 and unique id `TEST-<unix>.000000`; label
 * `test callback`, IVR `1`, one feature (`Product` = `Test`), a DNI visit (google / cpc / `test-callback`, page
 * https://www.example.com/, GA codes 1234567890 and 1700000000, gclid `test-gclid`), no recording and no sentiment.
 */
export function syntheticCallForTags(s: {
  trackingNumber: string;
  trackingName: string | null;
  targetNumber: string | null;
  targetName: string | null;
  customId: string | null;
  customGroup: string | null;
  timezone: string;
  now: Date;
}): CallForTags {
  const started = new Date(Math.floor(s.now.getTime() / 1000) * 1000 - 60_000);
  const ended = new Date(started.getTime() + 42_000);
  return {
    id: 0,
    unique_id: `TEST-${Math.floor(started.getTime() / 1000)}.000000`,
    direction: 'call-in',
    tracking_number: s.trackingNumber,
    tracking_name: s.trackingName,
    target_number: s.targetNumber,
    target_name: s.targetName,
    caller_number: SAMPLE_CALLER,
    caller_withheld: 0,
    caller_location: 'Sydney',
    caller_state: 'NSW',
    caller_country: 'AU',
    timezone: s.timezone,
    started_at: started.toISOString(),
    duration: 42,
    status_code: 0,
    status: 'Answered',
    disposition: 'ANSWERED',
    has_audio: 0,
    audio_token: null,
    label: 'test callback',
    ivr: '1',
    features: JSON.stringify([{ name: 'Product', value: 'Test' }]),
    custom_id: s.customId,
    custom_group: s.customGroup,
    dni: JSON.stringify({ url: 'https://www.example.com/', source: 'google', medium: 'cpc', term: 'test', campaign: 'test-callback', location: 'Sydney', state: 'NSW', country: 'AU', usercode: '1234567890', sessioncode: '1700000000', gclid: 'test-gclid' }),
    sentiment: null,
    finalized_at: ended.toISOString(),
    ended_at: ended.toISOString(),
  };
}
