// Sign in (POST /userapi/v1/session): the password policy's answers in words — wrong password, locked out (and
// until when), throttled, expired password (changed here before going on).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api.ts';
import { rememberCsrf } from '../lib/session.tsx';
import { ErrorBox, TextField } from '../ui/kit.tsx';
import { PasswordChangeForm } from '../ui/password-form.tsx';

function signInMessage(err: unknown): unknown {
  if (!(err instanceof ApiError)) return err;
  if (err.status === 401) return new ApiError(401, err.code, 'The username or password is not right. Check both and try again; after several failures in a row the account is locked for a while.');
  if (err.status === 423) {
    // "… locked out until 2026-12-02T07:11:02.678Z": the time in the reader's own clock.
    const reason = err.detail.replace(/^.*?:\s*/, '').replace(/\d{4}-\d{2}-\d{2}T[\d:.]+Z/, (iso) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }));
    return new ApiError(423, err.code, `Locked out: ${reason}. Ask an admin of your account if you need in sooner.`);
  }
  if (err.status === 429) return new ApiError(429, err.code, `Too many attempts from here: wait ${err.retryAfter ?? 'a few'} seconds and try again.`);
  return err;
}

export function LoginPage(props: { onSignedIn: () => void; notice?: string }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [mustChange, setMustChange] = useState(false);
  const h1 = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = 'Sign in · Telltale';
  }, []);

  if (mustChange) return <PasswordChange reason="Your password has expired or was reset: choose a new one to go on." onDone={props.onSignedIn} />;

  return (
    <main id="main" class="login" data-page="login" data-state="ready">
      <div class="login-card">
        <h1 ref={h1}>
          <span class="brand-mark" aria-hidden="true">◉</span> Telltale
        </h1>
        <p class="muted">Sign in to see your calls.</p>
        {props.notice ? (
          <p class="notice info" role="status">
            {props.notice}
          </p>
        ) : null}
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            setBusy(true);
            setError(null);
            try {
              const s = await api<{ csrf_token: string; password_change_required: boolean }>('/userapi/v1/session', { method: 'POST', body: { username, password }, quiet401: true });
              rememberCsrf(s.csrf_token);
              if (s.password_change_required) setMustChange(true);
              else props.onSignedIn();
            } catch (err) {
              setError(signInMessage(err));
            } finally {
              setBusy(false);
            }
          }}
        >
          <TextField label="Username" name="username" autoComplete="username" value={username} onValue={setUsername} required autoFocus />
          <TextField label="Password" name="password" type="password" autoComplete="current-password" value={password} onValue={setPassword} required />
          <ErrorBox error={error} title="Not signed in" />
          <button class="btn primary wide" type="submit" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </div>
    </main>
  );
}

/** The forced password change after sign-in (expired or reset): the policy's rules, as the API states them, at the field. */
export function PasswordChange(props: { reason?: string; onDone: () => void }) {
  return (
    <main id="main" class="login" data-page="password" data-state="ready">
      <div class="login-card">
        <h1>Choose a new password</h1>
        {props.reason ? <p class="notice info">{props.reason}</p> : null}
        <PasswordChangeForm submitClass="btn primary wide" onChanged={props.onDone} />
      </div>
    </main>
  );
}
