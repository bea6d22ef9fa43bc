import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildClickToCallPlan } from '../../call-plan.ts';
import { twilio } from './flavours.ts';
import { renderTwiml } from './render.ts';

describe('click-to-call TwiML', () => {
  const ctx = { callbackBase: 'https://tt.example.com/carrier/twilio', flavour: twilio, trackingNumber: '+61290006001' };

  it('answers the agent leg with a <Dial> of the customer, the service’s number as callerId, its leg and dial callbacks', () => {
    const xml = renderTwiml(buildClickToCallPlan('+61412340001', { ring_timeout: 25, record: 0 }).steps, ctx);
    assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?><Response><Dial [^>]*callerId="\+61290006001"/);
    assert.match(xml, /<Dial [^>]*action="https:\/\/tt.example.com\/carrier\/twilio\/dial\?step=0"/);
    assert.match(xml, /<Dial [^>]*timeout="25"/);
    assert.match(xml, /<Number statusCallback="https:\/\/tt.example.com\/carrier\/twilio\/leg\?step=0"[^>]*>\+61412340001<\/Number><\/Dial><\/Response>$/);
    assert.doesNotMatch(xml, /record=/);
  });

  it('records the conversation when the service records its calls, and rings 30 s by default', () => {
    const xml = renderTwiml(buildClickToCallPlan('+61412340001', { record: 1 }).steps, ctx);
    assert.match(xml, /record="record-from-answer-dual"/);
    assert.match(xml, /timeout="30"/);
  });
});
