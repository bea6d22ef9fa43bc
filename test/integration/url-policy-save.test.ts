import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../src/domain/clock.ts';
import { checkHost, normalisedHostname } from '../../src/domain/delivery/url-policy.ts';
import { checkPublicDestination } from '../../src/integrations/delivery/http-sender.ts';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { postUploadFeed } from '../support/feeds.ts';

// NETWORK SAFETY: nothing here connects anywhere. Every refused form is an IP literal or a localhost name, which the
// policy refuses without DNS; the accepted public forms go only through the classifier and checkPublicDestination
// with a resolver that fails the test if it is ever asked.

/** Host forms as typed into a URL, the host the WHATWG URL parser makes of them (http), and why they are refused. */
const REFUSED: [form: string, normalised: string, why: RegExp][] = [
  // IPv4, dotted
  ['127.0.0.1', '127.0.0.1', /loopback/],
  ['127.255.255.254', '127.255.255.254', /loopback/],
  ['10.0.0.1', '10.0.0.1', /private/],
  ['172.16.0.1', '172.16.0.1', /private/],
  ['172.31.255.255', '172.31.255.255', /private/],
  ['192.168.1.1', '192.168.1.1', /private/],
  ['169.254.169.254', '169.254.169.254', /link-local/],
  ['100.64.0.1', '100.64.0.1', /CGNAT/],
  ['0.0.0.0', '0.0.0.0', /this network/],
  ['192.0.0.8', '192.0.0.8', /IETF protocol/],
  ['192.0.2.1', '192.0.2.1', /documentation/],
  ['198.18.0.1', '198.18.0.1', /benchmarking/],
  ['198.19.255.255', '198.19.255.255', /benchmarking/],
  ['198.51.100.7', '198.51.100.7', /documentation/],
  ['203.0.113.9', '203.0.113.9', /documentation/],
  ['192.88.99.1', '192.88.99.1', /6to4 relay/],
  ['224.0.0.1', '224.0.0.1', /multicast/],
  ['239.255.255.250', '239.255.255.250', /multicast/],
  ['240.0.0.1', '240.0.0.1', /reserved/],
  ['255.255.255.255', '255.255.255.255', /reserved/],
  // IPv4 in decimal, hex, octal, short and percent-encoded forms, trailing dots
  ['2130706433', '127.0.0.1', /loopback/],
  ['0x7f000001', '127.0.0.1', /loopback/],
  ['0X7F000001', '127.0.0.1', /loopback/],
  ['0177.0.0.1', '127.0.0.1', /loopback/],
  ['017700000001', '127.0.0.1', /loopback/],
  ['127.1', '127.0.0.1', /loopback/],
  ['0x7f.1', '127.0.0.1', /loopback/],
  ['0', '0.0.0.0', /this network/],
  ['3232235777', '192.168.1.1', /private/],
  ['0xa9fea9fe', '169.254.169.254', /link-local/],
  ['0251.0376.0251.0376', '169.254.169.254', /link-local/],
  ['127.0.0.1.', '127.0.0.1', /loopback/],
  ['%31%32%37.0.0.1', '127.0.0.1', /loopback/],
  // unicode digits and dots (NFKC-mapped by IDNA)
  ['\uff11\uff12\uff17\uff0e\uff10\uff0e\uff10\uff0e\uff11', '127.0.0.1', /loopback/],
  ['\u2460\u2461\u2466.0.0.1', '127.0.0.1', /loopback/],
  ['127\u30020\u30020\u30021', '127.0.0.1', /loopback/],
  // loopback names, refused without asking DNS
  ['localhost', 'localhost', /localhost/],
  ['LOCALHOST', 'localhost', /localhost/],
  ['localhost.', 'localhost.', /localhost/],
  ['api.localhost', 'api.localhost', /localhost/],
  ['a.b.localhost.', 'a.b.localhost.', /localhost/],
  ['\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54', 'localhost', /localhost/],
  // IPv6
  ['[::1]', '[::1]', /loopback/],
  ['[0:0:0:0:0:0:0:1]', '[::1]', /loopback/],
  ['[::]', '[::]', /unspecified/],
  // IPv4-mapped IPv6
  ['[::ffff:127.0.0.1]', '[::ffff:7f00:1]', /IPv4-mapped of 127\.0\.0\.1, loopback/],
  ['[::ffff:7f00:1]', '[::ffff:7f00:1]', /IPv4-mapped of 127\.0\.0\.1/],
  ['[0:0:0:0:0:ffff:127.0.0.1]', '[::ffff:7f00:1]', /IPv4-mapped of 127\.0\.0\.1/],
  ['[::FFFF:127.0.0.2]', '[::ffff:7f00:2]', /IPv4-mapped of 127\.0\.0\.2/],
  ['[::ffff:169.254.169.254]', '[::ffff:a9fe:a9fe]', /IPv4-mapped of 169\.254\.169\.254, link-local/],
  ['[::ffff:10.0.0.1]', '[::ffff:a00:1]', /IPv4-mapped of 10\.0\.0\.1, private/],
  ['[::ffff:192.168.1.1]', '[::ffff:c0a8:101]', /IPv4-mapped of 192\.168\.1\.1, private/],
  ['[::ffff:0.0.0.0]', '[::ffff:0:0]', /IPv4-mapped of 0\.0\.0\.0/],
  ['[::ffff:0:127.0.0.1]', '[::ffff:0:7f00:1]', /not global unicast/],
  // IPv4-compatible (deprecated)
  ['[::127.0.0.1]', '[::7f00:1]', /IPv4-compatible/],
  ['[::8.8.8.8]', '[::808:808]', /IPv4-compatible/],
  // NAT64
  ['[64:ff9b::127.0.0.1]', '[64:ff9b::7f00:1]', /NAT64 .* of 127\.0\.0\.1, loopback/],
  ['[64:ff9b::a9fe:a9fe]', '[64:ff9b::a9fe:a9fe]', /NAT64 .* of 169\.254\.169\.254/],
  ['[64:ff9b:1::a00:1]', '[64:ff9b:1::a00:1]', /local-use NAT64/],
  // 6to4
  ['[2002:7f00:1::]', '[2002:7f00:1::]', /6to4 .* of 127\.0\.0\.1, loopback/],
  ['[2002:a00:1::1]', '[2002:a00:1::1]', /6to4 .* of 10\.0\.0\.1, private/],
  ['[2002:c0a8:101::]', '[2002:c0a8:101::]', /6to4 .* of 192\.168\.1\.1/],
  // Teredo, documentation, benchmarking, discard
  ['[2001::1]', '[2001::1]', /Teredo/],
  ['[2001:0:4136:e378:8000:63bf:3fff:fdd2]', '[2001:0:4136:e378:8000:63bf:3fff:fdd2]', /Teredo/],
  ['[2001:db8::1]', '[2001:db8::1]', /documentation/],
  ['[2001:2::1]', '[2001:2::1]', /IETF protocol/],
  ['[3fff::1]', '[3fff::1]', /documentation/],
  ['[100::1]', '[100::1]', /discard/],
  // site-local, link-local, unique local, multicast, outside global unicast
  ['[fec0::1]', '[fec0::1]', /site-local/],
  ['[feff::1]', '[feff::1]', /site-local/],
  ['[fe80::1]', '[fe80::1]', /link-local/],
  ['[febf::1]', '[febf::1]', /link-local/],
  ['[fc00::1]', '[fc00::1]', /unique local/],
  ['[fd12:3456::1]', '[fd12:3456::1]', /unique local/],
  ['[ff02::1]', '[ff02::1]', /multicast/],
  ['[ff05::1:3]', '[ff05::1:3]', /multicast/],
  ['[5f00::1]', '[5f00::1]', /not global unicast/],
  ['[4000::1]', '[4000::1]', /not global unicast/],
  ['[::2]', '[::2]', /IPv4-compatible/],
];

