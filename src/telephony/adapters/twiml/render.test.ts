import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildCallPlan, continuation } from '../../call-plan.ts';
import { renderTwiml } from './render.ts';
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
  it('every golden document is well-formed TwiML', () => {
    for (const doc of [renderTwiml(transfer.steps, ctx), renderTwiml(ivr.steps, ctx)]) assert.ok(parseTwiml(doc).length > 0);
  });
  it('telnyx flavour clamps the ring timeout to its 5–120 s range', () => {
    const long = buildCallPlan({ ...base, type: 'transfer', target_number: '+61299998888', ring_timeout: 300 });
    assert.match(renderTwiml(long.steps, { ...ctx, flavour: telnyx }), / timeout="120"/);
    assert.match(renderTwiml(long.steps, ctx), / timeout="300"/);
  });
});
