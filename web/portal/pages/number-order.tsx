// Order a number: search the numbers the account may order (GET /telco/v1/numbers: country, class, area, contains,
// SMS) and pick one, or order by those criteria; fill the service (POST /telco/v1/requests, type new); then follow
// the request live until it is completed or failed. A saved answer point is linked once the service exists (PUT
// /userapi/v1/services/{id}), and that request is followed too. The search and the request followed are in the URL.
import { useEffect, useState } from 'preact/hooks';
import './numbers.css';
import { api } from '../lib/api.ts';
import { href, Link, navigate, setQuery } from '../lib/router.tsx';
import { ActionButton, CheckField, DataTable, Empty, ErrorBox, Page, SelectField, Spinner, TextField, useAsync } from '../ui/kit.tsx';
import { AnswerPointFields, fieldErr, num, NUMBER_CLASSES, RequestProgress, SERVICE_TYPES, useAnswerPoints, type AnswerPointChoice, type TelcoRequest } from '../ui/numbers-kit.tsx';
import { CallbackUrlField } from '../ui/callback-url-field.tsx';
import type { PageProps } from './routes.ts';

interface OrderableNumber {
  number: string;
  number_local: string;
  country: string;
  class: string;
  sms: boolean;
  stock: 'private' | 'public';
}

const SEARCH_KEYS = ['country', 'class', 'area', 'contains', 'sms'] as const;
type Search = Record<(typeof SEARCH_KEYS)[number], string>;

