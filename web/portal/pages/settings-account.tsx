// Settings, Account tab: the account (GET/PATCH /userapi/v1/account: name, time zone, automatic test call; PATCH
// needs `account`) and its webhook signing secret (GET/POST /userapi/v1/account/webhook-secret, `integrations`).
import { useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api.ts';
import { useSession } from '../lib/session.tsx';
import { CheckField, ConfirmDialog, ErrorBox, Notice, SelectField, TextField } from '../ui/kit.tsx';
import { CopyValue, utc } from '../ui/admin-kit.tsx';

export interface Account {
  client_id: number;
  name: string;
  timezone: string;
  auto_test_call: boolean;
  created_at: string;
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

export function AccountForm(props: { account: Account; onSaved: () => void }) {
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

export function WebhookSecret() {
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
