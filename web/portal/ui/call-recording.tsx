// The call page's Recording panel: the recording played in the page (same origin, the session cookie) with its
// download link, or in words why there is none, from the call, its recordings' copy status
// (GET /webapi/v1/calls/{id}/recordings) and whether its number records answered calls (GET /telco/v1/services/{id}).
import { duration } from '../lib/format.ts';
import type { Call } from './call-common.tsx';

export interface Recording {
  kind: string;
  status: string;
  duration: number;
  error: string | null;
}

/** Why a call has no recording, from what the call, its recordings and its number's settings say. */
function noRecordingReason(c: Call, recordings: Recording[] | null, service: { record: boolean; type: string } | null): string {
  const pending = recordings?.find((r) => r.status === 'pending');
  if (pending) return `The recording is being copied from the carrier${pending.error ? ` (the last attempt failed: ${pending.error}; it is retried)` : ''}. Reload the page in a moment.`;
  if (recordings?.some((r) => r.status === 'failed')) return 'The carrier announced a recording, but every attempt to copy it failed.';
  if (c.status_code === 7 || c.status === 'Voicemail') return 'The caller was asked for a message, but no recording was kept.';
  if (!c.answered_at_local && c.status_code !== 0) return 'No recording: the call was not answered and the caller left no message.';
  if (!c.talk_duration) return 'No recording: the call had no talk time.';
  if (service && !service.record) return 'No recording: recording is off for this tracking number (its service does not record answered calls).';
  if (recordings && recordings.some((r) => r.status === 'absent')) return 'No recording: the carrier reported that nothing was recorded.';
  return 'No recording was made of this call.';
}

export function RecordingPanel(props: { c: Call; recordings: Recording[] | null; service: { record: boolean; type: string } | null }) {
  const c = props.c;
  return (
    <section class="panel" aria-labelledby="rec-h">
      <h2 id="rec-h">Recording</h2>
      {c.has_audio && c.audio_url ? (
        <>
          {/* Same origin: the browser sends the session cookie, which the /recordings route accepts. */}
          <audio controls preload="metadata" src={c.audio_url} aria-label={`Recording of call ${c.id}`} />
          <p class="row small">
            {c.recording_duration ? <span class="muted">{duration(c.recording_duration)} long.</span> : null}
            <a href={c.audio_url} download={`${c.unique_id}.wav`}>
              Download the recording (WAV)
            </a>
          </p>
        </>
      ) : (
        <p class="muted no-recording">{noRecordingReason(c, props.recordings, props.service)}</p>
      )}
    </section>
  );
}
