import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { businessParts, isOneOf, partsOf, swapOf, swapText } from './numbers.ts';

// The shown number: a Sydney number, as the server describes it (E.164, national digits, display text).
const sydney = partsOf('+61299998888', '0299998888', '02 9999 8888');
const mobile = businessParts('+61401020304', sydney.cc, sydney.trunk);
const swap = swapOf([mobile], sydney);

describe('number parts', () => {
  it('learns the country code and trunk from the E.164 and national forms', () => {
    assert.deepEqual(sydney, { cc: '61', nsn: '299998888', trunk: '0', text: '02 9999 8888' });
    assert.deepEqual(partsOf('+611300123456', '1300123456', '1300 123 456'), { cc: '61', nsn: '1300123456', trunk: '', text: '1300 123 456' });
    assert.deepEqual(partsOf('+12125551234', '2125551234'), { cc: '1', nsn: '2125551234', trunk: '', text: null });
  });
  it('a business number of another country is matched by its international forms only', () => {
    assert.deepEqual(businessParts('+442071234567', '61', '0'), { cc: '', nsn: '442071234567', trunk: '', text: null });
    const s = swapOf([businessParts('+442071234567', '61', '0')], sydney);
    assert.equal(swapText('London +44 20 7123 4567', s), 'London +61 2 9999 8888');
    assert.equal(swapText('02071234567', s), '02071234567');
  });
});

describe('swapText keeps the occurrence style', () => {
  const cases: [string, string][] = [
    ['0401020304', '0299998888'],
    ['0401 020 304', '0299 998 888'],
    ['(04) 0102 0304', '(02) 9999 8888'],
    ['04 0102 0304', '02 9999 8888'],
    ['0401-020-304', '0299-998-888'],
    ['0401.020.304', '0299.998.888'],
    ['0401\u00a0020\u00a0304', '0299\u00a0998\u00a0888'],
    ['401 020 304', '299 998 888'],
    ['+61 401 020 304', '+61 299 998 888'],
    ['+61401020304', '+61299998888'],
    ['+61 (0)4 0102 0304', '+61 (0)2 9999 8888'],
    ['(+61) 401 020 304', '(+61) 299 998 888'],
    ['0061 401 020 304', '0061 299 998 888'],
    ['61401020304', '61299998888'],
  ];
  for (const [page, shown] of cases) {
    it(`${JSON.stringify(page)} → ${JSON.stringify(shown)}`, () => {
      assert.equal(swapText(`Call us on ${page} today`, swap), `Call us on ${shown} today`);
      assert.equal(swapText(page, swap), shown);
    });
  }
  it('every occurrence in one text, and nothing else', () => {
    assert.equal(swapText('0401020304 or (04) 0102 0304, fax 0401020305', swap), '0299998888 or (02) 9999 8888, fax 0401020305');
  });
  it('digits touching the number on either side make it another number', () => {
    for (const s of ['90401020304', '04010203045', '1234040102030456', 'ref 904 010 203 04']) assert.equal(swapText(s, swap), s);
  });
  it('a number of another length is written in its display text, after the international prefix when there was one', () => {
    const s1300 = swapOf([mobile], partsOf('+611300123456', '1300123456', '1300 123 456'));
    assert.equal(swapText('0401020304', s1300), '1300123456');
    assert.equal(swapText('Call 401 020 304', s1300), 'Call 1300 123 456');
    assert.equal(swapText('+61 401 020 304', s1300), '+61 1300 123 456');
    const fromLand = swapOf([businessParts('+611300123456', '61', '0')], partsOf('+61299998888', '0299998888', '02 9999 8888'));
    assert.equal(swapText('1300 123 456', fromLand), '0299 998 888');
    assert.equal(swapText('13 0012 3456', fromLand), '02 9999 8888');
    assert.equal(swapText('+61 1300 123 456', fromLand), '+61 2 9999 8888');
  });
  it('isOneOf says whether a whole string is one of the numbers', () => {
    assert.ok(isOneOf('(04) 0102 0304', [mobile]));
    assert.ok(isOneOf(' +61401020304 ', [mobile]));
    assert.ok(!isOneOf('0401020304 x', [mobile]));
    assert.ok(!isOneOf('0299998888', [mobile]));
  });
});
