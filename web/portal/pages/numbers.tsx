// Numbers: the account's services (GET /telco/v1/services) with filters and keyset pages in the URL; tabs for the
// private inventory (GET /telco/v1/inventory, and its orderable numbers from GET /telco/v1/numbers) and the
// quarantine (the same report, and recycling a quarantined number on request).
import { useEffect, useState } from 'preact/hooks';
import './numbers.css';
import { api } from '../lib/api.ts';
import { count, instant, percent } from '../lib/format.ts';
import { href, Link, setQuery } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { ActionButton, DataTable, Empty, ErrorBox, Notice, Page, pageState, SelectField, Spinner, TextField, useAsync } from '../ui/kit.tsx';
import { answerPointText, num, ServiceStatus, type Service } from '../ui/numbers-kit.tsx';
import type { PageProps } from './routes.ts';

const TABS: [string, string][] = [
  ['', 'Services'],
  ['inventory', 'Private inventory'],
  ['quarantine', 'Quarantine'],
];

export function NumbersPage(props: PageProps) {
  const s = useSession();
  const tab = props.query.get('tab') ?? '';
  const [state, setState] = useState<{ tab: string; state: PageStateValue }>({ tab, state: 'loading' });
  const onState = (st: PageStateValue) => setState({ tab, state: st });
  return (
    <Page
      page="numbers"
      title="Numbers"
      state={state.tab === tab ? state.state : 'loading'}
      actions={
        s.can('numbers') ? (
          <Link class="btn primary" href="/numbers/order">
            Order a number
          </Link>
        ) : null
      }
      lead="Each tracking number is a service that routes its calls to an answer point and can send an HTTP Callback per call."
    >
      <nav class="tabs" aria-label="Numbers views">
        {TABS.map(([key, label]) => (
          <Link key={key} href={href('/numbers', { tab: key })} aria-current={tab === key ? 'page' : undefined}>
            {label}
          </Link>
        ))}
      </nav>
      {tab === 'inventory' ? <InventoryTab key="inventory" onState={onState} /> : tab === 'quarantine' ? <QuarantineTab key="quarantine" onState={onState} /> : <ServicesTab key="services" query={props.query} onState={onState} />}
    </Page>
  );
}

type PageStateValue = 'loading' | 'ready' | 'error';
type TabProps = { onState: (s: PageStateValue) => void };

/** A tab reports its data's state to the page (its <main data-state>). */
function useReady(state: PageStateValue, onState: (s: PageStateValue) => void) {
  useEffect(() => onState(state), [state]);
}

