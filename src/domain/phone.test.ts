import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isNumberClass, matchesArea, parseNumber, toAvanserFormat } from './phone.ts';

describe('phone numbers', () => {
  it('reads E.164, +CC-LOCAL with the trunk 0, spaces, 00 prefix and national numbers with a default country as the same number', () => {
    for (const [input, country] of [['+61290088888'], ['+61-0290088888'], ['+61 2 9008 8888'], ['0061290088888'], ['02 9008 8888', 'AU'], ['0290088888', 'au']] as [string, string?][]) {
      const p = parseNumber(input, country);
      assert.ok(p, input);
      assert.equal(p.e164, '+61290088888', input);
      assert.equal(p.country, 'AU');
      assert.equal(p.nationalNumber, '290088888');
    }
  });

  it('reads +CC-LOCAL for other countries without misreading the trunk prefix', () => {
    assert.equal(parseNumber('+64-021234567')?.e164, '+6421234567');
    assert.equal(parseNumber('+1-4155551200')?.e164, '+14155551200');
  });

  it('refuses text, too-short numbers, national numbers without a country and non-strings', () => {
    assert.equal(parseNumber('abc'), null);
    assert.equal(parseNumber('+6129008888'), null);
    assert.equal(parseNumber('0290088888'), null);
    assert.equal(parseNumber(''), null);
    assert.equal(parseNumber(12345 as unknown as string), null);
  });

  it('infers the class: fixed line GEO, 13/1300 TOLLFREE, 1800 FREECALL, mobile MOBILE', () => {
    assert.equal(parseNumber('+61290088888')?.inferredClass, 'GEO');
    assert.equal(parseNumber('+611300456700')?.inferredClass, 'TOLLFREE');
    assert.equal(parseNumber('+611800123400')?.inferredClass, 'FREECALL');
    assert.equal(parseNumber('+61412055000')?.inferredClass, 'MOBILE');
    assert.equal(parseNumber('+18005551200')?.inferredClass, 'FREECALL');
  });

  it('formats +CC-LOCAL keeping the national trunk prefix', () => {
    assert.equal(toAvanserFormat('+61290088888'), '+61-0290088888');
    assert.equal(toAvanserFormat('+61412055000'), '+61-0412055000');
    assert.equal(toAvanserFormat('+14155551200'), '+1-4155551200');
  });

  it('matches an area prefix with or without the trunk 0', () => {
    assert.ok(matchesArea('290088888', '02'));
    assert.ok(matchesArea('290088888', '2'));
    assert.ok(matchesArea('290088888', '(02) 9'));
    assert.ok(!matchesArea('390088888', '02'));
  });

  it('knows exactly the four classes', () => {
    for (const c of ['GEO', 'TOLLFREE', 'FREECALL', 'MOBILE']) assert.ok(isNumberClass(c));
    for (const c of ['geo', 'LOCAL', '', null]) assert.ok(!isNumberClass(c));
  });
});
