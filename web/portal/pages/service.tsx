// One service (GET /telco/v1/services/{id}): every field, its Telco requests, a link to its calls. With `numbers`:
// edit it (answer point, callback and ring timeout through PUT /userapi/v1/services/{id}; name, recording, voicemail,
// greeting and custom fields through a Telco update request — each followed live), try its HTTP Callback (POST
// /userapi/v1/services/{id}/test-callback, with the draft URL), place a sandbox test call, decommission it (a Telco
// decommission request, confirmed first, followed live).
import { SandboxCall } from '../ui/sandbox-call.tsx';
import { Fragment, type ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './numbers.css';
import { api } from '../lib/api.ts';
import { duration, instant } from '../lib/format.ts';
import { href, Link, setQuery } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { ActionButton, CheckField, ConfirmDialog, DataTable, ErrorBox, Page, pageState, SelectField, Spinner, TextField, useAsync } from '../ui/kit.tsx';
import { AnswerPointFields, answerPointText, fieldErr, num, RequestProgress, ServiceStatus, useAnswerPoints, type AnswerPoint, type AnswerPointChoice, type Service, type TelcoRequest } from '../ui/numbers-kit.tsx';
import { CallbackUrlField } from '../ui/callback-url-field.tsx';
import type { PageProps } from './routes.ts';

interface TestCallbackResult {
  url: string;
  method: string;
  sample: 'latest_call' | 'synthetic';
  call_id?: number;
  webhook_id: string;
  status: number | null;
  ok: boolean;
  latency_ms: number;
  response_excerpt: string | null;
  error: string | null;
}

const TYPE_TEXT: Record<string, string> = { transfer: 'Transfer to an answer point', voicemail: 'Voicemail', prompt: 'Play a message', ivr: 'IVR menu' };

export function ServicePage(props: PageProps) {
  const id = props.params.id;
  const s = useSession();
  const canEdit = s.can('numbers');
  const svc = useAsync((signal) => api<{ service: Service }>(`/telco/v1/services/${encodeURIComponent(id)}`, { signal }).then((r) => r.service), [id]);
  const history = useAsync((signal) => api<{ requests: TelcoRequest[] }>('/telco/v1/requests', { query: { service_id: id, limit: 10 }, signal }).then((r) => r.requests), [id]);
  const points = useAnswerPoints(canEdit);
  const editing = canEdit && props.query.get('edit') === '1';
  const [following, setFollowing] = useState<TelcoRequest[]>([]);
  // Answer points may have been added since: read them again when the form opens.
  useEffect(() => {
    if (editing) points.reload();
  }, [editing]);
  const [confirm, setConfirm] = useState(false);
  const service = svc.data;
  const linked = service ? points.list.find((p) => p.service_ids.includes(service.id)) : undefined;
  const reload = () => {
    svc.reload();
    history.reload();
  };

  return (
    <Page
      page="service"
      title={service ? `${num(service.number)}${service.name ? ` · ${service.name}` : ''}` : 'Service'}
      state={pageState(svc)}
      actions={
        service ? (
          <>
            <Link class="btn plain" href={href('/calls', { tracking_number: service.number })}>
              Calls to this number
            </Link>
            {canEdit && service.status !== 'decommissioned' && !editing ? (
              <Link class="btn primary" href={href(`/numbers/${encodeURIComponent(id)}`, { edit: '1' })}>
                Edit
              </Link>
            ) : null}
          </>
        ) : null
      }
    >
      <p>
        <Link href="/numbers">← All numbers</Link>
      </p>
      <ErrorBox error={svc.error} />
      {!service && !svc.error ? <Spinner label="Loading the service…" /> : null}
      {following.map((r) => (
        <RequestProgress
          key={r.id}
          request={r}
          onDone={() => {
            reload();
            points.reload();
          }}
        />
      ))}
      {service ? (
        editing ? (
          <EditService
            service={service}
            points={points.list}
            linked={linked}
            onCancel={() => setQuery({})}
            onSaved={(reqs) => {
              setFollowing(reqs);
              setQuery({});
            }}
          />
        ) : (
          <div class="two-pane">
            <section class="panel" aria-labelledby="svc-fields">
              <h2 id="svc-fields">The service</h2>
              <ServiceFields service={service} linked={linked} />
            </section>
            <div>
              {canEdit && service.status === 'live' ? <TestCallback service={service} url={service.call_callback_uri ?? ''} /> : null}
              {service.status === 'live' ? <SandboxCall number={service.number} display={num(service.number)} /> : null}
              {canEdit && service.status !== 'decommissioned' ? (
                <section class="panel danger-zone" aria-labelledby="decom-title">
                  <h2 id="decom-title">Decommission</h2>
                  <p class="muted">The number stops taking calls for this service. A private number rests in quarantine before it can be used again.</p>
                  <button type="button" class="btn danger" onClick={() => setConfirm(true)}>
                    Decommission…
                  </button>
                </section>
              ) : null}
            </div>
          </div>
        )
      ) : null}
      {service ? (
        <section aria-labelledby="req-title">
          <h2 id="req-title">Requests</h2>
          <ErrorBox error={history.error} />
          {history.data && history.data.length ? (
            <DataTable
              caption="The service’s Telco requests, newest first"
              rows={history.data}
              rowKey={(r) => r.id}
              columns={[
                { key: 'type', label: 'Type', render: (r) => r.type },
                { key: 'status', label: 'Status', render: (r) => <span class={`badge ${r.status === 'completed' ? 'ok' : r.status === 'failed' ? 'bad' : 'info'}`}>{r.status}</span> },
                { key: 'changes', label: 'Changes', render: (r) => Object.keys(r.service).join(', ') || '—' },
                { key: 'created', label: 'Made', render: (r) => instant(r.created_at) },
                { key: 'done', label: 'Completed', render: (r) => instant(r.completed_at) },
                { key: 'error', label: 'Error', render: (r) => (r.error ? `${r.error.code}: ${r.error.text}` : '—') },
              ]}
            />
          ) : history.data ? (
            <p class="muted">No requests.</p>
          ) : null}
        </section>
      ) : null}
      {service ? (
        <ConfirmDialog
          open={confirm}
          title={`Decommission ${num(service.number)}?`}
          confirmText="Decommission"
          danger
          onClose={() => setConfirm(false)}
          onConfirm={async () => {
            const out = await api<{ request: TelcoRequest }>('/telco/v1/requests', { method: 'POST', body: { type: 'decommission', service_id: service.id } });
            setFollowing([out.request]);
          }}
        >
          <p>
            Calls to <strong>{num(service.number)}</strong>
            {service.name ? ` (${service.name})` : ''} will no longer reach {answerPointText(service)}, and no HTTP Callback will be sent for them. This cannot be undone.
          </p>
        </ConfirmDialog>
      ) : null}
    </Page>
  );
}

function ServiceFields(props: { service: Service; linked?: AnswerPoint }) {
  const s = props.service;
  const rows: [string, ComponentChildren][] = [
    ['Tracking number', <><strong>{num(s.number)}</strong> <span class="muted small">({s.number_local})</span></>],
    ['Status', <ServiceStatus status={s.status} />],
    ['Name', s.name || '—'],
    ['Type', TYPE_TEXT[s.type] ?? s.type],
  ];
  if (s.type === 'transfer' || s.target_number) {
    rows.push(['Answer point', <>{answerPointText(s)}{props.linked ? <span class="muted small"> (saved answer point “{props.linked.name}”)</span> : null}</>]);
    rows.push(['Ring timeout', `${s.ring_timeout} s`]);
  }
  rows.push(['Recording', s.record ? 'Answered calls are recorded' : 'Off']);
  rows.push(['Voicemail when unanswered', s.voicemail_fallback ? 'On' : 'Off']);
  if (s.prompt_text || s.prompt_url) rows.push(['Greeting', s.prompt_url ? <a href={s.prompt_url}>{s.prompt_url}</a> : s.prompt_text]);
  rows.push(['HTTP Callback', s.call_callback_uri ? <><span class="badge info">{s.call_callback_method}</span> <code class="url">{s.call_callback_uri}</code></> : 'Not set']);
  rows.push(['SMS Forward', s.sms_forward_uri ? <code class="url">{s.sms_forward_uri}</code> : 'Not set']);
  rows.push([
    'Notifications',
    s.notifications.length ? (
      <ul class="plain-list">
        {s.notifications.map((n, i) => (
          <li key={i}>
            {n.channel} to {n.to}: {n.statuses.join(', ')}
          </li>
        ))}
      </ul>
    ) : (
      'None'
    ),
  ]);
  if (s.ivr_options) rows.push(['IVR menu', <ul class="plain-list">{s.ivr_options.map((o) => <li key={o.digit}>{o.digit}: {o.name ?? ''} {o.target_number ? `→ ${num(o.target_number)}` : '(voicemail)'}</li>)}</ul>]);
  rows.push(['Custom id', s.custom_id || '—']);
  rows.push(['Custom group', s.custom_group || '—']);
  rows.push(['Service id', <code>{s.id}</code>]);
  rows.push(['Created', instant(s.created_at)]);
  rows.push(['Live since', instant(s.live_at)]);
  if (s.decommissioned_at) rows.push(['Decommissioned', instant(s.decommissioned_at)]);
  rows.push(['Last change', instant(s.updated_at)]);
  return (
    <dl class="fields">
      {rows.map(([k, v]) => (
        <Fragment key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

function EditService(props: { service: Service; points: AnswerPoint[]; linked?: AnswerPoint; onCancel: () => void; onSaved: (r: TelcoRequest[]) => void }) {
  const s = props.service;
  const initialAp: AnswerPointChoice = { answerPointId: props.linked?.id ?? '', targetNumber: s.target_number ?? '', targetName: s.target_name ?? '' };
  const [ap, setAp] = useState(initialAp);
  useEffect(() => setAp(initialAp), [props.linked?.id]);
  const [name, setName] = useState(s.name ?? '');
  const [callback, setCallback] = useState(s.call_callback_uri ?? '');
  const [method, setMethod] = useState(s.call_callback_method);
  const [ringTimeout, setRingTimeout] = useState(String(s.ring_timeout));
  const [record, setRecord] = useState(s.record);
  const [fallback, setFallback] = useState(s.voicemail_fallback);
  const [promptText, setPromptText] = useState(s.prompt_text ?? '');
  const [smsUri, setSmsUri] = useState(s.sms_forward_uri ?? '');
  const [customId, setCustomId] = useState(s.custom_id ?? '');
  const [customGroup, setCustomGroup] = useState(s.custom_group ?? '');
  const [error, setError] = useState<unknown>(null);
  const [nothing, setNothing] = useState(false);
  const orNull = (v: string) => (v.trim() ? v.trim() : null);

  const save = async () => {
    setError(null);
    setNothing(false);
    // Settings the UserAPI changes (and links a saved answer point) …
    const settings: Record<string, unknown> = {};
    if (ap.answerPointId !== initialAp.answerPointId || (ap.answerPointId === '' && (ap.targetNumber !== initialAp.targetNumber || ap.targetName !== initialAp.targetName))) {
      if (ap.answerPointId) settings.answer_point_id = ap.answerPointId;
      else {
        if (initialAp.answerPointId) settings.answer_point_id = null;
        settings.target_number = orNull(ap.targetNumber);
        settings.target_name = orNull(ap.targetName);
      }
    }
    if (ringTimeout !== String(s.ring_timeout)) settings.ring_timeout = Number(ringTimeout);
    if (orNull(callback) !== s.call_callback_uri) settings.call_callback_uri = orNull(callback);
    if (method !== s.call_callback_method) settings.call_callback_method = method;
    if (orNull(smsUri) !== s.sms_forward_uri) settings.sms_forward_uri = orNull(smsUri);
    // … and the rest through a Telco update request.
    const fields: Record<string, unknown> = {};
    if (orNull(name) !== s.name) fields.name = orNull(name);
    if (record !== s.record) fields.record = record;
    if (fallback !== s.voicemail_fallback) fields.voicemail_fallback = fallback;
    if (orNull(promptText) !== s.prompt_text) fields.prompt_text = orNull(promptText);
    if (orNull(customId) !== s.custom_id) fields.custom_id = orNull(customId);
    if (orNull(customGroup) !== s.custom_group) fields.custom_group = orNull(customGroup);
    if (!Object.keys(settings).length && !Object.keys(fields).length) {
      setNothing(true);
      return;
    }
    const made: TelcoRequest[] = [];
    try {
      if (Object.keys(settings).length) made.push((await api<{ request: TelcoRequest }>(`/userapi/v1/services/${encodeURIComponent(s.id)}`, { method: 'PUT', body: settings })).request);
      if (Object.keys(fields).length) made.push((await api<{ request: TelcoRequest }>('/telco/v1/requests', { method: 'POST', body: { type: 'update', service_id: s.id, service: fields } })).request);
      props.onSaved(made);
    } catch (err) {
      setError(err);
      if (made.length) props.onSaved(made);
    }
  };

  return (
    <div class="two-pane">
      <form
        class="panel service-form"
        aria-labelledby="edit-title"
        onSubmit={(e) => {
          e.preventDefault();
        }}
      >
        <h2 id="edit-title">Edit the service</h2>
        <TextField label="Name" value={name} onValue={setName} maxLength={255} error={fieldErr(error, 'name')} />
        {s.type === 'transfer' || s.target_number ? (
          <>
            <AnswerPointFields value={ap} onValue={setAp} points={props.points} errors={{ answer_point_id: fieldErr(error, 'answer_point_id'), target_number: fieldErr(error, 'target_number'), target_name: fieldErr(error, 'target_name') }} />
            <TextField label="Ring timeout (seconds)" type="number" min={5} max={120} value={ringTimeout} onValue={setRingTimeout} error={fieldErr(error, 'ring_timeout')} />
          </>
        ) : null}
        <CheckField label="Record answered calls" checked={record} onChecked={setRecord} />
        <CheckField label="Take a voicemail when nobody answers" checked={fallback} onChecked={setFallback} />
        <TextField label="Greeting text" value={promptText} onValue={setPromptText} maxLength={2000} hint="Spoken to the caller (voicemail, message)." error={fieldErr(error, 'prompt_text')} />
        <CallbackUrlField value={callback} onValue={setCallback} error={fieldErr(error, 'call_callback_uri')} />
        <SelectField
          label="Callback method"
          value={method}
          onValue={(v) => setMethod(v as 'GET' | 'POST')}
          options={[
            ['GET', 'GET (values in the URL)'],
            ['POST', 'POST (also a JSON body of every tag)'],
          ]}
        />
        <TextField label="SMS Forward URL" type="url" value={smsUri} onValue={setSmsUri} error={fieldErr(error, 'sms_forward_uri')} hint="SMS-capable numbers only." />
        <div class="pair">
          <TextField label="Custom id" value={customId} onValue={setCustomId} maxLength={255} error={fieldErr(error, 'custom_id')} />
          <TextField label="Custom group" value={customGroup} onValue={setCustomGroup} maxLength={255} error={fieldErr(error, 'custom_group')} />
        </div>
        <ErrorBox error={error} title="Not saved" />
        {nothing ? (
          <p class="notice info" role="status">
            Nothing changed.
          </p>
        ) : null}
        <div class="row">
          <ActionButton kind="primary" type="submit" busyText="Saving…" onAction={save}>
            Save
          </ActionButton>
          <button type="button" class="btn plain" onClick={props.onCancel}>
            Cancel
          </button>
        </div>
      </form>
      <div>
        <TestCallback service={s} url={callback} draft />
      </div>
    </div>
  );
}

/** Sends the (draft) callback URL once, now, and shows what the receiver answered. */
function TestCallback(props: { service: Service; url: string; draft?: boolean }) {
  const [result, setResult] = useState<TestCallbackResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <section class="panel" aria-labelledby="test-cb-title">
      <h2 id="test-cb-title">Test the HTTP Callback</h2>
      <p class="muted small">
        Sends {props.draft ? 'the URL in the form (not saved yet)' : 'the saved URL'} once, now, filled with the service’s latest call (or a sample call), signed like a real callback. It is not
        retried and does not appear in Deliveries.
      </p>
      <ActionButton
        kind="plain"
        busyText="Sending…"
        disabled={!props.url.trim()}
        onAction={async () => {
          setError(null);
          setResult(null);
          try {
            setResult(await api<TestCallbackResult>(`/userapi/v1/services/${encodeURIComponent(props.service.id)}/test-callback`, { method: 'POST', body: props.url.trim() ? { url: props.url.trim() } : {} }));
          } catch (err) {
            setError(err);
          }
        }}
      >
        Send a test callback
      </ActionButton>
      {!props.url.trim() ? <p class="muted small">Set a callback URL first.</p> : null}
      <ErrorBox error={error} title="The test callback was not sent" />
      <div role="status" class="test-result">
        {result ? (
          <>
            <p>
              <span class={`badge ${result.ok ? 'ok' : 'bad'}`}>{result.ok ? 'Delivered' : 'Not delivered'}</span> {result.status !== null ? `HTTP ${result.status}` : 'no answer'} in {result.latency_ms} ms
              {result.error ? ` — ${result.error}` : ''}
            </p>
            <dl class="fields">
              <dt>Sent</dt>
              <dd>
                <span class="badge info">{result.method}</span> <code class="url">{result.url}</code>
              </dd>
              <dt>Sample</dt>
              <dd>{result.sample === 'latest_call' ? `the latest call (${result.call_id})` : 'a synthetic call (no call yet)'}</dd>
              <dt>Response</dt>
              <dd>{result.response_excerpt ? <pre class="excerpt">{result.response_excerpt}</pre> : <span class="muted">no body</span>}</dd>
            </dl>
          </>
        ) : null}
      </div>
    </section>
  );
}

