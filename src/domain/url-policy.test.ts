import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkUrlShape, isNonPublicAddress } from './url-policy.ts';

describe('outbound URL policy', () => {
  it('treats loopback, private, link-local, CGNAT, unspecified and multicast addresses as non-public', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1']) {
      assert.ok(isNonPublicAddress(ip), ip);
    }
  });

  it('treats public addresses as public', () => {
    for (const ip of ['8.8.8.8', '172.32.0.1', '100.128.0.1', '2001:4860:4860::8888']) assert.ok(!isNonPublicAddress(ip), ip);
  });

  it('accepts absolute http(s) URLs, with [[tag]] placeholders', () => {
    assert.equal(checkUrlShape('https://example.com/cb?x=1'), null);
    assert.equal(checkUrlShape('http://example.com/cb?caller=[[callerid]]&id=[[call_id]]'), null);
  });

  it('refuses relative URLs, other schemes and credentials in the URL', () => {
    assert.match(checkUrlShape('/relative')!, /absolute/);
    assert.match(checkUrlShape('ftp://example.com/x')!, /http/);
    assert.match(checkUrlShape('https://user:pw@example.com/')!, /credentials/);
  });
});
