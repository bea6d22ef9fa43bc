// Settings (/settings, tabs in `?tab=`): the account (GET/PATCH /userapi/v1/account: name, time zone, automatic test
// call; PATCH needs `account`) and its webhook signing secret (GET/POST /userapi/v1/account/webhook-secret,
// `integrations`); passwords and sessions: the password policy (GET/PUT /userapi/v1/password-policy, `account`), the
// user's own password (PUT /userapi/v1/me/password) and sessions (GET /userapi/v1/sessions, DELETE one); the audit
// log (GET /userapi/v1/audit, `audit`) keyset-paged with `cursor`.
import { useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api.ts';
import { href, Link, queryObject, setQuery } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { CheckField, ConfirmDialog, DataTable, Empty, ErrorBox, Notice, Page, pageState, SelectField, Spinner, TextField, useAsync } from '../ui/kit.tsx';
import { CopyValue, Pager, utc } from '../ui/admin-kit.tsx';
import type { PageProps } from './routes.ts';

interface Account {
  client_id: number;
  name: string;
  timezone: string;
  auto_test_call: boolean;
  created_at: string;
}
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
interface AuditEntry {
  id: string;
  at: string;
  actor: { user_id: string | null; name: string; via: string; via_id: string | null; address: string | null };
  action: string;
  target: string | null;
  detail: Record<string, unknown> | null;
}

const TABS: [string, string][] = [
  ['account', 'Account'],
  ['security', 'Passwords and sessions'],
  ['audit', 'Audit log'],
];

export function SettingsPage(props: PageProps) {
  const s = useSession();
  const q = queryObject(props.query);
  const tabs = TABS.filter(([t]) => t !== 'audit' || s.can('audit'));
  const tab = tabs.some(([t]) => t === q.tab) ? q.tab : 'account';
  const account = useAsync(() => api<Account>('/userapi/v1/account'), [s.current_client_id]);
  return (
    <Page page="settings" title="Settings" state={pageState(account)}>
      <nav aria-label="Settings sections">
        <ul class="tabs">
          {tabs.map(([t, label]) => (
            <li key={t}>
              <Link href={href('/settings', { tab: t === 'account' ? undefined : t })} aria-current={t === tab ? 'page' : undefined}>
                {label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <ErrorBox error={account.error} />
      {tab === 'account' && account.data ? (
        <>
          <AccountForm account={account.data} onSaved={account.reload} />
          {s.can('integrations') ? <WebhookSecret /> : null}
        </>
      ) : null}
      {tab === 'security' ? (
        <>
          {s.can('account') ? <PolicyForm /> : null}
          <OwnPassword />
          <Sessions />
        </>
      ) : null}
      {tab === 'audit' ? <Audit query={q} /> : null}
    </Page>
  );
}

function zones(current: string): [string, string][] {
  let list: string[] = [];
  try {
    list = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  } catch {
    list = [];
  }
  if (!list.includes('UTC')) list = ['UTC', ...list];
  if (!list.includes(current)) list = [current, ...list];
  return list.map((z) => [z, z.replace(/_/g, ' ')]);
}

function AccountForm(props: { account: Account; onSaved: () => void }) {
  const s = useSession();
  const a = props.account;
  const can = s.can('account');
  const [name, setName] = useState(a.name);
  const [tz, setTz] = useState(a.timezone);
  const [auto, setAuto] = useState(a.auto_test_call);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const err = error instanceof ApiError ? error : null;
  return (
    <section aria-labelledby="account-h">
      <h2 id="account-h">Account {a.client_id}</h2>
      <form
        class="panel admin-form"
        aria-labelledby="account-h"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          setNotice(undefined);
          try {
            await api('/userapi/v1/account', { method: 'PATCH', body: { name: name.trim(), timezone: tz, auto_test_call: auto } });
            setNotice('Account saved.');
            props.onSaved();
            await s.refresh();
          } catch (x) {
            setError(x);
          } finally {
            setBusy(false);
          }
        }}
      >
        <TextField label="Account name" value={name} onValue={setName} required maxLength={200} disabled={!can} error={err?.field('name')} />
        <SelectField label="Time zone" value={tz} onValue={setTz} options={zones(a.timezone)} disabled={!can} error={err?.field('timezone')} hint="Reports, feeds, exports and the local times of HTTP Callbacks are in it; calls already recorded keep their zone." />
        <CheckField label="Place a test call when a service goes live" checked={auto} onChecked={setAuto} disabled={!can} />
        <p class="muted small">Created {utc(a.created_at)}.</p>
        <ErrorBox error={error} title="Not saved" />
        <Notice>{notice}</Notice>
        {can ? (
          <button type="submit" class="btn primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save account'}
          </button>
        ) : (
          <p class="muted small">Only an owner of the account changes these.</p>
        )}
      </form>
    </section>
  );
}

function WebhookSecret() {
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [rotating, setRotating] = useState(false);
  const [notice, setNotice] = useState<string | undefined>();
  return (
    <section class="panel secret-box" aria-labelledby="secret-h">
      <h2 id="secret-h">Webhook signing secret</h2>
      <p class="small">
        Signs the account’s HTTP Callbacks, SMS Forwards and request-status callbacks (Standard Webhooks: <code>webhook-id</code>, <code>webhook-timestamp</code>, <code>webhook-signature</code>). Event subscriptions have secrets of their own.
      </p>
      {secret ? <CopyValue label="Webhook signing secret" value={secret} /> : null}
      <Notice>{notice}</Notice>
      <ErrorBox error={error} />
      <div class="row">
        {secret ? (
          <button type="button" class="btn plain" onClick={() => setSecret(null)}>
            Hide secret
          </button>
        ) : (
          <button
            type="button"
            class="btn plain"
            onClick={async () => {
              setError(null);
              try {
                setSecret((await api<{ webhook_secret: string }>('/userapi/v1/account/webhook-secret')).webhook_secret);
              } catch (x) {
                setError(x);
              }
            }}
          >
            Show secret
          </button>
        )}
        <button type="button" class="btn danger" onClick={() => setRotating(true)}>
          Rotate secret
        </button>
      </div>
      <ConfirmDialog
        open={rotating}
        title="Rotate the webhook signing secret?"
        confirmText="Rotate now"
        danger
        onClose={() => setRotating(false)}
        onConfirm={async () => {
          const r = await api<{ webhook_secret: string }>('/userapi/v1/account/webhook-secret', { method: 'POST' });
          setSecret(r.webhook_secret);
          setNotice('Rotated: give the new secret to every receiver now.');
        }}
      >
        <p>The old secret stops working at once: every delivery from now on (retries too) is signed with the new one, so receivers reject them until they are given it.</p>
      </ConfirmDialog>
    </section>
  );
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

function PolicyForm() {
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

function OwnPassword() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const err = error instanceof ApiError ? error : null;
  return (
    <section aria-labelledby="own-h">
      <h2 id="own-h">Your password</h2>
      <form
        class="panel admin-form"
        aria-labelledby="own-h"
        onSubmit={async (e) => {
          e.preventDefault();
          setNotice(undefined);
          if (next !== again) {
            setError(new ApiError(400, 'mismatch', 'The two new passwords differ.', [{ path: 'again', message: 'type the same new password twice' }]));
            return;
          }
          setBusy(true);
          setError(null);
          try {
            await api('/userapi/v1/me/password', { method: 'PUT', body: { current_password: current, new_password: next } });
            setCurrent('');
            setNext('');
            setAgain('');
            setNotice('Password changed. Your other sessions have ended.');
          } catch (x) {
            setError(x);
          } finally {
            setBusy(false);
          }
        }}
      >
        <TextField label="Current password" type="password" autoComplete="current-password" value={current} onValue={setCurrent} required error={err?.field('current_password')} />
        <TextField label="New password" type="password" autoComplete="new-password" value={next} onValue={setNext} required error={err?.field('new_password')} />
        <TextField label="New password again" type="password" autoComplete="new-password" value={again} onValue={setAgain} required error={err?.field('again')} />
        <ErrorBox error={error} title="Password not changed" />
        <Notice>{notice}</Notice>
        <button type="submit" class="btn primary" disabled={busy}>
          {busy ? 'Saving…' : 'Change password'}
        </button>
      </form>
    </section>
  );
}

function Sessions() {
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

function Audit(props: { query: Record<string, string> }) {
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
