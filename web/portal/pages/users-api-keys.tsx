// Users and roles, API keys (GET/POST/DELETE /userapi/v1/api-keys, permission `integrations`): create one with a
// name and a role (the key shown once), the list with prefix, creator and last use, revoke one.
import { useState } from 'preact/hooks';
import type { Role } from '../../../src/domain/accounts/roles.ts';
import { api, ApiError } from '../lib/api.ts';
import { ConfirmDialog, DataTable, Empty, ErrorBox, SelectField, TextField, useAsync } from '../ui/kit.tsx';
import { ShownOnce, utc } from '../ui/admin-kit.tsx';
import { ROLE_TEXT } from './users-roles.tsx';

interface ApiKey {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  created_by: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export function ApiKeys(props: { roles: [string, string][] }) {
  const keys = useAsync(() => api<{ api_keys: ApiKey[] }>('/userapi/v1/api-keys'), []);
  const [name, setName] = useState('');
  const [role, setRole] = useState('read_only');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const err = error instanceof ApiError ? error : null;
  const list = keys.data?.api_keys ?? [];
  return (
    <section aria-labelledby="keys-h">
      <h2 id="keys-h">API keys</h2>
      <p class="muted small">
        An API key acts on this account alone with its role: send it as <code>Authorization: Bearer &lt;key&gt;</code> on any API.
      </p>
      {created ? (
        <ShownOnce title={`API key “${created.name}”`} value={created.key} onDismiss={() => setCreated(null)} />
      ) : null}
      <form
        class="filters"
        aria-label="New API key"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            const k = await api<ApiKey & { key: string }>('/userapi/v1/api-keys', { method: 'POST', body: { name: name.trim(), role } });
            setCreated({ name: k.name, key: k.key });
            setName('');
            keys.reload();
          } catch (x) {
            setError(x);
          } finally {
            setBusy(false);
          }
        }}
      >
        <TextField label="Key name" value={name} onValue={setName} required maxLength={100} placeholder="CRM sync" error={err?.field('name')} />
        <SelectField label="Key role" value={role} onValue={setRole} options={props.roles} error={err?.field('role')} />
        <div class="field">
          <button type="submit" class="btn primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create API key'}
          </button>
        </div>
      </form>
      <ErrorBox error={error ?? keys.error} />
      {keys.data && list.length === 0 ? <Empty title="No API keys yet">Create one for each integration, with the smallest role it needs.</Empty> : null}
      {list.length ? (
        <DataTable
          caption="API keys"
          rowKey={(k) => k.id}
          rows={list}
          columns={[
            { key: 'name', label: 'Name', render: (k) => <strong>{k.name}</strong> },
            { key: 'prefix', label: 'Starts with', render: (k) => <code>{k.prefix}…</code> },
            { key: 'role', label: 'Role', render: (k) => ROLE_TEXT[k.role] },
            { key: 'created', label: 'Created', render: (k) => `${utc(k.created_at)} by ${k.created_by}` },
            { key: 'used', label: 'Last used', render: (k) => (k.last_used_at ? utc(k.last_used_at) : 'never') },
            {
              key: 'state',
              label: 'State',
              render: (k) =>
                k.revoked_at ? (
                  <span class="badge neutral">revoked {utc(k.revoked_at)}</span>
                ) : (
                  <button type="button" class="btn danger small" onClick={() => setRevoking(k)} aria-label={`Revoke API key ${k.name}`}>
                    Revoke
                  </button>
                ),
            },
          ]}
        />
      ) : null}
      <ConfirmDialog
        open={!!revoking}
        title={`Revoke the API key “${revoking?.name}”?`}
        confirmText="Revoke key"
        danger
        onClose={() => setRevoking(null)}
        onConfirm={async () => {
          await api(`/userapi/v1/api-keys/${encodeURIComponent(revoking!.id)}`, { method: 'DELETE' });
          keys.reload();
        }}
      >
        <p>Requests with it are refused (401) from now on. This cannot be undone: create a new key if the integration needs one.</p>
      </ConfirmDialog>
    </section>
  );
}
