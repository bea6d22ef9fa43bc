// An agent's buttons: Log in, Pause (a reason from a short list, or typed), Unpause, Log off, through POST
// /artic/v1/agents/{id}/login|logout|pause|unpause. The API decides who may act for whom: its refusal (403) or
// conflict (409) comes back to the page through `onError`, which shows it.
import { useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { ActionButton, ErrorBox, FormActions, SelectField, TextField, useId, useModal, useSubmit } from './kit.tsx';
import type { AgentState, MyAgent } from './artic-kit.tsx';

export const PAUSE_REASONS: [string, string][] = [
  ['break', 'Break'],
  ['lunch', 'Lunch'],
  ['meeting', 'Meeting'],
  ['training', 'Training'],
  ['admin', 'Paperwork'],
  ['', 'Other (type the reason)'],
];

/** What happened, in words: "Ann is paused (lunch).", or what waits for the end of the call. */
export function actionText(kind: string, a: MyAgent): string {
  if (a.pending_action === 'logoff') return `${a.name} will be logged off when the call ends.`;
  if (a.pending_action?.startsWith('pause:')) return `${a.name} will be paused (${a.pending_action.slice(6)}) when the call ends.`;
  if (kind === 'login') return `${a.name} is logged in and available at ${a.answer_point}.`;
  if (kind === 'logout') return `${a.name} is logged off.`;
  if (kind === 'pause') return `${a.name} is paused (${a.pause_reason ?? ''}).`;
  return `${a.name} is available again.`;
}

export function AgentButtons(props: { agent: { id: string; name: string; state: AgentState; pending_action?: string | null }; onDone: (kind: string, a: MyAgent) => void; onError: (e: unknown) => void; small?: boolean }) {
  const a = props.agent;
  const [pausing, setPausing] = useState(false);
  const post = (kind: string, body: Record<string, string> = {}) => api<MyAgent>(`/artic/v1/agents/${encodeURIComponent(a.id)}/${kind}`, { method: 'POST', body });
  const act = (kind: string) => async () => {
    props.onError(null);
    try {
      props.onDone(kind, await post(kind));
    } catch (e) {
      props.onError(e);
    }
  };
  const size = props.small ? ' small' : '';
  const pendingPause = a.pending_action?.startsWith('pause:');
  return (
    <div class="cell-actions agent-actions">
      {a.state === 'logged_out' ? (
        <ActionButton kind="primary" label={`Log in ${a.name}`} onAction={act('login')} busyText="Logging in…" size={size}>
          Log in
        </ActionButton>
      ) : (
        <>
          {a.state === 'paused' || pendingPause ? (
            <ActionButton kind="primary" label={`Unpause ${a.name}`} onAction={act('unpause')} busyText="Unpausing…" size={size}>
              Unpause
            </ActionButton>
          ) : (
            <button type="button" class={`btn plain${size}`} aria-label={`Pause ${a.name}`} onClick={() => setPausing(true)}>
              Pause
            </button>
          )}
          <ActionButton kind="plain" label={`Log off ${a.name}`} onAction={act('logout')} busyText="Logging off…" size={size}>
            Log off
          </ActionButton>
        </>
      )}
      <PauseDialog
        open={pausing}
        agentName={a.name}
        onClose={() => setPausing(false)}
        onPause={async (reason) => {
          props.onError(null);
          props.onDone('pause', await post('pause', { reason }));
        }}
      />
    </div>
  );
}


/** The pause reason, in a modal <dialog> (focus kept inside, Escape cancels); the API's 400 shows at the field. */
function PauseDialog(props: { open: boolean; agentName: string; onClose: () => void; onPause: (reason: string) => Promise<void> }) {
  const [choice, setChoice] = useState('break');
  const [other, setOther] = useState('');
  const { busy, error, setError, err, submit } = useSubmit();
  const ref = useModal(props.open, () => setError(null));
  const reasonError = err?.field('reason');
  const id = useId('pause');
  return (
    <dialog ref={ref} class="dialog pause-dialog" aria-labelledby={id} onClose={props.onClose}>
      <form
        onSubmit={submit(async () => {
          await props.onPause(choice || other.trim());
          props.onClose();
        })}
      >
        <h2 id={id}>Pause {props.agentName}</h2>
        <p class="small muted">No calls are offered until unpaused. During a call the pause starts when it ends.</p>
        <SelectField label="Reason" value={choice} onValue={setChoice} options={PAUSE_REASONS} error={choice ? reasonError : undefined} />
        {choice === '' ? <TextField label="Other reason" value={other} onValue={setOther} maxLength={40} required hint="Up to 40 letters, digits, spaces, . - _" error={reasonError} /> : null}
        <ErrorBox error={error} title="Not paused" />
        <FormActions busy={busy} submitText="Pause" busyText="Pausing…" onCancel={props.onClose} />
      </form>
    </dialog>
  );
}
