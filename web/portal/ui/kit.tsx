// The portal's building blocks: a page frame (its <main> tells tests and screen readers when it is ready), the data
// hook, errors from the APIs, form fields with their labels and messages, empty states, confirmations, tables that
// become cards on a phone, and the status legend.
import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, errorText } from '../lib/api.ts';

/**
 * One page. `<main data-page=… data-state=loading|ready|error>`: the state turns "ready" once the page's first data is
 * shown (benches and tests wait for it). The heading takes the focus when the page opens, so a screen reader
 * announces where the user is and the keyboard starts from the page's top.
 */
export function Page(props: { page: string; title: string; state?: 'loading' | 'ready' | 'error'; actions?: ComponentChildren; lead?: ComponentChildren; children?: ComponentChildren }) {
  const h1 = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · Telltale`;
    h1.current?.focus({ preventScroll: true });
  }, [props.page, props.title]);
  return (
    <main id="main" data-page={props.page} data-state={props.state ?? 'ready'} aria-busy={props.state === 'loading' ? 'true' : 'false'}>
      <div class="page-head">
        <h1 ref={h1} tabIndex={-1}>
          {props.title}
        </h1>
        {props.actions ? <div class="page-actions">{props.actions}</div> : null}
      </div>
      {props.lead ? <p class="lead">{props.lead}</p> : null}
      {props.children}
    </main>
  );
}

export interface Async<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` now and whenever `deps` change (the previous run is aborted); `reload()` runs it again. */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ data: s.data, loading: true }));
    load(ctl.signal).then(
      (data) => !ctl.signal.aborted && setState({ data, loading: false }),
      (error) => !ctl.signal.aborted && (error as Error)?.name !== 'AbortError' && setState({ error, loading: false }),
    );
    return () => ctl.abort();
  }, [...deps, tick]);
  return { data: state.data, error: state.error, loading: state.loading, reload: useCallback(() => setTick((t) => t + 1), []) };
}

/** The state a page reports in its <main>: loading until the first data (or an error) arrived. */
export function pageState(a: { data?: unknown; error?: unknown; loading: boolean }): 'loading' | 'ready' | 'error' {
  if (a.error && a.data === undefined) return 'error';
  return a.data === undefined ? 'loading' : 'ready';
}

