// Settings, Audit log tab (permission `audit`): GET /userapi/v1/audit, filtered by action and keyset-paged with
// `cursor` (both in the URL).
import { useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { setQuery } from '../lib/router.tsx';
import { DataTable, Empty, ErrorBox, Spinner, TextField, useAsync } from '../ui/kit.tsx';
import { Pager, utc } from '../ui/admin-kit.tsx';

interface AuditEntry {
  id: string;
  at: string;
  actor: { user_id: string | null; name: string; via: string; via_id: string | null; address: string | null };
  action: string;
  target: string | null;
  detail: Record<string, unknown> | null;
}

export function Audit(props: { query: Record<string, string> }) {
  const q = props.query;
  const list = useAsync(() => api<{ entries: AuditEntry[]; next_cursor: string | null }>('/userapi/v1/audit', { query: { cursor: q.cursor, action: q.action, limit: 50 } }), [q.cursor, q.action]);
  const [action, setAction] = useState(q.action ?? '');
  const rows = list.data?.entries ?? [];
  return (
    <section aria-labelledby="audit-h">
      <h2 id="audit-h">Audit log</h2>
      <form
        class="filters"
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ tab: 'audit', action: action.trim() || undefined });
        }}
      >
        <TextField label="Action" value={action} onValue={setAction} placeholder="user.role" maxLength={60} />
        <div class="field">
          <button type="submit" class="btn plain">
            Filter
          </button>
        </div>
      </form>
      <ErrorBox error={list.error} />
      {!list.data && list.loading ? <Spinner label="Loading the audit log…" /> : null}
      {list.data && rows.length === 0 ? <Empty title="Nothing recorded">{q.action ? 'No entries with this action: clear the filter.' : 'Changes to users, keys, settings and numbers show here.'}</Empty> : null}
      {rows.length ? (
        <DataTable
          caption="Audit log, newest first"
          rowKey={(r) => r.id}
          rows={rows}
          columns={[
            { key: 'at', label: 'When', render: (r) => utc(r.at) },
            { key: 'who', label: 'Who', render: (r) => `${r.actor.name} (${r.actor.via.replace('_', ' ')})${r.actor.address ? ` from ${r.actor.address}` : ''}` },
            { key: 'action', label: 'Action', render: (r) => <code>{r.action}</code> },
            { key: 'target', label: 'Target', render: (r) => r.target ?? '—' },
            { key: 'detail', label: 'Detail', render: (r) => (r.detail ? <span class="audit-detail small">{detailText(r.detail)}</span> : '—') },
          ]}
        />
      ) : null}
      <Pager label="Audit log pages" cursor={q.cursor} next={list.data?.next_cursor} onPage={(c) => setQuery({ ...q, tab: 'audit', cursor: c ?? undefined }, { push: true })} />
    </section>
  );
}

/** {from: "A", to: "B", name: "x"} → "from: A; to: B; name: x" (nested values as JSON), cut at 300 characters. */
function detailText(d: Record<string, unknown>): string {
  const text = Object.entries(d)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('; ');
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}
