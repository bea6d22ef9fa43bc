// The call centre's history (/call-centre/history?day=YYYY-MM-DD, permission `read`): one day (today by default, in
// the account's time zone) per queue — offered, answered, abandoned (short), overflowed, service level, ASA, longest
// wait, average talk and handle — and per agent — answered, missed offers, logged in, paused, occupancy. From GET
// /artic/v1/reports/historical?interval=day&group=queue|agent (derived from the queue journal; the definitions are
// the API's, see its OpenAPI). Seconds as m:ss, rates as %.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { count, duration, percent } from '../lib/format.ts';
import { setQuery } from '../lib/router.tsx';
import { DataTable, Empty, ErrorBox, Page, Spinner, TextField, useAsync } from '../ui/kit.tsx';
import { CallCentreTabs } from '../ui/artic-kit.tsx';
import type { PageProps } from './routes.ts';

interface Figures {
  offered?: number;
  answered: number;
  answered_within_sl: number;
  abandoned?: number;
  abandoned_short?: number;
  overflowed?: number;
  service_level?: number | null;
  abandon_rate?: number | null;
  asa: number | null;
  longest_wait: number | null;
  avg_talk: number | null;
  avg_handle: number | null;
  missed_offers?: number;
  login_sec?: number;
  pause_sec?: number;
  talk_sec?: number;
  occupancy?: number | null;
}
type Row = Figures & { id: string; name: string | null };

interface Historical {
  timezone: string;
  from: string;
  to: string;
  totals: Row[];
  all: Figures;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** Today's date in a time zone (YYYY-MM-DD). */
const todayIn = (zone: string) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
const secs = (v: number | null | undefined) => (v === null || v === undefined ? '—' : duration(v));

export function CallCentreHistoryPage(props: PageProps) {
  const account = useAsync((signal) => api<{ timezone: string }>('/userapi/v1/account', { signal }), []);
  const zone = account.data?.timezone;
  const today = zone ? todayIn(zone) : '';
  const asked = props.query.get('day') ?? '';
  const day = DAY.test(asked) ? asked : today;
  const [draft, setDraft] = useState(day);
  useEffect(() => setDraft(day), [day]);
  // Today runs to now (an agent still logged in counts up to the end of the period); another day to its end.
  const range = day === today ? { from: day } : { from: day, to: day };
  const report = useAsync(
    async (signal) => {
      if (!day) return undefined;
      const q = (group: string) => api<Historical>('/artic/v1/reports/historical', { query: { ...range, interval: 'day', group }, signal });
      const [queues, agents] = await Promise.all([q('queue'), q('agent')]);
      return { queues, agents };
    },
    [day, today],
  );
  const r = report.data;
  const state = r ? 'ready' : report.error || account.error ? 'error' : 'loading';
  const queueRows: Row[] = r ? [...r.queues.totals, { ...r.queues.all, id: '*all*', name: 'All queues' }] : [];

  return (
    <Page page="call-centre-history" title="Call centre" state={state}>
      <CallCentreTabs here="/call-centre/history" />
      <form
        class="filters"
        aria-label="Choose the day"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ day: draft === today ? undefined : draft }, { push: true });
        }}
      >
        <TextField label="Day" type="date" value={draft} max={today || undefined} onValue={setDraft} hint={zone ? `in ${zone.replace(/_/g, ' ')}` : undefined} />
        <div class="field filter-actions">
          <button class="btn primary" type="submit">
            Show
          </button>
          {day !== today && today ? (
            <button class="btn plain" type="button" onClick={() => setQuery({}, { push: true })}>
              Today
            </button>
          ) : null}
        </div>
      </form>
      <ErrorBox error={account.error ?? report.error} title="The figures could not be read" />
      {!r && !report.error && !account.error ? <Spinner label="Adding up the day…" /> : null}
      {r ? (
        <>
          <section aria-labelledby="cc-hq-h">
            <h2 id="cc-hq-h">Queues{day === today ? ', today so far' : `, ${day}`}</h2>
            {r.queues.totals.length === 0 ? (
              <Empty title="No queues">Queues appear here once they are set up.</Empty>
            ) : (
              <DataTable<Row>
                caption="Calls per queue over the day"
                rows={queueRows}
                rowKey={(x) => x.id}
                rowClass={(x) => (x.id === '*all*' ? 'cc-total' : undefined)}
                columns={[
                  { key: 'name', label: 'Queue', render: (x) => (x.id === '*all*' ? <strong>{x.name}</strong> : (x.name ?? <span class="muted">deleted queue</span>)) },
                  { key: 'offered', label: 'Offered', numeric: true, render: (x) => count(x.offered) },
                  { key: 'answered', label: 'Answered', numeric: true, render: (x) => count(x.answered) },
                  { key: 'abandoned', label: 'Abandoned (short)', numeric: true, render: (x) => `${count(x.abandoned)} (${count(x.abandoned_short)})` },
                  { key: 'overflowed', label: 'Overflowed', numeric: true, render: (x) => count(x.overflowed) },
                  { key: 'sl', label: 'Service level', numeric: true, render: (x) => percent(x.service_level) },
                  { key: 'asa', label: 'ASA', numeric: true, render: (x) => secs(x.asa) },
                  { key: 'longest', label: 'Longest wait', numeric: true, render: (x) => secs(x.longest_wait) },
                  { key: 'talk', label: 'Avg talk', numeric: true, render: (x) => secs(x.avg_talk) },
                  { key: 'handle', label: 'Avg handle', numeric: true, render: (x) => secs(x.avg_handle) },
                ]}
              />
            )}
          </section>
          <section aria-labelledby="cc-ha-h">
            <h2 id="cc-ha-h">Agents</h2>
            {r.agents.totals.length === 0 ? (
              <Empty title="No agents">Agents appear here once they are set up.</Empty>
            ) : (
              <DataTable<Row>
                caption="Each agent over the day"
                rows={r.agents.totals}
                rowKey={(x) => x.id}
                columns={[
                  { key: 'name', label: 'Agent', render: (x) => x.name ?? <span class="muted">deleted agent</span> },
                  { key: 'answered', label: 'Answered', numeric: true, render: (x) => count(x.answered) },
                  { key: 'missed', label: 'Missed offers', numeric: true, render: (x) => count(x.missed_offers) },
                  { key: 'login', label: 'Logged in', numeric: true, render: (x) => secs(x.login_sec) },
                  { key: 'pause', label: 'Paused', numeric: true, render: (x) => secs(x.pause_sec) },
                  { key: 'talk', label: 'Talking', numeric: true, render: (x) => secs(x.talk_sec) },
                  { key: 'occupancy', label: 'Occupancy', numeric: true, render: (x) => percent(x.occupancy) },
                ]}
              />
            )}
          </section>
          <p class="muted small">
            Calls count on the day they entered the queue. Service level: answered within the queue’s threshold ÷ (offered − short abandons). ASA: the average wait of answered calls. Handle: talk and wrap-up. Occupancy: talking
            and wrap-up ÷ (logged in − paused).
          </p>
        </>
      ) : null}
    </Page>
  );
}
