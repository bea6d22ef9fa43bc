import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { callerGeo } from './caller-geo.ts';

describe('callerGeo', () => {
  const cases: [string, string | null, string | null, string | null][] = [
    ['+61290088888', 'Sydney', 'NSW', 'AU'],
    ['+61282345678', 'Sydney', 'NSW', 'AU'],
    ['+61262771111', 'Canberra', 'ACT', 'AU'],
    ['+61249291234', 'Newcastle', 'NSW', 'AU'],
    ['+61390012300', 'Melbourne', 'VIC', 'AU'],
    ['+61352291234', 'Geelong', 'VIC', 'AU'],
    ['+61362001234', 'Hobart', 'TAS', 'AU'],
    ['+61733331234', 'Brisbane', 'QLD', 'AU'],
    ['+61755551234', 'Gold Coast', 'QLD', 'AU'],
    ['+61882001234', 'Adelaide', 'SA', 'AU'],
    ['+61889411234', 'Darwin', 'NT', 'AU'],
    ['+61892201234', 'Perth', 'WA', 'AU'],
    ['+61861601234', 'Perth', 'WA', 'AU'],
    ['+61412055000', 'Mobile', null, 'AU'],
    ['+611300456700', null, null, 'AU'],
    ['+611800123400', null, null, 'AU'],
    ['+14155551200', null, null, 'US'],
    ['+442079460000', null, null, 'GB'],
  ];
  for (const [num, location, state, country] of cases) {
    it(`places ${num} in ${location ?? '(no location)'} ${state ?? ''} ${country}`, () => {
      assert.deepEqual(callerGeo(num), { location, state, country });
    });
  }
  it('answers all-null for a withheld or unparsable caller', () => {
    assert.deepEqual(callerGeo(null), { location: null, state: null, country: null });
    assert.deepEqual(callerGeo('anonymous'), { location: null, state: null, country: null });
  });
});

import { classifyCaller } from './caller-geo.ts';
import { parseNumber } from '../phone.ts';

describe('classifyCaller', () => {
  const parse = (s: string) => parseNumber(s)?.e164 ?? null;
  it('treats anonymous, private, restricted and Twilio\'s placeholder numbers as withheld', () => {
    for (const v of ['Anonymous', 'private', 'RESTRICTED', '', null, '+266696687', '+7378742833']) assert.deepEqual(classifyCaller(v, parse), { e164: null, withheld: true }, String(v));
  });
  it('normalizes a real number to E.164', () => {
    assert.deepEqual(classifyCaller('+61-0290088888', parse), { e164: '+61290088888', withheld: false });
  });
  it('keeps a caller id that is no number as unknown, not withheld', () => {
    assert.deepEqual(classifyCaller('sip:alice@example.com', parse), { e164: null, withheld: false });
  });
});
