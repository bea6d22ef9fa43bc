// The call centre's create forms (Set-up, permission `settings`): a team (POST /artic/v1/teams), an agent (POST
// /artic/v1/agents: name, answer point, teams, the user who acts as it, supervisor) and a queue (POST /artic/v1/queues:
// name, teams, strategy, maximum wait, wrap-up, service level). The API's 400 messages show at their fields.
import { useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { CheckField, ErrorBox, FieldNotes, FormActions, SelectField, TextField, useAsync, useId, useSubmit } from '../ui/kit.tsx';
import { fieldError } from '../ui/admin-kit.tsx';
import { STRATEGIES, type Team } from '../ui/artic-kit.tsx';

type Done = (what: string) => void;

/** A whole number as a number, empty left out (the API's default), anything else as typed (the API says what is wrong). */
function seconds(v: string): number | string | undefined {
  const t = v.trim();
  if (!t) return undefined;
  return /^\d+$/.test(t) ? Number(t) : t;
}

/** The teams as checkboxes, with the API's message for team_ids. */
function TeamPicker(props: { teams: Team[]; value: string[]; onValue: (v: string[]) => void; error?: string; hint: string }) {
  const id = useId('teams');
  return (
    <fieldset class={`team-picker${props.error ? ' invalid' : ''}`} aria-describedby={[`${id}-hint`, props.error ? `${id}-err` : ''].filter(Boolean).join(' ')}>
      <legend>Teams</legend>
      {props.teams.length === 0 ? <p class="muted small">No team yet: create one first.</p> : null}
      {props.teams.map((t) => (
        <CheckField key={t.id} label={t.name} checked={props.value.includes(t.id)} onChecked={(on) => props.onValue(on ? [...props.value, t.id] : props.value.filter((x) => x !== t.id))} />
      ))}
      <FieldNotes id={id} hint={props.hint} error={props.error} />
    </fieldset>
  );
}

export function TeamForm(props: { onDone: Done; onCancel: () => void }) {
  const [name, setName] = useState('');
  const { busy, error, err, submit } = useSubmit();
  return (
    <form
      class="panel admin-form"
      aria-labelledby="new-team-h"
      onSubmit={submit(async () => {
        const t = await api<Team>('/artic/v1/teams', { method: 'POST', body: { name: name.trim() } });
        props.onDone(`Team ${t.name} created.`);
      })}
    >
      <h3 id="new-team-h">New team</h3>
      <TextField label="Team name" value={name} onValue={setName} maxLength={100} autoComplete="off" hint="Unique in the account, e.g. Sales or Support." error={err?.field('name')} />
      <ErrorBox error={error} title="Not created" />
      <FormActions busy={busy} submitText="Create team" busyText="Creating…" onCancel={props.onCancel} />
    </form>
  );
}

interface AccountUser {
  id: string;
  username: string;
}

export function AgentForm(props: { teams: Team[]; canLinkUsers: boolean; onDone: Done; onCancel: () => void }) {
  const [name, setName] = useState('');
  const [point, setPoint] = useState('');
  const [teamIds, setTeamIds] = useState<string[]>(props.teams.length === 1 ? [props.teams[0].id] : []);
  const [userId, setUserId] = useState('');
  const [supervisor, setSupervisor] = useState(false);
  const users = useAsync((signal) => (props.canLinkUsers ? api<{ users: AccountUser[] }>('/userapi/v1/users', { signal }).then((r) => r.users) : Promise.resolve([])), [props.canLinkUsers]);
  const { busy, error, err, submit } = useSubmit();
  return (
    <form
      class="panel admin-form"
      aria-labelledby="new-agent-h"
      onSubmit={submit(async () => {
        const body = { name: name.trim(), answer_point: point.trim(), team_ids: teamIds, ...(userId ? { user_id: userId } : {}), ...(supervisor ? { supervisor: true } : {}) };
        const a = await api<{ name: string }>('/artic/v1/agents', { method: 'POST', body });
        props.onDone(`Agent ${a.name} created (logged out).`);
      })}
    >
      <h3 id="new-agent-h">New agent</h3>
      <TextField label="Agent name" value={name} onValue={setName} maxLength={100} autoComplete="off" error={err?.field('name')} />
      <TextField label="Answer point" value={point} onValue={setPoint} maxLength={200} autoComplete="off" inputMode="tel" hint="The phone the agent’s calls ring: +61 4xx xxx xxx, 04xx xxx xxx or sip:user@host." error={err?.field('answer_point')} />
      <TeamPicker teams={props.teams} value={teamIds} onValue={setTeamIds} error={fieldError(err, 'team_ids')} hint="The agent takes the calls of the queues these teams serve." />
      {props.canLinkUsers ? (
        <SelectField
          label="User who acts as this agent"
          value={userId}
          onValue={setUserId}
          options={[['', 'Nobody (an admin logs the agent in)'], ...(users.data ?? []).map((u): [string, string] => [u.id, u.username])]}
          hint="That user logs in, pauses and logs off this agent themselves (My agent)."
          error={err?.field('user_id')}
        />
      ) : null}
      <CheckField label="Supervisor: may act for the agents of their teams" checked={supervisor} onChecked={setSupervisor} />
      <ErrorBox error={error} title="Not created" />
      <FormActions busy={busy} submitText="Create agent" busyText="Creating…" onCancel={props.onCancel} />
    </form>
  );
}

export function QueueForm(props: { teams: Team[]; onDone: Done; onCancel: () => void }) {
  const [name, setName] = useState('');
  const [teamIds, setTeamIds] = useState<string[]>(props.teams.length === 1 ? [props.teams[0].id] : []);
  const [strategy, setStrategy] = useState('longest_idle');
  const [maxWait, setMaxWait] = useState('');
  const [wrapup, setWrapup] = useState('');
  const [sl, setSl] = useState('');
  const { busy, error, err, submit } = useSubmit();
  const numbers = { max_wait_sec: seconds(maxWait), wrapup_sec: seconds(wrapup), service_level_sec: seconds(sl) };
  return (
    <form
      class="panel admin-form"
      aria-labelledby="new-queue-h"
      onSubmit={submit(async () => {
        const body = { name: name.trim(), team_ids: teamIds, strategy, ...Object.fromEntries(Object.entries(numbers).filter(([, v]) => v !== undefined)) };
        const q = await api<{ name: string }>('/artic/v1/queues', { method: 'POST', body });
        props.onDone(`Queue ${q.name} created. Send calls to it with a number of type queue (Numbers).`);
      })}
    >
      <h3 id="new-queue-h">New queue</h3>
      <TextField label="Queue name" value={name} onValue={setName} maxLength={100} autoComplete="off" error={err?.field('name')} />
      <TeamPicker teams={props.teams} value={teamIds} onValue={setTeamIds} error={fieldError(err, 'team_ids')} hint="The teams whose agents answer it (at least one)." />
      <SelectField
        label="Strategy"
        value={strategy}
        onValue={setStrategy}
        options={STRATEGIES}
        hint="Longest idle: the agent free longest; round robin: offered least recently; fewest calls since login; ring all: every free agent at once."
        error={err?.field('strategy')}
      />
      <div class="cc-numbers">
        <TextField label="Max wait (seconds)" value={maxWait} onValue={setMaxWait} inputMode="numeric" placeholder="300" hint="10–7200: then the call overflows (voicemail)." error={err?.field('max_wait_sec')} />
        <TextField label="Wrap-up (seconds)" value={wrapup} onValue={setWrapup} inputMode="numeric" placeholder="10" hint="0–600 after each call." error={err?.field('wrapup_sec')} />
        <TextField label="Service level (seconds)" value={sl} onValue={setSl} inputMode="numeric" placeholder="20" hint="1–600: answered within this counts for the service level." error={err?.field('service_level_sec')} />
      </div>
      <p class="small muted">Business hours, hold music, skills and overflow: through the API (PATCH /artic/v1/queues/{'{id}'}).</p>
      <ErrorBox error={error} title="Not created" />
      <FormActions busy={busy} submitText="Create queue" busyText="Creating…" onCancel={props.onCancel} />
    </form>
  );
}
