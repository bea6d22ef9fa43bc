import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkNonce, digestResponse, ha1, makeNonce, parseDigestHeader } from './digest-auth.ts';

describe('HTTP Digest (RFC 7616)', () => {
  // RFC 7616 section 3.9.1: the worked example for SHA-256 and MD5.
  const p = { nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', nc: '00000001', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ', method: 'GET', uri: '/dir/index.html' };
  it('computes the response of the RFC 7616 example for SHA-256', () => {
    assert.equal(digestResponse('SHA-256', ha1('SHA-256', 'Mufasa', 'http-auth@example.org', 'Circle of Life'), p), '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });
  it('computes the response of the RFC 7616 example for MD5', () => {
    assert.equal(digestResponse('MD5', ha1('MD5', 'Mufasa', 'http-auth@example.org', 'Circle of Life'), p), '8ca523f5e9506fed4657c9700eebdbec');
  });
  it('parses quoted and bare parameters, commas inside quotes included', () => {
    const h = parseDigestHeader('Digest username="Mu,fasa", realm="r", nonce="n", uri="/a?b=1,2", algorithm=SHA-256, qop=auth, nc=00000001, cnonce="c", response="x"');
    assert.deepEqual(h, { username: 'Mu,fasa', realm: 'r', nonce: 'n', uri: '/a?b=1,2', algorithm: 'SHA-256', qop: 'auth', nc: '00000001', cnonce: 'c', response: 'x' });
    assert.equal(parseDigestHeader('Basic abc'), null);
  });
  it('accepts its own fresh nonces, calls old ones stale and forged ones bad', () => {
    const n = makeNonce('s3cret', 1_000_000_000);
    assert.equal(checkNonce('s3cret', n, 1_000_000_000 + 1000, 300_000), 'ok');
    assert.equal(checkNonce('s3cret', n, 1_000_000_000 + 400_000, 300_000), 'stale');
    assert.equal(checkNonce('other', n, 1_000_000_000, 300_000), 'bad');
    assert.equal(checkNonce('s3cret', 'garbage', 1_000_000_000, 300_000), 'bad');
  });
});
