// Users and roles (/users, permission `users`): the account's users (GET /userapi/v1/users) with status, role and last
// sign-in; invite one (POST: the invitation token shown once), change a role (PUT …/role), disable / enable, reset a
// password (the temporary password shown once), remove (DELETE). The role matrix from the domain's ROLE_PERMISSIONS.
// API keys (GET/POST/DELETE /userapi/v1/api-keys, permission `integrations`) below: users-api-keys.tsx; the role
// names and matrix: users-roles.tsx.
import { useState } from 'preact/hooks';
import type { Role } from '../../../src/domain/accounts/roles.ts';
import { api, ApiError } from '../lib/api.ts';
import { useSession } from '../lib/session.tsx';
import { ConfirmDialog, DataTable, Empty, ErrorBox, Notice, Page, pageState, SelectField, TextField, useAsync } from '../ui/kit.tsx';
import { ShownOnce, utc } from '../ui/admin-kit.tsx';
import type { PageProps } from './routes.ts';
import { grantable, RoleMatrix, ROLE_TEXT } from './users-roles.tsx';
import { ApiKeys } from './users-api-keys.tsx';

interface User {
  id: string;
  username: string;
  email: string | null;
  role: Role;
  status: 'active' | 'disabled' | 'invited' | 'locked';
  password_change_required: boolean;
  last_login_at: string | null;
  created_at: string;
}

const STATUS_TONE: Record<User['status'], string> = { active: 'ok', disabled: 'neutral', invited: 'info', locked: 'warn' };

type Pending = { kind: 'remove' | 'disable' | 'reset'; user: User } | null;

export function UsersPage(_props: PageProps) {
  const s = useSession();
  const users = useAsync(() => api<{ users: User[] }>('/userapi/v1/users'), []);
  const [notice, setNotice] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [shown, setShown] = useState<{ title: string; value: string; note: string } | null>(null);
  const [pending, setPending] = useState<Pending>(null);
  const mine = s.account?.role;
  const roles = grantable(mine);
  const list = users.data?.users ?? [];

  const act = async (what: () => Promise<unknown>, done: string) => {
    setError(null);
    try {
      await what();
      setNotice(done);
      users.reload();
    } catch (x) {
      setError(x);
    }
  };

  return (
    <Page page="users" title="Users and roles" state={pageState(users)} lead="Who can sign in to this account and what their role lets them do. Everyone signs in with their own user name; an API key acts for an integration.">
      <Notice>{notice}</Notice>
      <ErrorBox error={error} />
      {shown ? (
        <ShownOnce title={shown.title} value={shown.value} onDismiss={() => setShown(null)}>
          <p class="small">{shown.note}</p>
        </ShownOnce>
      ) : null}
      <InviteForm
        roles={roles}
        onDone={(r) => {
          setNotice(`${r.user.username} added as ${ROLE_TEXT[r.user.role]}.`);
          if (r.invitation)
            setShown({
              title: `Invitation for ${r.user.username}`,
              value: `${window.location.origin}/invite?token=${encodeURIComponent(r.invitation.token)}`,
              note: `Send this link to ${r.user.username}: they open it, choose their password, then sign in (an integration can post the token to POST /userapi/v1/invitations/accept instead). It works once, until ${utc(r.invitation.expires_at)}.`,
            });
          users.reload();
        }}
      />
      <ErrorBox error={users.error} />
      <h2>Users</h2>
      {users.data && list.length === 0 ? <Empty title="No users">Invite the first one above.</Empty> : null}
      {list.length ? (
        <DataTable
          caption="Users of the account"
          rowKey={(u) => u.id}
          rows={list}
          columns={[
            {
              key: 'user',
              label: 'User',
              render: (u) => (
                <>
                  <strong>{u.username}</strong>
                  {u.id === s.user.id ? <span class="muted"> (you)</span> : null}
                  {u.email ? <div class="muted small">{u.email}</div> : null}
                </>
              ),
            },
            {
              key: 'status',
              label: 'Status',
              render: (u) => (
                <>
                  <span class={`badge ${STATUS_TONE[u.status]}`}>{u.status}</span>
                  {u.password_change_required ? <div class="muted small">must change password</div> : null}
                </>
              ),
            },
            {
              key: 'role',
              label: 'Role',
              render: (u) =>
                u.id === s.user.id || !roles.some(([r]) => r === u.role) ? (
                  ROLE_TEXT[u.role]
                ) : (
                  <RolePicker user={u} roles={roles} onChange={(v) => act(() => api(`/userapi/v1/users/${encodeURIComponent(u.id)}/role`, { method: 'PUT', body: { role: v } }), `${u.username} is now ${ROLE_TEXT[v]}.`)} />
                ),
            },
            { key: 'last', label: 'Last sign-in', render: (u) => (u.last_login_at ? utc(u.last_login_at) : 'never') },
            {
              key: 'actions',
              label: 'Actions',
              render: (u) =>
                u.id === s.user.id ? (
                  <span class="muted small">change your own password under Settings</span>
                ) : (
                  <div class="cell-actions">
                    {u.status === 'disabled' || u.status === 'locked' ? (
                      <button type="button" class="btn plain small" onClick={() => act(() => api(`/userapi/v1/users/${encodeURIComponent(u.id)}/enable`, { method: 'POST' }), `${u.username} enabled.`)}>
                        Enable
                      </button>
                    ) : (
                      <button type="button" class="btn plain small" onClick={() => setPending({ kind: 'disable', user: u })}>
                        Disable
                      </button>
                    )}
                    <button type="button" class="btn plain small" onClick={() => setPending({ kind: 'reset', user: u })}>
                      Reset password
                    </button>
                    <button type="button" class="btn danger small" onClick={() => setPending({ kind: 'remove', user: u })}>
                      Remove
                    </button>
                  </div>
                ),
            },
          ]}
        />
      ) : null}
      <ConfirmDialog
        open={!!pending}
        title={pending?.kind === 'remove' ? `Remove ${pending.user.username}?` : pending?.kind === 'disable' ? `Disable ${pending?.user.username}?` : `Reset the password of ${pending?.user.username}?`}
        confirmText={pending?.kind === 'remove' ? 'Remove user' : pending?.kind === 'disable' ? 'Disable user' : 'Reset password'}
        danger={pending?.kind !== 'reset'}
        onClose={() => setPending(null)}
        onConfirm={async () => {
          const u = pending!.user;
          const path = `/userapi/v1/users/${encodeURIComponent(u.id)}`;
          if (pending!.kind === 'remove') {
            await api(path, { method: 'DELETE' });
            setNotice(`${u.username} removed from the account.`);
          } else if (pending!.kind === 'disable') {
            await api(`${path}/disable`, { method: 'POST' });
            setNotice(`${u.username} disabled: their requests to this account are refused from now on.`);
          } else {
            const r = await api<{ temporary_password: string }>(`${path}/password-reset`, { method: 'POST' });
            setShown({ title: `Temporary password for ${u.username}`, value: r.temporary_password, note: 'They must choose a new password when they next sign in. Their sessions have ended.' });
            setNotice(`Password of ${u.username} reset.`);
          }
          users.reload();
        }}
      >
        <p>
          {pending?.kind === 'remove'
            ? 'They lose access to this account at once (a user left without any account is deleted). Their past changes stay in the audit log.'
            : pending?.kind === 'disable'
              ? 'They keep their other accounts but can no longer reach this one until enabled again.'
              : 'A temporary password is set and shown once; their sessions end and any lockout is lifted.'}
        </p>
      </ConfirmDialog>
      <RoleMatrix />
      {s.can('integrations') ? <ApiKeys roles={roles} /> : null}
    </Page>
  );
}

