// The call centre's set-up (/call-centre/setup): the queues, teams and agents of the account (GET /artic/v1/queues,
// /teams, /agents: permission `read`); with `settings`, forms to create each (call-centre-forms.tsx) and Delete with a
// confirmation (DELETE …/{id}; a 409 naming what still uses it shows in the dialog).
import { useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { duration, phone } from '../lib/format.ts';
import { useSession } from '../lib/session.tsx';
import { ConfirmDialog, DataTable, Empty, ErrorBox, Notice, Page, pageState, Spinner, useAsync } from '../ui/kit.tsx';
import { CallCentreTabs, names, strategyText, type Agent, type Queue, type Team } from '../ui/artic-kit.tsx';
import { AgentForm, QueueForm, TeamForm } from './call-centre-forms.tsx';
import type { PageProps } from './routes.ts';

type Kind = 'queue' | 'team' | 'agent';
const PATH: Record<Kind, string> = { queue: '/artic/v1/queues', team: '/artic/v1/teams', agent: '/artic/v1/agents' };
const CONSEQUENCE: Record<Kind, string> = {
  queue: 'Its history stays in the reports. Telltale refuses while a number, a menu or another queue sends calls to it, or callers wait in it.',
  team: 'Its agents stay (they leave the team). Telltale refuses while it is the only team of a queue, or a queue overflows to it.',
  agent: 'Their history stays in the reports. Telltale refuses while the agent is logged in.',
};

interface Setup {
  queues: Queue[];
  teams: Team[];
  agents: Agent[];
}

export function CallCentreSetupPage(_props: PageProps) {
  const s = useSession();
  const admin = s.can('settings');
  const data = useAsync(
    (signal) =>
      Promise.all([api<{ queues: Queue[] }>(PATH.queue, { signal }), api<{ teams: Team[] }>(PATH.team, { signal }), api<{ agents: Agent[] }>(PATH.agent, { signal })]).then(([q, t, a]): Setup => ({ queues: q.queues, teams: t.teams, agents: a.agents })),
    [],
  );
  const [form, setForm] = useState<Kind | null>(null);
  const [notice, setNotice] = useState<string | undefined>();
  const [pending, setPending] = useState<{ kind: Kind; id: string; name: string } | null>(null);
  const d = data.data;
  const done = (what: string) => {
    setForm(null);
    setNotice(what);
    data.reload();
  };
  const open = (k: Kind) => {
    setNotice(undefined);
    setForm(k);
  };
  const del = (kind: Kind, x: { id: string; name: string }) =>
    admin ? (
      <button type="button" class="btn danger small" aria-label={`Delete ${kind} ${x.name}`} onClick={() => setPending({ kind, ...x })}>
        Delete
      </button>
    ) : null;
  const addButton = (k: Kind, text: string) =>
    admin && form !== k ? (
      <button type="button" class="btn primary" onClick={() => open(k)}>
        {text}
      </button>
    ) : null;

  return (
    <Page page="call-centre-setup" title="Call centre" state={pageState(data)}>
      <CallCentreTabs here="/call-centre/setup" />
      <p class="lead">
        Teams of agents serve queues; a number of type <em>queue</em> sends its calls to one. {admin ? 'Create a team first, then its agents, then a queue.' : 'Your role can see the set-up; an admin or owner changes it.'}
      </p>
      <Notice>{notice}</Notice>
      <ErrorBox error={data.error} />
      {!d && !data.error ? <Spinner label="Loading the set-up…" /> : null}
      {d ? (
        <>
          <section aria-labelledby="cc-q-h">
            <div class="row section-head">
              <h2 id="cc-q-h">Queues</h2>
              {addButton('queue', 'New queue')}
            </div>
            {form === 'queue' ? <QueueForm teams={d.teams} onDone={done} onCancel={() => setForm(null)} /> : null}
            {d.queues.length === 0 ? (
              <Empty title="No queues yet">Callers wait in a queue until an agent of its teams answers.</Empty>
            ) : (
              <DataTable<Queue>
                caption="Queues"
                rows={d.queues}
                rowKey={(q) => q.id}
                columns={[
                  { key: 'name', label: 'Queue', render: (q) => <strong>{q.name}</strong> },
                  { key: 'strategy', label: 'Strategy', render: (q) => strategyText(q.strategy) },
                  { key: 'teams', label: 'Teams', render: (q) => names(q.team_ids, d.teams) },
                  { key: 'open', label: 'Open now', render: (q) => (q.open_now ? <span class="badge ok">Open</span> : <span class="badge neutral">Closed</span>) },
                  { key: 'wait', label: 'Max wait', numeric: true, render: (q) => duration(q.max_wait_sec) },
                  { key: 'wrap', label: 'Wrap-up', numeric: true, render: (q) => duration(q.wrapup_sec) },
                  { key: 'sl', label: 'Service level', numeric: true, render: (q) => `within ${duration(q.service_level_sec)}` },
                  ...(admin ? [{ key: 'del', label: 'Actions', numeric: true, render: (q: Queue) => <div class="cell-actions">{del('queue', q)}</div> }] : []),
                ]}
              />
            )}
          </section>
          <section aria-labelledby="cc-t-h">
            <div class="row section-head">
              <h2 id="cc-t-h">Teams</h2>
              {addButton('team', 'New team')}
            </div>
            {form === 'team' ? <TeamForm onDone={done} onCancel={() => setForm(null)} /> : null}
            {d.teams.length === 0 ? (
              <Empty title="No teams yet">A team is a group of agents; queues are served by teams.</Empty>
            ) : (
              <DataTable<Team>
                caption="Teams"
                rows={d.teams}
                rowKey={(t) => t.id}
                columns={[
                  { key: 'name', label: 'Team', render: (t) => <strong>{t.name}</strong> },
                  { key: 'agents', label: 'Agents', render: (t) => names(t.agent_ids, d.agents) },
                  { key: 'queues', label: 'Serves', render: (t) => names(t.queue_ids, d.queues) },
                  ...(admin ? [{ key: 'del', label: 'Actions', numeric: true, render: (t: Team) => <div class="cell-actions">{del('team', t)}</div> }] : []),
                ]}
              />
            )}
          </section>
          <section aria-labelledby="cc-a-h">
            <div class="row section-head">
              <h2 id="cc-a-h">Agents</h2>
              {addButton('agent', 'New agent')}
            </div>
            {form === 'agent' ? <AgentForm teams={d.teams} canLinkUsers={s.can('users')} onDone={done} onCancel={() => setForm(null)} /> : null}
            {d.agents.length === 0 ? (
              <Empty title="No agents yet">An agent takes queue calls at an answer point: a phone number or a SIP address.</Empty>
            ) : (
              <DataTable<Agent>
                caption="Agents"
                rows={d.agents}
                rowKey={(a) => a.id}
                columns={[
                  { key: 'name', label: 'Agent', render: (a) => <strong>{a.name}</strong> },
                  { key: 'point', label: 'Answer point', render: (a) => phone(a.answer_point) },
                  { key: 'teams', label: 'Teams', render: (a) => names(a.team_ids, d.teams) },
                  { key: 'role', label: 'Role', render: (a) => <>{a.supervisor ? 'Supervisor' : 'Agent'}{a.user_id === s.user.id ? <span class="muted"> (you)</span> : a.user_id ? <span class="muted"> (a user)</span> : null}</> },
                  ...(admin ? [{ key: 'del', label: 'Actions', numeric: true, render: (a: Agent) => <div class="cell-actions">{del('agent', a)}</div> }] : []),
                ]}
              />
            )}
          </section>
        </>
      ) : null}
      <ConfirmDialog
        open={!!pending}
        title={pending ? `Delete ${pending.kind} ${pending.name}?` : ''}
        confirmText={pending ? `Delete ${pending.kind}` : 'Delete'}
        danger
        onClose={() => setPending(null)}
        onConfirm={async () => {
          const p = pending!;
          await api(`${PATH[p.kind]}/${encodeURIComponent(p.id)}`, { method: 'DELETE' });
          setNotice(`${p.kind[0].toUpperCase()}${p.kind.slice(1)} ${p.name} deleted.`);
          data.reload();
        }}
      >
        <p>{pending ? CONSEQUENCE[pending.kind] : ''}</p>
      </ConfirmDialog>
    </Page>
  );
}
