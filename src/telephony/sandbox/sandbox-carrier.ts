import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { AppError } from '../../domain/errors.ts';
import { twilioSignature } from '../adapters/twiml/signature.ts';
import { parseTwiml, type XmlNode } from './twiml-parse.ts';
import { toneWav } from './wav.ts';

/** How the sandbox reaches Telltale: real HTTP to TT_PUBLIC_URL, or in-process through the server (`inject`). */
export interface SandboxTransport {
  post(url: string, form: string, headers: Record<string, string>): Promise<{ status: number; body: string }>;
}

export type SimOutcome = 'answered' | 'busy' | 'no-answer' | 'failed' | 'caller-hangup';
export const SIM_OUTCOMES: SimOutcome[] = ['answered', 'busy', 'no-answer', 'failed', 'caller-hangup'];

/** A scripted caller and answer point. Times are virtual seconds: a 30 s talk takes no real 30 s. */
export interface SimScript {
  to: string;
  from: string;
  /** Seconds the answer point rings before answering (or before the caller gives up, for caller-hangup). Default 5. */
  answerAfterSec?: number;
  /** Seconds of conversation once answered. Default 30. */
  talkSec?: number;
  /** What the answer point (or, for caller-hangup, the caller) does. Default answered. */
  outcome?: SimOutcome;
  /** DTMF the caller presses at menus, consumed in order. */
  digits?: string;
  /** Seconds of message the caller leaves when asked to (0: silence, no message). Default 0. */
  voicemailSec?: number;
  /** Send every callback twice. */
  duplicate?: boolean;
  /** Hold back status and recording callbacks, then send them after the call, newest first. */
  late?: boolean;
  /** The carrier call id (default: a fresh CA… id). */
  callSid?: string;
  /** Virtual start time (default: now, to the second). */
  startAt?: Date;
}

export interface SimResult {
  callSid: string;
  /** The inbound leg's final CallStatus: completed, busy, no-answer, failed. */
  carrierStatus: string;
  totalSec: number;
  /** Requests sent to Telltale (duplicates included). */
  requests: number;
  /** What the carrier did, verb by verb, for humans and tests. */
  trace: string[];
  /** Non-2xx answers Telltale gave (a request answered after retries is not one). */
  errors: string[];
  /** Requests Telltale refused with a 5xx (or did not answer) that the carrier sent again, as a carrier does. */
  retries: string[];
}

/** One retry of a carrier request (for observers, e.g. tests). */
export interface SandboxRetry {
  path: string;
  /** The attempt that failed (1 = the first). */
  attempt: number;
  /** `503: detail` or `no answer (…)`. */
  failure: string;
  waitMs: number;
}

/** Waits before the 2nd, 3rd… attempt of a request Telltale answered with a 5xx (a real carrier retries too); then it gives up. */
export const SANDBOX_RETRY_DELAYS_MS: readonly number[] = [250, 500, 1000, 2000, 4000];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The detail of an error body, or its start. */
function answerSummary(body: string): string {
  try {
    const j = JSON.parse(body) as { detail?: unknown };
    if (typeof j.detail === 'string') return j.detail;
  } catch {
    // not JSON
  }
  return body.slice(0, 200);
}

const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

/** A recording sid that carries its duration, so any process can serve the media without shared state. */
export function recordingSid(durationSec: number): string {
  return `RE${durationSec.toString(16).padStart(8, '0')}${randomBytes(12).toString('hex')}`;
}

export function recordingDurationOf(recSid: string): number | null {
  const m = /^RE([0-9a-f]{8})[0-9a-f]{24}$/.exec(recSid);
  return m ? parseInt(m[1], 16) : null;
}

/** The sandbox's recording media (WAV), or null when the sid is not one of its recordings. */
export function sandboxRecordingWav(recSid: string): Buffer | null {
  const d = recordingDurationOf(recSid);
  return d === null ? null : toneWav(d);
}

export interface SandboxCarrierOptions {
  publicUrl: string;
  accountSid: string;
  authToken: string;
  /** Backoff before each retry of a request answered 5xx (default SANDBOX_RETRY_DELAYS_MS); its length is the number of retries. */
  retryDelaysMs?: readonly number[];
}

