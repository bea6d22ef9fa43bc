import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../errors.ts';
import { asciiFold, callScore, escapeLike, normalizeLabel, normalizeNoteText, normalizeWeight, parseSearch, percent } from './call-work.ts';

const fieldOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AppError);
    return e.details?.[0]?.path;
  }
  assert.fail('expected a validation error');
};

describe('call work rules', () => {
  it('labels: trimmed, one line, at most 100 characters; null or empty clears', () => {
    assert.equal(normalizeLabel('  hot lead '), 'hot lead');
    assert.equal(normalizeLabel(null), null);
    assert.equal(normalizeLabel('   '), null);
    assert.equal(normalizeLabel('é'.repeat(100)), 'é'.repeat(100), 'characters, not UTF-16 units');
    assert.equal(normalizeLabel('😀'.repeat(100)), '😀'.repeat(100));
    assert.equal(fieldOf(() => normalizeLabel('x'.repeat(101))), 'label');
    assert.equal(fieldOf(() => normalizeLabel('a\nb')), 'label');
    assert.equal(fieldOf(() => normalizeLabel(5)), 'label');
  });

  it('notes keep line breaks and tabs, refuse other control characters and empty text', () => {
    assert.equal(normalizeNoteText(' a\r\nb\tc '), 'a\nb\tc');
    assert.equal(fieldOf(() => normalizeNoteText(' \n ')), 'text');
    assert.equal(fieldOf(() => normalizeNoteText('a\u0000b')), 'text');
    assert.equal(fieldOf(() => normalizeNoteText('x'.repeat(5001))), 'text');
  });

  it('weights are whole numbers 0–100', () => {
    assert.equal(normalizeWeight(0), 0);
    assert.equal(normalizeWeight(100), 100);
    for (const w of [-1, 101, 1.5, '3', null]) assert.equal(fieldOf(() => normalizeWeight(w)), 'weight');
  });

  it('search words: folded A–Z only, LIKE characters escaped, numbers as digits without a national 0', () => {
    assert.equal(asciiFold('ÉMILE Smith'), 'Émile smith');
    assert.equal(escapeLike('100%_\\'), '100\\%\\_\\\\');
    assert.deepEqual(parseSearch('  Solar   0290088888 '), [
      { pattern: '%solar%', digits: null },
      { pattern: '%0290088888%', digits: '290088888' },
    ]);
    assert.deepEqual(parseSearch('+61-2-9008'), [{ pattern: '%+61-2-9008%', digits: '6129008' }]);
    assert.deepEqual(parseSearch('12'), [{ pattern: '%12%', digits: null }], 'two digits are text only');
    assert.deepEqual(parseSearch('100%'), [{ pattern: '%100\\%%', digits: null }]);
    assert.equal(fieldOf(() => parseSearch('a b c d e f')), 'q');
    assert.equal(fieldOf(() => parseSearch('x'.repeat(101))), 'q');
    assert.equal(fieldOf(() => parseSearch('   ')), 'q');
  });

  it('scores: the weighted share of yes answers in percent, one decimal', () => {
    assert.equal(callScore([{ answer: 'yes', weight: 1 }, { answer: 'yes', weight: 3 }, { answer: 'no', weight: 2 }]), 66.7);
    assert.equal(callScore([{ answer: 'no', weight: 0 }]), null, 'nothing weighted');
    assert.equal(callScore([]), null);
    assert.equal(percent(1, 3), 33.3);
    assert.equal(percent(0, 0), null);
  });
});
