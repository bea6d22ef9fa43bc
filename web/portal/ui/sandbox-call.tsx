// "Place a test call" (sandbox mode): the sandbox carrier calls one of the account's numbers through the real call
// path (POST /sandbox/v1/calls) — as a caller who is answered, gets no answer, leaves a voicemail, or hangs up — and
// the result links to the call's page. Needs the `numbers` permission, like the API.
import { useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { SANDBOX } from '../lib/env.ts';
import { Link } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { duration } from '../lib/format.ts';
import { ActionButton, ErrorBox, Notice, SelectField, StatusBadge, TextField } from './kit.tsx';

interface SimResult {
  call_id: number | null;
  status: string | null;
  duration: number;
  has_audio: boolean;
  state: string;
}

const OUTCOMES: [string, string][] = [
  ['answered', 'Answered, then a conversation'],
  ['voicemail', 'Not answered: the caller leaves a voicemail'],
  ['no-answer', 'Not answered: the caller gives up'],
  ['busy', 'Busy'],
  ['caller-hangup', 'The caller hangs up while it rings'],
];

export function SandboxCall(props: { number: string }) {
  const s = useSession();
  const [from, setFrom] = useState('+61412345678');
  const [outcome, setOutcome] = useState('answered');
  const [talk, setTalk] = useState('30');
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<SimResult | null>(null);
  if (!SANDBOX || !s.can('numbers')) return null;
  return (
    <section class="panel" aria-labelledby="sandbox-call-h">
      <h2 id="sandbox-call-h">Place a test call</h2>
      <p class="muted">The sandbox carrier calls {props.number} now, through the same path a real carrier's calls take; the call then shows in the call log with its callback.</p>
      <form
        onSubmit={(e) => e.preventDefault()}
        class="wide"
      >
        <div class="row">
          <TextField label="Caller number" value={from} onValue={setFrom} autoComplete="off" />
          <SelectField label="What happens" value={outcome} onValue={setOutcome} options={OUTCOMES} />
          <TextField label={outcome === 'voicemail' ? 'Message length (seconds)' : 'Talk time (seconds)'} value={talk} onValue={setTalk} inputMode="numeric" />
        </div>
        <ActionButton
          kind="primary"
          busyText="Calling…"
          onAction={async () => {
            setError(null);
            setResult(null);
            const seconds = Number(talk) || 0;
            const body: Record<string, unknown> = { to: props.number, from, outcome: outcome === 'voicemail' ? 'no-answer' : outcome };
            if (outcome === 'voicemail') {
              body.voicemail = Math.max(1, seconds);
              body.answer_after = 15;
            } else if (outcome === 'answered') body.talk = seconds;
            try {
              setResult(await api<SimResult>('/sandbox/v1/calls', { method: 'POST', body }));
            } catch (err) {
              setError(err);
            }
          }}
        >
          Call {props.number}
        </ActionButton>
      </form>
      <ErrorBox error={error} title="The test call did not go through" />
      {result ? (
        <Notice>
          Call ended: <StatusBadge status={result.status} /> after {duration(result.duration)}
          {result.has_audio ? ', with a recording' : ''}. {result.call_id !== null ? <Link href={`/calls/${result.call_id}`}>Open the call</Link> : null}
        </Notice>
      ) : null}
    </section>
  );
}
