// The call log: the account's calls, newest first, filtered (date range, status, tracking number, caller, custom
// group, direction, recording) and searched, a page at a time with the API's keyset cursor. The applied filters are
// the URL's query (the form is a draft until Apply), so a filtered view can be reloaded, shared and exported.
//
// Which list endpoint: GET /userapi/v1/calls. It takes every filter of the WebAPI's GET /webapi/v1/calls (its
// CallLogQuery spreads the WebAPI's CallFilters, `format` aside) plus `q`, the search over caller number, tracking
// name, label and notes, and its calls carry `label`; the WebAPI list has no `q`. The WebAPI's `caller` filter is an
// exact number (or `Private`): a partial caller number is therefore sent as a digits word of `q`, which the search
// matches anywhere in the caller's number.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, withQuery, type Query } from '../lib/api.ts';
import { duration, localTime, phone } from '../lib/format.ts';
import { href, Link, navigate, queryObject } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { CheckField, DataTable, Empty, ErrorBox, Page, pageState, SelectField, Spinner, StatusBadge, TextField, useAsync, type Column } from '../ui/kit.tsx';
import { ALERT_STATUSES, CALL_STATUS_NAMES, dayRange, loadCalendar, loadServices, presetRange, RANGE_PRESETS, StatusLegend, statusKey, type TrackingService } from '../ui/calls-common.tsx';
import type { PageProps } from './routes.ts';
import './calls.css';

export interface LogCall {
  id: number;
  started_at_local: string;
  caller_number: string | null;
  caller_number_local: string;
  caller_withheld: boolean;
  caller_location: string | null;
  tracking_number: string;
  tracking_name: string | null;
  target_number: string | null;
  target_name: string | null;
  status: string;
  duration: number;
  talk_duration: number;
  connection_duration: number;
  has_audio: boolean;
  label: string | null;
  direction: string;
  custom_id: string | null;
  custom_group: string | null;
  ivr: string | null;
  is_test: boolean;
  dni: Record<string, unknown> | null;
}

/** The filters the URL may hold (applied), as the page names them. */
const FILTER_KEYS = ['range', 'from', 'to', 'status', 'tracking_number', 'caller', 'custom_group', 'direction', 'has_audio', 'q'] as const;
type Filters = Partial<Record<(typeof FILTER_KEYS)[number], string>>;

const DEFAULT_LIMIT = 50;

/** Whether a caller filter is a whole number (or Private), which the API's exact `caller` filter takes. */
const exactCaller = (c: string) => /^private$/i.test(c.trim()) || /^\+\d{8,15}$/.test(c.replace(/[\s().-]/g, '')) || /^\+\d{1,3}-\d{6,14}$/.test(c.trim());

/** The API query of the applied filters (no paging): what the list, and (search aside) the export, ask for. */
export function apiFilters(f: Filters): Query {
  const caller = f.caller?.trim() ?? '';
  const words = [f.q?.trim() ?? ''];
  let exact: string | undefined;
  if (caller) {
    if (exactCaller(caller)) exact = caller.replace(/[\s().]/g, '');
    else words.push(caller.replace(/[\s]/g, ''));
  }
  return {
    from: f.from,
    to: f.to,
    status: f.status,
    tracking_number: f.tracking_number,
    caller: exact,
    custom_group: f.custom_group,
    direction: f.direction,
    has_audio: f.has_audio,
    q: words.filter(Boolean).join(' ') || undefined,
  };
}

// ---- columns -----------------------------------------------------------------------------------------------------

const dniText = (c: LogCall, k: string) => (c.dni && c.dni[k] !== undefined && c.dni[k] !== null && c.dni[k] !== '' ? String(c.dni[k]) : '—');

