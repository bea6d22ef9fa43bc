// The work on a call, the call page's right-hand pane (permission `call_work` to write, read-only otherwise): its
// label (PATCH /userapi/v1/calls/{id}), its notes (POST …/notes) and its evaluation against the account's yes/no
// questions (PUT …/evaluation), with the score and the answers kept for archived questions.
import { useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api.ts';
import { Link } from '../lib/router.tsx';
import { ActionButton, Empty, ErrorBox, Notice, Spinner, TextField, useId } from './kit.tsx';
import { zonedTime } from './calls-common.tsx';
import { Pairs, type Call, type Pair } from './call-common.tsx';

export interface Note {
  id: string;
  author: { user_id: string; name: string };
  text: string;
  created_at: string;
  updated_at: string;
}
export interface Evaluation {
  answers: { question_id: number; title: string; answer: 'yes' | 'no'; weight: number; archived: boolean }[];
  score: number | null;
}
export interface Question {
  id: number;
  title: string;
  text: string;
  weight: number;
}

export function LabelPanel(props: { c: Call; canWork: boolean; onSaved: () => void }) {
  const [label, setLabel] = useState(props.c.label ?? '');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState('');
  const save = async (value: string | null) => {
    setError(null);
    setDone('');
    try {
      const r = await api<{ call: { label: string | null } }>(`/userapi/v1/calls/${props.c.id}`, { method: 'PATCH', body: { label: value } });
      setLabel(r.call.label ?? '');
      setDone(r.call.label ? 'Label saved.' : 'Label cleared.');
      props.onSaved();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section class="panel" aria-labelledby="label-h">
      <h2 id="label-h">Label</h2>
      {props.canWork ? (
        <form
          class="label-form"
          onSubmit={(e) => {
            e.preventDefault();
            save(label.trim() || null);
          }}
        >
          <TextField label="Call label" value={label} onValue={setLabel} maxLength={100} hint="One line, e.g. “Booked a job”. Sent with HTTP Callbacks made after the change." error={error instanceof ApiError ? error.field('label') : undefined} />
          <div class="row">
            <ActionButton kind="primary" busyText="Saving…" onAction={() => save(label.trim() || null)}>
              Save label
            </ActionButton>
            {props.c.label ? (
              <ActionButton busyText="Clearing…" onAction={() => save(null)}>
                Clear label
              </ActionButton>
            ) : null}
          </div>
          <ErrorBox error={error} />
          <Notice>{done}</Notice>
        </form>
      ) : (
        <p>{props.c.label ? <span class="label-chip">{props.c.label}</span> : <span class="muted">No label.</span>}</p>
      )}
    </section>
  );
}

export function NotesPanel(props: { zone: string; callId: number; notes: Note[]; canWork: boolean; onSaved: () => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState('');
  const textId = useId('note');
  const add = async () => {
    setError(null);
    setDone('');
    if (!text.trim()) {
      setError(new ApiError(400, 'validation', 'Write the note first.', [{ path: '/text', message: 'must not be empty' }]));
      return;
    }
    try {
      await api(`/userapi/v1/calls/${props.callId}/notes`, { method: 'POST', body: { text } });
      setText('');
      setDone('Note added.');
      props.onSaved();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section class="panel" aria-labelledby="notes-h">
      <h2 id="notes-h">Notes</h2>
      {props.notes.length ? (
        <ol class="notes">
          {props.notes.map((n) => (
            <li key={n.id}>
              <p class="note-text">{n.text}</p>
              <p class="muted small">
                {n.author.name} · {zonedTime(n.created_at, props.zone)}
                {n.updated_at !== n.created_at ? ` (edited ${zonedTime(n.updated_at, props.zone)})` : ''}
              </p>
            </li>
          ))}
        </ol>
      ) : (
        <p class="muted">No notes yet.</p>
      )}
      {props.canWork ? (
        <form
          class="note-form"
          onSubmit={(e) => {
            e.preventDefault();
            add();
          }}
        >
          <div class="field">
            <label for={textId}>Add a note</label>
            <textarea id={textId} value={text} maxLength={4000} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} aria-describedby={`${textId}-hint`} />
            <small id={`${textId}-hint`} class="hint">
              Everyone in the account sees it, with your name. The call log’s search finds it.
            </small>
          </div>
          <ActionButton kind="primary" busyText="Adding…" onAction={add}>
            Add note
          </ActionButton>
          <ErrorBox error={error} />
          <Notice>{done}</Notice>
        </form>
      ) : null}
    </section>
  );
}

export function EvaluationPanel(props: { callId: number; evaluation: Evaluation; questions: Question[] | undefined; error: unknown; canWork: boolean; onSaved: () => void }) {
  const given = Object.fromEntries(props.evaluation.answers.map((a) => [a.question_id, a.answer]));
  const [answers, setAnswers] = useState<Record<number, 'yes' | 'no' | ''>>(given);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState('');
  const qs = props.questions;
  const save = async () => {
    setError(null);
    setDone('');
    try {
      const list = (qs ?? []).filter((q) => answers[q.id]).map((q) => ({ question_id: q.id, answer: answers[q.id] as 'yes' | 'no' }));
      await api(`/userapi/v1/calls/${props.callId}/evaluation`, { method: 'PUT', body: { answers: list } });
      setDone('Evaluation saved.');
      props.onSaved();
    } catch (e) {
      setError(e);
    }
  };
  const archived = props.evaluation.answers.filter((a) => a.archived);
  return (
    <section class="panel" aria-labelledby="eval-h">
      <h2 id="eval-h">Evaluation</h2>
      <p>
        Score: <strong>{props.evaluation.score === null ? 'not scored yet' : `${props.evaluation.score}%`}</strong>
      </p>
      <ErrorBox error={props.error} />
      {!qs ? (
        props.error ? null : <Spinner label="Loading the questions…" />
      ) : qs.length === 0 ? (
        <Empty title="No evaluation questions">
          <p>
            An admin sets the account’s yes/no questions under <Link href="/settings?tab=evaluation">Settings → Call evaluation</Link>; calls are then evaluated here.
          </p>
        </Empty>
      ) : props.canWork ? (
        <form
          class="eval-form"
          onSubmit={(e) => {
            e.preventDefault();
            save();
          }}
        >
          {qs.map((q) => (
            <fieldset key={q.id} class="eval-q">
              <legend>
                {q.text}
                {q.weight !== 1 ? <span class="muted small"> (weight {q.weight})</span> : null}
              </legend>
              {(['yes', 'no', ''] as const).map((v) => (
                <label key={v} class="radio">
                  <input type="radio" name={`q-${q.id}`} value={v} checked={(answers[q.id] ?? '') === v} onChange={() => setAnswers({ ...answers, [q.id]: v })} /> {v === 'yes' ? 'Yes' : v === 'no' ? 'No' : 'Not answered'}
                </label>
              ))}
            </fieldset>
          ))}
          <ActionButton kind="primary" busyText="Saving…" onAction={save}>
            Save evaluation
          </ActionButton>
          <ErrorBox error={error} />
          <Notice>{done}</Notice>
        </form>
      ) : (
        <dl class="fields">
          <Pairs rows={qs.map((q): Pair => [q.text, given[q.id] === 'yes' ? 'Yes' : given[q.id] === 'no' ? 'No' : 'Not answered'])} />
        </dl>
      )}
      {archived.length ? (
        <p class="muted small">
          Answers to archived questions kept: {archived.map((a) => `${a.title}: ${a.answer}`).join('; ')}.
        </p>
      ) : null}
    </section>
  );
}
