// Deliveries: every HTTP Callback, SMS Forward, request callback, notification and event the account sent
// (GET /webapi/v1/deliveries), filtered by state, kind and call, keyset-paged — all in the URL; one delivery in detail
// (`?open=<id>`: GET /webapi/v1/deliveries/{id}) with each attempt's status, timing and response; Redeliver
// (permission `integrations`: POST /webapi/v1/deliveries/{id}/redeliver), followed until the new attempt is done.
import { useEffect, useRef, useState } from 'preact/hooks';
import './numbers.css';
import { api } from '../lib/api.ts';
import { instant } from '../lib/format.ts';
import { href, Link, setQuery } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { ActionButton, DataTable, Empty, ErrorBox, Notice, Page, pageState, SelectField, Spinner, TextField, useAsync } from '../ui/kit.tsx';
import type { PageProps } from './routes.ts';

interface Attempt {
  attempt: number;
  started_at: string;
  duration_ms: number;
  outcome: string;
  status_code: number | null;
  error: string | null;
  response_body: string | null;
}

interface Delivery {
  id: string;
  kind: string;
  subject_id: string | null;
  method: string;
  url: string;
  body: string | null;
  status: 'pending' | 'delivered' | 'failed' | 'dead';
  attempts: number;
  total_attempts: number;
  next_attempt_at: string | null;
  last_response: { status_code: number | null; error: string | null } | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
  attempt_log: Attempt[];
}

const KINDS: [string, string][] = [
  ['call_callback', 'HTTP Callback (call)'],
  ['sms_forward', 'SMS Forward'],
  ['request_status', 'Telco request callback'],
  ['notify_email', 'E-mail notification'],
  ['notify_sms', 'SMS notification'],
  ['event', 'Event subscription'],
];
const KIND_TEXT = Object.fromEntries(KINDS);
const STATES: Record<string, [string, string, string]> = {
  pending: ['Pending', 'info', 'waiting for its next attempt'],
  delivered: ['Delivered', 'ok', 'the receiver answered 2xx'],
  failed: ['Failed', 'bad', 'the receiver refused it and it is not retried'],
  dead: ['Dead', 'bad', 'every retry of the schedule failed'],
};
const OUTCOMES: Record<string, [string, string]> = {
  delivered: ['Delivered', 'ok'],
  retry: ['Retry scheduled', 'warn'],
  failed: ['Failed', 'bad'],
  dead: ['Dead', 'bad'],
  lost_lease: ['Lost lease', 'warn'],
};
const CALL_KINDS = ['call_callback', 'notify_email', 'notify_sms'];

function DeliveryState(props: { status: string }) {
  const [label, tone, meaning] = STATES[props.status] ?? [props.status, 'neutral', ''];
  return (
    <span class={`badge ${tone}`} title={meaning}>
      {label}
    </span>
  );
}

function lastResponse(d: Delivery): string {
  if (!d.last_response) return 'No attempt yet';
  if (d.last_response.status_code !== null) return `HTTP ${d.last_response.status_code}`;
  return d.last_response.error ?? '—';
}

