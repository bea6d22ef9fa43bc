// Small pieces the set-up pages share: a secret shown once (with its copy button), a value to copy, a text area
// with its label, a keyset pager over `next_cursor`, and a list split from a multi-line or comma-separated field.
import type { ComponentChildren } from 'preact';
import { CopyButton, useId, FieldNotes } from './kit.tsx';
import './admin-kit.css';

/** A value the API shows only in this answer (a key, a token, a signing secret): copy it now. */
export function ShownOnce(props: { title: string; value: string; children?: ComponentChildren; onDismiss?: () => void }) {
  return (
    <section class="panel shown-once" aria-label={props.title}>
      <h3>{props.title}</h3>
      <p class="small">
        <strong>Shown only now:</strong> copy it and keep it somewhere safe; Telltale cannot show it again.
      </p>
      <CopyValue label={props.title} value={props.value} />
      {props.children}
      {props.onDismiss ? (
        <button type="button" class="btn plain small" onClick={props.onDismiss}>
          I have copied it
        </button>
      ) : null}
    </section>
  );
}

/** A read-only value with a copy button (a URL, a snippet line). */
export function CopyValue(props: { label: string; value: string; multiline?: boolean }) {
  const id = useId('cv');
  return (
    <div class="copy-value">
      <label for={id} class="sr-only">
        {props.label}
      </label>
      {props.multiline ? (
        <textarea id={id} readOnly value={props.value} rows={Math.min(12, props.value.split('\n').length + 1)} onFocus={(e) => (e.target as HTMLTextAreaElement).select()} />
      ) : (
        <input id={id} readOnly value={props.value} onFocus={(e) => (e.target as HTMLInputElement).select()} />
      )}
      <CopyButton text={props.value} label={`Copy`} />
    </div>
  );
}

/** A labelled textarea (one item a line, e.g. IP addresses or origins). */
export function TextArea(props: { label: string; value: string; onValue: (v: string) => void; hint?: ComponentChildren; error?: string; rows?: number; placeholder?: string }) {
  const id = useId('ta');
  return (
    <div class={`field${props.error ? ' invalid' : ''}`}>
      <label for={id}>{props.label}</label>
      <textarea
        id={id}
        rows={props.rows ?? 3}
        value={props.value}
        placeholder={props.placeholder}
        onInput={(e) => props.onValue((e.target as HTMLTextAreaElement).value)}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={[props.hint ? `${id}-hint` : '', props.error ? `${id}-err` : ''].filter(Boolean).join(' ') || undefined}
      />
      <FieldNotes id={id} hint={props.hint} error={props.error} />
    </div>
  );
}

/** "a, b\nc" → ["a", "b", "c"]. */
export function listOf(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The first API error message for a field or any of its items (`pool`, `pool/0`, `rules[1].service_id`). */
export function fieldError(err: unknown, name: string): string | undefined {
  const list = (err as { errors?: { path: string; message: string }[] } | null)?.errors;
  if (!Array.isArray(list)) return undefined;
  const clean = (p: string) => p.replace(/^[/.]/, '').replace(/^body[/.]/, '');
  const hit = list.find((e) => {
    const p = clean(e.path);
    return p === name || p.startsWith(`${name}/`) || p.startsWith(`${name}[`) || p.startsWith(`${name}.`);
  });
  return hit ? (clean(hit.path) === name ? hit.message : `${clean(hit.path)}: ${hit.message}`) : undefined;
}

/** Keyset paging: "Newer" goes back to the first page, "Older" follows next_cursor (both kept in the URL). */
export function Pager(props: { cursor?: string | null; next: string | null | undefined; onPage: (cursor: string | null) => void; label: string }) {
  if (!props.cursor && !props.next) return null;
  return (
    <nav class="pager" aria-label={props.label}>
      <button type="button" class="btn plain small" disabled={!props.cursor} onClick={() => props.onPage(null)}>
        First page
      </button>
      <button type="button" class="btn plain small" disabled={!props.next} onClick={() => props.next && props.onPage(props.next)}>
        Older
      </button>
    </nav>
  );
}

/** An instant from the APIs (UTC ISO) as "2 Dec 2026, 14:05 UTC" (the set-up lists give UTC only). */
export function utc(v: string | null | undefined): string {
  if (!v) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})/.exec(v);
  if (!m) return v;
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][Number(m[2]) - 1];
  return `${Number(m[3])} ${month} ${m[1]}, ${m[4]}:${m[5]} UTC`;
}
