// The portal's entry: reads the session, then shows the sign-in page or the page the path names.
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import './styles.css';
import { api, whenUnauthorized } from './lib/api.ts';
import { href, Link, match, navigate, Redirect, useLocation } from './lib/router.tsx';
import { loadSession, rememberCsrf, roleCan, SessionContext, type Session, type SessionState } from './lib/session.tsx';
import { Layout } from './layout.tsx';
import { LoginPage, PasswordChange } from './pages/login.tsx';
import { InvitePage } from './pages/invite.tsx';
import { PAGES } from './pages/routes.ts';
import { ErrorBox, Page, Spinner } from './ui/kit.tsx';

function App() {
  const loc = useLocation();
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [bootError, setBootError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | undefined>();

  const refresh = async () => {
    try {
      const s = await loadSession();
      // An agency user with several accounts and none chosen acts on the first until they switch.
      if (s && s.current_client_id === null && s.accounts.length) {
        await api('/userapi/v1/session/account', { method: 'PUT', body: { client_id: s.accounts[0].client_id } });
        s.current_client_id = s.accounts[0].client_id;
      }
      setSession(s);
      setBootError(null);
    } catch (err) {
      setBootError(err);
    }
  };

  useEffect(() => {
    whenUnauthorized(() => {
      setNotice('Your session ended: sign in again.');
      setSession(null);
    });
    refresh();
  }, []);

  const state = useMemo<SessionState | null>(() => {
    if (!session) return null;
    const account = session.accounts.find((a) => a.client_id === session.current_client_id) ?? null;
    return {
      ...session,
      account,
      can: (p) => roleCan(account?.role, p),
      refresh,
      signOut: async () => {
        try {
          await api('/userapi/v1/session', { method: 'DELETE' });
        } catch {
          /* the session may be gone already */
        }
        rememberCsrf(null);
        setNotice('You are signed out.');
        setSession(null);
        navigate('/login', { replace: true });
      },
      switchAccount: async (clientId: number) => {
        await api('/userapi/v1/session/account', { method: 'PUT', body: { client_id: clientId } });
        setSession({ ...session, current_client_id: clientId });
        navigate(loc.path.startsWith('/calls/') ? '/calls' : loc.path);
      },
    };
  }, [session]);

  if (bootError)
    return (
      <main id="main" class="login" data-page="boot" data-state="error">
        <div class="login-card">
          <h1>Telltale did not answer</h1>
          <ErrorBox error={bootError} />
          <button class="btn primary" type="button" onClick={refresh}>
            Try again
          </button>
        </div>
      </main>
    );
  // An invitation link works whoever is signed in on this browser (it sets another user's password).
  if (loc.path === '/invite') return <InvitePage token={loc.query.get('token') ?? ''} />;
  if (session === undefined) return <Spinner label="Loading Telltale…" />;
  if (session === null) {
    // Signed out (or never signed in) on a page: the sign-in page, then back to that page.
    if (loc.path !== '/login') {
      return <Redirect to={loc.path === '/' ? '/login' : href('/login', { next: loc.path + loc.query.toString().replace(/^(?=.)/, '?') })} />;
    }
    return (
      <LoginPage
        notice={notice}
        onSignedIn={async () => {
          setNotice(undefined);
          await refresh();
        }}
      />
    );
  }
  if (session.password_change_required) return <PasswordChange reason="Your password has expired or was reset: choose a new one to go on." onDone={refresh} />;
  if (loc.path === '/login') {
    // Signed in: on to the page the sign-in was asked for (a path of this site only), or the dashboard.
    const next = loc.query.get('next');
    return <Redirect to={next && next.startsWith('/') && !next.startsWith('//') ? next : '/'} />;
  }

  let body = null;
  for (const p of PAGES) {
    const params = match(p.pattern, loc.path);
    if (!params) continue;
    const C = p.component;
    body = state!.can(p.permission) ? (
      <C params={params} query={loc.query} />
    ) : (
      <Page page="forbidden" title="Not available to your role" state="ready">
        <p>Your role in this account ({state!.account?.role.replace('_', ' ')}) does not include this page. An owner or admin of the account can change your role.</p>
      </Page>
    );
    break;
  }
  if (!body)
    body = (
      <Page page="not-found" title="No such page" state="ready">
        <p>
          Nothing lives at <code>{loc.path}</code>. <Link href="/">Go to the dashboard</Link>.
        </p>
      </Page>
    );
  return (
    <SessionContext.Provider value={state}>
      <Layout>{body}</Layout>
    </SessionContext.Provider>
  );
}

const root = document.getElementById('root')!;
root.textContent = '';
render(<App />, root);
