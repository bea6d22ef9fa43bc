import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../errors.ts';
import { canonicalJson, decide, idempotencyKeyOf, keepsAnswer, requestFingerprint, type StoredKey } from './idempotency.ts';

describe('Idempotency-Key rules', () => {
  it('accepts 1 to 255 printable ASCII characters and refuses anything else naming the header', () => {
    assert.equal(idempotencyKeyOf(undefined), undefined);
    assert.equal(idempotencyKeyOf('a'), 'a');
    assert.equal(idempotencyKeyOf('order 42/~!{}'), 'order 42/~!{}');
    assert.equal(idempotencyKeyOf('x'.repeat(255)), 'x'.repeat(255));
    for (const bad of ['', 'x'.repeat(256), 'tab\there', 'naïve', 'line\nbreak', ['a', 'b']]) {
      assert.throws(
        () => idempotencyKeyOf(bad as string),
        (err: unknown) => err instanceof AppError && err.code === 'validation_failed' && err.details?.[0].path === 'Idempotency-Key' && /Idempotency-Key/.test(err.message),
        JSON.stringify(bad),
      );
    }
  });

  it('canonical JSON ignores member order and undefined members, not values', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } }), '{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
    assert.equal(canonicalJson({ a: 1, u: undefined }), canonicalJson({ a: 1 }));
    assert.equal(canonicalJson(undefined), 'null');
    assert.notEqual(canonicalJson({ a: 1 }), canonicalJson({ a: '1' }));
  });

  it('fingerprints method, route, parameters, query and body', () => {
    const base = { method: 'POST', route: '/telco/v1/requests', params: {}, query: {}, body: { type: 'new', service: { type: 'voicemail', name: 'A' } } };
    const fp = requestFingerprint(base);
    assert.equal(requestFingerprint({ ...base, body: { service: { name: 'A', type: 'voicemail' }, type: 'new' } }), fp, 'member order does not matter');
    assert.equal(requestFingerprint({ ...base, method: 'post' }), fp);
    assert.notEqual(requestFingerprint({ ...base, body: { type: 'new', service: { type: 'voicemail', name: 'B' } } }), fp);
    assert.notEqual(requestFingerprint({ ...base, route: '/v1/requests' }), fp);
    assert.notEqual(requestFingerprint({ ...base, params: { id: 'x' } }), fp);
    assert.notEqual(requestFingerprint({ ...base, query: { client_id: 2 } }), fp);
  });

  it('decides what a repeat gets', () => {
    const now = '2026-03-01T12:00:00.000Z';
    const row: StoredKey = { fingerprint: 'f', route: 'POST /x', state: 'done', lease_until: '2026-03-01T12:01:00.000Z', expires_at: '2026-03-02T11:00:00.000Z' };
    assert.equal(decide(row, 'f', now), 'replay');
    assert.equal(decide(row, 'g', now), 'mismatch');
    assert.equal(decide({ ...row, state: 'running' }, 'f', now), 'running');
    assert.equal(decide({ ...row, state: 'running' }, 'g', now), 'mismatch', 'another request is refused even while the first runs');
    assert.equal(decide({ ...row, state: 'running', lease_until: '2026-03-01T11:59:59.999Z' }, 'f', now), 'take_over', 'the lease is over');
    assert.equal(decide({ ...row, expires_at: now }, 'g', now), 'take_over', 'an expired key is forgotten, whatever it was used for');
  });

  it('keeps successes and refusals, not server errors or "try again" answers', () => {
    for (const s of [200, 201, 202, 204, 400, 404, 422]) assert.equal(keepsAnswer(s), true, String(s));
    for (const s of [409, 429, 500, 503]) assert.equal(keepsAnswer(s), false, String(s));
  });
});
