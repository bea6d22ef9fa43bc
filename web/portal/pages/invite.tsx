// Accept an invitation (/invite?token=…, the link an admin sends from Users): choose a password under the account's
// policy (POST /userapi/v1/invitations/accept), then sign in.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api.ts';
import { navigate } from '../lib/router.tsx';
import { ErrorBox, TextField } from '../ui/kit.tsx';

export function InvitePage(props: { token: string }) {
  const [token, setToken] = useState(props.token);
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => {
    document.title = 'Accept an invitation · Telltale';
  }, []);
  const err = error instanceof ApiError ? error : null;
  return (
    <main id="main" class="login" data-page="invite" data-state="ready">
      <div class="login-card">
        <h1>Welcome to Telltale</h1>
        {done ? (
          <>
            <p class="notice ok" role="status">
              Your password is set, {done}. Sign in with it now.
            </p>
            <button class="btn primary wide" type="button" onClick={() => navigate('/login', { replace: true })}>
              Go to sign-in
            </button>
          </>
        ) : (
          <form
            onSubmit={async (e) => {
              e.preventDefault();
              if (password !== again) {
                setError(new ApiError(400, 'mismatch', 'The two passwords differ.', [{ path: 'again', message: 'type the same password twice' }]));
                return;
              }
              setBusy(true);
              setError(null);
              try {
                const r = await api<{ username: string }>('/userapi/v1/invitations/accept', { method: 'POST', body: { token: token.trim(), password }, quiet401: true });
                setDone(r.username);
              } catch (x) {
                setError(x);
              } finally {
                setBusy(false);
              }
            }}
          >
            <p class="muted">Choose the password you will sign in with. Your account's password policy applies.</p>
            {props.token ? null : <TextField label="Invitation token" value={token} onValue={setToken} required autoComplete="off" error={err?.field('token')} />}
            <TextField label="Password" type="password" autoComplete="new-password" value={password} onValue={setPassword} required error={err?.field('password')} />
            <TextField label="Password again" type="password" autoComplete="new-password" value={again} onValue={setAgain} required error={err?.field('again')} />
            <ErrorBox error={error} title="Invitation not accepted" />
            <button class="btn primary wide" type="submit" disabled={busy}>
              {busy ? 'Saving…' : 'Set my password'}
            </button>
          </form>
        )}
      </div>
    </main>
  );
}
