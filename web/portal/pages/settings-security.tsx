// Settings, Passwords and sessions tab: the password policy (GET/PUT /userapi/v1/password-policy, `account`), the
// user's own password (PUT /userapi/v1/me/password) and sessions (GET /userapi/v1/sessions, DELETE one).
import { useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api.ts';
import { ConfirmDialog, DataTable, Empty, ErrorBox, Notice, Spinner, TextField, useAsync } from '../ui/kit.tsx';
import { utc } from '../ui/admin-kit.tsx';
import { PasswordChangeForm } from '../ui/password-form.tsx';

interface Policy {
  min_length: number;
  min_classes: number;
  expiry_days: number;
  history: number;
  lockout_attempts: number;
  lockout_minutes: number;
  inactive_days: number;
  updated_at: string | null;
}
interface SessionItem {
  id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  address: string | null;
  user_agent: string | null;
  current: boolean;
}

const POLICY_FIELDS: [keyof Policy, string, number, number, string][] = [
  ['min_length', 'Minimum length', 8, 128, 'characters'],
  ['min_classes', 'Character classes needed', 1, 4, 'of lower case, upper case, digits, other'],
  ['history', 'Not one of the last', 0, 24, 'passwords (0: no history check)'],
  ['expiry_days', 'Expires after', 0, 3650, 'days (0: never)'],
  ['lockout_attempts', 'Lock out after', 0, 100, 'failed sign-ins in a row (0: no lockout)'],
  ['lockout_minutes', 'Lockout lasts', 1, 1440, 'minutes'],
  ['inactive_days', 'Lock unused users after', 0, 3650, 'days without a sign-in (0: never)'],
];

export function PolicyForm() {
  const policy = useAsync(() => api<Policy>('/userapi/v1/password-policy'), []);
  return (
    <section aria-labelledby="policy-h">
      <h2 id="policy-h">Password policy</h2>
      <ErrorBox error={policy.error} />
      {policy.data ? <PolicyEditor policy={policy.data} onSaved={policy.reload} /> : policy.loading ? <Spinner label="Loading the password policy…" /> : null}
    </section>
  );
}

function PolicyEditor(props: { policy: Policy; onSaved: () => void }) {
  const [values, setValues] = useState<Record<string, string>>(Object.fromEntries(POLICY_FIELDS.map(([k]) => [k, String(props.policy[k])])));
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const err = error instanceof ApiError ? error : null;
  return (
    <form
      class="panel admin-form"
      aria-labelledby="policy-h"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        setNotice(undefined);
        try {
          await api('/userapi/v1/password-policy', { method: 'PUT', body: Object.fromEntries(POLICY_FIELDS.map(([k]) => [k, Number(values[k])])) });
          setNotice('Password policy saved. Length, classes and history apply to passwords set from now on; expiry and lockouts at the next sign-in.');
          props.onSaved();
        } catch (x) {
          setError(x);
        } finally {
          setBusy(false);
        }
      }}
    >
      <p class="muted small">{props.policy.updated_at ? `Last changed ${utc(props.policy.updated_at)}.` : 'The defaults: never changed.'} A user in several accounts is held to the strictest of their policies.</p>
      <div class="grid">
        {POLICY_FIELDS.map(([k, label, min, max, unit]) => (
          <TextField key={k} label={label} type="number" min={min} max={max} value={values[k]} onValue={(v) => setValues({ ...values, [k]: v })} hint={unit} error={err?.field(k)} required />
        ))}
      </div>
      <ErrorBox error={error} title="Policy not saved" />
      <Notice>{notice}</Notice>
      <button type="submit" class="btn primary" disabled={busy}>
        {busy ? 'Saving…' : 'Save password policy'}
      </button>
    </form>
  );
}

export function OwnPassword() {
  const [notice, setNotice] = useState<string | undefined>();
  return (
    <section aria-labelledby="own-h">
      <h2 id="own-h">Your password</h2>
      <PasswordChangeForm formClass="panel admin-form" labelledBy="own-h" onChanged={() => setNotice('Password changed. Your other sessions have ended.')}>
        <Notice>{notice}</Notice>
      </PasswordChangeForm>
    </section>
  );
}

export function Sessions() {
  const list = useAsync(() => api<{ sessions: SessionItem[] }>('/userapi/v1/sessions'), []);
  const [ending, setEnding] = useState<SessionItem | null>(null);
  const rows = list.data?.sessions ?? [];
  return (
    <section aria-labelledby="sessions-h">
      <h2 id="sessions-h">Your sessions</h2>
      <ErrorBox error={list.error} />
      {!list.data && list.loading ? <Spinner label="Loading your sessions…" /> : null}
      {list.data && rows.length === 0 ? <Empty title="No sessions">You signed in some other way (HTTP Basic or an API key).</Empty> : null}
      {rows.length ? (
        <DataTable
          caption="Your sessions"
          rowKey={(r) => r.id}
          rows={rows}
          columns={[
            { key: 'where', label: 'Browser', render: (r) => <span class="small">{r.user_agent ? r.user_agent.slice(0, 80) : 'unknown'}</span> },
            { key: 'addr', label: 'Address', render: (r) => r.address ?? '—' },
            { key: 'since', label: 'Signed in', render: (r) => utc(r.created_at) },
            { key: 'seen', label: 'Last seen', render: (r) => utc(r.last_seen_at) },
            {
              key: 'act',
              label: 'Actions',
              render: (r) =>
                r.current ? (
                  <span class="badge info">this session</span>
                ) : (
                  <button type="button" class="btn plain small" onClick={() => setEnding(r)}>
                    End session
                  </button>
                ),
            },
          ]}
        />
      ) : null}
      <ConfirmDialog
        open={!!ending}
        title="End this session?"
        confirmText="End session"
        danger
        onClose={() => setEnding(null)}
        onConfirm={async () => {
          await api(`/userapi/v1/sessions/${encodeURIComponent(ending!.id)}`, { method: 'DELETE' });
          list.reload();
        }}
      >
        <p>That browser is signed out at once.</p>
      </ConfirmDialog>
    </section>
  );
}