/**
 * Telltale's built-in simulated carrier. Toward Telltale it behaves like a Twilio-style carrier: it posts signed
 * webhooks to /carrier/twilio/*, interprets the TwiML answers (Dial/Number, Play, Say, Record, Gather, Pause,
 * Redirect, Hangup, Reject), plays scripted callers and answer points on a virtual clock, sends the status and
 * recording callbacks a carrier sends (late or twice when asked), and serves small WAV recordings.
 */
export class SandboxCarrier {
  private transport: SandboxTransport;

  constructor(readonly opts: SandboxCarrierOptions) {
    this.transport = httpTransport();
  }

  setTransport(t: SandboxTransport): void {
    this.transport = t;
  }

  get base(): string {
    return `${this.opts.publicUrl}/carrier/twilio`;
  }

  recordingUrl(recSid: string): string {
    return `${this.opts.publicUrl}/sandbox/v1/recordings/${recSid}`;
  }

  /** Signs and posts a form to a Telltale URL (the signature covers the full public URL and the sorted parameters). */
  async send(url: string, params: Record<string, string>): Promise<{ status: number; body: string }> {
    const entries = Object.entries(params);
    const form = new URLSearchParams(entries).toString();
    return this.transport.post(url, form, {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(this.opts.authToken, url, entries),
      'user-agent': 'TwilioProxy/1.1 (Telltale sandbox)',
    });
  }

  private readonly retryListeners = new Set<(r: SandboxRetry) => void>();

  /** Calls the listener on every retry; returns a function that removes it. */
  onRetry(listener: (r: SandboxRetry) => void): () => void {
    this.retryListeners.add(listener);
    return () => this.retryListeners.delete(listener);
  }

  /**
   * Posts a request as a carrier does: a 5xx answer (e.g. 503 while the database is busy) or no answer is sent again
   * after a backoff; after the last retry it gives up with an error that says so (`unavailable` when Telltale answered
   * 503 or nothing), never silently.
   */
  async deliver(url: string, params: Record<string, string>, onRetry?: (r: SandboxRetry) => void): Promise<{ status: number; body: string; attempts: number }> {
    const delays = this.opts.retryDelaysMs ?? SANDBOX_RETRY_DELAYS_MS;
    const path = url.startsWith(this.opts.publicUrl) ? url.slice(this.opts.publicUrl.length) : url;
    for (let attempt = 1; ; attempt++) {
      let status = 0;
      let failure: string;
      try {
        const res = await this.send(url, params);
        if (res.status < 500) return { ...res, attempts: attempt };
        status = res.status;
        failure = `${res.status}: ${answerSummary(res.body)}`;
      } catch (err) {
        failure = `no answer (${(err as Error).message})`;
      }
      if (attempt > delays.length) {
        throw new AppError(status === 0 || status === 503 ? 'unavailable' : 'internal', `the sandbox carrier gave up on POST ${path} after ${attempt} attempts; Telltale's last answer: ${failure}`);
      }
      const retry: SandboxRetry = { path, attempt, failure, waitMs: delays[attempt - 1] };
      onRetry?.(retry);
      for (const l of this.retryListeners) l(retry);
      await sleep(retry.waitMs);
    }
  }

  async placeCall(script: SimScript): Promise<SimResult> {
    return new SimCall(this, script).run();
  }

  /** Delivers an inbound SMS to Telltale as the carrier would. */
  async sendSms(m: { to: string; from: string; text: string; messageSid?: string }): Promise<{ messageSid: string; status: number }> {
    const messageSid = m.messageSid ?? sid('SM');
    const segments = Math.max(1, Math.ceil(m.text.length / 153));
    const res = await this.deliver(`${this.base}/sms`, {
      AccountSid: this.opts.accountSid,
      ApiVersion: '2010-04-01',
      MessageSid: messageSid,
      SmsMessageSid: messageSid,
      SmsSid: messageSid,
      From: m.from,
      To: m.to,
      Body: m.text,
      NumMedia: '0',
      NumSegments: String(segments),
      SmsStatus: 'received',
    });
    return { messageSid, status: res.status };
  }
}

/** Real HTTP to TT_PUBLIC_URL (the default; a worker without a server in its process uses it). */
export function httpTransport(): SandboxTransport {
  return {
    async post(url, form, headers) {
      const res = await request(url, { method: 'POST', body: form, headers, headersTimeout: 15_000, bodyTimeout: 15_000 });
      return { status: res.statusCode, body: await res.body.text() };
    },
  };
}

