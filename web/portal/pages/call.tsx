// One call: who rang, when, which number and ad brought them (DNI attribution), what happened (status, durations,
// IVR keys, features), the recording played in the page, and the work on the call: label, notes and the evaluation.
// Then the deliveries the call caused (HTTP Callbacks, notifications). Two panes on a desktop, stacked on a phone.
//
// Where the data comes from:
// - GET /userapi/v1/calls/{id}: the call with every WebAPI field (the same record GET /webapi/v1/calls/{id} answers,
//   `label` included) plus its notes and evaluation answers, so one request gives the whole record and its work;
// - GET /userapi/v1/evaluation-questions: the account's active questions (the form);
// - GET /webapi/v1/calls/{id}/recordings: each recording announced and its copy status (why there is no recording);
// - GET /telco/v1/services/{service_id}: whether the number records answered calls ("recording off");
// - GET /webapi/v1/deliveries?call_id={id}: the deliveries the call caused.
import { Fragment, type ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api.ts';
import { count, duration, localTime, phone } from '../lib/format.ts';
import { href, Link } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { ActionButton, DataTable, Empty, ErrorBox, Notice, Page, pageState, Spinner, StatusBadge, TextField, useAsync, useId } from '../ui/kit.tsx';
import { statusMeaning, zonedTime } from '../ui/calls-common.tsx';
import type { PageProps } from './routes.ts';
import './calls.css';

interface Call {
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
interface Note {
  id: string;
  author: { user_id: string; name: string };
  text: string;
  created_at: string;
  updated_at: string;
}
interface Evaluation {
  answers: { question_id: number; title: string; answer: 'yes' | 'no'; weight: number; archived: boolean }[];
  score: number | null;
}
interface Question {
  id: number;
  title: string;
  text: string;
  weight: number;
}
interface Recording {
  kind: string;
  status: string;
  duration: number;
  error: string | null;
}
interface Delivery {
  id: string;
  kind: string;
  method: string;
  url: string;
  status: string;
  attempts: number;
  total_attempts: number;
  next_attempt_at: string | null;
  last_response: { status_code: number | null; error: string | null } | null;
  created_at: string;
  delivered_at: string | null;
}

const DNI_LABELS: [string, string][] = [
  ['source', 'Source'],
  ['medium', 'Medium'],
  ['campaign', 'Campaign'],
  ['term', 'Keyword (term)'],
  ['content', 'Ad content'],
  ['landing', 'Landing page'],
  ['url', 'Page the number was shown on'],
  ['referrer', 'Referrer'],
  ['gclid', 'Google click id'],
  ['fbclid', 'Facebook click id'],
  ['ga_client_id', 'Google Analytics client id'],
];

const KIND_NAMES: Record<string, string> = {
  call_callback: 'HTTP Callback',
  notify_email: 'E-mail notification',
  notify_sms: 'SMS notification',
  event: 'Event subscription',
};

type Pair = [string, ComponentChildren];

/** Term and description pairs of a <dl class="fields">. */
function Pairs(props: { rows: Pair[] }) {
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

const dash = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : String(v));

export function CallPage(props: PageProps) {
  const id = props.params.id;
  const s = useSession();
  const canWork = s.can('call_work');
  const valid = /^\d{1,15}$/.test(id);

  const detail = useAsync(async (signal) => {
    if (!valid) throw new ApiError(404, 'not_found', `“${id}” is not a call id.`);
    const d = await api<{ call: Call; notes: Note[]; evaluation: Evaluation }>(`/userapi/v1/calls/${id}`, { signal });
    return d;
  }, [id]);
  // The rest is secondary: each part shows its own error without hiding the call.
  const extra = useAsync(
    async (signal) => {
      if (!detail.data) return null;
      const call = detail.data.call;
      const [questions, recordings, service, deliveries] = await Promise.all([
        api<{ questions: Question[] }>('/userapi/v1/evaluation-questions', { signal }).then((r) => r.questions),
        call.has_audio ? Promise.resolve(null) : api<{ recordings: Recording[] }>(`/webapi/v1/calls/${id}/recordings`, { signal }).then((r) => r.recordings, () => null),
        call.service_id ? api<{ service: { record: boolean; type: string } }>(`/telco/v1/services/${call.service_id}`, { signal }).then((r) => r.service, () => null) : Promise.resolve(null),
        api<{ deliveries: Delivery[]; next_cursor: string | null }>('/webapi/v1/deliveries', { query: { call_id: id, limit: 20 }, signal }).then(
          (r) => r,
          (e) => ({ error: e }) as const,
        ),
      ]);
      return { questions, recordings, service, deliveries };
    },
    [id, !!detail.data],
  );

  const d = detail.data;
  const c = d?.call;
  const title = c ? `Call from ${c.caller_withheld ? 'a private number' : phone(c.caller_number)}` : 'Call';
  return (
    <Page page="call" title={title} state={pageState(detail)} actions={<Link href="/calls">← All calls</Link>}>
      <ErrorBox error={detail.error} title={detail.error instanceof ApiError && detail.error.status === 404 ? 'No such call in this account' : undefined} />
      {!c ? (
        detail.error ? null : <Spinner label="Loading the call…" />
      ) : (
        <>
          <CallHeader c={c} />
          <div class="two-pane call-panes">
            <div>
              <RecordingPanel c={c} recordings={extra.data?.recordings ?? null} service={extra.data?.service ?? null} />
              <AttributionPanel c={c} />
              <DetailsPanel c={c} />
              <DeliveriesPanel zone={c.timezone} callId={c.id} data={extra.data?.deliveries} loading={!extra.data && !extra.error} />
            </div>
            <div>
              <LabelPanel c={c} canWork={canWork} onSaved={detail.reload} />
              <NotesPanel zone={c.timezone} callId={c.id} notes={d!.notes} canWork={canWork} onSaved={detail.reload} />
              <EvaluationPanel callId={c.id} evaluation={d!.evaluation} questions={extra.data?.questions} error={extra.error} canWork={canWork} onSaved={detail.reload} />
            </div>
          </div>
        </>
      )}
    </Page>
  );
}

function CallHeader(props: { c: Call }) {
  const c = props.c;
  return (
    <section class="panel call-head" aria-label="Summary">
      <dl class="call-facts">
        <div>
          <dt>Caller</dt>
          <dd>
            <strong>{c.caller_withheld ? 'Private number' : phone(c.caller_number)}</strong>
            {c.caller_location || c.caller_state ? <span class="muted"> · {[c.caller_location, c.caller_state, c.caller_country].filter(Boolean).join(', ')}</span> : null}
          </dd>
        </div>
        <div>
          <dt>Time</dt>
          <dd>
            {localTime(c.started_at_local)} <span class="muted small">({c.timezone})</span>
          </dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            <StatusBadge status={c.status} /> <span class="muted small">{statusMeaning(c.status)}</span>
          </dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{duration(c.duration)}</dd>
        </div>
        <div>
          <dt>Tracking number</dt>
          <dd>
            <Link href={href('/calls', { tracking_number: c.tracking_number })}>{phone(c.tracking_number)}</Link>
            {c.tracking_name ? <span> · {c.tracking_name}</span> : null}
          </dd>
        </div>
        {c.label ? (
          <div>
            <dt>Label</dt>
            <dd>
              <span class="label-chip">{c.label}</span>
            </dd>
          </div>
        ) : null}
      </dl>
    </section>
  );
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

function RecordingPanel(props: { c: Call; recordings: Recording[] | null; service: { record: boolean; type: string } | null }) {
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

function AttributionPanel(props: { c: Call }) {
  const dni = props.c.dni ?? {};
  const known = DNI_LABELS.filter(([k]) => dni[k] !== undefined && dni[k] !== null && dni[k] !== '');
  const others = Object.keys(dni).filter((k) => !DNI_LABELS.some(([x]) => x === k) && dni[k] !== null && dni[k] !== '' && typeof dni[k] !== 'object');
  return (
    <section class="panel" aria-labelledby="attr-h">
      <h2 id="attr-h">Attribution</h2>
      {known.length || others.length ? (
        <dl class="fields">
          <Pairs rows={[...known.map(([k, label]): Pair => [label, /^https?:\/\//.test(String(dni[k])) ? <span class="url">{String(dni[k])}</span> : String(dni[k])]), ...others.map((k): Pair => [k.replace(/_/g, ' '), String(dni[k])])]} />
        </dl>
      ) : (
        <p class="muted">No website visit is linked to this call: the caller dialled the number from where it is printed (or the number is not on a page with the tracking code).</p>
      )}
    </section>
  );
}

function DetailsPanel(props: { c: Call }) {
  const c = props.c;
  const ring = c.answered_at_local ? c.connection_duration : null;
  const rows: Pair[] = [
    ['Started', `${localTime(c.started_at_local)}`],
    ['Answered', c.answered_at_local ? localTime(c.answered_at_local) : 'Not answered'],
    ['Ended', localTime(c.ended_at_local)],
    ['Ring time', ring === null ? `${duration(c.connection_duration)} (no answer)` : duration(ring)],
    ['Talk time', duration(c.talk_duration)],
    ['Total duration', duration(c.duration)],
    ['IVR keys pressed', c.ivr ? c.ivr.split(',').join(' → ') : 'None'],
    ['Answer point', c.target_number ? `${c.target_name ? c.target_name + ' · ' : ''}${phone(c.target_number)}` : '—'],
    ['Direction', c.direction === 'call-out' ? 'Outbound (click-to-call)' : 'Inbound'],
    ['Disposition', dash(c.disposition)],
    ['Test call', c.is_test ? 'Yes' : 'No'],
    ['Custom id', dash(c.custom_id)],
    ['Custom group', dash(c.custom_group)],
    ['Private reference', dash(c.private_reference)],
    ['Tracking notes', dash(c.tracking_notes)],
    ['Call id', `${c.id} (${c.unique_id})`],
    ['State', c.state === 'finalized' ? `finalized ${zonedTime(c.finalized_at, c.timezone)}` : c.state],
  ];
  const sentiment = c.sentiment && Object.keys(c.sentiment).length ? c.sentiment : null;
  return (
    <section class="panel" aria-labelledby="det-h">
      <h2 id="det-h">Times and details</h2>
      <dl class="fields">
        <Pairs rows={rows} />
      </dl>
      <h3>Features</h3>
      {c.features.length ? (
        <dl class="fields">
          <Pairs rows={c.features.map((f, i): Pair => [f.name || `Feature ${i + 1}`, dash(f.value)])} />
        </dl>
      ) : (
        <p class="muted">No features recorded (menu choices appear here).</p>
      )}
      {sentiment ? (
        <>
          <h3>Sentiment</h3>
          <dl class="fields">
            <Pairs rows={Object.entries(sentiment).map(([k, v]): Pair => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)])} />
          </dl>
        </>
      ) : null}
    </section>
  );
}

function DeliveriesPanel(props: { zone: string; callId: number; data: { deliveries: Delivery[]; next_cursor: string | null } | { error: unknown } | undefined; loading: boolean }) {
  const d = props.data;
  return (
    <section class="panel" aria-labelledby="del-h">
      <h2 id="del-h">Deliveries</h2>
      {!d ? (
        props.loading ? <Spinner label="Loading deliveries…" /> : null
      ) : 'error' in d ? (
        <ErrorBox error={d.error} />
      ) : d.deliveries.length ? (
        <>
          <DataTable
            caption="Deliveries made for this call"
            columns={[
              { key: 'kind', label: 'What', render: (x) => KIND_NAMES[x.kind] ?? x.kind },
              { key: 'state', label: 'State', render: (x) => <span class={`badge ${x.status === 'delivered' ? 'ok' : x.status === 'pending' ? 'info' : 'bad'}`}>{x.status}</span> },
              { key: 'attempts', label: 'Attempts', numeric: true, render: (x) => count(x.total_attempts) },
              { key: 'last', label: 'Last answer', render: (x) => (x.last_response ? (x.last_response.status_code ? `HTTP ${x.last_response.status_code}` : (x.last_response.error ?? '—')) : 'Not tried yet') },
              { key: 'when', label: 'When', render: (x) => zonedTime(x.delivered_at ?? x.created_at, props.zone) },
            ]}
            rows={d.deliveries}
            rowKey={(x) => x.id}
            rowClass={(x) => (x.status === 'failed' || x.status === 'dead' ? 'alert' : undefined)}
          />
          <p>
            <Link href={href('/deliveries', { call_id: props.callId })}>See these deliveries in the delivery log</Link>
          </p>
        </>
      ) : (
        <p class="muted">
          Nothing was delivered for this call: its number has no HTTP Callback or notification. <Link href={href('/deliveries', { call_id: props.callId })}>Delivery log</Link>
        </p>
      )}
    </section>
  );
}

function LabelPanel(props: { c: Call; canWork: boolean; onSaved: () => void }) {
  const [label, setLabel] = useState(props.c.label ?? '');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState('');
  const save = async (value: string | null) => {
    setError(null);
    setDone('');
    try {
      const r = await api<{ call: { label: string | null } }>(`/userapi/v1/calls/${props.c.id}`, { method: 'PATCH', body: { label: value } });
      setLabel(r.call.label ?? '');
      setDone(r.call.label ? 'Label saved.' : 'Label cleared.');
      props.onSaved();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section class="panel" aria-labelledby="label-h">
      <h2 id="label-h">Label</h2>
      {props.canWork ? (
        <form
          class="label-form"
          onSubmit={(e) => {
            e.preventDefault();
            save(label.trim() || null);
          }}
        >
          <TextField label="Call label" value={label} onValue={setLabel} maxLength={100} hint="One line, e.g. “Booked a job”. Sent with HTTP Callbacks made after the change." error={error instanceof ApiError ? error.field('label') : undefined} />
          <div class="row">
            <ActionButton kind="primary" busyText="Saving…" onAction={() => save(label.trim() || null)}>
              Save label
            </ActionButton>
            {props.c.label ? (
              <ActionButton busyText="Clearing…" onAction={() => save(null)}>
                Clear label
              </ActionButton>
            ) : null}
          </div>
          <ErrorBox error={error} />
          <Notice>{done}</Notice>
        </form>
      ) : (
        <p>{props.c.label ? <span class="label-chip">{props.c.label}</span> : <span class="muted">No label.</span>}</p>
      )}
    </section>
  );
}

function NotesPanel(props: { zone: string; callId: number; notes: Note[]; canWork: boolean; onSaved: () => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState('');
  const textId = useId('note');
  const add = async () => {
    setError(null);
    setDone('');
    if (!text.trim()) {
      setError(new ApiError(400, 'validation', 'Write the note first.', [{ path: '/text', message: 'must not be empty' }]));
      return;
    }
    try {
      await api(`/userapi/v1/calls/${props.callId}/notes`, { method: 'POST', body: { text } });
      setText('');
      setDone('Note added.');
      props.onSaved();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section class="panel" aria-labelledby="notes-h">
      <h2 id="notes-h">Notes</h2>
      {props.notes.length ? (
        <ol class="notes">
          {props.notes.map((n) => (
            <li key={n.id}>
              <p class="note-text">{n.text}</p>
              <p class="muted small">
                {n.author.name} · {zonedTime(n.created_at, props.zone)}
                {n.updated_at !== n.created_at ? ` (edited ${zonedTime(n.updated_at, props.zone)})` : ''}
              </p>
            </li>
          ))}
        </ol>
      ) : (
        <p class="muted">No notes yet.</p>
      )}
      {props.canWork ? (
        <form
          class="note-form"
          onSubmit={(e) => {
            e.preventDefault();
            add();
          }}
        >
          <div class="field">
            <label for={textId}>Add a note</label>
            <textarea id={textId} value={text} maxLength={4000} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} aria-describedby={`${textId}-hint`} />
            <small id={`${textId}-hint`} class="hint">
              Everyone in the account sees it, with your name. The call log’s search finds it.
            </small>
          </div>
          <ActionButton kind="primary" busyText="Adding…" onAction={add}>
            Add note
          </ActionButton>
          <ErrorBox error={error} />
          <Notice>{done}</Notice>
        </form>
      ) : null}
    </section>
  );
}

function EvaluationPanel(props: { callId: number; evaluation: Evaluation; questions: Question[] | undefined; error: unknown; canWork: boolean; onSaved: () => void }) {
  const given = Object.fromEntries(props.evaluation.answers.map((a) => [a.question_id, a.answer]));
  const [answers, setAnswers] = useState<Record<number, 'yes' | 'no' | ''>>(given);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState('');
  const qs = props.questions;
  const save = async () => {
    setError(null);
    setDone('');
    try {
      const list = (qs ?? []).filter((q) => answers[q.id]).map((q) => ({ question_id: q.id, answer: answers[q.id] as 'yes' | 'no' }));
      await api(`/userapi/v1/calls/${props.callId}/evaluation`, { method: 'PUT', body: { answers: list } });
      setDone('Evaluation saved.');
      props.onSaved();
    } catch (e) {
      setError(e);
    }
  };
  const archived = props.evaluation.answers.filter((a) => a.archived);
  return (
    <section class="panel" aria-labelledby="eval-h">
      <h2 id="eval-h">Evaluation</h2>
      <p>
        Score: <strong>{props.evaluation.score === null ? 'not scored yet' : `${props.evaluation.score}%`}</strong>
      </p>
      <ErrorBox error={props.error} />
      {!qs ? (
        props.error ? null : <Spinner label="Loading the questions…" />
      ) : qs.length === 0 ? (
        <Empty title="No evaluation questions">
          <p>An admin sets the account’s yes/no questions under Settings; calls are then evaluated here.</p>
        </Empty>
      ) : props.canWork ? (
        <form
          class="eval-form"
          onSubmit={(e) => {
            e.preventDefault();
            save();
          }}
        >
          {qs.map((q) => (
            <fieldset key={q.id} class="eval-q">
              <legend>
                {q.text}
                {q.weight !== 1 ? <span class="muted small"> (weight {q.weight})</span> : null}
              </legend>
              {(['yes', 'no', ''] as const).map((v) => (
                <label key={v} class="radio">
                  <input type="radio" name={`q-${q.id}`} value={v} checked={(answers[q.id] ?? '') === v} onChange={() => setAnswers({ ...answers, [q.id]: v })} /> {v === 'yes' ? 'Yes' : v === 'no' ? 'No' : 'Not answered'}
                </label>
              ))}
            </fieldset>
          ))}
          <ActionButton kind="primary" busyText="Saving…" onAction={save}>
            Save evaluation
          </ActionButton>
          <ErrorBox error={error} />
          <Notice>{done}</Notice>
        </form>
      ) : (
        <dl class="fields">
          <Pairs rows={qs.map((q): Pair => [q.text, given[q.id] === 'yes' ? 'Yes' : given[q.id] === 'no' ? 'No' : 'Not answered'])} />
        </dl>
      )}
      {archived.length ? (
        <p class="muted small">
          Answers to archived questions kept: {archived.map((a) => `${a.title}: ${a.answer}`).join('; ')}.
        </p>
      ) : null}
    </section>
  );
}
