// Changing one's own password (PUT /userapi/v1/me/password): current, new, new again. The policy's rules come back
// from the API at the field; a mismatch of the two new ones is caught here first. Used by the forced change after
// sign-in and by Settings.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api.ts';
import { ErrorBox, TextField, useSubmit } from './kit.tsx';

export function PasswordChangeForm(props: { formClass?: string; labelledBy?: string; submitClass?: string; onChanged: () => void; children?: ComponentChildren }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const { busy, error, setError, err, submit } = useSubmit();
  return (
    <form
      class={props.formClass}
      aria-labelledby={props.labelledBy}
      onSubmit={(e) => {
        e.preventDefault();
        if (next !== again) {
          setError(new ApiError(400, 'mismatch', 'The two new passwords differ.', [{ path: 'again', message: 'type the same new password twice' }]));
          return;
        }
        return submit(async () => {
          await api('/userapi/v1/me/password', { method: 'PUT', body: { current_password: current, new_password: next } });
          setCurrent('');
          setNext('');
          setAgain('');
          props.onChanged();
        })();
      }}
    >
      <TextField label="Current password" type="password" autoComplete="current-password" value={current} onValue={setCurrent} required error={err?.field('current_password')} />
      <TextField label="New password" type="password" autoComplete="new-password" value={next} onValue={setNext} required error={err?.field('new_password')} />
      <TextField label="New password again" type="password" autoComplete="new-password" value={again} onValue={setAgain} required error={err?.field('again')} />
      <ErrorBox error={error} title="Password not changed" />
      {props.children}
      <button type="submit" class={props.submitClass ?? 'btn primary'} disabled={busy}>
        {busy ? 'Saving…' : 'Change password'}
      </button>
    </form>
  );
}