/** Public forms: allowed by the classifier (never sent anything here). */
const ALLOWED: [form: string, normalised: string][] = [
  ['8.8.8.8', '8.8.8.8'],
  ['1.1.1.1', '1.1.1.1'],
  ['134744072', '8.8.8.8'],
  ['0x08080808', '8.8.8.8'],
  ['172.32.0.1', '172.32.0.1'],
  ['100.128.0.1', '100.128.0.1'],
  ['198.20.0.1', '198.20.0.1'],
  ['223.255.255.255', '223.255.255.255'],
  ['[2001:4860:4860::8888]', '[2001:4860:4860::8888]'],
  ['[2606:4700:4700::1111]', '[2606:4700:4700::1111]'],
  ['[::ffff:8.8.8.8]', '[::ffff:808:808]'],
  ['[64:ff9b::8.8.8.8]', '[64:ff9b::808:808]'],
  ['[2002:808:808::1]', '[2002:808:808::1]'],
];

/** Host forms the URL parser itself refuses (e.g. `http://%00/`): every outbound field refuses them as malformed. */
const MALFORMED = ['%00', 'a b', '[fe80::1%25eth0]', '\u0661\u0662\u0667.0.0.1', 'xn--', '[::ffff:127.0.0.1', 'exa<mple.com'];

