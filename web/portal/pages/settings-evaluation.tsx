// Settings, Call evaluation tab (?tab=evaluation): the account's yes/no evaluation questions, which every call can be
// answered on (call page, permission `call_work`) and scored by. The list in order (GET
// /userapi/v1/evaluation-questions, archived ones too with ?archived=1), add one (POST), change its question, short
// name, weight and order (PATCH, the row in ?edit=<id>), remove one (DELETE: deleted, or archived when calls have
// answered it) and restore an archived one (PATCH archived: false). Writes need `settings`; everyone else reads.
import { useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api.ts';
import { setQuery } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { CheckField, ConfirmDialog, DataTable, Empty, ErrorBox, Notice, Spinner, TextField, useAsync } from '../ui/kit.tsx';
import './settings-evaluation.css';

interface Question {
  id: number;
  title: string;
  text: string;
  weight: number;
  position: number;
  archived: boolean;
  archived_at: string | null;
  created_at: string;
  updated_at: string;
}

const TITLE_MAX = 100;

/** The short name sent: the one typed, or the question itself cut to the API's 100 characters. */
const titleOf = (short: string, text: string) => short.trim() || text.trim().slice(0, TITLE_MAX);

/** The question text is required here (the API would name `title`, which the form derives from it). */
function missingText(text: string): ApiError | null {
  return text.trim() ? null : new ApiError(400, 'validation', 'Write the question first.', [{ path: '/text', message: 'must not be empty' }]);
}

export function EvaluationQuestions(props: { query: Record<string, string> }) {
  const q = props.query;
  const s = useSession();
  const can = s.can('settings');
  const archived = q.archived === '1';
  const list = useAsync(() => api<{ questions: Question[] }>('/userapi/v1/evaluation-questions', { query: { include_archived: archived ? 'true' : undefined } }), [archived]);
  const [notice, setNotice] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [removing, setRemoving] = useState<Question | null>(null);
  const rows = list.data?.questions ?? [];
  const editing = can ? rows.find((x) => String(x.id) === q.edit) : undefined;
  const go = (extra: Record<string, string | undefined>, push = true) => setQuery({ ...q, tab: 'evaluation', edit: undefined, ...extra }, { push });
  const done = (text: string) => {
    setError(null);
    setNotice(text);
    list.reload();
  };

  return (
    <section class="eval-questions" aria-labelledby="eval-q-h">
      <h2 id="eval-q-h">Evaluation questions</h2>
      <p class="small intro">
        Evaluations score calls on yes/no questions, e.g. “Did the caller book a job?” or “Was the caller greeted by name?”. Whoever works the calls (owners, admins, analysts) answers them on each call’s page; a call’s score is the share of yes answers, each
        question counting by its weight, and the evaluation report adds them up across calls.
      </p>
      <CheckField label="Show archived questions" checked={archived} onChecked={(on) => go({ archived: on ? '1' : undefined }, false)} />
      <Notice>{notice}</Notice>
      <ErrorBox error={error ?? list.error} />
      {!list.data && list.loading ? <Spinner label="Loading the questions…" /> : null}
      {list.data && rows.length === 0 ? (
        <Empty title={archived ? 'No evaluation questions' : 'No evaluation questions yet'}>
          {can ? 'Add the first one below, e.g. “Did the caller book a job?”: every call can then be answered yes or no on it, on the call’s page.' : 'An owner or admin of the account adds them here; calls are then answered yes or no on them, on each call’s page.'}
        </Empty>
      ) : null}
      {rows.length ? (
        <DataTable
          caption="Evaluation questions, in the order they are asked"
          rowKey={(x) => String(x.id)}
          rows={rows}
          columns={[
            { key: 'order', label: 'Order', numeric: true, render: (x) => String(x.position) },
            {
              key: 'question',
              label: 'Question',
              render: (x) => (
                <div>
                  <strong>{x.text}</strong>
                  {x.title !== x.text ? <div class="muted small">Short name: {x.title}</div> : null}
                </div>
              ),
            },
            { key: 'weight', label: 'Weight', numeric: true, render: (x) => (x.weight === 0 ? '0 (not scored)' : String(x.weight)) },
            { key: 'state', label: 'State', render: (x) => (x.archived ? <span class="badge neutral">archived</span> : <span class="badge ok">asked</span>) },
            ...(can
              ? [
                  {
                    key: 'actions',
                    label: 'Actions',
                    render: (x: Question) =>
                      x.archived ? (
                        <div class="cell-actions">
                          <button
                            type="button"
                            class="btn plain small"
                            aria-label={`Restore question ${x.title}`}
                            onClick={async () => {
                              try {
                                await api(`/userapi/v1/evaluation-questions/${x.id}`, { method: 'PATCH', body: { archived: false } });
                                done(`Question “${x.title}” restored: calls are asked it again.`);
                              } catch (err) {
                                setError(err);
                              }
                            }}
                          >
                            Restore
                          </button>
                        </div>
                      ) : (
                        <div class="cell-actions">
                          <button type="button" class="btn plain small" aria-label={`Edit question ${x.title}`} onClick={() => {
                              setNotice(undefined);
                              go({ edit: String(x.id) });
                            }}>
                            Edit
                          </button>
                          <button type="button" class="btn danger small" aria-label={`Remove question ${x.title}`} onClick={() => setRemoving(x)}>
                            Remove
                          </button>
                        </div>
                      ),
                  },
                ]
              : []),
          ]}
        />
      ) : null}
      {editing ? (
        <QuestionForm
          key={editing.id}
          question={editing}
          onCancel={() => go({})}
          onSaved={(x) => {
            go({});
            done(`Question “${x.title}” saved.`);
          }}
        />
      ) : can ? (
        <QuestionForm onSaved={(x) => done(`Question “${x.title}” added: calls are asked it from now on.`)} />
      ) : rows.length ? (
        <p class="muted small">Only an owner or admin of the account changes these.</p>
      ) : null}
      <ConfirmDialog
        open={!!removing}
        title={`Remove the question “${removing?.title}”?`}
        confirmText="Remove question"
        danger
        onClose={() => setRemoving(null)}
        onConfirm={async () => {
          const r = await api<{ outcome: 'deleted' | 'archived'; question: Question }>(`/userapi/v1/evaluation-questions/${removing!.id}`, { method: 'DELETE' });
          done(r.outcome === 'deleted' ? `Question “${r.question.title}” deleted.` : `Question “${r.question.title}” archived: calls have answered it, so their answers and scores keep it. It is no longer asked.`);
        }}
      >
        <p>It is no longer asked on calls. A question no call has answered yet is deleted; one with answers is archived instead, so past evaluations, scores and the report keep it (show archived questions to restore it).</p>
      </ConfirmDialog>
    </section>
  );
}

/** Add a question (no `question`) or change one: the question as asked, an optional short name, weight and order. */
function QuestionForm(props: { question?: Question; onSaved: (q: Question) => void; onCancel?: () => void }) {
  const e = props.question;
  const [text, setText] = useState(e?.text ?? '');
  // A short name that is just the question (the default) shows empty, so it follows a changed question.
  const [short, setShort] = useState(e && e.title !== e.text.slice(0, TITLE_MAX) ? e.title : '');
  const [weight, setWeight] = useState(String(e?.weight ?? 1));
  const [position, setPosition] = useState(String(e?.position ?? ''));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const err = error instanceof ApiError ? error : null;
  const headingId = e ? `eval-edit-${e.id}-h` : 'eval-add-h';
  return (
    <form
      class="panel admin-form"
      aria-labelledby={headingId}
      onSubmit={async (ev) => {
        ev.preventDefault();
        const missing = missingText(text);
        setError(missing);
        if (missing) return;
        setBusy(true);
        try {
          const body = { title: titleOf(short, text), text: text.trim(), weight: Number(weight), ...(e ? { position: Number(position) } : {}) };
          const r = e ? await api<{ question: Question }>(`/userapi/v1/evaluation-questions/${e.id}`, { method: 'PATCH', body }) : await api<{ question: Question }>('/userapi/v1/evaluation-questions', { method: 'POST', body });
          if (!e) {
            setText('');
            setShort('');
            setWeight('1');
          }
          props.onSaved(r.question);
        } catch (x) {
          setError(x);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h3 id={headingId}>{e ? `Change the question “${e.title}”` : 'Add a question'}</h3>
      <TextField label="Question" value={text} onValue={setText} required maxLength={1000} placeholder="Did the caller book a job?" hint="Asked with yes or no on every call’s page." error={err?.field('text')} />
      <TextField label="Short name (optional)" value={short} onValue={setShort} maxLength={TITLE_MAX} placeholder="Booked" hint="For reports and the legacy API (one line, up to 100 characters); empty: the question itself." error={err?.field('title')} />
      <div class="grid">
        <TextField label="Weight" type="number" min={0} max={100} value={weight} onValue={setWeight} required hint="0 to 100: how much a yes counts in the call’s score (0: asked, not scored)." error={err?.field('weight')} />
        {e ? <TextField label="Order" type="number" min={0} max={1000000} value={position} onValue={setPosition} required hint="Lower numbers are asked first." error={err?.field('position')} /> : null}
      </div>
      <ErrorBox error={error} title={e ? 'Question not saved' : 'Question not added'} />
      <div class="form-actions">
        <button type="submit" class="btn primary" disabled={busy}>
          {busy ? 'Saving…' : e ? 'Save question' : 'Add question'}
        </button>
        {props.onCancel ? (
          <button type="button" class="btn plain" onClick={props.onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
