// Event subscriptions (/subscriptions, permission `integrations`): the account's webhook endpoints (GET
// /userapi/v1/subscriptions, keyset-paged), a new one for event types from the OpenAPI document's `webhooks` (the
// signing secret shown once), enable / disable / edit (PATCH), delete, a ping (POST …/ping, its outcome followed),
// and one subscription's deliveries (GET …/deliveries, `?sub=` in the URL) with redeliver.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api.ts';
import { queryObject, setQuery } from '../lib/router.tsx';
import { CheckField, ConfirmDialog, DataTable, Empty, ErrorBox, Notice, Page, pageState, SelectField, Spinner, TextField, useAsync, FormActions, useSubmit } from '../ui/kit.tsx';
import { fieldError, Pager, ShownOnce, utc } from '../ui/admin-kit.tsx';
import type { PageProps } from './routes.ts';

interface Subscription {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  consecutive_failures: number;
  last_failure_at: string | null;
  last_success_at: string | null;
  disabled_reason: string | null;
  disabled_at: string | null;
  created_at: string;
}
interface Delivery {
  id: string;
  kind: string;
  status: 'pending' | 'delivered' | 'failed' | 'dead';
  url: string;
  body: string | null;
  attempts: number;
  total_attempts: number;
  next_attempt_at: string | null;
  last_response: { status_code: number | null; error: string | null } | null;
  created_at: string;
  delivered_at: string | null;
}
interface EventType {
  type: string;
  summary: string;
}

const DELIVERY_TONE: Record<string, string> = { pending: 'info', delivered: 'ok', failed: 'warn', dead: 'bad' };

/** The event catalogue: the OpenAPI document's `webhooks` (without the `ping` test event). */
function useCatalogue() {
  return useAsync(async () => {
    const doc = await api<{ webhooks?: Record<string, { post?: { summary?: string } }> }>('/openapi.json');
    return Object.entries(doc.webhooks ?? {})
      .filter(([t]) => t !== 'ping')
      .map(([type, w]) => ({ type, summary: w.post?.summary ?? '' }));
  }, []);
}

