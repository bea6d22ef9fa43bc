// Website tracking (DNI): the tracking codes (/tracking, GET/POST /userapi/v1/dni) and one code (/tracking/:code:
// PATCH/DELETE /userapi/v1/dni/{tracking_code}) with the snippet to paste, the pool utilisation chart (…/report) and,
// in sandbox mode, the demo page to try the swap. Changes need the permission `numbers`.
// The editor (create and edit) is in tracking-editor.tsx.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api.ts';
import { href, Link, navigate, setQuery } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { phone } from '../lib/format.ts';
import { TimeChart } from '../ui/chart.tsx';
import { ConfirmDialog, DataTable, Empty, ErrorBox, Notice, Page, pageState, SelectField, Spinner, useAsync } from '../ui/kit.tsx';
import { CopyValue, utc } from '../ui/admin-kit.tsx';
import type { PageProps } from './routes.ts';
import { CodeForm, whenText, type TrackingCode } from './tracking-editor.tsx';

interface Report {
  pool_size: number;
  peak_leases: number;
  peak_visitors: number;
  fell_back: number;
  calls_attributed: number;
  calls_unattributed: number;
  suggested_pool_size: number;
  hours: { hour: string; peak_leases: number; pool_size: number; utilisation: number; peak_visitors: number; fell_back: number; calls_attributed: number; calls_unattributed: number }[];
}

export function TrackingPage(props: PageProps) {
  const s = useSession();
  const list = useAsync(() => api<{ tracking_codes: TrackingCode[] }>('/userapi/v1/dni'), []);
  const creating = props.query.get('new') === '1' && s.can('numbers');
  const codes = list.data?.tracking_codes ?? [];
  return (
    <Page
      page="tracking"
      title="Website tracking"
      state={pageState(list)}
      lead="Dynamic number insertion: a small script on your website swaps your business number for a tracking number, so each call is tied to the visit — page, source, campaign, keyword. One tracking code per website."
      actions={
        s.can('numbers') && !creating ? (
          <button type="button" class="btn primary" onClick={() => setQuery({ new: 1 }, { push: true })}>
            New tracking code
          </button>
        ) : null
      }
    >
      {creating ? <CodeForm onCancel={() => setQuery({}, { push: true })} onSaved={(c) => navigate(href(`/tracking/${c.tracking_code}`, { created: 1 }))} /> : null}
      <ErrorBox error={list.error} />
      {list.data && codes.length === 0 && !creating ? (
        <Empty title="No tracking codes yet">{s.can('numbers') ? 'Create one with “New tracking code”: name your website, give the business number it shows and the services whose numbers it may swap in. You get the snippet to paste into your pages.' : 'An owner or admin of the account can create one.'}</Empty>
      ) : null}
      {codes.length ? (
        <DataTable
          caption="Tracking codes"
          rowKey={(c) => String(c.tracking_code)}
          rows={codes}
          columns={[
            { key: 'code', label: 'Code', render: (c) => <Link href={`/tracking/${c.tracking_code}`}>{`#${c.tracking_code} ${c.name}`}</Link> },
            { key: 'replace', label: 'Replaces', render: (c) => c.replace.map(phone).join(', ') },
            { key: 'pool', label: 'Pool', numeric: true, render: (c) => `${c.pool.length} number${c.pool.length === 1 ? '' : 's'}` },
            { key: 'rules', label: 'Rules', numeric: true, render: (c) => String(c.rules.length) },
            { key: 'origins', label: 'Allowed pages', render: (c) => (c.origins.length ? c.origins.join(', ') : c.any_origin ? 'any (sandbox)' : 'none yet') },
          ]}
        />
      ) : null}
    </Page>
  );
}

