// What the call page's parts share: the call record (GET /userapi/v1/calls/{id}, every WebAPI field with `label`),
// term and description pairs for a <dl class="fields">, and "—" for an empty value.
import { Fragment, type ComponentChildren } from 'preact';

export interface Call {
  id: number;
  unique_id: string;
  service_id: string | null;
  direction: string;
  state: string;
  is_test: boolean;
  tracking_number: string;
  tracking_number_local: string;
  tracking_name: string | null;
  tracking_notes: string | null;
  target_number: string | null;
  target_name: string | null;
  caller_number: string | null;
  caller_number_local: string;
  caller_withheld: boolean;
  caller_location: string | null;
  caller_state: string | null;
  caller_country: string | null;
  timezone: string;
  started_at: string;
  started_at_local: string;
  answered_at_local: string | null;
  ended_at_local: string | null;
  duration: number;
  connection_duration: number;
  talk_duration: number;
  status_code: number | null;
  status: string;
  disposition: string | null;
  has_audio: boolean;
  audio_url: string | null;
  recording_duration: number | null;
  label: string | null;
  ivr: string | null;
  features: { name: string; value: string }[];
  custom_id: string | null;
  custom_group: string | null;
  private_reference: string | null;
  dni: Record<string, unknown> | null;
  sentiment: Record<string, unknown> | null;
  finalized_at: string | null;
  created_at: string;
  updated_at: string;
}

export type Pair = [string, ComponentChildren];

/** Term and description pairs of a <dl class="fields">. */
export function Pairs(props: { rows: Pair[] }) {
  return (
    <>
      {props.rows.map(([k, v], i) => (
        <Fragment key={i}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </Fragment>
      ))}
    </>
  );
}

export const dash = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : String(v));
