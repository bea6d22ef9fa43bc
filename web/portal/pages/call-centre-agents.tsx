// The call centre's agents (/call-centre/agents, permission `read`): a row per agent (GET /artic/v1/agents) with its
// live state (the real-time stream) and, for those the user may act for, Log in / Pause / Unpause / Log off. A user
// linked to an agent (GET /artic/v1/me, 404 when none) has "My agent" at the top with their own buttons. Who may act
// for whom is the API's rule (themselves; a supervisor for their teams; `settings` for everyone): its 403 or 409 is
// shown as it says it.
import { useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api.ts';
import { phone } from '../lib/format.ts';
import { Link } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { DataTable, Empty, ErrorBox, Notice, Page, pageState, Spinner, useAsync } from '../ui/kit.tsx';
import { AgentStateBadge, CallCentreTabs, LiveIndicator, names, since, useNow, useRealtime, type Agent, type AgentState, type MyAgent, type Team } from '../ui/artic-kit.tsx';
import { actionText, AgentButtons } from '../ui/agent-actions.tsx';
import type { PageProps } from './routes.ts';

interface Live {
  state: AgentState;
  since: string | null;
  pause_reason: string | null;
  pending_action?: string | null;
}

export function CallCentreAgentsPage(_props: PageProps) {
  const s = useSession();
  const list = useAsync((signal) => Promise.all([api<{ agents: Agent[] }>('/artic/v1/agents', { signal }), api<{ teams: Team[] }>('/artic/v1/teams', { signal })]).then(([a, t]) => ({ agents: a.agents, teams: t.teams })), []);
  const me = useAsync(
    (signal) =>
      api<MyAgent>('/artic/v1/me', { signal }).catch((e) => {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }),
    [],
  );
  const live = useRealtime();
  const now = useNow(live.offsetMs);
  // What the last action answered, per agent, until a newer live report arrives.
  const [acted, setActed] = useState<Record<string, { view: MyAgent; at: number }>>({});
  const [notice, setNotice] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);

  const agents = list.data?.agents ?? [];
  const teams = list.data?.teams ?? [];
  const mine = agents.find((a) => a.user_id === s.user.id);
  const myTeams = new Set(mine?.supervisor ? mine.team_ids : []);
  const mayAct = (a: Agent) => s.can('settings') || a.user_id === s.user.id || a.team_ids.some((t) => myTeams.has(t));
  const rt = new Map((live.data?.agents ?? []).map((a) => [a.id, a]));

  /** The freshest state known: the action's answer, unless the stream has told more since. */
  const stateOf = (a: { id: string; state: AgentState; state_since: string | null; pause_reason: string | null; pending_action?: string | null }): Live => {
    const x = acted[a.id];
    const r = rt.get(a.id);
    if (x && !(r && live.receivedAt > x.at)) return { state: x.view.state, since: x.view.state_since, pause_reason: x.view.pause_reason, pending_action: x.view.pending_action };
    if (r) return { state: r.state, since: r.since, pause_reason: r.pause_reason, pending_action: x?.view.pending_action ?? a.pending_action };
    return { state: a.state, since: a.state_since, pause_reason: a.pause_reason, pending_action: a.pending_action };
  };
  const done = (kind: string, v: MyAgent) => {
    setActed((m) => ({ ...m, [v.id]: { view: v, at: Date.now() } }));
    setNotice(actionText(kind, v));
    setError(null);
  };
  const failed = (e: unknown) => {
    setError(e);
    if (e) setNotice(undefined);
  };

  const my = me.data ? { ...me.data, ...stateOf({ ...me.data }) } : null;
  return (
    <Page page="call-centre-agents" title="Call centre" state={pageState(list)} actions={<LiveIndicator status={live.status} />}>
      <CallCentreTabs here="/call-centre/agents" />
      <ErrorBox error={error} title={error instanceof ApiError && error.status === 403 ? 'Not allowed' : 'Not done'} />
      <Notice>{notice}</Notice>
      <ErrorBox error={me.error} title="Your agent could not be read" />
      {my ? (
        <section class="panel my-agent" aria-labelledby="my-agent-h">
          <h2 id="my-agent-h">My agent</h2>
          <div class="my-agent-row">
            <div>
              <strong class="my-agent-name">{my.name}</strong> <AgentStateBadge state={my.state} reason={my.pause_reason} />
              <span class="muted"> for {since(my.since, now)}</span>
              <div class="muted small">
                Calls ring {phone(my.answer_point)}
                {my.pending_action ? ` · ${my.pending_action === 'logoff' ? 'logging off' : `pausing (${my.pending_action.slice(6)})`} when this call ends` : ''}
              </div>
            </div>
            <AgentButtons agent={{ id: my.id, name: my.name, state: my.state, pending_action: my.pending_action }} onDone={done} onError={failed} />
          </div>
        </section>
      ) : null}
      <h2>Agents</h2>
      <ErrorBox error={list.error} />
      {!list.data && !list.error ? <Spinner label="Loading the agents…" /> : null}
      {list.data && agents.length === 0 ? <Empty title="No agents yet">{s.can('settings') ? <Link href="/call-centre/setup">Add them under Set-up.</Link> : 'An admin of the account adds them.'}</Empty> : null}
      {agents.length ? (
        <DataTable<Agent>
          caption="The agents of the account, their state and actions"
          rows={agents}
          rowKey={(a) => a.id}
          rowClass={(a) => (a.user_id === s.user.id ? 'picked' : undefined)}
          columns={[
            {
              key: 'name',
              label: 'Agent',
              render: (a) => (
                <>
                  <strong>{a.name}</strong>
                  {a.supervisor ? <span class="badge info small-badge">supervisor</span> : null}
                  {a.user_id === s.user.id ? <span class="muted"> (you)</span> : null}
                </>
              ),
            },
            { key: 'point', label: 'Answer point', render: (a) => phone(a.answer_point) },
            { key: 'teams', label: 'Teams', render: (a) => names(a.team_ids, teams) },
            {
              key: 'state',
              label: 'State',
              render: (a) => {
                const x = stateOf(a);
                return (
                  <>
                    <AgentStateBadge state={x.state} reason={x.pause_reason} />
                    {x.pending_action ? <div class="muted small">{x.pending_action === 'logoff' ? 'logs off' : 'pauses'} after the call</div> : null}
                  </>
                );
              },
            },
            {
              key: 'since',
              label: 'For',
              numeric: true,
              render: (a) => {
                const x = stateOf(a);
                return x.state === 'logged_out' && !x.since ? '—' : since(x.since, now);
              },
            },
            {
              key: 'actions',
              label: 'Actions',
              render: (a) => {
                const x = stateOf(a);
                return mayAct(a) ? <AgentButtons small agent={{ id: a.id, name: a.name, state: x.state, pending_action: x.pending_action }} onDone={done} onError={failed} /> : <span class="muted small">—</span>;
              },
            },
          ]}
        />
      ) : null}
      {list.data && !s.can('settings') && !mine ? <p class="muted small">Your user is not linked to an agent: an admin links it under Set-up.</p> : null}
    </Page>
  );
}