export function TrackingCodePage(props: PageProps) {
  const s = useSession();
  const code = props.params.code;
  const one = useAsync(() => api<TrackingCode>(`/userapi/v1/dni/${encodeURIComponent(code)}`), [code]);
  const editing = props.query.get('edit') === '1' && s.can('numbers');
  const [removing, setRemoving] = useState(false);
  const [notice, setNotice] = useState<string | undefined>(props.query.get('created') ? 'Tracking code created: paste the snippet below into your pages.' : undefined);
  const [demo, setDemo] = useState(false);
  const c = one.data;
  useEffect(() => {
    if (!c) return;
    // The demo page exists only in sandbox mode (production answers 404).
    fetch(href('/sandbox/dni-demo', { tracking_code: c.tracking_code, client_id: c.client_id }), { method: 'HEAD', credentials: 'same-origin' }).then(
      (r) => setDemo(r.ok),
      () => setDemo(false),
    );
  }, [c?.tracking_code, c?.client_id]);
  return (
    <Page
      page="tracking-code"
      title={c ? `Tracking code #${c.tracking_code}: ${c.name}` : 'Tracking code'}
      state={pageState(one)}
      actions={
        c && s.can('numbers') && !editing ? (
          <>
            <button type="button" class="btn plain" onClick={() => setQuery({ edit: 1 }, { push: true })}>
              Edit
            </button>
            <button type="button" class="btn danger" onClick={() => setRemoving(true)}>
              Delete
            </button>
          </>
        ) : null
      }
    >
      <p>
        <Link href="/tracking">← All tracking codes</Link>
      </p>
      <ErrorBox error={one.error} title={one.error instanceof ApiError && one.error.status === 404 ? 'No such tracking code in this account' : undefined} />
      <Notice>{notice}</Notice>
      {c && editing ? (
        <CodeForm
          code={c}
          onCancel={() => setQuery({}, { push: true })}
          onSaved={() => {
            setNotice('Saved.');
            setQuery({}, { push: true });
            one.reload();
          }}
        />
      ) : null}
      {c ? (
        <>
          <section class="panel" aria-labelledby="snippet-h">
            <h2 id="snippet-h">Snippet for your pages</h2>
            <p class="small">Paste it just before <code>&lt;/body&gt;</code> on every page that shows the business number. It sets <code>AvanserOptions</code> and loads the script <code>/aa.js</code>, which swaps the number.</p>
            <CopyValue label="Snippet" value={c.snippet} multiline />
            {demo ? (
              <p>
                Sandbox: <a href={href('/sandbox/dni-demo', { tracking_code: c.tracking_code, client_id: c.client_id })} target="_blank" rel="noopener">open the demo page</a> to see the swap (it shows the business number, then the tracking number).
              </p>
            ) : null}
          </section>
          <CodeSummary c={c} />
          <PoolReport c={c} range={props.query.get('range') ?? '24h'} />
        </>
      ) : null}
      <ConfirmDialog
        open={removing}
        title="Delete this tracking code?"
        confirmText="Delete tracking code"
        danger
        onClose={() => setRemoving(false)}
        onConfirm={async () => {
          await api(`/userapi/v1/dni/${encodeURIComponent(code)}`, { method: 'DELETE' });
          navigate('/tracking');
        }}
      >
        <p>Pages with its snippet stop swapping numbers at once (they show the business number). Visits and attributed calls already made stay.</p>
      </ConfirmDialog>
    </Page>
  );
}

function CodeSummary(props: { c: TrackingCode }) {
  const c = props.c;
  return (
    <section class="panel" aria-labelledby="setup-h">
      <h2 id="setup-h">Set-up</h2>
      <dl class="kv">
        <dt>Business numbers replaced</dt>
        <dd>{c.replace.map(phone).join(', ')}</dd>
        <dt>Allowed pages</dt>
        <dd>{c.origins.length ? c.origins.join(', ') : c.any_origin ? 'any page (sandbox mode, no origin listed)' : 'none: list your website’s origin, or no page may use the code'}</dd>
        <dt>Pool</dt>
        <dd>{c.pool.length ? c.pool.map((p) => phone(p.number)).join(', ') : 'no pool: every visitor sees a rule’s number or the fallback'}</dd>
        <dt>Rules</dt>
        <dd>
          {c.rules.length ? (
            <ol style={{ margin: 0, paddingLeft: '1.2rem' }}>
              {c.rules.map((r, i) => (
                <li key={i}>
                  <code>{whenText(r.when)}</code> → {phone(r.number)}
                </li>
              ))}
            </ol>
          ) : (
            'none'
          )}
        </dd>
        <dt>Fallback</dt>
        <dd>
          {phone(c.fallback_number)} {c.fallback_service_id ? '' : '(the business number)'}
        </dd>
        <dt>Leases</dt>
        <dd>
          held {c.hold_minutes} min after the last heartbeat, then {c.cooldown_minutes} min rest; the visitor cookie lasts {c.cookie_days} days
        </dd>
        <dt>Changed</dt>
        <dd>{utc(c.updated_at)}</dd>
      </dl>
    </section>
  );
}

