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
//
// The panels live in ui/call-*.tsx: call-recording (the recording or why there is none), call-deliveries, call-work
// (label, notes, evaluation); ui/call-common.tsx has the call's shape.
import { api, ApiError } from '../lib/api.ts';
import { duration, localTime, phone } from '../lib/format.ts';
import { href, Link } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { ErrorBox, Page, pageState, Spinner, StatusBadge, useAsync } from '../ui/kit.tsx';
import { statusMeaning, zonedTime } from '../ui/calls-common.tsx';
import { dash, Pairs, type Call, type Pair } from '../ui/call-common.tsx';
import { RecordingPanel, type Recording } from '../ui/call-recording.tsx';
import { DeliveriesPanel, type Delivery } from '../ui/call-deliveries.tsx';
import { EvaluationPanel, LabelPanel, NotesPanel, type Evaluation, type Note, type Question } from '../ui/call-work.tsx';
import type { PageProps } from './routes.ts';
import './calls.css';

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
