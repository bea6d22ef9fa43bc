// The call page's Deliveries panel: the deliveries the call caused (GET /webapi/v1/deliveries?call_id={id}: HTTP
// Callbacks, notifications, event subscriptions) with their state, attempts and last answer, and a link to the log.
import { count } from '../lib/format.ts';
import { href, Link } from '../lib/router.tsx';
import { DataTable, ErrorBox, Spinner } from './kit.tsx';
import { zonedTime } from './calls-common.tsx';

export interface Delivery {
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

const KIND_NAMES: Record<string, string> = {
  call_callback: 'HTTP Callback',
  notify_email: 'E-mail notification',
  notify_sms: 'SMS notification',
  event: 'Event subscription',
};

export function DeliveriesPanel(props: { zone: string; callId: number; data: { deliveries: Delivery[]; next_cursor: string | null } | { error: unknown } | undefined; loading: boolean }) {
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
