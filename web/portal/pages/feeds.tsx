// Data feeds (/data-feeds): the account's feed URLs of the standard AVANSER record (GET /webapi/v1/feeds), a new
// feed with its own auth and optional daily upload (POST, permission `settings`), the URL to copy per format, and
// deleting one (DELETE, permission `settings`).
import { useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api.ts';
import { setQuery } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { CheckField, ConfirmDialog, Empty, ErrorBox, Notice, Page, pageState, SelectField, TextField, useAsync, FormActions, useSubmit } from '../ui/kit.tsx';
import { CopyValue, fieldError, listOf, TextArea, utc } from '../ui/admin-kit.tsx';
import type { PageProps } from './routes.ts';

interface Feed {
  id: string;
  name: string | null;
  auth: 'basic' | 'digest' | 'ip';
  username: string | null;
  allow: string[];
  url: string;
  urls: Record<string, string>;
  upload: { kind: string; target: string; time: string; format: string; username: string | null; host_key: string | null; next_at: string | null } | null;
  csv_formula_protection: boolean;
  created_at: string;
}

const AUTH: Record<string, string> = { basic: 'HTTP Basic (user name and password)', digest: 'HTTP Digest (user name and password, never sent in clear)', ip: 'IP allow-list only' };
const FORMATS: [string, string][] = [
  ['json', 'JSON'],
  ['csv', 'CSV'],
  ['xml', 'XML'],
];

export function FeedsPage(props: PageProps) {
  const s = useSession();
  const list = useAsync(() => api<{ feeds: Feed[] }>('/webapi/v1/feeds'), []);
  const creating = props.query.get('new') === '1' && s.can('settings');
  const [created, setCreated] = useState<string | null>(null);
  const [removing, setRemoving] = useState<Feed | null>(null);
  const [notice, setNotice] = useState<string | undefined>();
  const feeds = list.data?.feeds ?? [];
  return (
    <Page
      page="feeds"
      title="Data feeds"
      state={pageState(list)}
      lead="A data feed is a URL your systems (a spreadsheet, a BI tool, a nightly job) read the account’s calls from, in the standard AVANSER record as JSON, CSV or XML — by day, month, year or the latest two days. Each feed has its own credentials; it can also upload yesterday’s calls every day."
      actions={
        s.can('settings') && !creating ? (
          <button type="button" class="btn primary" onClick={() => setQuery({ new: 1 }, { push: true })}>
            New data feed
          </button>
        ) : null
      }
    >
      <Notice>{notice}</Notice>
      {creating ? (
        <FeedForm
          onCancel={() => setQuery({}, { push: true })}
          onCreated={(f) => {
            setCreated(f.id);
            setNotice(`Feed “${f.name ?? f.id}” created: its URL is below.`);
            setQuery({}, { push: true });
            list.reload();
          }}
        />
      ) : null}
      <ErrorBox error={list.error} />
      {list.data && feeds.length === 0 && !creating ? (
        <Empty title="No data feeds yet">{s.can('settings') ? 'Create one with “New data feed”, then give its URL and credentials to the system that reads your calls.' : 'An owner or admin of the account can create one.'}</Empty>
      ) : null}
      {feeds.map((f) => (
        <FeedCard key={f.id} feed={f} fresh={created === f.id} canDelete={s.can('settings')} onDelete={() => setRemoving(f)} />
      ))}
      <ConfirmDialog
        open={!!removing}
        title="Delete this data feed?"
        confirmText="Delete feed"
        danger
        onClose={() => setRemoving(null)}
        onConfirm={async () => {
          await api(`/webapi/v1/feeds/${encodeURIComponent(removing!.id)}`, { method: 'DELETE' });
          setNotice(`Feed “${removing!.name ?? removing!.id}” deleted.`);
          list.reload();
        }}
      >
        <p>
          Its URL stops answering at once{removing?.upload ? ' and its daily upload stops' : ''}: anything that reads <code>{removing?.url}</code> gets 404 from then on. The calls themselves stay.
        </p>
      </ConfirmDialog>
    </Page>
  );
}

function FeedCard(props: { feed: Feed; fresh: boolean; canDelete: boolean; onDelete: () => void }) {
  const f = props.feed;
  const [format, setFormat] = useState('json');
  const base = f.url.replace(/\/latest\.json$/, '');
  return (
    <section class={`panel${props.fresh ? ' fresh' : ''}`} aria-labelledby={`feed-${f.id}`}>
      <div class="row">
        <h2 id={`feed-${f.id}`} style={{ margin: 0 }}>
          {f.name || 'Unnamed feed'}
        </h2>
        <span class="badge info">{f.auth === 'ip' ? 'IP allow-list' : f.auth === 'digest' ? 'Digest' : 'Basic'}</span>
        {props.canDelete ? (
          <span style={{ marginLeft: 'auto' }}>
            <button type="button" class="btn danger small" onClick={props.onDelete} aria-label={`Delete feed ${f.name || f.id}`}>
              Delete
            </button>
          </span>
        ) : null}
      </div>
      <div class="row" style={{ marginTop: '.5rem' }}>
        <SelectField label="Format of the URL to copy" value={format} onValue={setFormat} options={FORMATS} />
      </div>
      <CopyValue label={`Feed URL (${format}, latest two days)`} value={`${base}/latest.${format}`} />
      <dl class="kv small">
        <dt>Other periods</dt>
        <dd>
          <code>{`${base}/{YYYY}.${format}`}</code>, <code>{`${base}/{YYYY}/{MM}.${format}`}</code>, <code>{`${base}/{YYYY}/{MM}/{DD}.${format}`}</code> (dates in the account’s time zone)
        </dd>
        <dt>Sign-in</dt>
        <dd>
          {AUTH[f.auth] ?? f.auth}
          {f.username ? (
            <>
              {' '}
              as <code>{f.username}</code> (password as set when created)
            </>
          ) : null}
        </dd>
        <dt>Allowed addresses</dt>
        <dd>{f.allow.length ? f.allow.join(', ') : 'any'}</dd>
        <dt>CSV formula protection</dt>
        <dd>{f.csv_formula_protection ? 'on: cells a spreadsheet would run start with an apostrophe' : 'off: the CSV byte for byte as the standard record'}</dd>
        <dt>Daily upload</dt>
        <dd>
          {f.upload ? (
            <>
              {f.upload.format.toUpperCase()} by {f.upload.kind === 'http_put' ? 'HTTP PUT' : f.upload.kind === 'sftp' ? 'SFTP' : 'folder'} to <code>{f.upload.target}</code> at {f.upload.time} (account time){f.upload.next_at ? `; next ${utc(f.upload.next_at)}` : ''}
              {f.upload.host_key ? (
                <>
                  ; host key <code>{f.upload.host_key}</code>
                </>
              ) : null}
            </>
          ) : (
            'none'
          )}
        </dd>
        <dt>Created</dt>
        <dd>{utc(f.created_at)}</dd>
      </dl>
    </section>
  );
}

function FeedForm(props: { onCancel: () => void; onCreated: (f: Feed) => void }) {
  const [name, setName] = useState('');
  const [auth, setAuth] = useState<'basic' | 'digest' | 'ip'>('digest');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [allow, setAllow] = useState('');
  const [csvSafe, setCsvSafe] = useState(false);
  const [upload, setUpload] = useState(false);
  const [kind, setKind] = useState('http_put');
  const [target, setTarget] = useState('');
  const [time, setTime] = useState('02:00');
  const [uFormat, setUFormat] = useState('csv');
  const [uUser, setUUser] = useState('');
  const [uPass, setUPass] = useState('');
  const [hostKey, setHostKey] = useState('');
  const { busy, error, err, submit } = useSubmit();
  return (
    <form
      class="panel admin-form"
      aria-labelledby="new-feed"
      onSubmit={submit(async () => {
        const body: Record<string, unknown> = { auth, csv_formula_protection: csvSafe };
        if (name.trim()) body.name = name.trim();
        if (auth !== 'ip') {
          body.username = username;
          body.password = password;
        }
        const ips = listOf(allow);
        if (ips.length) body.allow = ips;
        if (upload) {
          const u: Record<string, unknown> = { kind, target: target.trim(), time, format: uFormat };
          if (kind !== 'folder' && uUser) u.username = uUser;
          if (kind !== 'folder' && uPass) u.password = uPass;
          if (kind === 'sftp' && hostKey.trim()) u.host_key = hostKey.trim();
          body.upload = u;
        }
        props.onCreated(await api<Feed>('/webapi/v1/feeds', { method: 'POST', body }));
      })}
    >
      <h2 id="new-feed">New data feed</h2>
      <TextField label="Name" value={name} onValue={setName} maxLength={200} hint="For people: what reads this feed, e.g. “Finance spreadsheet”." error={err?.field('name')} />
      <SelectField
        label="How the reader signs in"
        value={auth}
        onValue={(v) => setAuth(v as 'basic' | 'digest' | 'ip')}
        options={[
          ['digest', AUTH.digest],
          ['basic', AUTH.basic],
          ['ip', AUTH.ip],
        ]}
        error={err?.field('auth')}
      />
      {auth !== 'ip' ? (
        <>
          <TextField label="Feed user name" value={username} onValue={setUsername} required maxLength={100} autoComplete="off" error={err?.field('username')} />
          <TextField label="Feed password" type="password" value={password} onValue={setPassword} required minLength={8} maxLength={200} autoComplete="new-password" hint="At least 8 characters. Give it to the reader now: it is not shown again." error={err?.field('password')} />
        </>
      ) : null}
      <TextArea
        label={auth === 'ip' ? 'Allowed IP addresses' : 'Allowed IP addresses (optional)'}
        value={allow}
        onValue={setAllow}
        placeholder={'203.0.113.7\n198.51.100.0/24'}
        hint={auth === 'ip' ? 'One address or CIDR block a line: only these may read the feed.' : 'One address or CIDR block a line: an extra check on top of the password. Empty: any address.'}
        error={fieldError(error, 'allow')}
      />
      <CheckField label="Protect CSV cells from spreadsheet formulas" checked={csvSafe} onChecked={setCsvSafe} hint="Cells starting with = + - @ get a leading apostrophe so spreadsheets show them as text." />
      <CheckField label="Upload yesterday’s calls every day" checked={upload} onChecked={setUpload} />
      {upload ? (
        <fieldset>
          <legend>Daily upload</legend>
          <SelectField
            label="Upload by"
            value={kind}
            onValue={setKind}
            options={[
              ['http_put', 'HTTP PUT to a URL'],
              ['sftp', 'SFTP to a server'],
              ['folder', 'A folder on the Telltale server'],
            ]}
          />
          <TextField
            label="Destination"
            value={target}
            onValue={setTarget}
            required
            maxLength={2000}
            hint={kind === 'http_put' ? 'An http(s) URL; {date} is replaced, a trailing / gets calls-YYYY-MM-DD.ext.' : kind === 'sftp' ? 'sftp://host[:port]/folder' : 'A folder inside the server’s TT_FEED_FOLDER_ROOT.'}
            error={fieldError(error, 'upload/target') ?? fieldError(error, 'upload')}
          />
          <TextField label="Time (account time zone)" type="time" value={time} onValue={setTime} required error={fieldError(error, 'upload/time')} hint="The previous local day is uploaded then." />
          <SelectField label="Upload format" value={uFormat} onValue={setUFormat} options={FORMATS} />
          {kind !== 'folder' ? (
            <>
              <TextField label="Upload user name" value={uUser} onValue={setUUser} maxLength={200} autoComplete="off" />
              <TextField label="Upload password" type="password" value={uPass} onValue={setUPass} maxLength={200} autoComplete="new-password" />
            </>
          ) : null}
          {kind === 'sftp' ? <TextField label="Server host key (optional)" value={hostKey} onValue={setHostKey} placeholder="SHA256:…" hint="As ssh-keygen -lf prints it. Empty: the first upload pins the key the server presents." error={fieldError(error, 'upload/host_key')} /> : null}
        </fieldset>
      ) : null}
      <ErrorBox error={error} title="Feed not created" />
      <FormActions busy={busy} submitText="Create feed" busyText="Creating…" onCancel={props.onCancel} />
    </form>
  );
}