class SimCall {
  private t = 0;
  private ended = false;
  private endStatus = 'completed';
  private requests = 0;
  private readonly trace: string[] = [];
  private readonly errors: string[] = [];
  private readonly retries: string[] = [];
  private readonly deferred: (() => Promise<unknown>)[] = [];
  private digitsLeft: string;
  private seqNo = 0;
  private readonly s: Required<Omit<SimScript, 'startAt'>>;
  private readonly start: number;

  constructor(
    private readonly carrier: SandboxCarrier,
    script: SimScript,
  ) {
    this.s = {
      answerAfterSec: 5,
      talkSec: 30,
      outcome: 'answered',
      digits: '',
      voicemailSec: 0,
      duplicate: false,
      late: false,
      callSid: sid('CA'),
      ...Object.fromEntries(Object.entries(script).filter(([, v]) => v !== undefined)),
    } as Required<Omit<SimScript, 'startAt'>>;
    this.digitsLeft = this.s.digits;
    this.start = script.startAt ? script.startAt.getTime() : Math.floor(Date.now() / 1000) * 1000;
  }

  private ts(): string {
    return new Date(this.start + this.t * 1000).toUTCString();
  }

  private params(extra: Record<string, string>): Record<string, string> {
    return {
      AccountSid: this.carrier.opts.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: this.s.callSid,
      CallStatus: 'in-progress',
      Direction: 'inbound',
      From: this.s.from,
      To: this.s.to,
      Caller: this.s.from,
      Called: this.s.to,
      Timestamp: this.ts(),
      ...extra,
    };
  }

  /** A request whose answer matters (webhook, actions). Sent twice when duplicating; the first answer counts. */
  private async ask(url: string, params: Record<string, string>): Promise<string | null> {
    const first = await this.post(url, params);
    if (this.s.duplicate) await this.post(url, params);
    return first;
  }

  private async post(url: string, params: Record<string, string>): Promise<string | null> {
    const res = await this.carrier.deliver(url, params, (r) => this.retries.push(`${r.failure.slice(0, 200)} from ${r.path} (attempt ${r.attempt}), sent again after ${r.waitMs} ms`));
    this.requests += res.attempts;
    if (res.status >= 300) {
      this.errors.push(`${res.status} from ${url.replace(this.carrier.opts.publicUrl, '')}: ${res.body.slice(0, 200)}`);
      return null;
    }
    return res.body;
  }

  /** A callback whose answer is ignored (status, recording): held back when `late`. */
  private async notify(url: string | undefined, params: Record<string, string>): Promise<void> {
    if (!url) return;
    const send = async () => {
      await this.post(url, params);
      if (this.s.duplicate) await this.post(url, params);
    };
    if (this.s.late) this.deferred.push(send);
    else await send();
  }

  async run(): Promise<SimResult> {
    this.trace.push(`t=0 call ${this.s.from} -> ${this.s.to}`);
    const doc = await this.ask(`${this.carrier.base}/voice`, this.params({ CallStatus: 'ringing' }));
    if (doc === null) {
      this.ended = true;
      this.endStatus = 'failed';
    } else await this.execute(doc);
    this.trace.push(`t=${this.t} call ended (${this.endStatus})`);
    await this.notify(`${this.carrier.base}/status`, this.params({ CallStatus: this.endStatus, CallDuration: String(this.answeredByPlatform ? this.t : 0), CallbackSource: 'call-progress-events', SequenceNumber: String(this.seqNo++) }));
    for (const send of this.deferred.reverse()) await send();
    return { callSid: this.s.callSid, carrierStatus: this.endStatus, totalSec: this.t, requests: this.requests, trace: this.trace, errors: this.errors, retries: this.retries };
  }

  /** Rejected calls are never answered and last 0 s for the carrier. */
  private answeredByPlatform = true;

  private async execute(doc: string): Promise<void> {
    let current: string | null = doc;
    while (current !== null && !this.ended) {
      let verbs: readonly XmlNode[];
      try {
        verbs = parseTwiml(current);
      } catch (err) {
        this.errors.push((err as Error).message);
        this.ended = true;
        this.endStatus = 'failed';
        return;
      }
      current = null;
      for (const v of verbs) {
        if (this.ended) return;
        const next = await this.verb(v);
        if (next !== undefined) {
          current = next;
          break;
        }
      }
      if (current === null && !this.ended) this.hangup('completed', 'end of document');
    }
  }