const COLUMNS: Column<LogCall>[] = [
  {
    key: 'time',
    label: 'Time',
    render: (c) => (
      <Link href={`/calls/${c.id}`} aria-label={`Call ${c.id}, ${localTime(c.started_at_local)}`}>
        {localTime(c.started_at_local)}
      </Link>
    ),
  },
  { key: 'caller', label: 'Caller', render: (c) => (c.caller_withheld ? <span class="muted">Private</span> : phone(c.caller_number)) },
  { key: 'location', label: 'Caller location', render: (c) => c.caller_location ?? '—' },
  {
    key: 'tracking',
    label: 'Tracking number',
    render: (c) => (
      <span class="stack">
        <span>{phone(c.tracking_number)}</span>
        {c.tracking_name ? <span class="muted small">{c.tracking_name}</span> : null}
      </span>
    ),
  },
  { key: 'target', label: 'Answer point', render: (c) => (c.target_number ? `${c.target_name ? c.target_name + ' ' : ''}${phone(c.target_number)}` : '—') },
  { key: 'source', label: 'Source', render: (c) => dniText(c, 'source') },
  { key: 'medium', label: 'Medium', render: (c) => dniText(c, 'medium') },
  { key: 'campaign', label: 'Campaign', render: (c) => dniText(c, 'campaign') },
  { key: 'status', label: 'Status', render: (c) => <StatusBadge status={c.status} /> },
  { key: 'duration', label: 'Duration', numeric: true, render: (c) => duration(c.duration) },
  { key: 'talk', label: 'Talk time', numeric: true, render: (c) => duration(c.talk_duration) },
  { key: 'recording', label: 'Recording', render: (c) => (c.has_audio ? <span class="rec-icon" role="img" aria-label="Has a recording" title="Has a recording">●&#xFE0E; rec</span> : <span class="sr-only">No recording</span>) },
  { key: 'label', label: 'Label', render: (c) => (c.label ? <span class="label-chip">{c.label}</span> : '—') },
  { key: 'direction', label: 'Direction', render: (c) => (c.direction === 'call-out' ? 'Outbound' : 'Inbound') },
  { key: 'custom_group', label: 'Custom group', render: (c) => c.custom_group ?? '—' },
  { key: 'custom_id', label: 'Custom id', render: (c) => c.custom_id ?? '—' },
  { key: 'ivr', label: 'IVR keys', render: (c) => c.ivr ?? '—' },
  { key: 'test', label: 'Test call', render: (c) => (c.is_test ? 'Test' : '—') },
];

export const DEFAULT_COLUMNS = ['time', 'caller', 'tracking', 'source', 'status', 'duration', 'recording', 'label'];
const COLUMNS_KEY = 'tt.calls.columns';

function savedColumns(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(COLUMNS_KEY) ?? 'null');
    if (Array.isArray(v) && v.length && v.every((k) => COLUMNS.some((c) => c.key === k))) return v;
  } catch {
    /* storage unavailable or spoilt: the defaults */
  }
  return DEFAULT_COLUMNS;
}

function ColumnChooser(props: { chosen: string[]; onChange: (keys: string[]) => void }) {
  return (
    <details class="column-chooser">
      <summary class="btn plain">Columns</summary>
      <fieldset>
        <legend>Columns to show</legend>
        {COLUMNS.map((c) => (
          <CheckField
            key={c.key}
            label={c.label}
            checked={props.chosen.includes(c.key)}
            disabled={c.key === 'time'}
            onChecked={(on) => props.onChange(COLUMNS.map((x) => x.key).filter((k) => (k === c.key ? on : props.chosen.includes(k))))}
          />
        ))}
        <button type="button" class="btn plain small" onClick={() => props.onChange(DEFAULT_COLUMNS)}>
          Back to the default columns
        </button>
      </fieldset>
    </details>
  );
}

// ---- the page ------------------------------------------------------------------------------------------------------