export function NumberOrderPage(props: PageProps) {
  const q = props.query;
  const followed = q.get('request');
  const byCriteria = q.get('by') === 'criteria';
  const picked = q.get('number') ?? '';
  const search: Search = { country: q.get('country') ?? 'AU', class: q.get('class') ?? '', area: q.get('area') ?? '', contains: q.get('contains') ?? '', sms: q.get('sms') ?? '' };
  const cursor = q.get('cursor') ?? '';
  const [draft, setDraft] = useState<Search>(search);
  useEffect(() => setDraft(search), [q.toString()]);

  const results = useAsync(
    (signal) =>
      byCriteria || followed
        ? Promise.resolve(null)
        : api<{ numbers: OrderableNumber[]; next_cursor: string | null }>('/telco/v1/numbers', { query: { ...search, sms: search.sms === 'true' ? true : undefined, cursor, limit: 20 }, signal }),
    [byCriteria, followed, search.country, search.class, search.area, search.contains, search.sms, cursor],
  );

  // The service being ordered
  const [type, setType] = useState('transfer');
  const [name, setName] = useState('');
  const [ap, setAp] = useState<AnswerPointChoice>({ answerPointId: '', targetNumber: '', targetName: '' });
  const [callback, setCallback] = useState('');
  const [method, setMethod] = useState('GET');
  const [record, setRecord] = useState(false);
  const [fallback, setFallback] = useState(false);
  const [ringTimeout, setRingTimeout] = useState('30');
  const [promptText, setPromptText] = useState('');
  const [smsUri, setSmsUri] = useState('');
  const [customId, setCustomId] = useState('');
  const [customGroup, setCustomGroup] = useState('');
  const [submitError, setSubmitError] = useState<unknown>(null);
  const [warnings, setWarnings] = useState<{ path: string; message: string }[]>([]);
  const [linking, setLinking] = useState<TelcoRequest | null>(null);
  const [linkError, setLinkError] = useState<unknown>(null);
  /** The request this page made (not one opened from a link): only its service gets the chosen answer point. */
  const [submitted, setSubmitted] = useState<{ id: string; answerPointId: string } | null>(null);
  const points = useAnswerPoints(true);
  useEffect(() => {
    // The first saved answer point is the likely choice.
    if (points.list.length && !ap.answerPointId && !ap.targetNumber) setAp({ ...ap, answerPointId: points.list[0].id });
  }, [points.list]);

  const first = useAsync((signal) => (followed ? api<{ request: TelcoRequest }>(`/telco/v1/requests/${encodeURIComponent(followed)}`, { signal }).then((r) => r.request) : Promise.resolve(null)), [followed]);

  const pickedRow = results.data?.numbers.find((n) => n.number === picked);
  const sms = byCriteria ? search.sms === 'true' : (pickedRow?.sms ?? false);
  const chosenPoint = points.list.find((p) => p.id === ap.answerPointId);

  const submit = async () => {
    setSubmitError(null);
    setWarnings([]);
    setLinking(null);
    setLinkError(null);
    const service: Record<string, unknown> = { type };
    if (name.trim()) service.name = name.trim();
    if (type === 'transfer') {
      if (chosenPoint) {
        service.target_number = chosenPoint.number;
        service.target_name = chosenPoint.name;
      } else {
        if (ap.targetNumber.trim()) service.target_number = ap.targetNumber.trim();
        if (ap.targetName.trim()) service.target_name = ap.targetName.trim();
      }
      const rt = Number(ringTimeout);
      if (ringTimeout.trim() && rt !== 30) service.ring_timeout = Number.isFinite(rt) ? rt : ringTimeout;
      if (record) service.record = true;
      if (fallback) service.voicemail_fallback = true;
    }
    if (promptText.trim() && (type !== 'transfer' || fallback)) service.prompt_text = promptText.trim();
    if (callback.trim()) {
      service.call_callback_uri = callback.trim();
      service.call_callback_method = method;
    }
    if (smsUri.trim()) service.sms_forward_uri = smsUri.trim();
    if (customId.trim()) service.custom_id = customId.trim();
    if (customGroup.trim()) service.custom_group = customGroup.trim();
    const body: Record<string, unknown> = { type: 'new', service };
    if (byCriteria) {
      const criteria: Record<string, unknown> = {};
      if (search.country) criteria.country = search.country;
      if (search.class) criteria.class = search.class;
      if (search.area) criteria.area = search.area;
      if (search.contains) criteria.contains = search.contains;
      if (search.sms === 'true') criteria.sms = true;
      body.criteria = criteria;
    } else body.number = picked;
    try {
      const out = await api<{ request: TelcoRequest; warnings?: { path: string; message: string }[] }>('/telco/v1/requests', { method: 'POST', body });
      setWarnings(out.warnings ?? []);
      setSubmitted({ id: out.request.id, answerPointId: chosenPoint && type === 'transfer' ? chosenPoint.id : '' });
      setQuery({ request: out.request.id }, { push: true });
    } catch (err) {
      setSubmitError(err);
    }
  };

  const linkAnswerPoint = async (r: TelcoRequest) => {
    if (r.status !== 'completed' || !r.service_id || !submitted || submitted.id !== r.id || !submitted.answerPointId || linking) return;
    try {
      const out = await api<{ request: TelcoRequest }>(`/userapi/v1/services/${encodeURIComponent(r.service_id)}`, { method: 'PUT', body: { answer_point_id: submitted.answerPointId } });
      setLinking(out.request);
    } catch (err) {
      setLinkError(err);
    }
  };

  if (followed) {
    return (
      <Page page="number-order" title="Ordering a number" state={first.data ? 'ready' : first.error ? 'error' : 'loading'}>
        <ErrorBox error={first.error} />
        {!first.data && !first.error ? <Spinner label="Reading the request…" /> : null}
        {warnings.length ? (
          <div class="notice info" role="note">
            <strong>Accepted with remarks:</strong>
            <ul>
              {warnings.map((w) => (
                <li key={w.path}>
                  <code>{w.path}</code>: {w.message}
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        {first.data ? (
          <RequestProgress key={first.data.id} request={first.data} label="Order" onDone={linkAnswerPoint}>
            {(r) =>
              r.status === 'completed' && r.service_id ? (
                <p>
                  <Link class="btn primary" href={`/numbers/${encodeURIComponent(r.service_id)}`}>
                    Open the new service {r.number ? num(r.number) : ''}
                  </Link>
                </p>
              ) : r.status === 'failed' ? (
                <p>
                  <Link href="/numbers/order">Search again</Link> and order another number.
                </p>
              ) : null
            }
          </RequestProgress>
        ) : null}
        {linking ? <RequestProgress key={linking.id} request={linking} label={`Linking the answer point ${chosenPoint?.name ?? ''}`} /> : null}
        <ErrorBox error={linkError} title="The answer point was not linked" />
        <p>
          <Link href="/numbers">Back to Numbers</Link>
        </p>
      </Page>
    );
  }

  const searchForm = (
    <form
      class="filters"
      aria-label={byCriteria ? 'Criteria' : 'Search numbers'}
      onSubmit={(e) => {
        e.preventDefault();
        setQuery({ ...draft, by: byCriteria ? 'criteria' : undefined });
      }}
    >
      <TextField label="Country (ISO code)" value={draft.country} onValue={(v) => setDraft({ ...draft, country: v.toUpperCase() })} maxLength={2} placeholder="AU" />
      <SelectField label="Class" value={draft.class} onValue={(v) => setDraft({ ...draft, class: v })} options={[['', 'Any class'], ...NUMBER_CLASSES]} />
      <TextField label="Area prefix" value={draft.area} onValue={(v) => setDraft({ ...draft, area: v })} inputMode="numeric" maxLength={8} placeholder="02 (Sydney)" />
      <TextField label="Contains digits" value={draft.contains} onValue={(v) => setDraft({ ...draft, contains: v })} inputMode="numeric" maxLength={15} />
      <CheckField label="SMS capable" checked={draft.sms === 'true'} onChecked={(v) => setDraft({ ...draft, sms: v ? 'true' : '' })} />
      <div class="field filter-actions">
        <button class="btn primary" type="submit">
          {byCriteria ? 'Use these criteria' : 'Search'}
        </button>
      </div>
    </form>
  );

  return (
    <Page page="number-order" title="Order a number" state={byCriteria || results.data ? 'ready' : results.error ? 'error' : 'loading'} lead="Choose a number, say where its calls go and where Telltale reports them, then order it: the number is reserved at once and goes live in a moment.">
      <nav class="tabs" aria-label="How to choose the number">
        <Link href={href('/numbers/order', { ...search })} aria-current={!byCriteria ? 'page' : undefined}>
          Pick a number
        </Link>
        <Link href={href('/numbers/order', { ...search, by: 'criteria' })} aria-current={byCriteria ? 'page' : undefined}>
          Any number matching criteria
        </Link>
      </nav>
      <h2>1. The number</h2>
      {searchForm}
      {byCriteria ? (
        <p class="muted">Telltale picks an available number matching these criteria when you order (private stock first).</p>
      ) : (
        <>
          <ErrorBox error={results.error} />
          {results.loading && !results.data ? <Spinner label="Searching…" /> : null}
          {results.data && results.data.numbers.length === 0 ? (
            <Empty title="No number matches">
              <p>Widen the search: another class, a shorter area prefix or fewer digits.</p>
            </Empty>
          ) : null}
          {results.data && results.data.numbers.length ? (
            <>
              <DataTable
                caption="Numbers you may order"
                rows={results.data.numbers}
                rowKey={(n) => n.number}
                rowClass={(n) => (n.number === picked ? 'picked' : undefined)}
                columns={[
                  { key: 'number', label: 'Number', render: (n) => <strong>{num(n.number)}</strong> },
                  { key: 'class', label: 'Class', render: (n) => n.class },
                  { key: 'sms', label: 'SMS', render: (n) => (n.sms ? 'Yes' : 'No') },
                  { key: 'stock', label: 'Stock', render: (n) => (n.stock === 'private' ? 'Private' : 'Public') },
                  {
                    key: 'pick',
                    label: 'Choose',
                    render: (n) =>
                      n.number === picked ? (
                        <span class="badge ok">Chosen</span>
                      ) : (
                        <button type="button" class="btn plain small" aria-label={`Choose ${num(n.number)}`} onClick={() => {
                            setQuery({ ...search, cursor: cursor || undefined, number: n.number });
                            // the button gives way to a badge: keep the keyboard's place at the choice
                            requestAnimationFrame(() => document.getElementById('chosen-note')?.focus());
                          }}>
                          Choose
                        </button>
                      ),
                  },
                ]}
              />
              <div class="pager">
                {cursor ? (
                  <Link class="btn plain" href={href('/numbers/order', { ...search, number: picked })}>
                    First results
                  </Link>
                ) : null}
                {results.data.next_cursor ? (
                  <Link class="btn plain" href={href('/numbers/order', { ...search, number: picked, cursor: results.data.next_cursor })}>
                    More numbers
                  </Link>
                ) : null}
              </div>
            </>
          ) : null}
          {picked ? (
            <p id="chosen-note" class="notice info" role="status" tabIndex={-1}>
              Chosen: <strong>{num(picked)}</strong>
            </p>
          ) : null}
        </>
      )}

      <h2>2. The service</h2>
      <form
        class="service-form"
        aria-label="The service"
        onSubmit={(e) => {
          e.preventDefault();
        }}
      >
        <SelectField label="What the number does" value={type} onValue={setType} options={SERVICE_TYPES} error={fieldErr(submitError, 'type')} />
        <TextField label="Name" value={name} onValue={setName} maxLength={255} hint="What it tracks, e.g. Google Ads (sent as [[adname]])" error={fieldErr(submitError, 'name')} />
        {type === 'transfer' ? (
          <>
            <AnswerPointFields value={ap} onValue={setAp} points={points.list} errors={{ target_number: fieldErr(submitError, 'target_number'), target_name: fieldErr(submitError, 'target_name') }} />
            <TextField label="Ring timeout (seconds)" type="number" min={5} max={120} value={ringTimeout} onValue={setRingTimeout} error={fieldErr(submitError, 'ring_timeout')} hint="How long the answer point rings before the call counts as unanswered (5–120)." />
            <CheckField label="Record answered calls" checked={record} onChecked={setRecord} />
            <CheckField label="Take a voicemail when nobody answers" checked={fallback} onChecked={setFallback} />
          </>
        ) : null}
        {type !== 'transfer' || fallback ? <TextField label="Greeting text" value={promptText} onValue={setPromptText} maxLength={2000} hint="Spoken to the caller." error={fieldErr(submitError, 'prompt_text')} /> : null}
        <CallbackUrlField value={callback} onValue={setCallback} error={fieldErr(submitError, 'call_callback_uri')} />
        <SelectField
          label="Callback method"
          value={method}
          onValue={setMethod}
          options={[
            ['GET', 'GET (values in the URL)'],
            ['POST', 'POST (also a JSON body of every tag)'],
          ]}
        />
        {sms ? <TextField label="SMS Forward URL" type="url" value={smsUri} onValue={setSmsUri} hint="Called for each SMS the number receives." error={fieldErr(submitError, 'sms_forward_uri')} /> : null}
        <div class="pair">
          <TextField label="Custom id" value={customId} onValue={setCustomId} maxLength={255} error={fieldErr(submitError, 'custom_id')} />
          <TextField label="Custom group" value={customGroup} onValue={setCustomGroup} maxLength={255} error={fieldErr(submitError, 'custom_group')} />
        </div>
        <ErrorBox error={submitError} title="The number was not ordered" />
        <ErrorBox error={points.error} title="The answer points did not load" />
        <div class="row">
          <ActionButton kind="primary" type="submit" busyText="Ordering…" disabled={!byCriteria && !picked} onAction={submit}>
            {byCriteria ? 'Order a matching number' : picked ? `Order ${num(picked)}` : 'Order (pick a number above first)'}
          </ActionButton>
          <button type="button" class="btn plain" onClick={() => navigate('/numbers')}>
            Cancel
          </button>
        </div>
      </form>
    </Page>
  );
}