  private hangup(status: string, why: string): void {
    this.ended = true;
    this.endStatus = status;
    this.trace.push(`t=${this.t} hangup: ${why}`);
  }

  private playSeconds(n: XmlNode): number {
    const loop = Math.max(1, Number(n.attrs.loop ?? 1) || 1);
    if (n.name === 'Say') return Math.max(1, Math.ceil(n.text.split(/\s+/).filter(Boolean).length / 2.5)) * loop;
    if (n.name === 'Play') return n.text ? 3 * loop : 1;
    if (n.name === 'Pause') return Math.max(0, Number(n.attrs.length ?? 1) || 1);
    return 0;
  }

  /** Runs one verb; returns a new document when an action answered with one (undefined: go on). */
  private async verb(v: XmlNode): Promise<string | null | undefined> {
    switch (v.name) {
      case 'Say':
      case 'Play':
      case 'Pause':
        this.t += this.playSeconds(v);
        this.trace.push(`t=${this.t} ${v.name.toLowerCase()} ${v.text || v.attrs.length || ''}`.trim());
        return undefined;
      case 'Hangup':
        this.hangup('completed', 'Hangup');
        return undefined;
      case 'Reject':
        this.answeredByPlatform = false;
        this.hangup(v.attrs.reason === 'busy' ? 'busy' : 'no-answer', `Reject ${v.attrs.reason ?? 'rejected'}`);
        return undefined;
      case 'Redirect': {
        this.trace.push(`t=${this.t} redirect ${v.text}`);
        const doc = await this.ask(v.text, this.params({}));
        return doc ?? undefined;
      }
      case 'Gather':
        return this.gather(v);
      case 'Record':
        return this.record(v);
      case 'Dial':
        return this.dial(v);
      default:
        this.trace.push(`t=${this.t} ignored <${v.name}>`);
        return undefined;
    }
  }

  private async gather(v: XmlNode): Promise<string | null | undefined> {
    for (const c of v.children) this.t += this.playSeconds(c);
    const numDigits = Number(v.attrs.numDigits ?? 0) || 0;
    let digits = '';
    if (this.digitsLeft) {
      if (numDigits > 0) {
        digits = this.digitsLeft.slice(0, numDigits);
        this.digitsLeft = this.digitsLeft.slice(numDigits);
      } else {
        const end = this.digitsLeft.indexOf(v.attrs.finishOnKey ?? '#');
        digits = end >= 0 ? this.digitsLeft.slice(0, end) : this.digitsLeft;
        this.digitsLeft = end >= 0 ? this.digitsLeft.slice(end + 1) : '';
      }
      this.t += 1;
    } else if (this.s.outcome === 'caller-hangup') {
      this.hangup('completed', 'caller hung up at the menu');
      return undefined;
    } else this.t += Number(v.attrs.timeout ?? 5) || 5;
    this.trace.push(`t=${this.t} gather "${digits}"`);
    if (!digits && v.attrs.actionOnEmptyResult !== 'true') return undefined;
    if (!v.attrs.action) return undefined;
    return (await this.ask(v.attrs.action, this.params({ Digits: digits, ...(digits ? { FinishedOnKey: '' } : {}) }))) ?? undefined;
  }

  private async record(v: XmlNode): Promise<string | null | undefined> {
    const silence = Number(v.attrs.timeout ?? 5) || 5;
    const maxLength = Number(v.attrs.maxLength ?? 3600) || 3600;
    const events = (v.attrs.recordingStatusCallbackEvent ?? 'completed').split(/[\s,]+/);
    if (this.s.outcome === 'caller-hangup' && this.s.voicemailSec <= 0) {
      this.hangup('completed', 'caller hung up before the beep');
      return undefined;
    }
    if (this.s.voicemailSec <= 0) {
      this.t += silence;
      this.trace.push(`t=${this.t} record: silence, no message`);
      // An empty recording calls no action; the carrier moves on to the next verb.
      if (events.includes('absent')) await this.notify(v.attrs.recordingStatusCallback, this.params({ RecordingStatus: 'absent', RecordingSid: recordingSid(0), RecordingDuration: '0', RecordingSource: 'RecordVerb' }));
      return undefined;
    }
    const duration = Math.min(maxLength, this.s.voicemailSec);
    this.t += 1 + duration;
    const rec = recordingSid(duration);
    const url = this.carrier.recordingUrl(rec);
    this.trace.push(`t=${this.t} record: ${duration} s message ${rec}`);
    // The caller hangs up after the message: the action is still requested, its answer is not run.
    this.hangup('completed', 'caller hung up after the message');
    if (v.attrs.action) await this.ask(v.attrs.action, this.params({ RecordingUrl: url, RecordingDuration: String(duration), RecordingSid: rec, Digits: 'hangup' }));
    if (events.includes('completed'))
      await this.notify(v.attrs.recordingStatusCallback, this.params({ RecordingStatus: 'completed', RecordingSid: rec, RecordingUrl: url, RecordingDuration: String(duration), RecordingChannels: '1', RecordingSource: 'RecordVerb' }));
    return undefined;
  }