/** A role select with its own button, so moving through the options with the keyboard changes nothing yet. */
function RolePicker(props: { user: User; roles: [string, string][]; onChange: (role: Role) => Promise<void> }) {
  const [role, setRole] = useState<string>(props.user.role);
  const [busy, setBusy] = useState(false);
  return (
    <div class="row">
      <SelectField label={`Role of ${props.user.username}`} value={role} options={props.roles} onValue={setRole} />
      {role !== props.user.role ? (
        <button
          type="button"
          class="btn primary small"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            try {
              await props.onChange(role as Role);
            } finally {
              setBusy(false);
            }
          }}
        >
          {busy ? 'Changing…' : 'Change role'}
        </button>
      ) : null}
    </div>
  );
}

function InviteForm(props: { roles: [string, string][]; onDone: (r: { user: User; invitation: { token: string; expires_at: string } | null }) => void }) {
  const [open, setOpen] = useState(false);
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('read_only');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const err = error instanceof ApiError ? error : null;
  if (!open)
    return (
      <p>
        <button type="button" class="btn primary" onClick={() => setOpen(true)}>
          Invite a user
        </button>
      </p>
    );
  return (
    <form
      class="panel admin-form"
      aria-labelledby="invite-h"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          const r = await api<{ user: User; invitation: { token: string; expires_at: string } | null }>('/userapi/v1/users', { method: 'POST', body: { username: username.trim(), ...(email.trim() ? { email: email.trim() } : {}), role } });
          setUsername('');
          setEmail('');
          setOpen(false);
          props.onDone(r);
        } catch (x) {
          setError(x);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2 id="invite-h">Invite a user</h2>
      <TextField label="User name" value={username} onValue={setUsername} required maxLength={100} autoComplete="off" hint="Letters, digits and . _ @ + -" error={err?.field('username')} />
      <TextField label="Email (optional)" type="email" value={email} onValue={setEmail} maxLength={254} error={err?.field('email')} />
      <SelectField label="Role" value={role} onValue={setRole} options={props.roles} error={err?.field('role')} hint="See what each role may do below." />
      <ErrorBox error={error} title="Not invited" />
      <div class="form-actions">
        <button type="submit" class="btn primary" disabled={busy}>
          {busy ? 'Inviting…' : 'Create invitation'}
        </button>
        <button type="button" class="btn plain" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
