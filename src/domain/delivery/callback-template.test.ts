import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { callbackValues, renderTemplate, unknownTags, type CallForTags } from './callback-template.ts';

const call: CallForTags = {
  id: 67643772,
  unique_id: 'ECS8-1590476401.423578',
  direction: 'call-in',
  tracking_number: '+61289996235',
  tracking_name: null,
  target_number: '+61289995916',
  target_name: 'Target Name',
  caller_number: '+61290088888',
  caller_withheld: 0,
  caller_location: 'Sydney',
  caller_state: 'NSW',
  caller_country: 'AU',
  timezone: 'Australia/Sydney',
  started_at: '2020-05-26T07:00:01.000Z',
  duration: 17,
  status_code: 1,
  status: null,
  disposition: 'NO ANSWER',
  has_audio: 0,
  audio_token: 'tok',
  label: null,
  ivr: null,
  features: '[null,{"name":"Budget","value":5000}]',
  custom_id: null,
  custom_group: null,
  dni: 'not json',
  sentiment: null,
  finalized_at: '2020-05-26T07:00:20.000Z',
  ended_at: '2020-05-26T07:00:18.000Z',
};

describe('HTTP Callback template', () => {
  it('writes times in the account zone and as unix seconds, numbers in +CC-LOCAL form, as the seed data feed example', () => {
    const v = callbackValues(call, { clientId: 5995, serviceName: 'Tracking Service Name', publicUrl: 'https://tt.example' });
    assert.equal(v.tzdate, '2020-05-26T17:00:01+10:00');
    assert.equal(v.calldate, '26/05/2020');
    assert.equal(v.ucalldate, '1590476401');
    assert.equal(v.unixtime, '1590476420');
    assert.equal(v['call:utcdate'], '2020-05-26T07:00:01Z');
    assert.equal(v.bnum, '+61-0289996235');
    assert.equal(v.ani, '+61-0290088888');
    assert.equal(v.target, '+61-0289995916');
    assert.equal(v.adname, 'Tracking Service Name');
    assert.equal(v.callstatus, 'Missed');
    assert.equal(v.callcode, '1');
  });

  it('leaves empty what the call lacks: no recording, unreadable JSON, empty feature slots', () => {
    const v = callbackValues(call, { clientId: 5995, publicUrl: 'https://tt.example' });
    assert.equal(v.audio, '');
    assert.equal(v['dl:url'], '');
    assert.equal(v['sentiment:score'], '');
    assert.equal(v.feat01, '');
    assert.equal(v.cd_cp01, '');
    assert.equal(v.feat02, 'Budget');
    assert.equal(v.cd_cp02, '5000');
    assert.equal(v.feat10, '');
  });

  it('writes a withheld caller as Private and leaves its E.164 empty', () => {
    const v = callbackValues({ ...call, caller_withheld: 1, caller_number: null }, { clientId: 1, publicUrl: 'https://tt.example' });
    assert.equal(v.ani, 'Private');
    assert.equal(v['aparty:e164'], '');
  });

  it('URL-encodes every value and empties unknown tags; tag names match whatever their case', () => {
    const out = renderTemplate('https://x.test/cb?a=[[CLIENTID]]&b=[[label]]&c=[[nope]]&d=[[Sentiment:TalkMost]]', { clientid: '5995', label: 'a&b c/d?', 'sentiment:talkMost': 'caller' });
    assert.equal(out, 'https://x.test/cb?a=5995&b=a%26b%20c%2Fd%3F&c=&d=caller');
  });

  it('reports the tags it does not know, once each', () => {
    assert.deepEqual(unknownTags('https://x.test/?a=[[callid]]&b=[[foo]]&c=[[foo]]&d=[[dl:url]]&e=[[web:bar]]'), ['foo', 'web:bar']);
    assert.deepEqual(unknownTags('https://x.test/?a=[[web:usercode]].[[web:sessioncode]]'), []);
  });
});