const RANGES: [string, string, number][] = [
  ['24h', 'Last 24 hours', 1],
  ['7d', 'Last 7 days', 7],
  ['30d', 'Last 30 days', 30],
];

function PoolReport(props: { c: TrackingCode; range: string }) {
  const days = RANGES.find((r) => r[0] === props.range)?.[2] ?? 1;
  const rep = useAsync(() => {
    const to = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000);
    const from = new Date(to.getTime() - days * 86_400_000);
    return api<Report>(`/userapi/v1/dni/${props.c.tracking_code}/report`, { query: { from: from.toISOString(), to: to.toISOString() } });
  }, [props.c.tracking_code, days]);
  const r = rep.data;
  const label = (h: string) => {
    const m = /^\d{4}-(\d{2})-(\d{2})T(\d{2}):/.exec(h);
    // One day: the hour alone (24 distinct hours); longer: with the day.
    return m ? (days === 1 ? `${m[3]}:00` : `${Number(m[2])}/${Number(m[1])} ${m[3]}:00`) : h;
  };
  return (
    <section aria-labelledby="pool-h">
      <h2 id="pool-h">Pool utilisation</h2>
      <div class="filters" role="group" aria-label="Report period">
        <SelectField label="Period (hours in UTC)" value={props.range} onValue={(v) => setQuery({ range: v })} options={RANGES.map(([v, t]) => [v, t])} />
      </div>
      <ErrorBox error={rep.error} />
      {!r && rep.loading ? <Spinner label="Loading the pool report…" /> : null}
      {r ? (
        <>
          <div class="tiles">
            <div class="tile">
              <span class="figure">{r.pool_size}</span>
              <span class="what">numbers in the pool</span>
            </div>
            <div class="tile">
              <span class="figure">{r.peak_leases}</span>
              <span class="what">leased at once (peak)</span>
            </div>
            <div class="tile">
              <span class="figure">{r.fell_back}</span>
              <span class="what">visits that found the pool full</span>
            </div>
            <div class="tile">
              <span class="figure">{r.suggested_pool_size}</span>
              <span class="what">suggested pool size</span>
            </div>
            <div class="tile">
              <span class="figure">
                {r.calls_attributed} / {r.calls_unattributed}
              </span>
              <span class="what">calls attributed / not</span>
            </div>
          </div>
          {r.hours.length ? (
            <TimeChart
              title="Per hour: pool size, numbers leased and visitors wanting one at the peak"
              labels={r.hours.map((h) => label(h.hour))}
              series={[
                { label: 'Pool size', values: r.hours.map((h) => h.pool_size), color: '#6e7781' },
                { label: 'Leased (peak)', values: r.hours.map((h) => h.peak_leases), color: '#1f6feb' },
                { label: 'Visitors (peak)', values: r.hours.map((h) => h.peak_visitors), color: '#8250df' },
                { label: 'Fell back', values: r.hours.map((h) => h.fell_back), color: '#d1242f' },
              ]}
            />
          ) : (
            <Empty title="No visits in this period">Paste the snippet into your pages (or open the sandbox demo page): visits show here hour by hour.</Empty>
          )}
        </>
      ) : null}
    </section>
  );
}