export function DeliveriesPage(props: PageProps) {
  const q = props.query;
  const filters = { status: q.get('status') ?? '', kind: q.get('kind') ?? '', call_id: q.get('call_id') ?? '' };
  const cursor = q.get('cursor') ?? '';
  const open = q.get('open') ?? '';
  const [draft, setDraft] = useState(filters);
  useEffect(() => setDraft(filters), [filters.status, filters.kind, filters.call_id]);
  const callIdBad = filters.call_id !== '' && !/^[1-9]\d*$/.test(filters.call_id);
  const list = useAsync(
    (signal) => api<{ deliveries: Delivery[]; next_cursor: string | null }>('/webapi/v1/deliveries', { query: { ...filters, call_id: callIdBad ? undefined : filters.call_id, cursor, limit: 25 }, signal }),
    [filters.status, filters.kind, filters.call_id, cursor],
  );
  const filtered = Object.values(filters).some(Boolean);
  const here = { ...filters, cursor: cursor || undefined };

  return (
    <Page page="deliveries" title="Deliveries" state={pageState(list)} lead="What Telltale sent to your systems — HTTP Callbacks, SMS Forwards, request callbacks, notifications and events — with every attempt and the receiver’s answer. Times in your browser’s time zone.">
      <form
        class="filters"
        aria-label="Filter deliveries"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ ...draft }, { push: true });
        }}
      >
        <SelectField
          label="State"
          value={draft.status}
          onValue={(v) => setDraft({ ...draft, status: v })}
          options={[['', 'Any state'], ...Object.entries(STATES).map(([k, [label]]): [string, string] => [k, label])]}
        />
        <SelectField label="Kind" value={draft.kind} onValue={(v) => setDraft({ ...draft, kind: v })} options={[['', 'Any kind'], ...KINDS]} />
        <TextField label="Call id" inputMode="numeric" value={draft.call_id} onValue={(v) => setDraft({ ...draft, call_id: v.trim() })} error={callIdBad && draft.call_id === filters.call_id ? 'a call id is a whole number' : undefined} />
        <div class="field filter-actions">
          <button class="btn primary" type="submit">
            Apply
          </button>
          {filtered ? (
            <Link class="btn plain" href="/deliveries">
              Clear
            </Link>
          ) : null}
        </div>
      </form>
      {open ? <DeliveryDetail key={open} id={open} onClose={() => setQuery(here)} onChanged={list.reload} /> : null}
      <ErrorBox error={list.error} />
      {list.data === undefined && !list.error ? <Spinner label="Loading the deliveries…" /> : null}
      {list.data && list.data.deliveries.length === 0 ? (
        filtered || cursor ? (
          <Empty title="No delivery matches these filters">
            <p>
              <Link href="/deliveries">Show every delivery</Link>
            </p>
          </Empty>
        ) : (
          <Empty title="Nothing sent yet">
            <p>
              Deliveries appear once a call reaches a number with an HTTP Callback. Set one on a service in <Link href="/numbers">Numbers</Link>, then place a test call.
            </p>
          </Empty>
        )
      ) : null}
      {list.data && list.data.deliveries.length ? (
        <>
          <DataTable
            caption="Deliveries, newest first"
            rows={list.data.deliveries}
            rowKey={(d) => d.id}
            rowClass={(d) => (d.id === open ? 'picked' : d.status === 'failed' || d.status === 'dead' ? 'alert' : undefined)}
            columns={[
              { key: 'created', label: 'Created', render: (d) => instant(d.created_at) },
              { key: 'kind', label: 'Kind', render: (d) => KIND_TEXT[d.kind] ?? d.kind },
              { key: 'status', label: 'State', render: (d) => <DeliveryState status={d.status} /> },
              {
                key: 'subject',
                label: 'About',
                render: (d) =>
                  d.subject_id && CALL_KINDS.includes(d.kind) ? (
                    <Link href={href('/deliveries', { ...filters, call_id: d.subject_id })} title="Deliveries of this call">
                      call {d.subject_id}
                    </Link>
                  ) : (
                    <span class="muted">{d.subject_id ?? '—'}</span>
                  ),
              },
              { key: 'url', label: 'Sent to', render: (d) => <code class="url clip" title={d.url}>{d.method} {d.url}</code> },
              { key: 'attempts', label: 'Attempts', numeric: true, render: (d) => String(d.total_attempts) },
              { key: 'last', label: 'Last answer', render: (d) => lastResponse(d) },
              {
                key: 'open',
                label: 'Details',
                render: (d) =>
                  d.id === open ? (
                    <Link class="btn plain small" href={href('/deliveries', here)} aria-expanded="true" aria-label={`Close the details of delivery ${d.id}`}>
                      Close
                    </Link>
                  ) : (
                    <Link class="btn plain small" href={href('/deliveries', { ...here, open: d.id })} aria-expanded="false" aria-label={`Details of delivery ${d.id}`}>
                      Details
                    </Link>
                  ),
              },
            ]}
          />
          <div class="pager">
            {cursor ? (
              <Link class="btn plain" href={href('/deliveries', filters)}>
                Newest
              </Link>
            ) : null}
            {list.data.next_cursor ? (
              <Link class="btn plain" href={href('/deliveries', { ...filters, cursor: list.data.next_cursor })}>
                Older
              </Link>
            ) : null}
          </div>
        </>
      ) : null}
    </Page>
  );
}

