import type { CallRecord } from './call.ts';

/** The caller id of automatic test calls: ACMA's range for fictitious numbers ((02) 5550 xxxx), so it never rings anyone. */
export const PROBE_NUMBER = '+61255501234';

/** What is known of an incoming call when it arrives: its number, service and caller. */
export type ArrivingCall = Pick<
  CallRecord,
  | 'unique_id'
  | 'client_id'
  | 'service_id'
  | 'carrier'
  | 'carrier_call_id'
  | 'tracking_number'
  | 'tracking_name'
  | 'target_number'
  | 'target_name'
  | 'caller_number'
  | 'caller_withheld'
  | 'caller_location'
  | 'caller_state'
  | 'caller_country'
  | 'timezone'
  | 'started_at'
  | 'custom_id'
  | 'custom_group'
  | 'is_test'
  | 'created_at'
>;

/**
 * A call as first stored: what is known on arrival, and every other field of the record empty until the call's events
 * fill it in. The one place a whole call row is written out (the call path and the test factories both build on it).
 */
export function newCallRecord(a: ArrivingCall): Omit<CallRecord, 'id'> {
  return {
    unique_id: a.unique_id,
    client_id: a.client_id,
    service_id: a.service_id,
    direction: 'call-in',
    state: 'in_progress',
    carrier: a.carrier,
    carrier_call_id: a.carrier_call_id,
    tracking_number: a.tracking_number,
    tracking_name: a.tracking_name,
    tracking_notes: null,
    target_number: a.target_number,
    target_name: a.target_name,
    caller_number: a.caller_number,
    caller_withheld: a.caller_withheld,
    caller_location: a.caller_location,
    caller_state: a.caller_state,
    caller_country: a.caller_country,
    timezone: a.timezone,
    started_at: a.started_at,
    answered_at: null,
    ended_at: null,
    duration: 0,
    connection_duration: 0,
    talk_duration: 0,
    status_code: null,
    status: null,
    disposition: null,
    has_audio: 0,
    audio_token: null,
    recording_path: null,
    recording_duration: null,
    label: null,
    ivr: null,
    features: '[]',
    custom_id: a.custom_id,
    custom_group: a.custom_group,
    dni: null,
    sentiment: null,
    is_test: a.is_test,
    finalized_at: null,
    created_at: a.created_at,
    updated_at: a.created_at,
  };
}
