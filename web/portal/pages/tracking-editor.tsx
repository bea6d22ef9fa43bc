// Website tracking: the tracking code's shape and its editor (create: POST /userapi/v1/dni; edit: PATCH
// /userapi/v1/dni/{tracking_code}; permission `numbers`): name, business numbers to replace, allowed origins, the pool
// and source rules over the live services (GET /telco/v1/services?status=live), the fallback and the lease times.
import { useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api.ts';
import { phone } from '../lib/format.ts';
import { CheckField, ErrorBox, SelectField, Spinner, TextField, useAsync, FormActions, useSubmit } from '../ui/kit.tsx';
import { fieldError, listOf, TextArea } from '../ui/admin-kit.tsx';

type When = Record<string, string | boolean>;
export interface TrackingCode {
  tracking_code: number;
  client_id: number;
  name: string;
  country: string;
  replace: string[];
  origins: string[];
  any_origin: boolean;
  rules: { when: When; service_id: string; number: string }[];
  pool: { service_id: string; number: string }[];
  fallback_service_id: string | null;
  fallback_number: string;
  hold_minutes: number;
  cooldown_minutes: number;
  cookie_days: number;
  snippet: string;
  created_at: string;
  updated_at: string;
}
interface Service {
  id: string;
  number: string;
  name: string | null;
  custom_id: string | null;
  status: string;
}

const BOOL_FIELDS = ['gclid', 'fbclid'];

/** {utm_source: 'google', gclid: true} → "utm_source=google; gclid=true". */
export function whenText(w: When): string {
  return Object.entries(w)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
}

/** The inverse of whenText; unknown names are left for the API to name. */
function parseWhen(text: string): When {
  const out: When = {};
  for (const part of text.split(';')) {
    const t = part.trim();
    if (!t) continue;
    const i = t.indexOf('=');
    const k = (i < 0 ? t : t.slice(0, i)).trim();
    const v = i < 0 ? 'true' : t.slice(i + 1).trim();
    out[k] = BOOL_FIELDS.includes(k) ? v !== 'false' : v;
  }
  return out;
}

function useLiveServices() {
  return useAsync(() => api<{ services: Service[] }>('/telco/v1/services', { query: { status: 'live', limit: 500 } }).then((r) => r.services), []);
}

const serviceLabel = (s: Service) => `${phone(s.number)}${s.name ? ` — ${s.name}` : ''}`;

interface RuleDraft {
  when: string;
  service_id: string;
}

/** Create (no `code`) or edit a tracking code. */
export function CodeForm(props: { code?: TrackingCode; onCancel: () => void; onSaved: (c: TrackingCode) => void }) {
  const c = props.code;
  const services = useLiveServices();
  const [name, setName] = useState(c?.name ?? '');
  const [replace, setReplace] = useState((c?.replace ?? []).join('\n'));
  const [country, setCountry] = useState(c?.country ?? 'AU');
  const [origins, setOrigins] = useState((c?.origins ?? []).join('\n'));
  const [pool, setPool] = useState<string[]>(c?.pool.map((p) => p.service_id) ?? []);
  const [rules, setRules] = useState<RuleDraft[]>(c?.rules.map((r) => ({ when: whenText(r.when), service_id: r.service_id })) ?? []);
  const [fallback, setFallback] = useState(c?.fallback_service_id ?? '');
  const [hold, setHold] = useState(String(c?.hold_minutes ?? 30));
  const [cooldown, setCooldown] = useState(String(c?.cooldown_minutes ?? 5));
  const [cookie, setCookie] = useState(String(c?.cookie_days ?? 90));
  const { busy, error, err, submit } = useSubmit();
  const list = services.data ?? [];
  // Services of the pool, rules and fallback that are not live any more still show, by id.
  const options: [string, string][] = list.map((s) => [s.id, serviceLabel(s)]);
  return (
    <form
      class="panel admin-form"
      aria-labelledby="code-form-h"
      onSubmit={submit(async () => {
        const body = {
          name: name.trim(),
          replace: listOf(replace),
          country: country.trim().toUpperCase(),
          origins: listOf(origins),
          pool,
          rules: rules.filter((r) => r.when.trim() || r.service_id).map((r) => ({ when: parseWhen(r.when), service_id: r.service_id })),
          fallback_service_id: fallback || null,
          hold_minutes: Number(hold),
          cooldown_minutes: Number(cooldown),
          cookie_days: Number(cookie),
        };
        const saved = c ? await api<TrackingCode>(`/userapi/v1/dni/${c.tracking_code}`, { method: 'PATCH', body }) : await api<TrackingCode>('/userapi/v1/dni', { method: 'POST', body });
        props.onSaved(saved);
      })}
    >
      <h2 id="code-form-h">{c ? 'Edit tracking code' : 'New tracking code'}</h2>
      <TextField label="Name" value={name} onValue={setName} required maxLength={200} hint="Your website, e.g. “Shop”." error={err?.field('name')} />
      <TextArea label="Business numbers to replace" value={replace} onValue={setReplace} rows={2} placeholder="02 9000 1234" hint="The numbers printed on your pages, one a line (E.164 or national): the script swaps them." error={fieldError(error, 'replace')} />
      <TextField label="Country of national numbers" value={country} onValue={setCountry} maxLength={2} hint="Two letters, e.g. AU." error={err?.field('country')} />
      <TextArea
        label="Allowed page origins"
        value={origins}
        onValue={setOrigins}
        rows={2}
        placeholder="https://shop.example"
        hint="One a line: https://shop.example, or https://*.example.com for any subdomain. None: any page in sandbox mode, no page in production."
        error={fieldError(error, 'origins')}
      />
      <fieldset>
        <legend>Pool: numbers leased one per visitor</legend>
        {services.loading && !services.data ? <Spinner label="Loading live services…" /> : null}
        <ErrorBox error={services.error} />
        {services.data && list.length === 0 ? <p class="muted small">No live services yet: order numbers under Numbers first.</p> : null}
        <div class="pool-list">
          {list.map((s) => (
            <CheckField key={s.id} label={serviceLabel(s)} checked={pool.includes(s.id)} onChecked={(on) => setPool(on ? [...pool, s.id] : pool.filter((x) => x !== s.id))} />
          ))}
        </div>
        {fieldError(error, 'pool') ? <p class="field-error">{fieldError(error, 'pool')}</p> : null}
        <p class="hint small muted">A service is in at most one pool; a visitor keeps their number while the page is open and for the hold time after.</p>
      </fieldset>
      <fieldset>
        <legend>Source rules (first match wins)</legend>
        {rules.map((r, i) => (
          <div class="rule-row" key={i}>
            <TextField
              label={`Rule ${i + 1} conditions`}
              value={r.when}
              onValue={(v) => setRules(rules.map((x, j) => (j === i ? { ...x, when: v } : x)))}
              placeholder="utm_source=google; gclid=true"
              error={fieldError(error, `rules[${i}].when`) ?? fieldError(error, `rules/${i}/when`)}
            />
            <SelectField label={`Rule ${i + 1} shows`} value={r.service_id} onValue={(v) => setRules(rules.map((x, j) => (j === i ? { ...x, service_id: v } : x)))} options={[['', 'Choose a service'], ...options]} error={fieldError(error, `rules[${i}].service_id`)} />
            <button type="button" class="btn plain small" onClick={() => setRules(rules.filter((_, j) => j !== i))} aria-label={`Remove rule ${i + 1}`}>
              Remove
            </button>
          </div>
        ))}
        <p class="hint small muted">
          Conditions, separated by “;”: utm_source, utm_medium, utm_campaign (equal), referrer_domain, landing_contains, landing_matches (* for any characters), gclid / fbclid (true or false). A rule’s number is shared by every visitor it matches.
        </p>
        <button type="button" class="btn plain small" onClick={() => setRules([...rules, { when: '', service_id: '' }])}>
          Add a rule
        </button>
        {fieldError(error, 'rules') ? <p class="field-error">{fieldError(error, 'rules')}</p> : null}
      </fieldset>
      <SelectField label="Fallback" value={fallback} onValue={setFallback} options={[['', 'The business number'], ...options]} hint="Shown when no rule matches and the pool is empty or full." error={err?.field('fallback_service_id')} />
      <div class="grid">
        <TextField label="Hold (minutes)" type="number" min={1} max={1440} value={hold} onValue={setHold} error={err?.field('hold_minutes')} />
        <TextField label="Cool-down (minutes)" type="number" min={0} max={1440} value={cooldown} onValue={setCooldown} error={err?.field('cooldown_minutes')} />
        <TextField label="Cookie (days)" type="number" min={1} max={730} value={cookie} onValue={setCookie} error={err?.field('cookie_days')} />
      </div>
      <ErrorBox error={error} title={c ? 'Not saved' : 'Tracking code not created'} />
      <FormActions busy={busy} submitText={c ? 'Save changes' : 'Create tracking code'} onCancel={props.onCancel} />
    </form>
  );
}
