// The HTTP Callback URL field of the numbers pages, with its tag picker: the tags and what each stands for
// (GET /userapi/v1/callback-tags, loaded once when the picker is first opened), inserted at the cursor.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { ErrorBox, useId } from './kit.tsx';

export interface CallbackTag {
  tag: string;
  placeholder: string;
  name: string;
  description: string;
  group: string;
}

let tagsCache: Promise<CallbackTag[]> | null = null;
function loadTags(): Promise<CallbackTag[]> {
  tagsCache ??= api<{ tags: CallbackTag[] }>('/userapi/v1/callback-tags').then(
    (r) => r.tags,
    (err) => {
      tagsCache = null;
      throw err;
    },
  );
  return tagsCache;
}

const GROUP_TEXT: Record<string, string> = {
  call: 'The call',
  numbers: 'Numbers and names',
  time: 'Time',
  features: 'Features',
  ivr: 'IVR',
  dni: 'Website visit (DNI)',
  google_analytics: 'Google Analytics',
  recording: 'Recording',
  parties: 'Parties',
  sentiment: 'Sentiment',
  custom: 'Custom fields',
  artic: 'Call centre',
};

/**
 * The HTTP Callback URL with a tag picker (GET /userapi/v1/callback-tags): choosing a tag inserts `[[tag]]` at the
 * cursor (or over the selection) and shows what it stands for.
 */
export function CallbackUrlField(props: { value: string; onValue: (v: string) => void; error?: string; label?: string }) {
  const id = useId('cb');
  const input = useRef<HTMLInputElement>(null);
  const caret = useRef<{ start: number; end: number } | null>(null);
  const [tags, setTags] = useState<CallbackTag[] | null>(null);
  const [tagsError, setTagsError] = useState<unknown>(null);
  const [choice, setChoice] = useState('');
  const [open, setOpen] = useState(false);
  const [filter, setFilter] = useState('');

  useEffect(() => {
    if (!open || tags) return;
    loadTags().then(setTags, setTagsError);
  }, [open]);

  const remember = () => {
    const el = input.current;
    if (el) caret.current = { start: el.selectionStart ?? el.value.length, end: el.selectionEnd ?? el.value.length };
  };
  const insert = (tag = choice) => {
    const t = tags?.find((x) => x.tag === tag);
    if (!t) return;
    const v = props.value;
    const at = caret.current ?? { start: v.length, end: v.length };
    const next = v.slice(0, at.start) + t.placeholder + v.slice(at.end);
    props.onValue(next);
    const pos = at.start + t.placeholder.length;
    caret.current = { start: pos, end: pos };
    requestAnimationFrame(() => {
      input.current?.focus();
      input.current?.setSelectionRange(pos, pos);
    });
  };
  const chosen = tags?.find((x) => x.tag === choice);
  const groups = tags ? [...new Set(tags.map((t) => t.group))] : [];
  return (
    <div class={`field callback-field${props.error ? ' invalid' : ''}`}>
      <label for={id}>{props.label ?? 'HTTP Callback URL'}</label>
      <input
        id={id}
        ref={input}
        type="text"
        inputMode="url"
        spellcheck={false}
        placeholder="https://example.com/calls?caller=[[ani]]&status=[[callstatus]]"
        value={props.value}
        onInput={(e) => {
          props.onValue((e.target as HTMLInputElement).value);
          remember();
        }}
        onKeyUp={remember}
        onClick={remember}
        onSelect={remember}
        onBlur={remember}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={`${id}-hint${props.error ? ` ${id}-err` : ''}`}
      />
      <small id={`${id}-hint`} class="hint">
        Called once per finalized call; each <code>[[tag]]</code> is replaced by the call’s value. Leave empty for no callback.
      </small>
      {props.error ? (
        <small id={`${id}-err`} class="field-error">
          {props.error}
        </small>
      ) : null}
      <details class="tag-picker" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
        <summary>Insert a tag</summary>
        {tagsError ? <ErrorBox error={tagsError} title="The tag list did not load" /> : null}
        {!tags && !tagsError ? <p class="muted small">Loading the tags…</p> : null}
        {tags ? (
          <div class="tag-picker-body">
            <div class="field">
              <label for={`${id}-tag`}>Tag</label>
              <select id={`${id}-tag`} value={choice} onChange={(e) => setChoice((e.target as HTMLSelectElement).value)} aria-describedby={`${id}-meaning`}>
                <option value="">Choose a tag…</option>
                {groups.map((g) => (
                  <optgroup key={g} label={GROUP_TEXT[g] ?? g}>
                    {tags
                      .filter((t) => t.group === g)
                      .map((t) => (
                        <option key={t.tag} value={t.tag}>
                          {t.placeholder} — {t.name}
                        </option>
                      ))}
                  </optgroup>
                ))}
              </select>
            </div>
            <p id={`${id}-meaning`} class="tag-meaning" aria-live="polite">
              {chosen ? (
                <>
                  <code>{chosen.placeholder}</code>: {chosen.description}
                </>
              ) : (
                'Choose a tag to see what it stands for.'
              )}
            </p>
            <button type="button" class="btn plain small" disabled={!chosen} onClick={() => insert()}>
              Insert {chosen ? chosen.placeholder : 'tag'} at the cursor
            </button>
            <details class="tag-list">
              <summary>Every tag and what it stands for</summary>
              <input type="search" class="tag-filter" aria-label="Find a tag" placeholder="Find a tag, e.g. caller" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
              <div class="tag-list-body">
                {groups.map((g) => {
                  const f = filter.trim().toLowerCase();
                  const list = tags.filter((t) => t.group === g && (!f || `${t.tag} ${t.name} ${t.description}`.toLowerCase().includes(f)));
                  if (!list.length) return null;
                  return (
                    <div key={g}>
                      <h4>{GROUP_TEXT[g] ?? g}</h4>
                      <dl>
                        {list.map((t) => (
                          <div key={t.tag} class="tag-row">
                            <dt>
                              <button type="button" class="btn plain small" aria-label={`Insert ${t.placeholder}`} onClick={() => insert(t.tag)}>
                                {t.placeholder}
                              </button>
                            </dt>
                            <dd>
                              <strong>{t.name}</strong>: {t.description}
                            </dd>
                          </div>
                        ))}
                      </dl>
                    </div>
                  );
                })}
              </div>
            </details>
          </div>
        ) : null}
      </details>
    </div>
  );
}