const neverResolve = async (): Promise<never> => {
  throw new Error('the policy asked DNS for a host it must refuse on its own');
};

describe('outbound URL policy: the address table through URL normalisation and the classifier', () => {
  it(`has at least 50 refused forms (${REFUSED.length})`, () => assert.ok(REFUSED.length >= 50));

  it('normalises every form as the WHATWG URL parser does, and refuses it without DNS', async () => {
    for (const [form, normalised, why] of REFUSED) {
      const u = new URL(`http://${form}/x`);
      assert.equal(u.hostname, normalised, form);
      const host = checkHost(u.hostname);
      assert.equal(host.kind, 'refused', `${form} → ${u.hostname}: ${JSON.stringify(host)}`);
      assert.match((host as { reason: string }).reason, why, form);
      const refusal = await checkPublicDestination(`http://${form}/x`, { resolver: neverResolve, allowUnresolved: true });
      assert.match(refusal ?? '', why, form);
    }
  });

  it('reads sftp:// hosts (not normalised by the URL parser) the way http ones are', async () => {
    for (const [form, normalised, why] of REFUSED) {
      const u = new URL(`sftp://${form}:22/drop`);
      assert.equal(normalisedHostname(u), normalised, form);
      assert.match((await checkPublicDestination(u.toString(), { resolver: neverResolve })) ?? '', why, form);
    }
  });

  it('allows public addresses in any form', async () => {
    for (const [form, normalised] of ALLOWED) {
      const u = new URL(`https://${form}/x`);
      assert.equal(u.hostname, normalised, form);
      assert.equal(checkHost(u.hostname).kind, 'ip', form);
      assert.equal(await checkPublicDestination(u.toString(), { resolver: neverResolve }), null, form);
    }
  });

  it('checks every address a name resolves to, and lets a name that does not resolve through only when saving', async () => {
    const resolver = async (name: string) =>
      name === 'mixed.example' ? [{ address: '93.184.216.34', family: 4 }, { address: '::ffff:10.0.0.1', family: 6 }] : name === 'good.example' ? [{ address: '93.184.216.34', family: 4 }] : Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }));
    assert.match((await checkPublicDestination('https://mixed.example/x', { resolver })) ?? '', /mixed\.example resolves to a non-public address \(::ffff:10\.0\.0\.1\): IPv4-mapped of 10\.0\.0\.1/);
    assert.equal(await checkPublicDestination('https://good.example/x', { resolver }), null);
    assert.match((await checkPublicDestination('https://gone.example/x', { resolver })) ?? '', /cannot resolve gone\.example \(ENOTFOUND\)/);
    assert.equal(await checkPublicDestination('https://gone.example/x', { resolver, allowUnresolved: true }), null);
  });
});