function DeliveryDetail(props: { id: string; onClose: () => void; onChanged: () => void }) {
  const s = useSession();
  const d = useAsync((signal) => api<{ delivery: Delivery }>(`/webapi/v1/deliveries/${encodeURIComponent(props.id)}`, { signal }).then((r) => r.delivery), [props.id]);
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [watching, setWatching] = useState<number | null>(null);
  const head = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    head.current?.focus();
  }, [d.data !== undefined]);
  // After a redeliver: read it again every second until its new attempt has an outcome.
  useEffect(() => {
    if (watching === null || !d.data) return;
    if (d.data.total_attempts > watching) {
      setWatching(null);
      const a = d.data.attempt_log[d.data.attempt_log.length - 1];
      setResult(`Redelivered: attempt ${a?.attempt ?? '?'} ${a ? (OUTCOMES[a.outcome]?.[0] ?? a.outcome).toLowerCase() : ''}${a?.status_code ? ` (HTTP ${a.status_code})` : a?.error ? ` (${a.error})` : ''}.`);
      props.onChanged();
      return;
    }
    const t = setTimeout(d.reload, 1000);
    return () => clearTimeout(t);
  }, [watching, d.data]);

  const x = d.data;
  return (
    <section class="panel delivery-detail" aria-labelledby="delivery-title">
      <div class="row">
        <h2 id="delivery-title" ref={head} tabIndex={-1}>
          Delivery <code>{props.id}</code>
        </h2>
        <button type="button" class="btn plain small push-right" onClick={props.onClose}>
          Close
        </button>
      </div>
      <ErrorBox error={d.error} />
      {!x && !d.error ? <Spinner label="Loading the delivery…" /> : null}
      {x ? (
        <>
          <dl class="fields">
            <dt>State</dt>
            <dd>
              <DeliveryState status={x.status} /> <span class="muted small">{STATES[x.status]?.[2]}</span>
              {x.next_attempt_at ? <span class="small"> · next attempt {instant(x.next_attempt_at)}</span> : null}
            </dd>
            <dt>Kind</dt>
            <dd>{KIND_TEXT[x.kind] ?? x.kind}</dd>
            {x.subject_id ? (
              <>
                <dt>About</dt>
                <dd>{CALL_KINDS.includes(x.kind) ? <Link href={`/calls/${x.subject_id}`}>Call {x.subject_id}</Link> : <code>{x.subject_id}</code>}</dd>
              </>
            ) : null}
            <dt>Request</dt>
            <dd>
              <span class="badge info">{x.method}</span> <code class="url">{x.url}</code>
            </dd>
            {x.body ? (
              <>
                <dt>Body</dt>
                <dd>
                  <pre class="excerpt">{x.body}</pre>
                </dd>
              </>
            ) : null}
            <dt>Created</dt>
            <dd>{instant(x.created_at)}</dd>
            <dt>Delivered</dt>
            <dd>{instant(x.delivered_at)}</dd>
            <dt>Attempts</dt>
            <dd>
              {x.total_attempts} in all, {x.attempts} in this round
            </dd>
          </dl>
          <h3>Attempts</h3>
          {x.attempt_log.length ? (
            <DataTable
              caption={`Attempts of delivery ${x.id}`}
              rows={x.attempt_log}
              rowKey={(a) => String(a.attempt)}
              columns={[
                { key: 'n', label: 'Attempt', numeric: true, render: (a) => String(a.attempt) },
                { key: 'at', label: 'Started', render: (a) => instant(a.started_at) },
                { key: 'ms', label: 'Took', numeric: true, render: (a) => `${a.duration_ms} ms` },
                {
                  key: 'outcome',
                  label: 'Outcome',
                  render: (a) => {
                    const [label, tone] = OUTCOMES[a.outcome] ?? [a.outcome, 'neutral'];
                    return <span class={`badge ${tone}`}>{label}</span>;
                  },
                },
                { key: 'status', label: 'Answer', render: (a) => (a.status_code !== null ? `HTTP ${a.status_code}` : (a.error ?? '—')) },
                { key: 'body', label: 'Response', render: (a) => (a.response_body ? <pre class="excerpt">{a.response_body}</pre> : a.error && a.status_code !== null ? a.error : <span class="muted">—</span>) },
              ]}
            />
          ) : (
            <p class="muted">No attempt yet.</p>
          )}
          {s.can('integrations') ? (
            <div class="row redeliver">
              <ActionButton
                kind="primary"
                busyText="Queueing…"
                disabled={watching !== null}
                onAction={async () => {
                  setError(null);
                  setResult(null);
                  try {
                    await api(`/webapi/v1/deliveries/${encodeURIComponent(x.id)}/redeliver`, { method: 'POST' });
                    setResult('Queued for a new attempt now…');
                    setWatching(x.total_attempts);
                    d.reload();
                  } catch (err) {
                    setError(err);
                  }
                }}
              >
                Redeliver
              </ActionButton>
              <span class="muted small">Sends it again with the same webhook-id, so the receiver can tell it is a repeat.</span>
            </div>
          ) : null}
          <ErrorBox error={error} title="Not redelivered" />
          <Notice tone={watching !== null ? 'info' : 'ok'}>{result}</Notice>
        </>
      ) : null}
    </section>
  );
}