/** An API error as the user reads it: the detail, and each field's message. */
export function ErrorBox(props: { error: unknown; title?: string }) {
  if (!props.error) return null;
  const e = props.error;
  const list = e instanceof ApiError ? e.errors : [];
  return (
    <div class="error-box" role="alert">
      <strong>{props.title ?? (e instanceof ApiError && e.status === 403 ? 'Not allowed' : 'Something went wrong')}</strong>
      <p>{errorText(e)}</p>
      {list.length ? (
        <ul>
          {list.map((x) => (
            <li key={x.path}>
              <code>{x.path.replace(/^\//, '') || 'request'}</code>: {x.message}
            </li>
          ))}
        </ul>
      ) : null}
      {e instanceof ApiError && e.requestId ? <p class="muted small">Request {e.requestId}</p> : null}
    </div>
  );
}

export function Spinner(props: { label?: string }) {
  return (
    <p class="spinner" role="status">
      <span class="spin" aria-hidden="true" /> {props.label ?? 'Loading…'}
    </p>
  );
}

/** What a list shows when it has nothing yet: what it is for and what to do next. */
export function Empty(props: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty" role="status">
      <p class="empty-title">{props.title}</p>
      {props.children ? <div class="empty-body">{props.children}</div> : null}
    </div>
  );
}

let fieldSeq = 0;
/** A stable id for a label/control pair. */
export function useId(prefix = 'f'): string {
  const ref = useRef<string>();
  if (!ref.current) ref.current = `${prefix}-${++fieldSeq}`;
  return ref.current;
}

/** A control's hint and error lines (ids `<id>-hint`, `<id>-err`, for its aria-describedby). */
export function FieldNotes(props: { id: string; hint?: ComponentChildren; error?: string }) {
  return (
    <>
      {props.hint ? (
        <small id={`${props.id}-hint`} class="hint">
          {props.hint}
        </small>
      ) : null}
      {props.error ? (
        <small id={`${props.id}-err`} class="field-error">
          {props.error}
        </small>
      ) : null}
    </>
  );
}

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'onInput' | 'value'> & {
  label: string;
  value: string;
  onValue: (v: string) => void;
  error?: string;
  hint?: ComponentChildren;
};

/** A labelled input; its error is tied to it (aria-invalid, aria-describedby) and read out. */
export function TextField(props: InputProps) {
  const { label, value, onValue, error, hint, ...rest } = props;
  const id = useId();
  const described = [hint ? `${id}-hint` : '', error ? `${id}-err` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${error ? ' invalid' : ''}`}>
      <label for={id}>{label}</label>
      <input id={id} {...rest} value={value} onInput={(e) => onValue((e.target as HTMLInputElement).value)} aria-invalid={error ? 'true' : undefined} aria-describedby={described} />
      <FieldNotes id={id} hint={hint} error={error} />
    </div>
  );
}

/** A labelled select over [value, text] options. */
export function SelectField(props: { label: string; value: string; onValue: (v: string) => void; options: [string, string][]; error?: string; hint?: ComponentChildren; disabled?: boolean; name?: string }) {
  const id = useId();
  return (
    <div class={`field${props.error ? ' invalid' : ''}`}>
      <label for={id}>{props.label}</label>
      <select id={id} name={props.name} value={props.value} disabled={props.disabled} onChange={(e) => props.onValue((e.target as HTMLSelectElement).value)} aria-invalid={props.error ? 'true' : undefined} aria-describedby={props.error ? `${id}-err` : props.hint ? `${id}-hint` : undefined}>
        {props.options.map(([v, t]) => (
          <option key={v} value={v}>
            {t}
          </option>
        ))}
      </select>
      <FieldNotes id={id} hint={props.hint} error={props.error} />
    </div>
  );
}

export function CheckField(props: { label: string; checked: boolean; onChecked: (v: boolean) => void; hint?: string; disabled?: boolean }) {
  const id = useId();
  return (
    <div class="field check">
      <input id={id} type="checkbox" checked={props.checked} disabled={props.disabled} onChange={(e) => props.onChecked((e.target as HTMLInputElement).checked)} />
      <label for={id}>{props.label}</label>
      {props.hint ? <small class="hint">{props.hint}</small> : null}
    </div>
  );
}

/**
 * A form's submission: `submit(action)` is its onSubmit — busy while the action runs (the submit button says so),
 * the error kept for the form (ErrorBox; each field reads `err?.field(name)`).
 */
export function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = (action: () => Promise<unknown>) => async (e?: Event) => {
    e?.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (x) {
      setError(x);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, err: error instanceof ApiError ? error : null, submit };
}

/** A form's buttons: submit (with its busy text) and, when given, Cancel. */
export function FormActions(props: { busy: boolean; submitText: ComponentChildren; busyText?: string; onCancel?: () => void }) {
  return (
    <div class="form-actions">
      <button type="submit" class="btn primary" disabled={props.busy}>
        {props.busy ? (props.busyText ?? 'Saving…') : props.submitText}
      </button>
      {props.onCancel ? (
        <button type="button" class="btn plain" onClick={props.onCancel}>
          Cancel
        </button>
      ) : null}
    </div>
  );
}

/** A button that shows progress while its action runs and cannot be pressed twice meanwhile. */
export function ActionButton(props: { onAction: () => Promise<unknown>; children: ComponentChildren; kind?: 'primary' | 'danger' | 'plain'; busyText?: string; disabled?: boolean; type?: 'button' | 'submit'; title?: string; label?: string; size?: string }) {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type={props.type ?? 'button'}
      class={`btn ${props.kind ?? 'plain'}${props.size ?? ''}`}
      aria-label={props.label}
      disabled={busy || props.disabled}
      aria-busy={busy ? 'true' : undefined}
      title={props.title}
      onClick={async () => {
        setBusy(true);
        try {
          await props.onAction();
        } finally {
          setBusy(false);
        }
      }}
    >
      {busy ? (props.busyText ?? 'Working…') : props.children}
    </button>
  );
}

/**
 * A confirmation in a modal <dialog> (focus kept inside, Escape cancels). `open` shows it; the confirm button runs
 * `onConfirm` and shows its error, if any, in the dialog.
 */
/** A modal <dialog> that follows `open` (showModal / close); `onOpen` runs each time it opens. */
export function useModal(open: boolean, onOpen?: () => void) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      onOpen?.();
      d.showModal();
    } else if (!open && d.open) d.close();
  }, [open]);
  return ref;
}

export function ConfirmDialog(props: { open: boolean; title: string; children?: ComponentChildren; confirmText: string; danger?: boolean; onConfirm: () => Promise<unknown>; onClose: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const ref = useModal(props.open, () => setError(null));
  return (
    <dialog ref={ref} class="dialog" aria-labelledby="dialog-title" onClose={props.onClose}>
      <h2 id="dialog-title">{props.title}</h2>
      <div>{props.children}</div>
      <ErrorBox error={error} />
      <div class="dialog-actions">
        <button type="button" class="btn plain" onClick={() => props.onClose()}>
          Cancel
        </button>
        <ActionButton
          kind={props.danger ? 'danger' : 'primary'}
          onAction={async () => {
            try {
              await props.onConfirm();
              props.onClose();
            } catch (e) {
              setError(e);
            }
          }}
        >
          {props.confirmText}
        </ActionButton>
      </div>
    </dialog>
  );
}

export interface Column<R> {
  key: string;
  label: string;
  render: (row: R) => ComponentChildren;
  /** Right-aligned figures. */
  numeric?: boolean;
}

/** A table on wide screens, a list of cards (each cell labelled) on a phone. */
export function DataTable<R>(props: { caption: string; columns: Column<R>[]; rows: R[]; rowKey: (r: R) => string; rowClass?: (r: R) => string | undefined }) {
  return (
    <div class="table-wrap">
      <table class="data">
        <caption class="sr-only">{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c.key} scope="col" class={c.numeric ? 'num' : undefined}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={props.rowKey(r)} class={props.rowClass?.(r)}>
              {props.columns.map((c) => (
                <td key={c.key} data-label={c.label} class={c.numeric ? 'num' : undefined}>
                  {c.render(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The fixed call status vocabulary, with the colour and the words the legend uses. */
export const STATUSES: Record<string, { label: string; tone: string; meaning: string }> = {
  answered: { label: 'Answered', tone: 'ok', meaning: 'a person or the answer point took the call' },
  missed: { label: 'Missed', tone: 'bad', meaning: 'nobody answered and the caller left no message' },
  unanswered: { label: 'Unanswered', tone: 'bad', meaning: 'the answer point did not pick up' },
  voicemail: { label: 'Voicemail', tone: 'info', meaning: 'the caller left a message' },
  abandoned: { label: 'Abandoned', tone: 'warn', meaning: 'the caller hung up before anyone answered' },
  busy: { label: 'Busy', tone: 'warn', meaning: 'the answer point was busy' },
  failed: { label: 'Failed', tone: 'bad', meaning: 'the call could not be connected' },
};

export function StatusBadge(props: { status: string | null | undefined }) {
  const key = String(props.status ?? '').toLowerCase();
  const s = STATUSES[key];
  return <span class={`badge ${s?.tone ?? 'neutral'}`}>{s?.label ?? (props.status || '—')}</span>;
}

/** A short message that screen readers announce (role=status), e.g. "Saved". */
export function Notice(props: { children?: ComponentChildren; tone?: 'ok' | 'info' }) {
  if (!props.children) return null;
  return (
    <p class={`notice ${props.tone ?? 'ok'}`} role="status">
      {props.children}
    </p>
  );
}

/** Copies text to the clipboard, saying so. */
export function CopyButton(props: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      class="btn plain small"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(props.text);
        } catch {
          const ta = document.createElement('textarea');
          ta.value = props.text;
          document.body.appendChild(ta);
          ta.select();
          document.execCommand('copy');
          ta.remove();
        }
        setDone(true);
        setTimeout(() => setDone(false), 1500);
      }}
    >
      <span aria-live="polite">{done ? 'Copied' : (props.label ?? 'Copy')}</span>
    </button>
  );
}