  private async dial(v: XmlNode): Promise<string | null | undefined> {
    const number = v.children.find((c) => c.name === 'Number');
    const target = (number?.text ?? v.text).trim();
    const timeout = Number(v.attrs.timeout ?? 30) || 30;
    const legEvents = (number?.attrs.statusCallbackEvent ?? '').split(/[\s,]+/).filter(Boolean);
    const legUrl = number?.attrs.statusCallback;
    const child = sid('CA');
    const leg = async (event: string, status: string, extra: Record<string, string> = {}) => {
      if (!legEvents.includes(event)) return;
      await this.notify(legUrl, {
        ...this.params({ CallSid: child, ParentCallSid: this.s.callSid, CallStatus: status, Direction: 'outbound-dial', From: this.s.from, To: target, Called: target, CallbackSource: 'call-progress-events', SequenceNumber: String(this.seqNo++) }),
        ...extra,
      });
    };
    this.trace.push(`t=${this.t} dial ${target} (timeout ${timeout} s)`);
    await leg('initiated', 'initiated');
    let dialStatus: string;
    let talk = 0;
    const o = this.s.outcome;
    if (o === 'answered' && this.s.answerAfterSec <= timeout) {
      await leg('ringing', 'ringing');
      this.t += this.s.answerAfterSec;
      await leg('answered', 'in-progress');
      this.trace.push(`t=${this.t} answered`);
      talk = this.s.talkSec;
      this.t += talk;
      dialStatus = 'completed';
      await leg('completed', 'completed', { CallDuration: String(talk) });
    } else if (o === 'busy') {
      this.t += 1;
      dialStatus = 'busy';
      await leg('completed', 'busy', { CallDuration: '0' });
    } else if (o === 'failed') {
      this.t += 1;
      dialStatus = 'failed';
      await leg('completed', 'failed', { CallDuration: '0' });
    } else if (o === 'caller-hangup' && this.s.answerAfterSec < timeout) {
      await leg('ringing', 'ringing');
      this.t += this.s.answerAfterSec;
      dialStatus = 'canceled';
      await leg('completed', 'canceled', { CallDuration: '0' });
      this.hangup('completed', 'caller hung up while the answer point rang');
    } else {
      await leg('ringing', 'ringing');
      this.t += timeout;
      dialStatus = 'no-answer';
      await leg('completed', 'no-answer', { CallDuration: '0' });
    }
    this.trace.push(`t=${this.t} dial ${dialStatus}${talk ? ` after ${talk} s of talk` : ''}`);
    let recording: Record<string, string> | null = null;
    if (v.attrs.record && v.attrs.record !== 'do-not-record' && talk > 0) {
      const rec = recordingSid(talk);
      recording = { RecordingSid: rec, RecordingUrl: this.carrier.recordingUrl(rec), RecordingDuration: String(talk), RecordingChannels: v.attrs.record.endsWith('dual') ? '2' : '1', RecordingSource: 'DialVerb', RecordingStatus: 'completed' };
    }
    let next: string | null = null;
    if (v.attrs.action) {
      next = await this.ask(
        v.attrs.action,
        this.params({ DialCallStatus: dialStatus, DialCallSid: child, DialCallDuration: String(talk), DialBridged: String(talk > 0), ...(recording ? { RecordingUrl: recording.RecordingUrl, RecordingSid: recording.RecordingSid } : {}) }),
      );
    }
    if (recording && (v.attrs.recordingStatusCallbackEvent ?? 'completed').split(/[\s,]+/).includes('completed')) await this.notify(v.attrs.recordingStatusCallback, this.params(recording));
    if (this.ended || !v.attrs.action) return undefined;
    return next ?? undefined;
  }
}
