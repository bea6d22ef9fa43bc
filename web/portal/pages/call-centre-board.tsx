// The call centre's live board (/call-centre, permission `read`): a wallboard a supervisor leaves open. Per queue the
// callers waiting, the longest current wait (ticking every second), the agents available; the agents by state with
// the time in that state (ticking too). From the real-time report, kept current by its Server-Sent Events stream
// (ui/artic-kit.tsx useRealtime); "Live" or "Reconnecting…" says whether the stream is open.
import { api } from '../lib/api.ts';
import { count, duration } from '../lib/format.ts';
import { Link } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { DataTable, Empty, ErrorBox, Page, Spinner, useAsync } from '../ui/kit.tsx';
import { AGENT_STATES, AgentStateBadge, CallCentreTabs, LiveIndicator, since, useNow, useRealtime, type Queue, type Realtime } from '../ui/artic-kit.tsx';
import type { PageProps } from './routes.ts';

type BoardAgent = Realtime['agents'][number];
const ORDER = new Map(AGENT_STATES.map(([s], i) => [s, i]));

export function CallCentreBoardPage(_props: PageProps) {
  const s = useSession();
  const live = useRealtime();
  const now = useNow(live.offsetMs);
  // The queues' service levels: a wait past it is shown as late.
  const r = live.data;
  const setup = useAsync((signal) => api<{ queues: Queue[] }>('/artic/v1/queues', { signal }), [(r?.queues ?? []).map((q) => q.id).join()]);
  const sl = new Map((setup.data?.queues ?? []).map((q) => [q.id, q.service_level_sec]));
  const queueName = new Map((r?.queues ?? []).map((q) => [q.id, q.name]));
  const agents = [...(r?.agents ?? [])].sort((a, b) => (ORDER.get(a.state) ?? 9) - (ORDER.get(b.state) ?? 9) || (a.since ?? '').localeCompare(b.since ?? '') || a.name.localeCompare(b.name));
  const state = r ? 'ready' : live.error ? 'error' : 'loading';

  return (
    <Page page="call-centre" title="Call centre" state={state} actions={<LiveIndicator status={live.status} />}>
      <CallCentreTabs here="/call-centre" />
      <ErrorBox error={live.error} title={r ? 'The board could not be refreshed' : 'The board could not be read'} />
      {!r && !live.error ? <Spinner label="Reading the call centre…" /> : null}
      {r ? (
        <>
          <section aria-labelledby="cc-states-h">
            <h2 id="cc-states-h" class="sr-only">
              Agents by state
            </h2>
            <ul class="cc-states">
              {AGENT_STATES.map(([key, label, tone]) => (
                <li key={key} class={`cc-state ${tone}`} data-state={key}>
                  <span class="figure">{count(r.states[key] ?? 0)}</span>
                  <span class="what">{label}</span>
                </li>
              ))}
            </ul>
          </section>
          <section aria-labelledby="cc-queues-h">
            <h2 id="cc-queues-h">Queues</h2>
            {r.queues.length === 0 ? (
              <Empty title="No queues yet">{s.can('settings') ? <Link href="/call-centre/setup">Set up a team, its agents and a queue.</Link> : 'An admin of the account sets them up.'}</Empty>
            ) : (
              <ul class="cc-queues">
                {r.queues.map((q) => {
                  const waitSec = q.oldest_entered_at ? Math.max(0, Math.floor((now - Date.parse(q.oldest_entered_at)) / 1000)) : 0;
                  const late = q.calls_waiting > 0 && sl.has(q.id) && waitSec > sl.get(q.id)!;
                  const stuck = q.calls_waiting > 0 && q.agents_available === 0;
                  return (
                    <li key={q.id} class={`cc-queue${late ? ' late' : ''}${q.calls_waiting ? ' busy' : ''}`} data-queue={q.id} aria-label={`Queue ${q.name}`}>
                      <h3>{q.name}</h3>
                      <dl>
                        <div class="waiting">
                          <dt>Calls waiting</dt>
                          <dd data-figure="waiting">{count(q.calls_waiting)}</dd>
                        </div>
                        <div class="longest">
                          <dt>Longest wait</dt>
                          <dd data-figure="longest-wait">{duration(waitSec)}</dd>
                        </div>
                        <div class={stuck ? 'none-free' : undefined}>
                          <dt>Agents available</dt>
                          <dd data-figure="available">
                            {count(q.agents_available)}
                            <span class="of"> of {count(q.agents_logged_in)} logged in</span>
                          </dd>
                        </div>
                        <div>
                          <dt>Talking</dt>
                          <dd data-figure="connected">{count(q.calls_connected)}</dd>
                        </div>
                      </dl>
                      {late ? <p class="cc-late">Waiting longer than the service level ({duration(sl.get(q.id)!)})</p> : null}
                    </li>
                  );
                })}
              </ul>
            )}
          </section>
          <section aria-labelledby="cc-agents-h">
            <h2 id="cc-agents-h">Agents</h2>
            {agents.length === 0 ? (
              <Empty title="No agents yet">{s.can('settings') ? <Link href="/call-centre/setup">Add agents under Set-up.</Link> : 'An admin of the account adds them.'}</Empty>
            ) : (
              <DataTable<BoardAgent>
                caption="Agents by state, with the time in that state"
                rows={agents}
                rowKey={(a) => a.id}
                rowClass={(a) => `cc-agent-row st-${a.state}`}
                columns={[
                  { key: 'name', label: 'Agent', render: (a) => <strong>{a.name}</strong> },
                  { key: 'state', label: 'State', render: (a) => <AgentStateBadge state={a.state} reason={a.pause_reason} /> },
                  { key: 'since', label: 'Time in state', numeric: true, render: (a) => <span data-figure="in-state">{a.state === 'logged_out' && !a.since ? '—' : since(a.since, now)}</span> },
                  {
                    key: 'call',
                    label: 'Call',
                    render: (a) =>
                      a.call_id ? (
                        <span>
                          <Link href={`/calls/${a.call_id}`}>Call {a.call_id}</Link>
                          {a.queue_id ? <span class="muted"> · {queueName.get(a.queue_id) ?? a.queue_id}</span> : null}
                        </span>
                      ) : (
                        <span class="muted">—</span>
                      ),
                  },
                ]}
              />
            )}
          </section>
          <p class="muted small">
            Times count up in the page; the board changes as soon as Telltale does. {s.can('read') ? <Link href="/call-centre/history">Today’s figures are under History.</Link> : null}
          </p>
        </>
      ) : null}
    </Page>
  );
}
