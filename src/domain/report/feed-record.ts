import { localFromIso, unixFromIso, zonedFromIso } from './report-time.ts';
import { audioUrl, avanserCaller, avanserNumber, parseFeatures, statusName, type ReportCall } from './formats.ts';

const ms = (iso: string) => Date.parse(iso);

/** The seed's standard Data Feed record: exactly its field names, in its order (alphabetical, as the seed prints it). */
export const FEED_FIELDS = [
  'call_audio_url',
  'call_connection_duration',
  'call_direction',
  'call_duration',
  'call_end_time',
  'call_has_audio',
  'call_id',
  'call_is_artic',
  'call_local_time',
  'call_param_01',
  'call_param_02',
  'call_param_03',
  'call_param_04',
  'call_param_05',
  'call_param_06',
  'call_param_07',
  'call_param_08',
  'call_param_09',
  'call_start_time',
  'call_status',
  'call_status_code',
  'call_talk_duration',
  'call_timezone',
  'call_tz_end_time',
  'call_tz_start_time',
  'call_u_end_time',
  'call_u_start_time',
  'call_unique_id',
  'caller_country',
  'caller_location',
  'caller_number',
  'caller_state',
  'client_id',
  'custom_group',
  'custom_id',
  'private_reference',
  'target_name',
  'target_number',
  'tracking_master_id',
  'tracking_name',
  'tracking_notes',
  'tracking_number',
  'tracking_wpc_id',
  // Telltale's call-centre fields, after the seed's (issue #14): the queue the call was in last and the agent who
  // answered; empty for calls that never reached a queue.
  'artic_queue',
  'artic_agent',
] as const;

export type FeedField = (typeof FEED_FIELDS)[number];

/**
 * The call columns a feed record is made of (feeds read only these). Stored feed lines are kept fresh by a trigger on
 * these columns (migration 009): changing this list needs a migration re-creating that trigger, and a FEED_LINE_FORMAT
 * bump.
 */
export const FEED_CALL_COLUMNS = [
  'id', 'unique_id', 'client_id', 'direction', 'tracking_number', 'tracking_name', 'tracking_notes', 'target_number', 'target_name', 'caller_number',
  'caller_withheld', 'caller_location', 'caller_state', 'caller_country', 'timezone', 'started_at', 'ended_at', 'duration', 'connection_duration',
  'talk_duration', 'status_code', 'status', 'has_audio', 'audio_token', 'features', 'custom_id', 'custom_group', 'private_reference',
  // call_is_artic (migration 022). Set by the finalizing UPDATE with the stored line (and by late-data updates, which
  // store the line again), so the trigger of migration 009 need not watch it; lines stored before it are ARTIC-free.
  'artic',
] as const;
export type FeedCall = Pick<ReportCall, (typeof FEED_CALL_COLUMNS)[number]>;
export type FeedRecord = Record<FeedField, string | number | null>;

/** The queue and agent names of a call's `artic` JSON (empty when none). */
export function articOf(json: string | null | undefined): { queue: string; agent: string } {
  if (!json) return { queue: '', agent: '' };
  try {
    const a = JSON.parse(json) as { queue?: unknown; agent?: unknown };
    return { queue: typeof a.queue === 'string' ? a.queue : '', agent: typeof a.agent === 'string' ? a.agent : '' };
  } catch {
    return { queue: '', agent: '' };
  }
}

/** A feature's value as the numeric `call_param_NN` field: a finite number, else 0. */
export function numericParam(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : 0;
}

/**
 * One call as a feed record. Times: `call_start_time`/`call_end_time`/`call_local_time` are wall times in the call's
 * zone, `call_tz_*` carry the offset (`+1000`), `call_u_*` are unix seconds. `call_param_01`…`07` are the numeric
 * values of feature parameters 1–7 (0 when absent or not numeric), `08`/`09` the text of parameters 8 and 9.
 */
export function feedRecord(c: FeedCall, publicUrl: string): FeedRecord {
  const zone = c.timezone;
  const startIso = c.started_at;
  const endIso = c.ended_at ?? new Date(ms(startIso) + c.duration * 1000).toISOString();
  const features = c.features && c.features !== '[]' ? parseFeatures(c.features) : [];
  const startLocal = localFromIso(zone, startIso);
  return {
    call_audio_url: audioUrl(publicUrl, c),
    call_connection_duration: c.connection_duration,
    call_direction: c.direction,
    call_duration: c.duration,
    call_end_time: localFromIso(zone, endIso),
    call_has_audio: c.has_audio ? 1 : 0,
    call_id: Number(c.id),
    call_is_artic: c.artic ? 1 : 0,
    call_local_time: startLocal,
    call_param_01: numericParam(features[0]?.value),
    call_param_02: numericParam(features[1]?.value),
    call_param_03: numericParam(features[2]?.value),
    call_param_04: numericParam(features[3]?.value),
    call_param_05: numericParam(features[4]?.value),
    call_param_06: numericParam(features[5]?.value),
    call_param_07: numericParam(features[6]?.value),
    call_param_08: features[7]?.value == null ? '' : String(features[7].value),
    call_param_09: features[8]?.value == null ? '' : String(features[8].value),
    call_start_time: startLocal,
    call_status: statusName(c),
    call_status_code: c.status_code ?? 0,
    call_talk_duration: c.talk_duration,
    call_timezone: zone,
    call_tz_end_time: zonedFromIso(zone, endIso),
    call_tz_start_time: zonedFromIso(zone, startIso),
    call_u_end_time: unixFromIso(endIso),
    call_u_start_time: unixFromIso(startIso),
    call_unique_id: c.unique_id,
    caller_country: c.caller_country ?? '',
    caller_location: c.caller_location ?? '',
    caller_number: avanserCaller(c),
    caller_state: c.caller_state ?? '',
    client_id: Number(c.client_id),
    custom_group: c.custom_group ?? '',
    custom_id: c.custom_id ?? '',
    private_reference: c.private_reference ?? null,
    target_name: c.target_name ?? '',
    target_number: avanserNumber(c.target_number),
    tracking_master_id: 0,
    tracking_name: c.tracking_name ?? '',
    tracking_notes: c.tracking_notes ?? '',
    tracking_number: avanserNumber(c.tracking_number),
    tracking_wpc_id: 0,
    artic_queue: articOf(c.artic).queue,
    artic_agent: articOf(c.artic).agent,
  };
}
