import { request } from 'undici';
import { AppError } from '../../domain/errors.ts';
import { twilioSignature } from '../adapters/twiml/signature.ts';
import { SimCall } from './sim-call.ts';
import { sid } from './recordings.ts';
import type { SimTime } from './virtual-time.ts';

/** How the sandbox reaches Telltale: real HTTP to TT_PUBLIC_URL, or in-process through the server (`inject`). */
export interface SandboxTransport {
  post(url: string, form: string, headers: Record<string, string>): Promise<{ status: number; body: string }>;
}

export type SimOutcome = 'answered' | 'busy' | 'no-answer' | 'failed' | 'caller-hangup';
export const SIM_OUTCOMES: SimOutcome[] = ['answered', 'busy', 'no-answer', 'failed', 'caller-hangup'];

/**
 * What the agent's phone does in a click-to-call: answers (then the customer is dialled), does not answer, is busy,
 * fails, or the agent hangs up while it rings, before the call is put through (carrier status `canceled`).
 */
export type AgentOutcome = 'answered' | 'no-answer' | 'busy' | 'failed' | 'hangup';
export const AGENT_OUTCOMES: AgentOutcome[] = ['answered', 'no-answer', 'busy', 'failed', 'hangup'];
const AGENT_CARRIER_STATUS: Record<Exclude<AgentOutcome, 'answered'>, string> = { 'no-answer': 'no-answer', busy: 'busy', failed: 'failed', hangup: 'canceled' };

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
  /**
   * A call the carrier placed itself (click-to-call): the URL it requests once the called party (`to`, the agent)
   * answers, instead of the incoming-call webhook; `from` is the caller id it shows. Direction `outbound-api`.
   */
  answeredUrl?: string;
  /** Shared virtual time (a scripted call-centre day): the call's waits are sleeps on it, its timestamps its instants. */
  time?: SimTime;
  /** The caller hangs up this many seconds after the call started unless someone answered by then (holding in a queue, at a prompt, or while an agent rings). */
  hangUpAfterSec?: number;
  /** Who ends an answered call after the talk: the caller (the carrier reports the caller gone, CallStatus completed) or the answer point. Default: the answer point, and the call goes on with Telltale's next document. */
  hangsUp?: 'caller' | 'agent';
}

/** An answer point the sandbox plays the same way on every call (call-centre agents): answers after some seconds, or does not answer, is busy, fails. */
export interface SimPhone {
  outcome: 'answered' | 'no-answer' | 'busy' | 'failed';
  answerAfterSec?: number;
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

  /** Answer points the sandbox plays by their own behaviour (agents), whatever the call's script says. */
  readonly phones = new Map<string, SimPhone>();

  /** Legs ringing or connected per answer point now, and every time a phone was dialled while it already had one. */
  readonly phoneLegs = new Map<string, number>();
  readonly doubleOffers: string[] = [];
  /** Told whenever a call's `<Dial>` rings sandbox phones (benchmarks time the offer with it). */
  readonly dialObservers = new Set<(callSid: string, targets: string[]) => void>();

  setPhone(answerPoint: string, phone: SimPhone | null): void {
    if (phone) this.phones.set(answerPoint, phone);
    else this.phones.delete(answerPoint);
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

  /**
   * Click-to-call's agent leg (the AgentLegDialer port): the sandbox "rings" the agent and waits; the agent's answer
   * is played by `placeOutbound` (the route `POST /sandbox/v1/outbound/{id}`), so a test or a demo drives it.
   */
  async ringAgent(_leg: { id: string; from: string; to: string; answeredUrl: string; statusCallbackUrl: string }): Promise<void> {}

  async placeCall(script: SimScript): Promise<SimResult> {
    return new SimCall(this, script).run();
  }

  /**
   * Click-to-call, as a carrier's REST "create call" would run it: rings the agent from the service's number and,
   * once the agent answers (after `agentAnswerAfterSec`), requests `answeredUrl` and runs the TwiML it answers (a
   * <Dial> of the customer, whose side `script` plays: outcome, answerAfterSec, talkSec). The agent leg's start is
   * the sandbox's own (Telltale's REST client for real carriers comes with the carrier issue).
   */
  async placeOutbound(
    leg: { answeredUrl: string; statusCallbackUrl: string; from: string; agent: string; agentAnswerAfterSec?: number; agentOutcome?: AgentOutcome },
    script: Omit<SimScript, 'to' | 'from' | 'answeredUrl'> = {},
  ): Promise<SimResult> {
    if (leg.agentOutcome && leg.agentOutcome !== 'answered') return this.agentLegUnanswered(leg, leg.agentOutcome, script.startAt);
    const startAt = new Date((script.startAt ? script.startAt.getTime() : Math.floor(Date.now() / 1000) * 1000) + (leg.agentAnswerAfterSec ?? 3) * 1000);
    return new SimCall(this, { ...script, to: leg.agent, from: leg.from, answeredUrl: leg.answeredUrl, startAt }).run();
  }

  /**
   * The agent's leg ends without an answer: after ringing `agentAnswerAfterSec` (default 3; no-answer: 60, a
   * carrier's ring timeout) the carrier posts the leg's final CallStatus to its status callback, as for a call it
   * placed through its REST API. No TwiML is requested.
   */
  private async agentLegUnanswered(leg: { statusCallbackUrl: string; from: string; agent: string; agentAnswerAfterSec?: number }, outcome: Exclude<AgentOutcome, 'answered'>, at?: Date): Promise<SimResult> {
    const callSid = sid('CA');
    const ringSec = leg.agentAnswerAfterSec ?? (outcome === 'no-answer' ? 60 : 3);
    const start = at ? at.getTime() : Math.floor(Date.now() / 1000) * 1000;
    const status = AGENT_CARRIER_STATUS[outcome];
    const trace = [`t=0 call ${leg.from} -> ${leg.agent} (agent leg)`, `t=${ringSec} agent leg ended (${status}) before it was answered`];
    const errors: string[] = [];
    const res = await this.deliver(leg.statusCallbackUrl, {
      AccountSid: this.opts.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: callSid,
      CallStatus: status,
      CallDuration: '0',
      Direction: 'outbound-api',
      From: leg.from,
      To: leg.agent,
      Caller: leg.from,
      Called: leg.agent,
      CallbackSource: 'call-progress-events',
      SequenceNumber: '0',
      Timestamp: new Date(start + ringSec * 1000).toUTCString(),
    });
    if (res.status >= 300) errors.push(`${res.status} from ${leg.statusCallbackUrl.replace(this.opts.publicUrl, '')}: ${res.body.slice(0, 200)}`);
    return { callSid, carrierStatus: status, totalSec: 0, requests: res.attempts, trace, errors, retries: [] };
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

export { recordingDurationOf, recordingSid, sandboxRecordingWav } from './recordings.ts';
