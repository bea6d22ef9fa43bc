import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildCallPlan, continuation } from '../../call-plan.ts';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse.js';
import { EMPTY_TWIML, HANGUP_TWIML, rejectTwiml, renderTwiml } from './render.ts';
import { twilio, telnyx } from './flavours.ts';
import { parseTwiml } from '../../sandbox/twiml-parse.ts';

const ctx = { callbackBase: 'https://tt.example.com/carrier/twilio', flavour: twilio, trackingNumber: '+61290001000' };
const base = { target_number: null, target_name: null, prompt_url: null, prompt_text: null };
const transfer = buildCallPlan({ ...base, type: 'transfer', target_number: '+61299998888', ring_timeout: 20, record: 1, voicemail_fallback: 1 });
const ivr = buildCallPlan({ ...base, type: 'ivr', ivr_options: JSON.stringify([{ digit: '1', name: 'Sales', target_number: '+61299990001' }, { digit: '2', name: 'Support' }]) });

describe('TwiML golden documents per service type', () => {
  it('transfer: rings the answer point with its ring timeout, records from answer and reports the leg', () => {
    assert.equal(renderTwiml(transfer.steps, ctx), '<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="https://tt.example.com/carrier/twilio/dial?step=0" method="POST" timeout="20" answerOnBridge="true" record="record-from-answer-dual" recordingStatusCallback="https://tt.example.com/carrier/twilio/recording?step=0&amp;kind=call" recordingStatusCallbackMethod="POST" recordingStatusCallbackEvent="completed absent"><Number statusCallback="https://tt.example.com/carrier/twilio/leg?step=0" statusCallbackMethod="POST" statusCallbackEvent="answered completed">+61299998888</Number></Dial></Response>');
  });
  it('transfer: busy / no answer falls back to the voicemail greeting and a Record followed by Hangup', () => {
    assert.equal(renderTwiml(continuation(transfer, '0', { kind: 'transfer', answered: false }), ctx), '<?xml version="1.0" encoding="UTF-8"?><Response><Say voice="alice" language="en-AU">Please leave a message after the tone.</Say><Record action="https://tt.example.com/carrier/twilio/record?step=0.f.1" method="POST" maxLength="120" playBeep="true" finishOnKey="#" timeout="5" recordingStatusCallback="https://tt.example.com/carrier/twilio/recording?step=0.f.1&amp;kind=voicemail" recordingStatusCallbackMethod="POST" recordingStatusCallbackEvent="completed absent"/><Hangup/></Response>');
  });
  it('transfer: answered, the call ends after the dial', () => {
    assert.equal(renderTwiml(continuation(transfer, '0', { kind: 'transfer', answered: true }), ctx), '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');
  });
  it('voicemail: plays the prompt recording, then records with action, status callback and a Hangup after Record', () => {
    assert.equal(renderTwiml(buildCallPlan({ ...base, type: 'voicemail', prompt_url: 'https://cdn.example.com/vm.mp3' }).steps, ctx), '<?xml version="1.0" encoding="UTF-8"?><Response><Play>https://cdn.example.com/vm.mp3</Play><Record action="https://tt.example.com/carrier/twilio/record?step=1" method="POST" maxLength="120" playBeep="true" finishOnKey="#" timeout="5" recordingStatusCallback="https://tt.example.com/carrier/twilio/recording?step=1&amp;kind=voicemail" recordingStatusCallbackMethod="POST" recordingStatusCallbackEvent="completed absent"/><Hangup/></Response>');
  });
  it('prompt: speaks the text (XML-escaped) and hangs up', () => {
    assert.equal(renderTwiml(buildCallPlan({ ...base, type: 'prompt', prompt_text: 'Thanks for calling Acme & Co.' }).steps, ctx), '<?xml version="1.0" encoding="UTF-8"?><Response><Say voice="alice" language="en-AU">Thanks for calling Acme &amp; Co.</Say><Hangup/></Response>');
  });
  it('ivr: gathers one digit with actionOnEmptyResult around the generated menu', () => {
    assert.equal(renderTwiml(ivr.steps, ctx), '<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="https://tt.example.com/carrier/twilio/gather?step=0" method="POST" input="dtmf" numDigits="1" timeout="5" actionOnEmptyResult="true"><Say voice="alice" language="en-AU">For Sales, press 1. For Support, press 2.</Say></Gather></Response>');
  });
  it("ivr: digit 1 transfers to the option's answer point", () => {
    assert.equal(renderTwiml(continuation(ivr, '0', { kind: 'gather', digits: '1' }), ctx), '<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="https://tt.example.com/carrier/twilio/dial?step=0.b0.0" method="POST" timeout="30" answerOnBridge="true"><Number statusCallback="https://tt.example.com/carrier/twilio/leg?step=0.b0.0" statusCallbackMethod="POST" statusCallbackEvent="answered completed">+61299990001</Number></Dial></Response>');
  });
  it('ivr: digit 2 (no answer point) takes a voicemail', () => {
    assert.equal(renderTwiml(continuation(ivr, '0', { kind: 'gather', digits: '2' }), ctx), '<?xml version="1.0" encoding="UTF-8"?><Response><Say voice="alice" language="en-AU">Please leave a message after the tone.</Say><Record action="https://tt.example.com/carrier/twilio/record?step=0.b1.1" method="POST" maxLength="120" playBeep="true" finishOnKey="#" timeout="5" recordingStatusCallback="https://tt.example.com/carrier/twilio/recording?step=0.b1.1&amp;kind=voicemail" recordingStatusCallbackMethod="POST" recordingStatusCallbackEvent="completed absent"/><Hangup/></Response>');
  });
  it('ivr: no input and no service target hangs up', () => {
    assert.equal(renderTwiml(continuation(ivr, '0', { kind: 'gather', digits: '' }), ctx), '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');
  });
  // Our sandbox carrier reads them (its own parser); the independent checks are in the next block.
  it('the sandbox carrier parses every golden document', () => {
    for (const doc of [renderTwiml(transfer.steps, ctx), renderTwiml(ivr.steps, ctx)]) assert.ok(parseTwiml(doc).length > 0);
  });
  it('telnyx flavour clamps the ring timeout to its 5–120 s range', () => {
    const long = buildCallPlan({ ...base, type: 'transfer', target_number: '+61299998888', ring_timeout: 300 });
    assert.match(renderTwiml(long.steps, { ...ctx, flavour: telnyx }), / timeout="120"/);
    assert.match(renderTwiml(long.steps, ctx), / timeout="300"/);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Independent checks. The goldens above are our own output: here every document the renderer can produce is read back
// by fast-xml-parser used directly (XMLValidator, then XMLParser; not the sandbox's wrapper), every element and
// attribute is looked up in a table typed out by hand from Twilio's TwiML reference (twilio.com/docs/voice/twiml:
// Dial, Number, Say, Play, Record, Gather, Hangup, Reject, Pause, Redirect), and the main documents are rebuilt with the
// twilio package's own VoiceResponse builder and compared as XML trees.
// ---------------------------------------------------------------------------------------------------------------------

type Check = (v: string) => boolean;
const oneOf = (...xs: string[]): Check => (v) => xs.includes(v);
const bool = oneOf('true', 'false');
const httpMethod = oneOf('GET', 'POST');
/** Absolute URL (the renderer never emits relative ones; Twilio accepts both). */
const url: Check = (v) => {
  try {
    return ['https:', 'http:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
};
const int = (lo: number, hi = Number.MAX_SAFE_INTEGER): Check => (v) => /^\d+$/.test(v) && Number(v) >= lo && Number(v) <= hi;
/** A space-separated list of distinct events, each one of those documented. */
const events = (...xs: string[]): Check => (v) => {
  const list = v.split(' ');
  return list.length > 0 && list.every((x) => xs.includes(x)) && new Set(list).size === list.length;
};
const keys: Check = (v) => /^[0-9#*]*$/.test(v);
const e164: Check = (v) => /^\+[1-9]\d{6,14}$/.test(v);
const bcp47: Check = (v) => /^[a-z]{2,3}(-[A-Z]{2})?$/.test(v);

interface VerbSpec {
  attrs: Record<string, Check>;
  children: string[];
  /** What the element's text may be: nothing, a URL, an E.164 number, or words to speak. */
  text: 'none' | 'url' | 'e164' | 'speech';
}

/** What Twilio documents per verb and noun: attribute names with their allowed values, and the allowed children. */
const TWILIO: Record<string, VerbSpec> = {
  Response: { attrs: {}, children: ['Say', 'Play', 'Dial', 'Record', 'Gather', 'Hangup', 'Reject', 'Pause', 'Redirect'], text: 'none' },
  Say: {
    // man / woman / Polly.* / Google.* in the reference; alice is retired from the pages but still in twilio@6's SayVoice.
    attrs: { voice: (v) => ['man', 'woman', 'alice'].includes(v) || /^(Polly|Google)\.[\w-]+$/.test(v), language: bcp47, loop: int(0) },
    children: [],
    text: 'speech',
  },
  Play: { attrs: { loop: int(0), digits: (v) => /^[0-9w#*]+$/.test(v) }, children: [], text: 'url' },
  Dial: {
    attrs: {
      action: url,
      method: httpMethod,
      timeout: int(1), // "a positive integer, in seconds" (warning 13212); the flavour's range is checked apart.
      hangupOnStar: bool,
      timeLimit: int(1, 14400),
      callerId: e164,
      record: oneOf('do-not-record', 'record-from-answer', 'record-from-ringing', 'record-from-answer-dual', 'record-from-ringing-dual'),
      trim: oneOf('trim-silence', 'do-not-trim'),
      recordingStatusCallback: url,
      recordingStatusCallbackMethod: httpMethod,
      recordingStatusCallbackEvent: events('in-progress', 'completed', 'absent'),
      recordingTrack: oneOf('both', 'inbound', 'outbound'),
      answerOnBridge: bool,
      ringTone: (v) => /^[a-z]{2}(-old)?$/.test(v),
    },
    children: ['Number', 'Client', 'Sip', 'Conference', 'Queue'],
    text: 'none',
  },
  Number: {
    attrs: {
      sendDigits: (v) => /^[0-9w#*]+$/.test(v),
      url,
      method: httpMethod,
      statusCallback: url,
      statusCallbackMethod: httpMethod,
      statusCallbackEvent: events('initiated', 'ringing', 'answered', 'completed'),
      machineDetection: oneOf('Enable', 'DetectMessageEnd'),
    },
    children: [],
    text: 'e164',
  },
  Record: {
    attrs: {
      action: url,
      method: httpMethod,
      timeout: int(0),
      finishOnKey: keys,
      maxLength: int(1),
      playBeep: bool,
      trim: oneOf('trim-silence', 'do-not-trim'),
      recordingStatusCallback: url,
      recordingStatusCallbackMethod: httpMethod,
      recordingStatusCallbackEvent: events('in-progress', 'completed', 'absent'),
      transcribe: bool,
      transcribeCallback: url,
    },
    children: [],
    text: 'none',
  },
  Gather: {
    attrs: {
      action: url,
      method: httpMethod,
      input: oneOf('dtmf', 'speech', 'dtmf speech'),
      numDigits: int(1),
      timeout: int(1),
      finishOnKey: keys,
      actionOnEmptyResult: bool,
      language: bcp47,
      speechTimeout: (v) => v === 'auto' || int(0)(v),
    },
    children: ['Say', 'Play', 'Pause'],
    text: 'none',
  },
  Hangup: { attrs: {}, children: [], text: 'none' },
  Reject: { attrs: { reason: oneOf('rejected', 'busy') }, children: [], text: 'none' },
  Pause: { attrs: { length: int(1) }, children: [], text: 'none' },
  Redirect: { attrs: { method: httpMethod }, children: [], text: 'url' },
};

type Ordered = Record<string, unknown>;
const xml = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', parseAttributeValue: false, parseTagValue: false, trimValues: false, processEntities: true });

interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}
function elements(items: Ordered[]): El[] {
  return items.flatMap((item) => {
    const name = Object.keys(item).find((k) => k !== ':@')!;
    if (name === '#text' || name.startsWith('?')) return [];
    const kids = item[name] as Ordered[];
    return [{ name, attrs: (item[':@'] as Record<string, string>) ?? {}, children: elements(kids), text: kids.filter((k) => '#text' in k).map((k) => String(k['#text'])).join('') }];
  });
}

/** Parses a document with fast-xml-parser directly and checks it against the hand-written Twilio table; returns the tree. */
function checkTwiml(doc: string, dialTimeout: [number, number] = [5, 600]): El {
  assert.equal(XMLValidator.validate(doc), true, `well-formed XML: ${doc}`);
  assert.ok(doc.startsWith('<?xml version="1.0" encoding="UTF-8"?>'), 'XML declaration with UTF-8');
  const top = elements(xml.parse(doc) as Ordered[]);
  assert.deepEqual(top.map((e) => e.name), ['Response'], 'one root element, <Response>');
  const walk = (el: El, path: string) => {
    const spec = TWILIO[el.name];
    assert.ok(spec, `${path}: <${el.name}> is a TwiML verb or noun`);
    for (const [k, v] of Object.entries(el.attrs)) {
      assert.ok(k in spec.attrs, `${path}: ${k} is a documented attribute of <${el.name}>`);
      assert.ok(spec.attrs[k](v), `${path}: ${k}="${v}" is an allowed value`);
    }
    for (const c of el.children) assert.ok(spec.children.includes(c.name), `${path}: <${c.name}> may be nested in <${el.name}>`);
    const text = el.text.trim();
    if (spec.text === 'none') assert.equal(text, '', `${path}: <${el.name}> has no text`);
    if (spec.text === 'url') assert.ok(url(text), `${path}: <${el.name}> holds a URL (${text})`);
    if (spec.text === 'e164') assert.ok(e164(text), `${path}: <${el.name}> holds an E.164 number (${text})`);
    if (spec.text === 'speech') assert.ok(text.length > 0 && text.length <= 4096, `${path}: <${el.name}> has words to say`);
    if (el.name === 'Dial') {
      assert.ok(el.children.length >= 1 && el.children.length <= 10, `${path}: <Dial> rings 1 to 10 numbers`);
      const t = Number(el.attrs.timeout ?? 30);
      assert.ok(t >= dialTimeout[0] && t <= dialTimeout[1], `${path}: <Dial timeout="${t}"> within the carrier's ${dialTimeout.join('–')} s`);
    }
    el.children.forEach((c, i) => {
      // An empty recording calls no action and Twilio runs the next verb: a <Record> is never the last verb.
      if (c.name === 'Record') assert.ok(i < el.children.length - 1, `${path}: a verb follows <Record>`);
      // <Reject> refuses the call before it is answered: it is the only verb.
      if (c.name === 'Reject') assert.equal(el.children.length, 1, `${path}: <Reject> stands alone`);
      walk(c, `${path}/${c.name}[${i}]`);
    });
  };
  walk(top[0], 'Response');
  return top[0];
}

/** Every document the renderer produces for the plans of every service type and each outcome of their steps. */
function allDocuments(): { name: string; doc: string }[] {
  const out: { name: string; doc: string }[] = [];
  const add = (name: string, doc: string) => out.push({ name, doc });
  const voicemail = buildCallPlan({ ...base, type: 'voicemail', prompt_url: 'https://cdn.example.com/vm.mp3' });
  const voicemailText = buildCallPlan({ ...base, type: 'voicemail', prompt_text: 'Leave a message <after> the "tone" & we\'ll call back' });
  const prompt = buildCallPlan({ ...base, type: 'prompt', prompt_text: 'Thanks for calling Acme & Co.' });
  const promptAudio = buildCallPlan({ ...base, type: 'prompt', prompt_url: 'https://cdn.example.com/p.mp3?a=1&b=2' });
  const ivrWithTarget = buildCallPlan({ ...base, type: 'ivr', target_number: '+61299997777', ivr_options: JSON.stringify([{ digit: '1', name: 'Sales', target_number: '+61299990001' }]) });
  const plain = buildCallPlan({ ...base, type: 'transfer', target_number: '+61299998888' });
  add('transfer', renderTwiml(transfer.steps, ctx));
  add('transfer, not answered', renderTwiml(continuation(transfer, '0', { kind: 'transfer', answered: false }), ctx));
  add('transfer, answered', renderTwiml(continuation(transfer, '0', { kind: 'transfer', answered: true }), ctx));
  add('transfer, no recording or fallback', renderTwiml(plain.steps, ctx));
  add('transfer, no recording or fallback, not answered', renderTwiml(continuation(plain, '0', { kind: 'transfer', answered: false }), ctx));
  add('voicemail (audio)', renderTwiml(voicemail.steps, ctx));
  add('voicemail (text)', renderTwiml(voicemailText.steps, ctx));
  add('prompt (text)', renderTwiml(prompt.steps, ctx));
  add('prompt (audio)', renderTwiml(promptAudio.steps, ctx));
  add('ivr', renderTwiml(ivr.steps, ctx));
  for (const digits of ['1', '2', '9', '']) add(`ivr, digits "${digits}"`, renderTwiml(continuation(ivr, '0', { kind: 'gather', digits }), ctx));
  add('ivr with a service target, no input', renderTwiml(continuation(ivrWithTarget, '0', { kind: 'gather', digits: '' }), ctx));
  // Steps with every option the renderer knows, beyond what buildCallPlan sets today.
  add(
    'every transfer option',
    renderTwiml([{ kind: 'transfer', id: '0', targets: ['+61299998888', '+61299997777'], targetName: null, ringTimeoutSec: 25, record: true, callerId: 'tracking', timeLimitSec: 3600 }], ctx),
  );
  add('play with voice and loop, then reject', renderTwiml([{ kind: 'play', id: '0', text: 'Closed', voice: 'Polly.Nicole', loop: 2 }, { kind: 'play', id: '1', audioUrl: 'https://cdn.example.com/x.mp3', loop: 3 }], ctx));
  add('record with no silence timeout of its own', renderTwiml([{ kind: 'record', id: '0', maxLengthSec: 60, beep: false }], ctx));
  add('reject busy (step)', renderTwiml([{ kind: 'reject', id: '0', reason: 'busy' }], ctx));
  add('hangup (step)', renderTwiml([{ kind: 'hangup', id: '0' }], ctx));
  add('no steps', renderTwiml([], ctx));
  add('language', renderTwiml(prompt.steps, { ...ctx, language: 'en-GB' }));
  add('HANGUP_TWIML', HANGUP_TWIML);
  add('EMPTY_TWIML', EMPTY_TWIML);
  add('rejectTwiml(busy)', rejectTwiml('busy'));
  add('rejectTwiml(rejected)', rejectTwiml('rejected'));
  return out;
}

describe('TwiML checked against Twilio’s documentation with an independent parser', () => {
  it('every document is well-formed XML whose verbs, nouns, attributes, values and nesting Twilio documents', () => {
    const docs = allDocuments();
    assert.equal(docs.length, 26);
    for (const { name, doc } of docs) {
      try {
        checkTwiml(doc);
      } catch (err) {
        throw new Error(`${name}: ${(err as Error).message}`, { cause: err });
      }
    }
  });

  it('the same documents for Telnyx stay inside its 5–120 s <Dial timeout>', () => {
    const long = buildCallPlan({ ...base, type: 'transfer', target_number: '+61299998888', ring_timeout: 300 });
    const short = buildCallPlan({ ...base, type: 'transfer', target_number: '+61299998888', ring_timeout: 1 });
    for (const plan of [long, short, transfer]) checkTwiml(renderTwiml(plan.steps, { ...ctx, flavour: telnyx }), [5, 120]);
    assert.equal(checkTwiml(renderTwiml(short.steps, ctx)).children[0].attrs.timeout, '5');
  });

  it('the checker refuses what Twilio does not document (it is not a rubber stamp)', () => {
    const bad = [
      '<?xml version="1.0" encoding="UTF-8"?><Response><Dial timeout="20"><Number>+61299998888</Number></Response>', // not well-formed
      '<?xml version="1.0" encoding="UTF-8"?><Response><Dial ringTimeout="20"><Number>+61299998888</Number></Dial></Response>', // unknown attribute
      '<?xml version="1.0" encoding="UTF-8"?><Response><Dial record="true"><Number>+61299998888</Number></Dial></Response>', // record="true" is not a value
      '<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Number statusCallbackEvent="answered hangup">+61299998888</Number></Dial></Response>',
      '<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Number>0299998888</Number></Dial></Response>', // not E.164
      '<?xml version="1.0" encoding="UTF-8"?><Response><Gather><Dial><Number>+61299998888</Number></Dial></Gather></Response>', // Dial inside Gather
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Bye</Say><Record action="https://x.example/r"/></Response>', // Record last
      '<?xml version="1.0" encoding="UTF-8"?><Response><Reject reason="no"/></Response>',
      '<?xml version="1.0" encoding="UTF-8"?><Response><Play>not a url</Play></Response>',
      '<?xml version="1.0" encoding="UTF-8"?><Response><Speak>Plivo</Speak></Response>', // not TwiML
      '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response><Response/>', // two roots
    ];
    for (const doc of bad) assert.throws(() => checkTwiml(doc), assert.AssertionError, doc);
    assert.throws(() => checkTwiml(renderTwiml(buildCallPlan({ ...base, type: 'transfer', target_number: '+61299998888', ring_timeout: 300 }).steps, ctx), [5, 120]), assert.AssertionError);
  });

  it('the main documents equal, as XML trees, what the twilio package’s VoiceResponse builds from the same intent', () => {
    const cb = (kind: string, step: string) => `https://tt.example.com/carrier/twilio/${kind}?step=${step}`;
    const tree = (doc: string) => checkTwiml(doc);
    const dial = (step: string, timeout: number, record: boolean, number: string) => {
      const r = new VoiceResponse();
      const d = r.dial({
        action: cb('dial', step),
        method: 'POST',
        timeout,
        answerOnBridge: true,
        ...(record ? { record: 'record-from-answer-dual' as const, recordingStatusCallback: `${cb('recording', step)}&kind=call`, recordingStatusCallbackMethod: 'POST' as const, recordingStatusCallbackEvent: ['completed' as const, 'absent' as const] } : {}),
      });
      d.number({ statusCallback: cb('leg', step), statusCallbackMethod: 'POST', statusCallbackEvent: ['answered', 'completed'] }, number);
      return r.toString();
    };
    const voicemail = (step: string, greeting: (r: VoiceResponse) => void) => {
      const r = new VoiceResponse();
      greeting(r);
      r.record({
        action: cb('record', step),
        method: 'POST',
        maxLength: 120,
        playBeep: true,
        finishOnKey: '#',
        timeout: 5,
        recordingStatusCallback: `${cb('recording', step)}&kind=voicemail`,
        recordingStatusCallbackMethod: 'POST',
        recordingStatusCallbackEvent: ['completed', 'absent'],
      });
      r.hangup();
      return r.toString();
    };
    const say = (text: string) => (r: VoiceResponse) => r.say({ voice: 'alice', language: 'en-AU' }, text);
    const hangup = () => {
      const r = new VoiceResponse();
      r.hangup();
      return r.toString();
    };
    const prompt = new VoiceResponse();
    prompt.say({ voice: 'alice', language: 'en-AU' }, 'Thanks for calling Acme & Co.');
    prompt.hangup();
    const menu = new VoiceResponse();
    menu.gather({ action: cb('gather', '0'), method: 'POST', input: ['dtmf'], numDigits: 1, timeout: 5, actionOnEmptyResult: true }).say({ voice: 'alice', language: 'en-AU' }, 'For Sales, press 1. For Support, press 2.');
    const reject = new VoiceResponse();
    reject.reject({ reason: 'busy' });

    const pairs: [string, string, string][] = [
      ['transfer', renderTwiml(transfer.steps, ctx), dial('0', 20, true, '+61299998888')],
      ['transfer, not answered', renderTwiml(continuation(transfer, '0', { kind: 'transfer', answered: false }), ctx), voicemail('0.f.1', say('Please leave a message after the tone.'))],
      ['transfer, answered', renderTwiml(continuation(transfer, '0', { kind: 'transfer', answered: true }), ctx), hangup()],
      ['voicemail', renderTwiml(buildCallPlan({ ...base, type: 'voicemail', prompt_url: 'https://cdn.example.com/vm.mp3' }).steps, ctx), voicemail('1', (r) => r.play('https://cdn.example.com/vm.mp3'))],
      ['prompt', renderTwiml(buildCallPlan({ ...base, type: 'prompt', prompt_text: 'Thanks for calling Acme & Co.' }).steps, ctx), prompt.toString()],
      ['ivr', renderTwiml(ivr.steps, ctx), menu.toString()],
      ['ivr, digit 1', renderTwiml(continuation(ivr, '0', { kind: 'gather', digits: '1' }), ctx), dial('0.b0.0', 30, false, '+61299990001')],
      ['ivr, digit 2', renderTwiml(continuation(ivr, '0', { kind: 'gather', digits: '2' }), ctx), voicemail('0.b1.1', say('Please leave a message after the tone.'))],
      ['reject', rejectTwiml('busy'), reject.toString()],
      ['hangup', HANGUP_TWIML, hangup()],
    ];
    for (const [name, ours, sdk] of pairs) assert.deepEqual(tree(ours), tree(sdk), name);
  });
});