function ServicesTab(props: TabProps & { query: URLSearchParams }) {
  const s = useSession();
  const q = props.query;
  const filters = { status: q.get('status') ?? '', number: q.get('number') ?? '', custom_group: q.get('custom_group') ?? '', custom_id: q.get('custom_id') ?? '' };
  const cursor = q.get('cursor') ?? '';
  const [draft, setDraft] = useState(filters);
  useEffect(() => setDraft(filters), [q.toString()]);
  const list = useAsync((signal) => api<{ services: Service[]; next_cursor: string | null }>('/telco/v1/services', { query: { ...filters, cursor, limit: 50 }, signal }), [q.toString()]);
  useReady(pageState(list), props.onState);
  const filtered = Object.values(filters).some(Boolean);
  return (
    <>
      <form
        class="filters"
        aria-label="Filter services"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ ...draft }, { push: true });
        }}
      >
        <SelectField
          label="Status"
          value={draft.status}
          onValue={(v) => setDraft({ ...draft, status: v })}
          options={[
            ['', 'Any status'],
            ['live', 'Live'],
            ['provisioning', 'Provisioning'],
            ['decommissioned', 'Decommissioned'],
          ]}
        />
        <TextField label="Tracking number" type="tel" value={draft.number} onValue={(v) => setDraft({ ...draft, number: v })} placeholder="+61291000000" />
        <TextField label="Custom group" value={draft.custom_group} onValue={(v) => setDraft({ ...draft, custom_group: v })} />
        <TextField label="Custom id" value={draft.custom_id} onValue={(v) => setDraft({ ...draft, custom_id: v })} />
        <div class="field filter-actions">
          <button class="btn primary" type="submit">
            Apply
          </button>
          {filtered ? (
            <Link
              class="btn plain"
              href="/numbers"
              onClick={() => setDraft({ status: '', number: '', custom_group: '', custom_id: '' })}
            >
              Clear
            </Link>
          ) : null}
        </div>
      </form>
      <ErrorBox error={list.error} />
      {list.data === undefined && !list.error ? <Spinner label="Loading the services…" /> : null}
      {list.data && list.data.services.length === 0 ? (
        filtered || cursor ? (
          <Empty title="No service matches these filters">
            <p>
              <Link href="/numbers">Show every service</Link>
            </p>
          </Empty>
        ) : (
          <Empty title="No tracking numbers yet">
            {s.can('numbers') ? (
              <p>
                <Link href="/numbers/order">Order your first number</Link>, point it at the phone that should ring and set where Telltale reports each call.
              </p>
            ) : (
              <p>Ask an owner or admin of the account to order one.</p>
            )}
          </Empty>
        )
      ) : null}
      {list.data && list.data.services.length ? (
        <>
          <DataTable
            caption="Services"
            rows={list.data.services}
            rowKey={(r) => r.id}
            columns={[
              {
                key: 'number',
                label: 'Tracking number',
                render: (r) => (
                  <Link href={`/numbers/${encodeURIComponent(r.id)}`} class="number-link">
                    {num(r.number)}
                  </Link>
                ),
              },
              { key: 'name', label: 'Name', render: (r) => r.name || <span class="muted">—</span> },
              { key: 'status', label: 'Status', render: (r) => <ServiceStatus status={r.status} /> },
              { key: 'ap', label: 'Answer point', render: (r) => (r.type === 'transfer' ? answerPointText(r) : <span class="muted">{r.type}</span>) },
              { key: 'cb', label: 'Callback', render: (r) => (r.call_callback_uri ? <span class="badge info">Set ({r.call_callback_method})</span> : <span class="muted">Not set</span>) },
              { key: 'updated', label: 'Last change', render: (r) => instant(r.updated_at) },
            ]}
          />
          <div class="pager">
            {cursor ? (
              <Link class="btn plain" href={href('/numbers', { ...filters })}>
                First page
              </Link>
            ) : null}
            {list.data.next_cursor ? (
              <Link class="btn plain" href={href('/numbers', { ...filters, cursor: list.data.next_cursor })}>
                Next page
              </Link>
            ) : null}
          </div>
        </>
      ) : null}
    </>
  );
}

interface InventoryReport {
  rules: { quarantine_days: number; quiet_days: number; noise_threshold: number; recycle_on_request: boolean };
  total: number;
  by_state: Record<string, number>;
  by_class: { state: string; country: string; class: string; count: number }[];
  utilisation: number;
  noise_calls_on_quarantined: number;
}

interface OrderableNumber {
  number: string;
  number_local: string;
  country: string;
  class: string;
  sms: boolean;
  voice: boolean;
  stock: 'private' | 'public';
}

const STATE_TEXT: Record<string, string> = { available: 'Available', reserved: 'Reserved', active: 'In use', quarantined: 'Quarantined', retired: 'Retired' };