export function SubscriptionsPage(props: PageProps) {
  const q = queryObject(props.query);
  const list = useAsync(() => api<{ subscriptions: Subscription[]; next_cursor: string | null }>('/userapi/v1/subscriptions', { query: { cursor: q.cursor, limit: 50 } }), [q.cursor]);
  const catalogue = useCatalogue();
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const [notice, setNotice] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [removing, setRemoving] = useState<Subscription | null>(null);
  const creating = q.new === '1';
  const subs = list.data?.subscriptions ?? [];
  const selected = q.sub;
  const editing = q.edit;

  const patch = async (s: Subscription, body: Record<string, unknown>, done: string) => {
    setError(null);
    try {
      await api(`/userapi/v1/subscriptions/${encodeURIComponent(s.id)}`, { method: 'PATCH', body });
      setNotice(done);
      list.reload();
    } catch (x) {
      setError(x);
    }
  };

  return (
    <Page
      page="subscriptions"
      title="Subscriptions"
      state={pageState(list)}
      lead="Event subscriptions send what happens in the account (a finalized call, a received SMS, a service going live…) to your endpoint as signed JSON POSTs (Standard Webhooks), retried until it answers 2xx."
      actions={
        !creating ? (
          <button type="button" class="btn primary" onClick={() => setQuery({ ...q, new: 1 }, { push: true })}>
            New subscription
          </button>
        ) : null
      }
    >
      <Notice>{notice}</Notice>
      <ErrorBox error={error} />
      {secret ? (
        <ShownOnce title="Signing secret" value={secret.secret} onDismiss={() => setSecret(null)}>
          <p class="small">
            Verify each delivery to <code>{secret.url}</code> with it: any Standard Webhooks library takes it as it is (<code>new Webhook(secret)</code>).
          </p>
        </ShownOnce>
      ) : null}
      {creating ? (
        <SubscriptionForm
          catalogue={catalogue.data}
          catalogueError={catalogue.error}
          onCancel={() => setQuery({ ...q, new: undefined }, { push: true })}
          onSaved={(s) => {
            setSecret({ url: s.url, secret: s.secret! });
            setNotice('Subscription created.');
            setQuery({ ...q, new: undefined }, { push: true });
            list.reload();
          }}
        />
      ) : null}
      <ErrorBox error={list.error} />
      {list.data && subs.length === 0 && !creating ? <Empty title="No subscriptions yet">Create one with “New subscription”: give your endpoint’s URL and pick the events; then send it a ping to check it answers.</Empty> : null}
      {subs.map((s) =>
        editing === s.id ? (
          <SubscriptionForm
            key={s.id}
            sub={s}
            catalogue={catalogue.data}
            catalogueError={catalogue.error}
            onCancel={() => setQuery({ ...q, edit: undefined }, { push: true })}
            onSaved={() => {
              setNotice('Subscription saved.');
              setQuery({ ...q, edit: undefined }, { push: true });
              list.reload();
            }}
          />
        ) : (
          <section class="panel" key={s.id} aria-labelledby={`sub-${s.id}`}>
            <div class="row">
              <h2 id={`sub-${s.id}`} style={{ margin: 0, overflowWrap: 'anywhere' }}>
                {s.description || s.url}
              </h2>
              <span class={`badge ${s.enabled ? 'ok' : 'neutral'}`}>{s.enabled ? 'enabled' : 'disabled'}</span>
            </div>
            <dl class="kv small" style={{ marginTop: '.5rem' }}>
              <dt>URL</dt>
              <dd>
                <code>{s.url}</code>
              </dd>
              <dt>Events</dt>
              <dd>{s.events.join(', ')}</dd>
              <dt>Last delivered</dt>
              <dd>{utc(s.last_success_at)}</dd>
              <dt>Failures in a row</dt>
              <dd>
                {s.consecutive_failures}
                {s.last_failure_at ? ` (last ${utc(s.last_failure_at)})` : ''}
              </dd>
              {s.disabled_reason ? (
                <>
                  <dt>Why disabled</dt>
                  <dd>{s.disabled_reason}</dd>
                </>
              ) : null}
            </dl>
            <div class="row">
              <PingButton sub={s} onSent={() => setQuery({ ...q, sub: s.id })} onSettled={list.reload} />
              <button type="button" class="btn plain small" onClick={() => setQuery({ ...q, sub: selected === s.id ? undefined : s.id })} aria-expanded={selected === s.id ? 'true' : 'false'}>
                {selected === s.id ? 'Hide deliveries' : 'Deliveries'}
              </button>
              <button type="button" class="btn plain small" onClick={() => setQuery({ ...q, edit: s.id }, { push: true })}>
                Edit
              </button>
              <button type="button" class="btn plain small" onClick={() => patch(s, { enabled: !s.enabled }, s.enabled ? 'Subscription disabled: no new events are queued for it.' : 'Subscription enabled again.')}>
                {s.enabled ? 'Disable' : 'Enable'}
              </button>
              <button type="button" class="btn danger small" onClick={() => setRemoving(s)}>
                Delete
              </button>
            </div>
            {selected === s.id ? <Deliveries sub={s} cursor={q.dcursor} /> : null}
          </section>
        ),
      )}
      <Pager label="Subscription pages" cursor={q.cursor} next={list.data?.next_cursor} onPage={(c) => setQuery({ ...q, cursor: c ?? undefined }, { push: true })} />
      <ConfirmDialog
        open={!!removing}
        title="Delete this subscription?"
        confirmText="Delete subscription"
        danger
        onClose={() => setRemoving(null)}
        onConfirm={async () => {
          await api(`/userapi/v1/subscriptions/${encodeURIComponent(removing!.id)}`, { method: 'DELETE' });
          setNotice('Subscription deleted.');
          if (selected === removing!.id) setQuery({ ...q, sub: undefined });
          list.reload();
        }}
      >
        <p>
          No more events go to <code>{removing?.url}</code>; its pending deliveries are given up. Its delivery log stays under Deliveries.
        </p>
      </ConfirmDialog>
    </Page>
  );
}

