// Pieces the numbers and deliveries pages share: the shapes the Telco API answers, a Telco request's live progress
// (polled every second until it is done), the answer point chooser. The callback URL field with its tag picker is in
// callback-url-field.tsx.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, errorText } from '../lib/api.ts';
import { instant, phone } from '../lib/format.ts';
import { SelectField, TextField } from './kit.tsx';

export interface Service {
  id: string;
  number: string;
  number_local: string;
  type: string;
  status: 'provisioning' | 'live' | 'decommissioned';
  name: string | null;
  target_number: string | null;
  target_name: string | null;
  prompt_url: string | null;
  prompt_text: string | null;
  custom_id: string | null;
  custom_group: string | null;
  call_callback_uri: string | null;
  call_callback_method: 'GET' | 'POST';
  sms_forward_uri: string | null;
  notifications: { channel: string; to: string; statuses: string[] }[];
  ring_timeout: number;
  record: boolean;
  voicemail_fallback: boolean;
  ivr_options: { digit: string; name?: string | null; target_number?: string | null }[] | null;
  created_at: string;
  updated_at: string;
  live_at: string | null;
  decommissioned_at: string | null;
}

export interface TelcoRequest {
  id: string;
  type: string;
  status: 'queued' | 'processing' | 'completed' | 'failed';
  number: string | null;
  service_id: string | null;
  error: { code: string; text: string } | null;
  service: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

export interface AnswerPoint {
  id: string;
  name: string;
  number: string;
  ring_timeout: number | null;
  service_ids: string[];
}

export const SERVICE_TYPES: [string, string][] = [
  ['transfer', 'Transfer to an answer point'],
  ['voicemail', 'Voicemail'],
  ['prompt', 'Play a message'],
];

export const NUMBER_CLASSES: [string, string][] = [
  ['GEO', 'Geographic (GEO)'],
  ['TOLLFREE', 'Toll-free 1800 (TOLLFREE)'],
  ['FREECALL', 'Local rate 13/1300 (FREECALL)'],
  ['MOBILE', 'Mobile (MOBILE)'],
];

const SERVICE_STATUS: Record<string, [string, string]> = {
  provisioning: ['Provisioning', 'info'],
  live: ['Live', 'ok'],
  decommissioned: ['Decommissioned', 'neutral'],
};

export function ServiceStatus(props: { status: string }) {
  const [label, tone] = SERVICE_STATUS[props.status] ?? [props.status, 'neutral'];
  return <span class={`badge ${tone}`}>{label}</span>;
}

/** A number for reading: phone() of lib/format.ts, and Australian 13/1300/1800 numbers grouped too. */
export function num(e164: string | null | undefined): string {
  const m = e164 ? /^\+61(1[38]00)(\d{3})(\d{3})$/.exec(e164) ?? /^\+61(13)(\d{2})(\d{2})$/.exec(e164) : null;
  return m ? `+61 ${m[1]} ${m[2]} ${m[3]}` : phone(e164);
}

/** "Reception · +61 2 9999 8888", or the number alone, or —. */
export function answerPointText(s: { target_name: string | null; target_number: string | null }): string {
  if (!s.target_number) return '—';
  return s.target_name ? `${s.target_name} · ${num(s.target_number)}` : num(s.target_number);
}

const STEP_TEXT: Record<string, string> = {
  queued: 'Queued: waiting for the worker',
  processing: 'Processing: the carrier is setting it up',
  completed: 'Completed',
  failed: 'Failed',
};

const TYPE_TEXT: Record<string, string> = { new: 'Order', update: 'Change', decommission: 'Decommission' };

/**
 * A Telco request's progress, live: GET /telco/v1/requests/{id} about every second until it is completed or failed,
 * each status as the API reported it (with the time it was first seen) in a role=status list; the error in words.
 */
export function RequestProgress(props: { request: TelcoRequest; onDone?: (r: TelcoRequest) => void; children?: (r: TelcoRequest) => ComponentChildren; label?: string }) {
  const [req, setReq] = useState(props.request);
  const [seen, setSeen] = useState<{ status: string; at: string }[]>([{ status: props.request.status, at: props.request.updated_at }]);
  const [pollError, setPollError] = useState<unknown>(null);
  const done = req.status === 'completed' || req.status === 'failed';
  const reported = useRef(false);

  useEffect(() => {
    if (done) {
      if (!reported.current) {
        reported.current = true;
        props.onDone?.(req);
      }
      return;
    }
    const ctl = new AbortController();
    const timer = setTimeout(async () => {
      try {
        const r = (await api<{ request: TelcoRequest }>(`/telco/v1/requests/${encodeURIComponent(req.id)}`, { signal: ctl.signal })).request;
        setPollError(null);
        setSeen((s) => (s[s.length - 1].status === r.status ? s : [...s, { status: r.status, at: r.updated_at }]));
        setReq(r);
      } catch (err) {
        if ((err as Error).name !== 'AbortError') {
          setPollError(err);
          setReq({ ...req }); // try again in a second
        }
      }
    }, 1000);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  }, [req]);

  const line = done
    ? req.status === 'completed'
      ? `${props.label ?? TYPE_TEXT[req.type] ?? 'Request'} completed`
      : `${props.label ?? TYPE_TEXT[req.type] ?? 'Request'} failed: ${req.error?.text || req.error?.code || 'no reason given'}`
    : `${props.label ?? TYPE_TEXT[req.type] ?? 'Request'} in progress — ${STEP_TEXT[req.status] ?? req.status}`;
  return (
    <section class={`panel progress ${req.status}`} aria-label={`Request ${req.id}`}>
      <p class="progress-line" role="status" data-request-status={req.status}>
        {done ? null : <span class="spin" aria-hidden="true" />} {line}
      </p>
      <ol class="steps">
        {seen.map((s) => (
          <li key={s.status} class={`step ${s.status}`}>
            <span class="step-name">{STEP_TEXT[s.status] ?? s.status}</span> <span class="muted small">{instant(s.at)}</span>
          </li>
        ))}
      </ol>
      <p class="muted small">
        Request <code>{req.id}</code>
        {req.number ? (
          <>
            {' '}
            · number <strong>{num(req.number)}</strong>
          </>
        ) : null}
      </p>
      {req.status === 'failed' && req.error ? (
        <div class="error-box" role="alert">
          <strong>The request failed ({req.error.code})</strong>
          <p>{req.error.text || 'Telltale gave no further reason.'}</p>
        </div>
      ) : null}
      {pollError ? <p class="muted small">Could not read the request just now ({errorText(pollError)}); trying again…</p> : null}
      {props.children?.(req)}
    </section>
  );
}

/** A choice of answer point: a saved one (by id) or a number typed here. */
export interface AnswerPointChoice {
  /** '' = another number (target_number / target_name below) */
  answerPointId: string;
  targetNumber: string;
  targetName: string;
}

/** Lists the account's answer points (permission `numbers`); empty when the role may not read them. */
export function useAnswerPoints(enabled: boolean): { list: AnswerPoint[]; error: unknown; reload: () => void } {
  const [list, setList] = useState<AnswerPoint[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!enabled) return;
    api<{ answer_points: AnswerPoint[] }>('/userapi/v1/answer-points', { query: { limit: 500 } }).then(
      (r) => setList(r.answer_points),
      (err) => setError(err instanceof ApiError && err.status === 403 ? null : err),
    );
  }, [enabled, tick]);
  return { list, error, reload: () => setTick((t) => t + 1) };
}