for (const dialect of DIALECTS) {
  describe(`outbound URL policy at save time, production mode, every outbound target (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let auth: string;
    let tmp: string;
    before(async () => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-urlpolicy-'));
      // A frozen clock and no worker: nothing saved here is ever sent.
      t = await buildTestApp(dialect, {
        clock: new ManualClock('2026-03-10T18:00:00.000Z'),
        env: { TT_MODE: 'production', TT_PROPAGATION_DELAY_SECONDS: '0', TT_SECRET_KEY: randomBytes(32).toString('base64'), TT_FEED_FOLDER_ROOT: path.join(tmp, 'root') },
      });
      ({ auth } = await makeAccount(t.app, 9101));
    });
    after(async () => {
      await t?.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    const telco = (payload: Record<string, unknown>) => t.server.inject({ method: 'POST', url: '/telco/v1/requests', headers: { authorization: auth }, payload });
    const TELCO_TARGETS: [path: string, payload: (url: string) => Record<string, unknown>][] = [
      ['callback_uri', (url) => ({ type: 'new', callback_uri: url, criteria: { country: 'AU' }, service: { type: 'voicemail' } })],
      ['service.call_callback_uri', (url) => ({ type: 'new', criteria: { country: 'AU' }, service: { type: 'voicemail', call_callback_uri: `${url}?c=[[callid]]` } })],
      ['service.sms_forward_uri', (url) => ({ type: 'new', criteria: { country: 'AU' }, service: { type: 'voicemail', sms_forward_uri: url } })],
    ];

    for (const [field, payload] of TELCO_TARGETS) {
      it(`refuses every non-public form as Telco ${field} (422 naming the field)`, async () => {
        for (const [form, , why] of REFUSED) {
          const res = await telco(payload(`http://${form}:8080/hook`));
          assert.equal(res.statusCode, 422, `${form}: ${res.body}`);
          assert.deepEqual(res.json().errors.map((e: { path: string }) => e.path), [field], form);
          assert.match(res.json().errors[0].message, /outbound URL policy/, form);
          assert.match(res.json().errors[0].message, why, form);
        }
        const { count } = await t.app.storage.db.selectFrom('requests').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
        assert.equal(Number(count), 0, 'nothing stored');
      });

      it(`refuses malformed hosts as Telco ${field} (400 naming the field)`, async () => {
        for (const form of MALFORMED) {
          const res = await telco(payload(`http://${form}/hook`));
          assert.equal(res.statusCode, 400, `${form}: ${res.body}`);
          assert.deepEqual(res.json().errors.map((e: { path: string }) => e.path), [field], form);
        }
      });
    }

    const UPLOAD_TARGETS: [kind: string, target: (form: string) => string][] = [
      ['http_put', (form) => `https://${form}:8443/incoming/{date}.csv`],
      ['sftp', (form) => `sftp://${form}:2222/drop`],
    ];
    for (const [kind, target] of UPLOAD_TARGETS) {
      it(`refuses every non-public form as a feed upload.target of kind ${kind} (400 naming upload.target), nothing stored`, async () => {
        for (const [form, , why] of REFUSED) {
          const res = await postUploadFeed(t, auth, { kind, target: target(form), time: '06:00', username: 'uploader', password: 'upload-secret' });
          assert.equal(res.statusCode, 400, `${form}: ${res.body}`);
          assert.deepEqual(res.json().errors.map((e: { path: string }) => e.path), ['upload.target'], form);
          assert.match(res.json().errors[0].message, /outbound URL policy/, form);
          assert.match(res.json().errors[0].message, why, form);
        }
        const { count } = await t.app.storage.db.selectFrom('feeds').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
        assert.equal(Number(count), 0, 'no feed stored');
      });

      it(`refuses malformed hosts (http://%00/ …) as a feed upload.target of kind ${kind}`, async () => {
        for (const form of MALFORMED) {
          const res = await postUploadFeed(t, auth, { kind, target: target(form), time: '06:00', username: 'uploader', password: 'upload-secret' });
          assert.equal(res.statusCode, 400, `${form}: ${res.body}`);
          assert.deepEqual(res.json().errors.map((e: { path: string }) => e.path), ['upload.target'], form);
        }
      });
    }

    it('confines folder uploads to TT_FEED_FOLDER_ROOT: outside it, .., NUL and symbolic links out are refused (400 naming upload.target)', async () => {
      const root = path.join(tmp, 'root');
      fs.mkdirSync(path.join(root, 'inside'), { recursive: true });
      fs.mkdirSync(path.join(tmp, 'outside'));
      fs.symlinkSync(path.join(tmp, 'outside'), path.join(root, 'link-out'));
      fs.symlinkSync(path.join(root, 'inside'), path.join(root, 'link-in'));
      const refused = [
        '/tmp/x/created/by/api',
        '/etc',
        '/',
        path.join(tmp, 'outside'),
        `${root}-sibling/feeds`,
        `${root}/../outside`,
        `${root}/inside/../../outside`,
        '../outside',
        'inside/../..',
        '..',
        'link-out',
        'link-out/deeper/{date}',
        `${root}/link-out`,
        'inside\u0000/x',
      ];
      for (const target of refused) {
        const res = await postUploadFeed(t, auth, { kind: 'folder', target, time: '06:00' });
        assert.equal(res.statusCode, 400, `${target}: ${res.body}`);
        assert.deepEqual(res.json().errors.map((e: { path: string }) => e.path), ['upload.target'], target);
      }
      assert.deepEqual(fs.readdirSync(path.join(tmp, 'outside')), [], 'nothing created outside');
      assert.equal(fs.existsSync('/tmp/x/created/by/api'), false);
      for (const [target, stored] of [
        [`${root}/daily`, `${root}/daily`],
        ['daily/{date}', `${root}/daily/{date}`],
        ['link-in/sub', `${root}/link-in/sub`],
        [root, root],
      ]) {
        const res = await postUploadFeed(t, auth, { kind: 'folder', target, time: '06:00' });
        assert.equal(res.statusCode, 201, `${target}: ${res.body}`);
        assert.equal(res.json().upload.target, stored, target);
      }
    });
  });

  describe(`folder uploads in production without TT_FEED_FOLDER_ROOT (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(dialect, { clock: new ManualClock('2026-03-10T18:00:00.000Z'), env: { TT_MODE: 'production' } });
    });
    after(async () => t?.close());

    it('refuses every folder upload with a 400 naming upload.kind and TT_FEED_FOLDER_ROOT', async () => {
      const { auth } = await makeAccount(t.app, 9102);
      for (const target of ['/tmp/x/created/by/api', t.config.dataDir, path.join(t.config.dataDir, 'feeds')]) {
        const res = await postUploadFeed(t, auth, { kind: 'folder', target, time: '06:00' });
        assert.equal(res.statusCode, 400, res.body);
        assert.deepEqual(res.json().errors.map((e: { path: string }) => e.path), ['upload.kind']);
        assert.match(res.json().errors[0].message, /TT_FEED_FOLDER_ROOT/);
      }
      assert.equal(fs.existsSync('/tmp/x/created/by/api'), false);
    });
  });

  describe(`malformed upload targets in sandbox mode (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(dialect, { clock: new ManualClock('2026-03-10T18:00:00.000Z') });
    });
    after(async () => t?.close());

    it('refuses http://%00/, sftp://%00/ and the other malformed hosts, and .. in a folder, even where private URLs are allowed', async () => {
      const { auth } = await makeAccount(t.app, 9103);
      for (const [kind, target] of [
        ...MALFORMED.map((f) => ['http_put', `http://${f}/`]),
        ...MALFORMED.map((f) => ['sftp', `sftp://${f}/drop`]),
        ['folder', '/tmp/a/../b'],
        ['folder', 'relative/folder'],
      ]) {
        const res = await postUploadFeed(t, auth, { kind, target, time: '06:00', username: 'uploader', password: 'upload-secret' });
        assert.equal(res.statusCode, 400, `${kind} ${target}: ${res.body}`);
        assert.deepEqual(res.json().errors.map((e: { path: string }) => e.path), ['upload.target'], target);
      }
    });
  });
}
