// Settings (/settings, tabs in `?tab=`): the account (GET/PATCH /userapi/v1/account: name, time zone, automatic test
// call; PATCH needs `account`) and its webhook signing secret (GET/POST /userapi/v1/account/webhook-secret,
// `integrations`); passwords and sessions: the password policy (GET/PUT /userapi/v1/password-policy, `account`), the
// user's own password (PUT /userapi/v1/me/password) and sessions (GET /userapi/v1/sessions, DELETE one); the audit
// log (GET /userapi/v1/audit, `audit`) keyset-paged with `cursor`; the call evaluation questions (GET/POST/PATCH/DELETE
// /userapi/v1/evaluation-questions, writes `settings`). Each tab is in its own file: settings-account.tsx,
// settings-evaluation.tsx, settings-security.tsx, settings-audit.tsx.
import { api } from '../lib/api.ts';
import { href, Link, queryObject } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { ErrorBox, Page, pageState, useAsync } from '../ui/kit.tsx';
import type { PageProps } from './routes.ts';
import { AccountForm, WebhookSecret, type Account } from './settings-account.tsx';
import { OwnPassword, PolicyForm, Sessions } from './settings-security.tsx';
import { Audit } from './settings-audit.tsx';
import { EvaluationQuestions } from './settings-evaluation.tsx';

const TABS: [string, string][] = [
  ['account', 'Account'],
  ['evaluation', 'Call evaluation'],
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
      {tab === 'evaluation' ? <EvaluationQuestions query={q} /> : null}
      {tab === 'audit' ? <Audit query={q} /> : null}
    </Page>
  );
}