/** Sends a ping, then follows its delivery until it is delivered or failed (role=status). */
function PingButton(props: { sub: Subscription; onSent: () => void; onSettled: () => void }) {
  const [state, setState] = useState<{ id: string; status: string; detail?: string; polls?: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    // Followed for about a minute; the deliveries list has it after that.
    if (!state || state.status !== 'pending' || (state.polls ?? 0) > 80) return;
    const t = setTimeout(async () => {
      try {
        const r = await api<{ deliveries: Delivery[] }>(`/userapi/v1/subscriptions/${encodeURIComponent(props.sub.id)}/deliveries`, { query: { limit: 20 } });
        const d = r.deliveries.find((x) => x.id === state.id);
        const polls = (state.polls ?? 0) + 1;
        const status = d ? (d.status === 'pending' && d.total_attempts > 0 ? 'failed' : d.status) : 'pending';
        if (d && status !== 'pending') props.onSettled();
        if (d) setState({ id: d.id, status, detail: outcome(d), polls });
        else setState({ ...state, polls });
      } catch (x) {
        setError(x);
      }
    }, 700);
    return () => clearTimeout(t);
  }, [state]);
  return (
    <>
      <button
        type="button"
        class="btn plain small"
        disabled={state?.status === 'pending'}
        onClick={async () => {
          setError(null);
          try {
            const d = await api<Delivery>(`/userapi/v1/subscriptions/${encodeURIComponent(props.sub.id)}/ping`, { method: 'POST' });
            setState({ id: d.id, status: d.status, detail: outcome(d) });
            props.onSent();
          } catch (x) {
            setError(x);
          }
        }}
      >
        {state?.status === 'pending' ? 'Pinging…' : 'Send a ping'}
      </button>
      {state ? (
        <span role="status" class={`badge ${DELIVERY_TONE[state.status] ?? 'neutral'}`}>
          Ping {state.status === 'pending' ? 'queued, waiting for your endpoint' : state.status === 'delivered' ? `delivered${state.detail ? ` (${state.detail})` : ''}` : `not delivered yet${state.detail ? `: ${state.detail}` : ''}`}
        </span>
      ) : null}
      <ErrorBox error={error} title="Ping not sent" />
    </>
  );
}

function outcome(d: Delivery): string {
  const r = d.last_response;
  if (!r) return '';
  if (r.status_code) return `HTTP ${r.status_code}`;
  return r.error ?? '';
}

function Deliveries(props: { sub: Subscription; cursor?: string }) {
  const [status, setStatus] = useState('');
  const list = useAsync(() => api<{ deliveries: Delivery[]; next_cursor: string | null }>(`/userapi/v1/subscriptions/${encodeURIComponent(props.sub.id)}/deliveries`, { query: { cursor: props.cursor, status, limit: 20 } }), [props.sub.id, props.cursor, status, props.sub.last_success_at, props.sub.last_failure_at]);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | undefined>();
  const rows = list.data?.deliveries ?? [];
  return (
    <div aria-label="Deliveries" role="region">
      <h3>Deliveries</h3>
      <div class="row">
        <SelectField
          label="Status"
          value={status}
          onValue={setStatus}
          options={[
            ['', 'Any'],
            ['pending', 'Pending'],
            ['delivered', 'Delivered'],
            ['failed', 'Failed (retrying)'],
            ['dead', 'Dead (retries spent)'],
          ]}
        />
        <button type="button" class="btn plain small" onClick={list.reload}>
          Refresh
        </button>
      </div>
      <Notice>{notice}</Notice>
      <ErrorBox error={error ?? list.error} />
      {!list.data && list.loading ? <Spinner label="Loading deliveries…" /> : null}
      {list.data && rows.length === 0 ? <Empty title="No deliveries yet">Send a ping, or wait for the next event of a type it subscribes to.</Empty> : null}
      {rows.length ? (
        <DataTable
          caption={`Deliveries to ${props.sub.url}`}
          rowKey={(d) => d.id}
          rows={rows}
          columns={[
            { key: 'created', label: 'Queued', render: (d) => utc(d.created_at) },
            { key: 'event', label: 'Event', render: (d) => eventOf(d) },
            { key: 'status', label: 'Status', render: (d) => <span class={`badge ${DELIVERY_TONE[d.status] ?? 'neutral'}`}>{d.status}</span> },
            { key: 'tries', label: 'Attempts', numeric: true, render: (d) => String(d.total_attempts) },
            { key: 'answer', label: 'Last answer', render: (d) => outcome(d) || (d.next_attempt_at ? `next try ${utc(d.next_attempt_at)}` : '—') },
            {
              key: 'act',
              label: 'Actions',
              render: (d) => (
                <button
                  type="button"
                  class="btn plain small"
                  onClick={async () => {
                    setError(null);
                    try {
                      await api(`/userapi/v1/subscriptions/${encodeURIComponent(props.sub.id)}/deliveries/${encodeURIComponent(d.id)}/redeliver`, { method: 'POST' });
                      setNotice('Sent again (same webhook-id, so your endpoint can tell it is a repeat).');
                      list.reload();
                    } catch (x) {
                      setError(x);
                    }
                  }}
                >
                  Redeliver
                </button>
              ),
            },
          ]}
        />
      ) : null}
      <Pager label="Delivery pages" cursor={props.cursor} next={list.data?.next_cursor} onPage={(c) => setQuery({ ...queryObject(new URLSearchParams(window.location.search)), dcursor: c ?? undefined })} />
    </div>
  );
}

