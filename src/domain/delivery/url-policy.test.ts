import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkHost, checkUrlShape, isNonPublicAddress, nonPublicReason, normalisedHostname, parseIp } from './url-policy.ts';

describe('outbound URL policy', () => {
  it('treats loopback, private, link-local, CGNAT, unspecified and multicast addresses as non-public', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1']) {
      assert.ok(isNonPublicAddress(ip), ip);
    }
  });

  it('treats public addresses as public', () => {
    for (const ip of ['8.8.8.8', '172.32.0.1', '100.128.0.1', '2001:4860:4860::8888']) assert.ok(!isNonPublicAddress(ip), ip);
    assert.ok(isNonPublicAddress('::ffff:7f00:1'), 'the URL parser\'s spelling of ::ffff:127.0.0.1');
  });

  it('parses IPv6 into its 16 bytes, with :: and a dotted IPv4 tail, and IPv4 into 4', () => {
    const hex = (ip: string) => Buffer.from(parseIp(ip)!).toString('hex');
    assert.equal(hex('::ffff:127.0.0.1'), '00000000000000000000ffff7f000001');
    assert.equal(hex('::FFFF:7f00:1'), '00000000000000000000ffff7f000001');
    assert.equal(hex('0:0:0:0:0:ffff:127.0.0.1'), '00000000000000000000ffff7f000001');
    assert.equal(hex('2002:7f00:1::'), '20027f00000100000000000000000000');
    assert.equal(hex('fe80::1%eth0'), 'fe800000000000000000000000000001');
    assert.equal(hex('1:2:3:4:5:6:7:8'), '00010002000300040005000600070008');
    assert.equal(hex('10.1.2.3'), '0a010203');
    for (const bad of ['', 'x', '1.2.3', '::ffff:1.2.3', '1::2::3', '12345::', '2130706433']) assert.equal(parseIp(bad), null, bad);
  });

  it('draws the range edges where the registries do', () => {
    const edges: [string, boolean][] = [
      ['172.15.255.255', false], ['172.16.0.0', true], ['172.31.255.255', true], ['172.32.0.0', false],
      ['100.63.255.255', false], ['100.64.0.0', true], ['100.127.255.255', true], ['100.128.0.0', false],
      ['198.17.255.255', false], ['198.18.0.0', true], ['198.19.255.255', true], ['198.20.0.0', false],
      ['192.0.1.255', false], ['192.0.2.0', true], ['192.0.3.0', false], ['223.255.255.255', false], ['224.0.0.0', true],
      ['1fff:ffff::1', true], ['2000::1', false], ['3fff:fff::1', true], ['3fff:1000::1', false], ['4000::1', true], ['2001:200::1', false], ['2001:1ff::1', true],
      ['fe7f::1', true], ['fe80::1', true], ['fec0::1', true], ['feff::1', true], ['ff00::1', true],
      ['::ffff:8.8.8.8', false], ['64:ff9b::8.8.8.8', false], ['2002:808:808::', false], ['64:ff9b::10.0.0.1', true], ['2002:a9fe:a9fe::', true],
    ];
    for (const [ip, refused] of edges) assert.equal(isNonPublicAddress(ip), refused, `${ip}: ${nonPublicReason(ip)}`);
    assert.equal(nonPublicReason('2001:0:4136:e378:8000:63bf:3fff:fdd2'), 'Teredo (2001::/32) tunnel to 192.0.2.45');
    assert.equal(nonPublicReason('not-an-ip'), 'not an IP address');
  });

  it('refuses localhost names and malformed hosts without DNS, and normalises sftp hosts like http ones', () => {
    for (const h of ['localhost', 'LocalHost.', 'x.localhost', 'x.localhost.', '', 'a..b', 'bad host', '1.2.3.4.5', 'example.0x1f']) assert.equal(checkHost(h).kind, 'refused', h);
    assert.deepEqual(checkHost('Example.COM.'), { kind: 'name', name: 'example.com' });
    assert.deepEqual(checkHost('[2001:4860:4860::8888]'), { kind: 'ip', ip: '2001:4860:4860::8888' });
    assert.equal(normalisedHostname(new URL('sftp://0x7f000001:22/x')), '127.0.0.1');
    assert.equal(normalisedHostname(new URL('sftp://[::ffff:127.0.0.1]/x')), '[::ffff:7f00:1]');
    assert.equal(normalisedHostname(new URL('sftp://%00/x')), null);
    assert.equal(normalisedHostname(new URL('https://0177.1/')), '127.0.0.1');
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