function InventoryTab(props: TabProps) {
  const s = useSession();
  const report = useAsync((signal) => api<{ inventory: InventoryReport }>('/telco/v1/inventory', { signal }).then((r) => r.inventory), []);
  // The orderable numbers come private stock first: the private ones of the first page are the private stock on hand.
  const free = useAsync((signal) => api<{ numbers: OrderableNumber[] }>('/telco/v1/numbers', { query: { limit: 200 }, signal }).then((r) => r.numbers.filter((n) => n.stock === 'private')), []);
  useReady(pageState(report), props.onState);
  const r = report.data;
  return (
    <>
      <ErrorBox error={report.error} />
      {!r && !report.error ? <Spinner label="Loading the inventory…" /> : null}
      {r ? (
        r.total === 0 ? (
          <Empty title="This account has no private inventory">
            <p>Numbers ordered from the public stock are not listed here. An operator can import private numbers for the account; meanwhile order from the public stock.</p>
          </Empty>
        ) : (
          <>
            <div class="tiles">
              <div class="tile">
                <span class="figure">{count(r.total)}</span>
                <span class="what">Private numbers</span>
              </div>
              {Object.entries(r.by_state).map(([k, n]) => (
                <div class="tile" key={k}>
                  <span class="figure">{count(n)}</span>
                  <span class="what">{STATE_TEXT[k] ?? k}</span>
                </div>
              ))}
              <div class="tile">
                <span class="figure">{percent(r.utilisation)}</span>
                <span class="what">In use or reserved</span>
              </div>
            </div>
            <h2>By class</h2>
            <DataTable
              caption="Private inventory by state and class"
              rows={r.by_class}
              rowKey={(x) => `${x.state}-${x.country}-${x.class}`}
              columns={[
                { key: 'state', label: 'State', render: (x) => STATE_TEXT[x.state] ?? x.state },
                { key: 'country', label: 'Country', render: (x) => x.country },
                { key: 'class', label: 'Class', render: (x) => x.class },
                { key: 'count', label: 'Numbers', numeric: true, render: (x) => count(x.count) },
              ]}
            />
          </>
        )
      ) : null}
      {r && r.total > 0 ? <h2>Private numbers you can order now</h2> : null}
      <ErrorBox error={free.error} />
      {r && r.total > 0 && free.data === undefined && !free.error ? <Spinner label="Loading the stock…" /> : null}
      {r && r.total > 0 && free.data && free.data.length === 0 ? <p class="muted">None available in the private stock right now.</p> : null}
      {r && r.total > 0 && free.data && free.data.length ? (
        <DataTable
          caption="Private numbers available to order"
          rows={free.data}
          rowKey={(n) => n.number}
          columns={[
            { key: 'number', label: 'Number', render: (n) => num(n.number) },
            { key: 'class', label: 'Class', render: (n) => n.class },
            { key: 'sms', label: 'SMS', render: (n) => (n.sms ? 'Yes' : 'No') },
            ...(s.can('numbers')
              ? [
                  {
                    key: 'order',
                    label: 'Order',
                    render: (n: OrderableNumber) => (
                      <Link class="btn plain small" href={href('/numbers/order', { number: n.number })} aria-label={`Order ${num(n.number)}`}>
                        Order
                      </Link>
                    ),
                  },
                ]
              : []),
          ]}
        />
      ) : null}
    </>
  );
}

function QuarantineTab(props: TabProps) {
  const s = useSession();
  const report = useAsync((signal) => api<{ inventory: InventoryReport }>('/telco/v1/inventory', { signal }).then((r) => r.inventory), []);
  useReady(pageState(report), props.onState);
  const [number, setNumber] = useState('');
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const r = report.data;
  return (
    <>
      <ErrorBox error={report.error} />
      {!r && !report.error ? <Spinner label="Loading the quarantine…" /> : null}
      {r ? (
        <>
          <p class="lead">
            A private number whose service is decommissioned rests in quarantine for {r.rules.quarantine_days} days, so calls meant for its old use do not reach a new one. It goes back to the
            private stock once it has been quiet for {r.rules.quiet_days} days (at most {r.rules.noise_threshold} stray calls).
          </p>
          <div class="tiles">
            <div class="tile">
              <span class="figure">{count(r.by_state.quarantined ?? 0)}</span>
              <span class="what">Numbers in quarantine</span>
            </div>
            <div class="tile">
              <span class="figure">{count(r.noise_calls_on_quarantined)}</span>
              <span class="what">Stray calls to them</span>
            </div>
            <div class="tile">
              <span class="figure">{r.rules.recycle_on_request ? 'Allowed' : 'Not allowed'}</span>
              <span class="what">Recycle on request</span>
            </div>
          </div>
          {(r.by_state.quarantined ?? 0) === 0 ? <Empty title="Nothing in quarantine">Decommissioned private numbers appear here while they rest.</Empty> : null}
          {s.can('numbers') && r.rules.recycle_on_request && (r.by_state.quarantined ?? 0) > 0 ? (
            <form
              class="panel"
              aria-labelledby="recycle-title"
              onSubmit={(e) => {
                e.preventDefault();
              }}
            >
              <h2 id="recycle-title">Recycle a number now</h2>
              <p class="muted">Returns a quarantined private number to the private stock at once.</p>
              <TextField label="Quarantined number" type="tel" value={number} onValue={setNumber} placeholder="+61291000000" />
              <ErrorBox error={error} />
              <Notice>{result}</Notice>
              <ActionButton
                kind="primary"
                type="submit"
                busyText="Recycling…"
                disabled={!number.trim()}
                onAction={async () => {
                  setError(null);
                  setResult(null);
                  try {
                    const out = await api<{ number: OrderableNumber }>(`/telco/v1/numbers/${encodeURIComponent(number.trim())}/recycle`, { method: 'POST' });
                    setResult(`${num(out.number.number)} is back in the private stock.`);
                    report.reload();
                  } catch (err) {
                    setError(err);
                  }
                }}
              >
                Recycle
              </ActionButton>
            </form>
          ) : null}
        </>
      ) : null}
    </>
  );
}