function eventOf(d: Delivery): string {
  try {
    return (JSON.parse(d.body ?? '') as { type?: string }).type ?? d.kind;
  } catch {
    return d.kind;
  }
}

function SubscriptionForm(props: { sub?: Subscription; catalogue: EventType[] | undefined; catalogueError: unknown; onCancel: () => void; onSaved: (s: Subscription & { secret?: string }) => void }) {
  const s = props.sub;
  const [url, setUrl] = useState(s?.url ?? '');
  const [description, setDescription] = useState(s?.description ?? '');
  const [events, setEvents] = useState<string[]>(s?.events ?? []);
  const { busy, error, err, submit } = useSubmit();
  return (
    <form
      class="panel admin-form"
      aria-labelledby="sub-form-h"
      onSubmit={submit(async () => {
        const body = { url: url.trim(), events, description: description.trim() || null };
        const saved = s ? await api<Subscription>(`/userapi/v1/subscriptions/${encodeURIComponent(s.id)}`, { method: 'PATCH', body }) : await api<Subscription & { secret: string }>('/userapi/v1/subscriptions', { method: 'POST', body });
        props.onSaved(saved);
      })}
    >
      <h2 id="sub-form-h">{s ? 'Edit subscription' : 'New subscription'}</h2>
      <TextField label="Endpoint URL" type="url" value={url} onValue={setUrl} required maxLength={2000} placeholder="https://example.com/telltale-events" error={err?.field('url')} hint="Telltale POSTs each event there as JSON." />
      <TextField label="Description (optional)" value={description} onValue={setDescription} maxLength={500} error={err?.field('description')} />
      <fieldset>
        <legend>Events</legend>
        <ErrorBox error={props.catalogueError} title="The event list did not load" />
        {!props.catalogue && !props.catalogueError ? <Spinner label="Loading the event types…" /> : null}
        <div class="event-list">
          {(props.catalogue ?? []).map((ev) => (
            <CheckField key={ev.type} label={ev.type} hint={ev.summary} checked={events.includes(ev.type)} onChecked={(on) => setEvents(on ? [...events, ev.type] : events.filter((x) => x !== ev.type))} />
          ))}
        </div>
        {fieldError(error, 'events') ? <p class="field-error">{fieldError(error, 'events')}</p> : null}
      </fieldset>
      <ErrorBox error={error} title={s ? 'Not saved' : 'Subscription not created'} />
      <FormActions busy={busy} submitText={s ? 'Save changes' : 'Create subscription'} onCancel={props.onCancel} />
    </form>
  );
}