export function CallsPage(props: PageProps) {
  const account = useSession().current_client_id;
  const q = queryObject(props.query);
  const applied: Filters = Object.fromEntries(FILTER_KEYS.filter((k) => q[k]).map((k) => [k, q[k]]));
  const limit = Math.min(1000, Math.max(1, Number(q.limit) || DEFAULT_LIMIT));
  const cursor = q.cursor;
  const back = q.back ? q.back.split('.') : [];
  const appliedKey = JSON.stringify(applied);

  const meta = useAsync(async (signal) => {
    const [cal, services] = await Promise.all([loadCalendar(signal), loadServices(signal).catch(() => [] as TrackingService[])]);
    return { cal, services };
  }, [account]);

  const list = useAsync(
    (signal) => api<{ calls: LogCall[]; next_cursor: string | null; timezone: string }>('/userapi/v1/calls', { query: { ...apiFilters(applied), limit, cursor }, signal }),
    // The account too: switching accounts keeps this page mounted.
    [appliedKey, limit, cursor, account],
  );

  const [draft, setDraft] = useState<Filters>(applied);
  useEffect(() => setDraft(applied), [appliedKey]);
  const set = (k: keyof Filters, v: string) => setDraft((d) => ({ ...d, [k]: v }));

  // Open on a wide screen; on a phone folded, so the calls come first.
  const [filtersOpen, setFiltersOpen] = useState(() => !window.matchMedia('(max-width: 760px)').matches);
  const [chosen, setChosen] = useState<string[]>(savedColumns);
  const chooseColumns = (keys: string[]) => {
    const k = keys.includes('time') ? keys : ['time', ...keys];
    setChosen(k);
    try {
      localStorage.setItem(COLUMNS_KEY, JSON.stringify(k));
    } catch {
      /* not kept: storage unavailable */
    }
  };
  const columns = useMemo(() => COLUMNS.filter((c) => chosen.includes(c.key)), [chosen]);

  const today = meta.data?.cal.today;
  const apply = (e?: Event) => {
    e?.preventDefault();
    const f: Filters = { ...draft };
    if (f.range && f.range !== 'custom' && today) {
      const r = presetRange(f.range, today);
      if (r) Object.assign(f, r);
    } else if (f.range === 'custom' || !f.range) delete f.range;
    const qs: Record<string, string | undefined> = { ...f };
    if (limit !== DEFAULT_LIMIT) qs.limit = String(limit);
    navigate(href('/calls', qs));
  };
  const clear = () => navigate(href('/calls', limit !== DEFAULT_LIMIT ? { limit } : {}));

  const pageQuery = (extra: Record<string, string | undefined>) => href('/calls', { ...applied, limit: limit !== DEFAULT_LIMIT ? limit : undefined, ...extra });
  const statuses = draft.status ? draft.status.split(',') : [];
  const services = meta.data?.services ?? [];
  const groups = [...new Set(services.map((s) => s.custom_group).filter((g): g is string => !!g))].sort();
  const filtered = Object.keys(applied).length > 0;
  const exportQuery = { ...apiFilters(applied), q: undefined };
  const searchIgnoredInExport = !!apiFilters(applied).q;

  const calls = list.data?.calls;
  return (
    <Page
      page="calls"
      title="Calls"
      state={pageState(list)}
      lead={list.data ? <>Newest first. Times in the account’s time zone ({list.data.timezone}).</> : undefined}
      actions={
        <a class="btn plain" href={withQuery('/webapi/v1/calls/export', exportQuery)} download title={searchIgnoredInExport ? 'The export takes the filters; the search words are not applied' : undefined}>
          Export CSV
        </a>
      }
    >
      <details class="filter-box" open={filtersOpen} onToggle={(e) => setFiltersOpen((e.target as HTMLDetailsElement).open)}>
        <summary>Search and filters</summary>
        <form class="filters call-filters" onSubmit={apply} aria-label="Filter calls">
          <TextField label="Search" type="search" value={draft.q ?? ''} onValue={(v) => set('q', v)} placeholder="Name, label, note or number" hint="Words over tracking name, label, notes and caller number" />
          <SelectField label="Date range" value={draft.range ?? (draft.from || draft.to ? 'custom' : '')} onValue={(v) => setDraft((d) => ({ ...d, range: v, ...(v && v !== 'custom' && today ? presetRange(v, today)! : v === '' ? { from: '', to: '' } : {}) }))} options={[['', 'Any time'], ['today', 'Today'], ...RANGE_PRESETS, ['custom', 'Custom dates']]} />
          <TextField label="From" type="date" value={draft.from ?? ''} onValue={(v) => setDraft((d) => ({ ...d, from: v, range: 'custom' }))} />
          <TextField label="To (included)" type="date" value={draft.to ?? ''} onValue={(v) => setDraft((d) => ({ ...d, to: v, range: 'custom' }))} />
          <SelectField label="Tracking number" value={draft.tracking_number ?? ''} onValue={(v) => set('tracking_number', v)} options={[['', 'All numbers'], ...services.map((s): [string, string] => [s.number, `${phone(s.number)}${s.name ? ` · ${s.name}` : ''}`]), ...(draft.tracking_number && !services.some((s) => s.number === draft.tracking_number) ? [[draft.tracking_number, phone(draft.tracking_number)] as [string, string]] : [])]} />
          <TextField label="Caller" value={draft.caller ?? ''} onValue={(v) => set('caller', v)} inputMode="tel" placeholder="Part of a number, or Private" />
          <TextField label="Custom group" value={draft.custom_group ?? ''} onValue={(v) => set('custom_group', v)} list="calls-groups" />
          <datalist id="calls-groups">
            {groups.map((g) => (
              <option key={g} value={g} />
            ))}
          </datalist>
          <SelectField label="Direction" value={draft.direction ?? ''} onValue={(v) => set('direction', v)} options={[['', 'Both'], ['call-in', 'Inbound'], ['call-out', 'Outbound']]} />
          <SelectField label="Recording" value={draft.has_audio ?? ''} onValue={(v) => set('has_audio', v)} options={[['', 'With or without'], ['true', 'With a recording'], ['false', 'Without a recording']]} />
          <fieldset class="status-choice">
            <legend>Status</legend>
            {CALL_STATUS_NAMES.map((s) => (
              <CheckField key={s} label={s} checked={statuses.includes(s)} onChecked={(on) => set('status', (on ? [...statuses, s] : statuses.filter((x) => x !== s)).join(','))} />
            ))}
          </fieldset>
          <div class="row filter-actions">
            <button type="submit" class="btn primary">
              Apply
            </button>
            {filtered ? (
              <button type="button" class="btn plain" onClick={clear}>
                Clear filters
              </button>
            ) : null}
          </div>
        </form>
      </details>

      <div class="row list-head">
        <p class="muted applied" role="status">
          {describe(applied)}
          {searchIgnoredInExport ? ' The CSV export takes the filters; the search words (and a partial caller) are not applied to it.' : ''}
        </p>
        <ColumnChooser chosen={chosen} onChange={chooseColumns} />
      </div>

      <ErrorBox error={list.error} />
      {!calls ? (
        list.error ? null : <Spinner label="Loading calls…" />
      ) : calls.length === 0 ? (
        filtered ? (
          <Empty title="No calls match these filters">
            <p>Widen the date range or clear a filter.</p>
          </Empty>
        ) : cursor ? (
          <Empty title="No older calls" />
        ) : (
          <Empty title="No calls yet">
            <p>
              Order a number under <Link href="/numbers">Numbers</Link> and place a test call to it: it shows here.
            </p>
          </Empty>
        )
      ) : (
        <div aria-busy={list.loading ? 'true' : 'false'}>
          <DataTable caption="Calls, newest first" columns={columns} rows={calls} rowKey={(c) => String(c.id)} rowClass={(c) => (ALERT_STATUSES.has(statusKey(c.status)) ? 'alert' : undefined)} />
        </div>
      )}

      <nav class="pager" aria-label="Pages of calls">
        {cursor ? (
          <>
            <Link class="btn plain" href={pageQuery({ cursor: back.length > 1 ? back[back.length - 1] : undefined, back: back.length > 1 ? back.slice(0, -1).join('.') : undefined })} rel="prev">
              ← Newer
            </Link>
            <Link class="btn plain" href={pageQuery({})}>
              Newest
            </Link>
          </>
        ) : null}
        {list.data?.next_cursor ? (
          <Link class="btn plain" href={pageQuery({ cursor: list.data.next_cursor, back: [...back, cursor ?? '0'].join('.') })} rel="next">
            Older →
          </Link>
        ) : null}
        <span class="muted small">{calls ? `${calls.length} call${calls.length === 1 ? '' : 's'} on this page` : ''}</span>
      </nav>

      <StatusLegend />
    </Page>
  );
}

/** The applied filters in words ("Showing calls from 1 Dec – 7 Dec 2026, status Missed"). */
function describe(f: Filters): string {
  const parts: string[] = [];
  if (f.from || f.to) parts.push(f.from && f.to ? dayRange(f.from, f.to) : f.from ? `from ${f.from}` : `until ${f.to}`);
  if (f.status) parts.push(`status ${f.status.split(',').join(' or ')}`);
  if (f.tracking_number) parts.push(`to ${phone(f.tracking_number)}`);
  if (f.caller) parts.push(`caller ${f.caller}`);
  if (f.custom_group) parts.push(`group ${f.custom_group}`);
  if (f.direction) parts.push(f.direction === 'call-out' ? 'outbound' : 'inbound');
  if (f.has_audio) parts.push(f.has_audio === 'true' ? 'with a recording' : 'without a recording');
  if (f.q) parts.push(`matching “${f.q}”`);
  return parts.length ? `Showing calls: ${parts.join(', ')}.` : 'Showing every call.';
}
