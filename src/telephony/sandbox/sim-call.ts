import type { SandboxCarrier, SimResult, SimScript } from './sandbox-carrier.ts';
import { recordingSid, sid } from './recordings.ts';
import { parseTwiml, type XmlNode } from './twiml-parse.ts';
import { dialPhones } from './sim-phones.ts';

/** How long a sandbox caller holds in a queue when nothing says (calls without shared time). */
const HOLD_PATIENCE_SEC = 120;

/** One simulated call: plays its script against the TwiML Telltale answers, verb by verb, as a carrier would (virtual time). */
export class SimCall {
  t = 0;
  ended = false;
  private endStatus = 'completed';
  private requests = 0;
  readonly trace: string[] = [];
  private readonly errors: string[] = [];
  private readonly retries: string[] = [];
  private readonly deferred: (() => Promise<unknown>)[] = [];
  private digitsLeft: string;
  seqNo = 0;
  readonly s: Required<Omit<SimScript, 'startAt' | 'answeredUrl' | 'time' | 'hangUpAfterSec' | 'hangsUp'>> & Pick<SimScript, 'answeredUrl' | 'time' | 'hangUpAfterSec' | 'hangsUp'>;
  /** Someone answered the caller (from then on `hangUpAfterSec` no longer applies). */
  connected = false;
  private readonly start: number;

  constructor(
    readonly carrier: SandboxCarrier,
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
    } as Required<Omit<SimScript, 'startAt' | 'answeredUrl' | 'time' | 'hangUpAfterSec' | 'hangsUp'>> & Pick<SimScript, 'answeredUrl' | 'time' | 'hangUpAfterSec' | 'hangsUp'>;
    this.digitsLeft = this.s.digits;
    this.start = script.startAt ? script.startAt.getTime() : script.time ? script.time.now() : Math.floor(Date.now() / 1000) * 1000;
  }

  /** Lets `sec` seconds of the call pass: on the shared virtual time when there is one, else on the call's own. */
  async wait(sec: number): Promise<void> {
    if (!this.s.time) {
      this.t += sec;
      return;
    }
    await this.s.time.sleep(sec);
    this.t = (this.s.time.now() - this.start) / 1000;
  }

  /** The document being run is a queue's hold (it redirects back to the queue). */
  private holding = false;

  /** Seconds until the caller gives up (Infinity when they do not, or someone answered). */
  private patienceLeft(): number {
    // Without shared time a caller holding in a queue gives up after 120 s of its own time unless told otherwise.
    const patience = this.s.hangUpAfterSec ?? (this.holding && !this.s.time ? HOLD_PATIENCE_SEC : undefined);
    return patience === undefined || this.connected ? Infinity : patience - this.t;
  }

  /**
   * Waits `sec` unless the caller gives up first; says whether they did (then the call has ended). Without shared
   * time a queue's hold also takes real time (up to a second a hold), so agents can come free meanwhile.
   */
  async waitOrGiveUp(sec: number, where: string): Promise<boolean> {
    if (this.holding && !this.s.time) await new Promise((r) => setTimeout(r, Math.min(1000, sec * 1000)));
    const left = this.patienceLeft();
    if (left >= sec) {
      await this.wait(sec);
      return false;
    }
    await this.wait(Math.max(0, left));
    this.hangup('completed', `caller hung up ${where}`);
    return true;
  }

  private ts(): string {
    return new Date(this.start + this.t * 1000).toUTCString();
  }

  params(extra: Record<string, string>): Record<string, string> {
    return {
      AccountSid: this.carrier.opts.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: this.s.callSid,
      CallStatus: 'in-progress',
      Direction: this.s.answeredUrl ? 'outbound-api' : 'inbound',
      From: this.s.from,
      To: this.s.to,
      Caller: this.s.from,
      Called: this.s.to,
      Timestamp: this.ts(),
      ...extra,
    };
  }

  /** A request whose answer matters (webhook, actions). Sent twice when duplicating; the first answer counts. */
  async ask(url: string, params: Record<string, string>): Promise<string | null> {
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
  async notify(url: string | undefined, params: Record<string, string>): Promise<void> {
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
    // A call the carrier placed itself asks for its TwiML once the called party answered; an incoming one while it rings.
    const doc = this.s.answeredUrl ? await this.ask(this.s.answeredUrl, this.params({ CallStatus: 'in-progress' })) : await this.ask(`${this.carrier.base}/voice`, this.params({ CallStatus: 'ringing' }));
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
      // A queue's hold document (it redirects back to the queue): see waitOrGiveUp.
      this.holding = verbs.some((v) => v.name === 'Redirect' && v.text.includes('/queue?'));
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

  hangup(status: string, why: string): void {
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
        if (await this.waitOrGiveUp(this.playSeconds(v), `during <${v.name}>`)) return undefined;
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
    for (const c of v.children) await this.wait(this.playSeconds(c));
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
      await this.wait(1);
    } else if (this.s.outcome === 'caller-hangup') {
      this.hangup('completed', 'caller hung up at the menu');
      return undefined;
    } else await this.wait(Number(v.attrs.timeout ?? 5) || 5);
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
      await this.wait(silence);
      this.trace.push(`t=${this.t} record: silence, no message`);
      // An empty recording calls no action; the carrier moves on to the next verb.
      if (events.includes('absent')) await this.notify(v.attrs.recordingStatusCallback, this.params({ RecordingStatus: 'absent', RecordingSid: recordingSid(0), RecordingDuration: '0', RecordingSource: 'RecordVerb' }));
      return undefined;
    }
    const duration = Math.min(maxLength, this.s.voicemailSec);
    await this.wait(1 + duration);
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
    const legs = v.children.filter((c) => c.name === 'Number' || c.name === 'Sip');
    if (legs.length > 1 || legs.some((c) => this.carrier.phones.has(c.text.trim())) || (v.attrs.action ?? '').includes('qc=')) return dialPhones(this, v, legs);
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
    this.trace.push(`t=${this.t} dial ${target} (timeout ${timeout} s${v.attrs.callerId ? `, caller id ${v.attrs.callerId}` : ''})`);
    await leg('initiated', 'initiated');
    let dialStatus: string;
    let talk = 0;
    const o = this.s.outcome;
    if (o === 'answered' && this.s.answerAfterSec <= timeout) {
      await leg('ringing', 'ringing');
      await this.wait(this.s.answerAfterSec);
      await leg('answered', 'in-progress');
      this.trace.push(`t=${this.t} answered`);
      talk = this.s.talkSec;
      await this.wait(talk);
      dialStatus = 'completed';
      await leg('completed', 'completed', { CallDuration: String(talk) });
    } else if (o === 'busy') {
      await this.wait(1);
      dialStatus = 'busy';
      await leg('completed', 'busy', { CallDuration: '0' });
    } else if (o === 'failed') {
      await this.wait(1);
      dialStatus = 'failed';
      await leg('completed', 'failed', { CallDuration: '0' });
    } else if (o === 'caller-hangup' && this.s.answerAfterSec < timeout) {
      await leg('ringing', 'ringing');
      await this.wait(this.s.answerAfterSec);
      dialStatus = 'canceled';
      await leg('completed', 'canceled', { CallDuration: '0' });
      this.hangup('completed', 'caller hung up while the answer point rang');
    } else {
      await leg('ringing', 'ringing');
      await this.wait(timeout);
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
