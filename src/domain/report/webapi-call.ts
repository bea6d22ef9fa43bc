import { zonedDateTime } from './report-time.ts';
import { parseJsonObject } from '../calls/call.ts';
import { audioUrl, avanserCaller, avanserNumber, parseFeatures, statusName, type ReportCall } from './formats.ts';

const ms = (iso: string) => Date.parse(iso);
const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** One call as the WebAPI shows it: every field of the record, numbers in E.164 and `+CC-LOCAL`, times in UTC and local. */
export function webapiCall(c: ReportCall, publicUrl: string) {
  const zone = c.timezone;
  const local = (iso: string | null) => (iso ? zonedDateTime(zone, ms(iso), true) : null);
  const features = parseFeatures(c.features).map((f) => ({ name: f.name == null ? '' : String(f.name), value: f.value == null ? '' : String(f.value) }));
  return {
    id: Number(c.id),
    unique_id: c.unique_id,
    client_id: Number(c.client_id),
    service_id: c.service_id,
    direction: c.direction,
    state: c.state,
    is_test: c.is_test === 1,
    tracking_number: c.tracking_number,
    tracking_number_local: avanserNumber(c.tracking_number),
    tracking_name: c.tracking_name,
    tracking_notes: c.tracking_notes,
    target_number: c.target_number,
    target_number_local: c.target_number ? avanserNumber(c.target_number) : null,
    target_name: c.target_name,
    caller_number: c.caller_withheld ? null : c.caller_number,
    caller_number_local: avanserCaller(c),
    caller_withheld: c.caller_withheld === 1,
    caller_location: c.caller_location,
    caller_state: c.caller_state,
    caller_country: c.caller_country,
    timezone: zone,
    started_at: c.started_at,
    started_at_local: local(c.started_at),
    started_at_unix: unix(c.started_at),
    answered_at: c.answered_at,
    answered_at_local: local(c.answered_at),
    ended_at: c.ended_at,
    ended_at_local: local(c.ended_at),
    ended_at_unix: c.ended_at ? unix(c.ended_at) : null,
    duration: c.duration,
    connection_duration: c.connection_duration,
    talk_duration: c.talk_duration,
    status_code: c.status_code,
    status: statusName(c),
    disposition: c.disposition,
    has_audio: c.has_audio === 1,
    audio_url: audioUrl(publicUrl, c) || null,
    recording_duration: c.recording_duration,
    label: c.label,
    ivr: c.ivr,
    features,
    custom_id: c.custom_id,
    custom_group: c.custom_group,
    private_reference: c.private_reference ?? null,
    dni: parseJsonObject(c.dni),
    sentiment: parseJsonObject(c.sentiment),
    /** The call centre: the last queue, the agent who answered, the outcome, the wait (null: not an ARTIC call). */
    artic: c.artic ? parseJsonObject(c.artic) : null,
    finalized_at: c.finalized_at,
    created_at: c.created_at,
    updated_at: c.updated_at,
  };
}

export type WebapiCall = ReturnType<typeof webapiCall>;
export const WEBAPI_FIELDS = Object.keys(
  webapiCall(
    {
      id: 0, unique_id: '', client_id: 0, service_id: null, direction: '', state: '', tracking_number: '', tracking_name: null, tracking_notes: null,
      target_number: null, target_name: null, caller_number: null, caller_withheld: 0, caller_location: null, caller_state: null, caller_country: null,
      timezone: 'UTC', started_at: '1970-01-01T00:00:00.000Z', answered_at: null, ended_at: null, duration: 0, connection_duration: 0, talk_duration: 0,
      status_code: null, status: null, disposition: null, has_audio: 0, audio_token: null, recording_path: null, recording_duration: null, label: null,
      ivr: null, features: '[]', custom_id: null, custom_group: null, dni: null, sentiment: null, is_test: 0, finalized_at: null, created_at: '', updated_at: '',
    },
    '',
  ),
) as (keyof WebapiCall)[];
