import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newId, newToken } from './ids.ts';

describe('ids', () => {
  it('prefixes ids and gives them 22 characters after the underscore', () => {
    assert.match(newId('req'), /^req_[0-9a-z]{22}$/);
  });

  it('sorts ids by creation time', () => {
    const ids = [1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000].map((t) => newId('svc', t));
    assert.deepEqual([...ids].sort(), ids);
  });

  it('never repeats an id made in the same millisecond', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId('req', 1_700_000_000_000)));
    assert.equal(ids.size, 1000);
  });

  it('makes url-safe tokens of the requested randomness', () => {
    const t = newToken();
    assert.match(t, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(newToken(), t);
  });
});

describe('ids made in the same millisecond', () => {
  it('sort in creation order within one process', () => {
    const ids = Array.from({ length: 500 }, () => newId('req', 1_700_000_000_123));
    assert.deepEqual([...ids].sort(), ids);
  });
});

describe('ids made in the same millisecond, interleaved with another clock', () => {
  it('still sort in creation order', () => {
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      ids.push(newId('req', 1_600_000_000_000));
      newId('rq', 1_700_000_000_000 + i);
    }
    assert.deepEqual([...ids].sort(), ids);
  });
});
