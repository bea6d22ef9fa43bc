// "Place a test call" (sandbox mode only: the server's shell says which mode it runs in): the sandbox carrier calls
// one of the account's numbers through the real call path (POST /sandbox/v1/calls) — as a caller who is answered,
// gets no answer, leaves a voicemail, is busy, or hangs up — and the result links to the call and its deliveries.
// Needs the `numbers` permission, like the API.
import { useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { SANDBOX } from '../lib/env.ts';
import { href, Link } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { duration } from '../lib/format.ts';
import { ActionButton, ErrorBox, SelectField, StatusBadge, TextField } from './kit.tsx';

interface SimResult {
  call_id: number | null;
  status: string | null;
  duration: number;
  has_audio: boolean;
  state: string;
}

const OUTCOMES: [string, string][] = [
  ['answered', 'Answered after 4 s, then a conversation'],
  ['voicemail', 'Not answered: the caller leaves a voicemail'],
  ['no-answer', 'Not answered: the caller gives up'],
  ['busy', 'Busy'],
  ['caller-hangup', 'The caller hangs up while it rings'],
];

/** What POST /sandbox/v1/calls is asked for each outcome. */
function simBody(to: string, from: string, outcome: string, seconds: number): Record<string, unknown> {
  if (outcome === 'voicemail') return { to, from, outcome: 'no-answer', voicemail: Math.max(1, seconds) };
  if (outcome === 'answered') return { to, from, answer_after: 4, talk: seconds };
  return { to, from, outcome };
}

export function SandboxCall(props: { number: string; display?: string }) {
  const s = useSession();
  const [from, setFrom] = useState('+61390012300');
  const [outcome, setOutcome] = useState('answered');
  const [seconds, setSeconds] = useState('25');
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<SimResult | null>(null);
  if (!SANDBOX || !s.can('numbers')) return null;
  const timed = outcome === 'answered' || outcome === 'voicemail';
  return (
    <details class="panel test-call">
      <summary>Place a test call</summary>
      <p class="muted small">
        The sandbox carrier calls {props.display ?? props.number} now, through the same path a real carrier's calls take (signed webhooks, the call plan, the callback). The call is recorded and reported like a real one.
      </p>
      <div class="row">
        <TextField label="Caller number" type="tel" value={from} onValue={setFrom} autoComplete="off" />
        <SelectField label="What happens" value={outcome} onValue={setOutcome} options={OUTCOMES} />
        {timed ? <TextField label={outcome === 'voicemail' ? 'Message length (seconds)' : 'Talk time (seconds)'} type="number" min={0} value={seconds} onValue={setSeconds} /> : null}
      </div>
      <ActionButton
        busyText="Calling…"
        onAction={async () => {
          setError(null);
          setResult(null);
          try {
            setResult(await api<SimResult>('/sandbox/v1/calls', { method: 'POST', body: simBody(props.number, from.trim(), outcome, Number(seconds) || 0) }));
          } catch (err) {
            setError(err);
          }
        }}
      >
        Place the call
      </ActionButton>
      <ErrorBox error={error} title="No test call" />
      <div role="status">
        {result ? (
          result.call_id !== null ? (
            <p>
              Call <Link href={`/calls/${result.call_id}`}>{result.call_id}</Link>: <StatusBadge status={result.status} /> after {duration(result.duration)}
              {result.has_audio ? ', with a recording' : ''}. <Link href={href('/deliveries', { call_id: result.call_id })}>Its deliveries</Link>
            </p>
          ) : (
            <p>The call was not recorded ({result.state}).</p>
          )
        ) : null}
      </div>
    </details>
  );
}