export function AnswerPointFields(props: { value: AnswerPointChoice; onValue: (v: AnswerPointChoice) => void; points: AnswerPoint[]; errors?: { target_number?: string; target_name?: string; answer_point_id?: string } }) {
  const v = props.value;
  return (
    <fieldset class="answer-point">
      <legend>Answer point</legend>
      {props.points.length ? (
        <SelectField
          label="Rings"
          value={v.answerPointId}
          onValue={(id) => props.onValue({ ...v, answerPointId: id })}
          options={[...props.points.map((p): [string, string] => [p.id, `${p.name} · ${num(p.number)}`]), ['', 'Another number…']]}
          error={props.errors?.answer_point_id}
          hint="A saved answer point: the service follows later changes of its number."
        />
      ) : null}
      {v.answerPointId === '' ? (
        <div class="pair">
          <TextField label="Answer point number" type="tel" autoComplete="off" placeholder="+61299998888" value={v.targetNumber} onValue={(x) => props.onValue({ ...v, targetNumber: x })} error={props.errors?.target_number} hint="E.164, e.g. +61299998888" />
          <TextField label="Answer point name" value={v.targetName} onValue={(x) => props.onValue({ ...v, targetName: x })} error={props.errors?.target_name} hint="e.g. Reception" />
        </div>
      ) : null}
    </fieldset>
  );
}

/** The field message for a Telco request error (`service.target_number` or `target_number`). */
export function fieldErr(err: unknown, name: string): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  return err.field(name) ?? err.field(`service.${name}`) ?? err.field(`service/${name}`);
}
