import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../src/domain/clock.ts';
import { createHttpSender, type OutboundPolicy } from '../../src/integrations/delivery/http-sender.ts';
import { uploadSftp, writeToFolder, type FeedFile } from '../../src/integrations/reporting/feed-destinations.ts';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { Receiver } from '../support/receiver.ts';
import { TestSftpServer } from '../support/sftp-server.ts';
import { deliveryService, finalizeDeliveryCall } from '../support/delivery-fixtures.ts';
import { createUploadFeed, uploadDeliveriesOf } from '../support/feeds.ts';

// NETWORK SAFETY: every socket here is to 127.0.0.0/8 (or its IPv4-mapped form), to servers this file starts.

/** Loopback forms of 127.0.0.1 (port appended) that production must never reach. */
const LOOPBACK_FORMS = ['[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[0:0:0:0:0:ffff:127.0.0.1]', '2130706433', '0x7f000001', '0177.0.0.1', '127.1', '127.0.0.1.', 'localhost', 'localhost.', '127.0.0.1'];

/** A TCP server on 127.0.0.1 that only counts the connections it gets. */
async function connectionCounter(): Promise<{ port: number; count: () => number; close: () => Promise<void> }> {
  let n = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    n++;
    sockets.add(s);
    s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    count: () => n,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An HTTP server on one loopback address that records which address was connected to and the Host header. */
async function recorder(address: string, port = 0) {
  const hits: { local: string; host: string }[] = [];
  const server = http.createServer((req, res) => {
    hits.push({ local: req.socket.localAddress ?? '', host: req.headers.host ?? '' });
    req.resume();
    // One connection per request: every send below opens (and so resolves and checks) anew.
    res.setHeader('connection', 'close');
    res.end('ok');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, resolve);
  });
  return { hits, port: (server.address() as net.AddressInfo).port, close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) };
}

describe('outbound URL policy at send time: the checked address is the connected one (DNS rebinding)', () => {
  // 127.0.0.2 stands in for a public address (the injected policy allows it), 127.0.0.1 for an internal one.
  const policy: OutboundPolicy['policy'] = (ip) => (ip === '127.0.0.2' ? null : 'stand-in for a non-public address');
  let pub: Awaited<ReturnType<typeof recorder>>;
  let internal: Awaited<ReturnType<typeof recorder>>;
  before(async () => {
    // Both on the same port, so the URL could reach either: only the resolution decides.
    for (let i = 0; ; i++) {
      pub = await recorder('127.0.0.2');
      try {
        internal = await recorder('127.0.0.1', pub.port);
        break;
      } catch (err) {
        await pub.close();
        if (i === 20) throw err;
      }
    }
  });
  after(async () => {
    await pub?.close();
    await internal?.close();
  });

  it('resolves once per connection, checks that answer and connects to it, with the original Host header', async () => {
    const lookups: string[] = [];
    // The first answer is "public"; every later one rebinds the name to the internal address.
    const resolver = async (name: string) => (lookups.push(name), [{ address: lookups.length === 1 ? '127.0.0.2' : '127.0.0.1', family: 4 }]);
    const sender = createHttpSender({ connectTimeoutMs: 2000, totalTimeoutMs: 5000, allowPrivateUrls: false, resolver, policy });
    try {
      const url = `http://rebind.test:${pub.port}/hook`;
      const first = await sender.send({ method: 'POST', url, headers: { 'content-type': 'text/plain' }, body: 'x' });
      assert.deepEqual(first, { kind: 'response', status: 200, body: 'ok' });
      assert.deepEqual(pub.hits, [{ local: '127.0.0.2', host: `rebind.test:${pub.port}` }]);
      assert.deepEqual(lookups, ['rebind.test'], 'one resolution for the check and the connect');
      const second = await sender.send({ method: 'POST', url, headers: {}, body: 'x' });
      assert.equal(second.kind, 'refused', JSON.stringify(second));
      assert.match((second as { error: string }).error, /outbound URL policy: rebind\.test resolves to a non-public address \(127\.0\.0\.1\)/);
      assert.equal(lookups.length, 2, 'the new connection resolved again, and that answer was checked');
      assert.equal(internal.hits.length, 0, 'the rebound address was never connected to');
      assert.equal(pub.hits.length, 1);
    } finally {
      await sender.close();
    }
  });

  it('refuses a name when any of its addresses is non-public, connecting to none', async () => {
    const resolver = async () => [{ address: '127.0.0.2', family: 4 }, { address: '127.0.0.1', family: 4 }];
    const sender = createHttpSender({ connectTimeoutMs: 2000, totalTimeoutMs: 5000, allowPrivateUrls: false, resolver, policy });
    const before = pub.hits.length;
    try {
      const r = await sender.send({ method: 'GET', url: `http://mixed.test:${pub.port}/`, headers: {} });
      assert.equal(r.kind, 'refused', JSON.stringify(r));
      assert.equal(pub.hits.length, before);
      assert.equal(internal.hits.length, 0);
    } finally {
      await sender.close();
    }
  });

  it('keeps a name that does not resolve a retried transport error', async () => {
    const resolver = async () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    const sender = createHttpSender({ connectTimeoutMs: 2000, totalTimeoutMs: 5000, allowPrivateUrls: false, resolver, policy });
    try {
      assert.deepEqual(await sender.send({ method: 'GET', url: `http://gone.test:${pub.port}/`, headers: {} }), { kind: 'transport_error', error: 'cannot resolve gone.test (ENOTFOUND)' });
    } finally {
      await sender.close();
    }
  });

  it('refuses every loopback form with the real policy, connecting to nothing', async () => {
    const sender = createHttpSender({ connectTimeoutMs: 2000, totalTimeoutMs: 5000, allowPrivateUrls: false });
    try {
      for (const form of LOOPBACK_FORMS) {
        const r = await sender.send({ method: 'GET', url: `http://${form}:${internal.port}/`, headers: {} });
        assert.equal(r.kind, 'refused', `${form}: ${JSON.stringify(r)}`);
      }
      assert.equal(internal.hits.length, 0);
    } finally {
      await sender.close();
    }
  });
});

describe('SFTP uploads connect to the checked address, and the host key check still holds', () => {
  let tmp: string;
  let sftp: TestSftpServer;
  const file: FeedFile = { name: 'calls-2026-03-10.csv', contentType: 'text/csv', content: async function* () { yield 'a,b\n1,2\n'; } };
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-urlpolicy-sftp-'));
    sftp = await new TestSftpServer(path.join(tmp, 'root'), 'uploader', 'sftp-secret-1').start();
  });
  after(async () => {
    await sftp?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  const creds = (outbound: OutboundPolicy, hostKey: string | null) => ({ username: 'uploader', password: 'sftp-secret-1', timeoutMs: 5000, hostKey, outbound });
  // 127.0.0.1 stands in for a public address here; 127.0.0.3 for an internal one.
  const policy: OutboundPolicy['policy'] = (ip) => (ip === '127.0.0.1' ? null : 'stand-in for a non-public address');

  it('resolves the name once and logs in at that address, checking the pinned host key', async () => {
    const lookups: string[] = [];
    const resolver = async (name: string) => (lookups.push(name), [{ address: '127.0.0.1', family: 4 }]);
    const r = await uploadSftp(new URL(`sftp://files.partner.test:${sftp.port}/drop`), file, creds({ resolver, policy }, sftp.fingerprint));
    assert.equal(r.kind, 'response', JSON.stringify(r));
    assert.deepEqual(lookups, ['files.partner.test']);
    assert.equal(fs.readFileSync(path.join(sftp.root, 'drop', file.name), 'utf8'), 'a,b\n1,2\n');
    const logins = sftp.logins.length;
    const wrongKey = `SHA256:${'A'.repeat(43)}`;
    const mismatch = await uploadSftp(new URL(`sftp://files.partner.test:${sftp.port}/drop`), file, creds({ resolver, policy }, wrongKey));
    assert.equal(mismatch.kind, 'transport_error');
    assert.match((mismatch as { error: string }).error, /host key mismatch: 127\.0\.0\.1:\d+ presented SHA256:/);
    assert.equal(sftp.logins.length, logins, 'no login to a server with another key');
  });

  it('refuses a name with a non-public address, and every loopback form with the real policy, before connecting', async () => {
    const attempts = sftp.authAttempts.length;
    const mixed = await uploadSftp(new URL(`sftp://files.partner.test:${sftp.port}/drop`), file, creds({ resolver: async () => [{ address: '127.0.0.1', family: 4 }, { address: '127.0.0.3', family: 4 }], policy }, null));
    assert.equal(mixed.kind, 'refused', JSON.stringify(mixed));
    const counter = await connectionCounter();
    try {
      for (const form of [...LOOPBACK_FORMS, '0x7f.0.0.1']) {
        const r = await uploadSftp(new URL(`sftp://${form}:${counter.port}/drop`), file, creds({}, null));
        assert.equal(r.kind, 'refused', `${form}: ${JSON.stringify(r)}`);
        assert.match((r as { error: string }).error, /outbound URL policy/);
      }
      assert.equal(counter.count(), 0, 'no connection');
    } finally {
      await counter.close();
    }
    assert.equal(sftp.authAttempts.length, attempts);
  });

  it('writes a folder upload only inside the real root, and nowhere when folder uploads are off', async () => {
    const root = path.join(tmp, 'feeds');
    fs.mkdirSync(path.join(tmp, 'elsewhere'));
    fs.mkdirSync(root);
    fs.symlinkSync(path.join(tmp, 'elsewhere'), path.join(root, 'out'));
    assert.equal((await writeToFolder(path.join(root, 'a', 'b'), file, { root })).kind, 'response');
    assert.ok(fs.existsSync(path.join(root, 'a', 'b', file.name)));
    for (const target of [path.join(root, 'out'), path.join(root, 'out', 'deeper'), path.join(root, '..', 'elsewhere'), path.join(tmp, 'elsewhere')]) {
      const r = await writeToFolder(target, file, { root });
      assert.equal(r.kind, 'refused', `${target}: ${JSON.stringify(r)}`);
    }
    assert.deepEqual(fs.readdirSync(path.join(tmp, 'elsewhere')), [], 'nothing written through the link');
    assert.equal((await writeToFolder(path.join(root, 'c'), file, { root: false })).kind, 'refused');
    assert.equal(fs.existsSync(path.join(root, 'c')), false);
  });
});

for (const dialect of DIALECTS) {
  describe(`outbound URL policy at send time, production mode, stored destinations (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let tmp: string;
    let receiver: Receiver;
    const clock = new ManualClock('2026-03-10T18:00:00.000Z');
    before(async () => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-urlpolicy-send-'));
      receiver = await new Receiver().start();
      t = await buildTestApp(dialect, {
        clock,
        env: { TT_MODE: 'production', TT_PROPAGATION_DELAY_SECONDS: '0', TT_SECRET_KEY: randomBytes(32).toString('base64'), TT_FEED_FOLDER_ROOT: path.join(tmp, 'root') },
      });
    });
    after(async () => {
      await t?.close();
      await receiver?.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    it('does not reach a loopback receiver through a stored mapped-IPv6 (or other loopback form) callback URL; the deliveries fail as refused', async () => {
      const acct = await makeAccount(t.app, 9201);
      const port = new URL(receiver.url).port;
      for (const form of LOOPBACK_FORMS) {
        // Stored as an older version (or a direct database write) would have: save-time checks are not involved.
        const svc = await deliveryService(t.app, acct.clientId, { call_callback_uri: `http://${form}:${port}/hook?c=[[callid]]` });
        await finalizeDeliveryCall(t.app, svc);
      }
      await t.app.worker.drain();
      assert.equal(receiver.requests.length, 0, 'the receiver got no request');
      const { items } = await t.app.deliveryLog.list(acct.clientId, { kind: 'call_callback', limit: 50 });
      assert.equal(items.length, LOOPBACK_FORMS.length);
      for (const d of items) {
        assert.equal(d.delivery.status, 'failed', d.delivery.url);
        assert.deepEqual(d.attempts.map((a) => a.outcome), ['failed'], d.delivery.url);
        assert.match(d.delivery.last_error ?? '', /refused by the outbound URL policy: .*(non-public address \(|localhost)/, d.delivery.url);
      }
      const mapped = items.find((d) => d.delivery.url.includes('[::ffff:7f00:1]'))!;
      assert.match(mapped.delivery.last_error ?? '', /IPv4-mapped of 127\.0\.0\.1, loopback/);
    });

    it('does not upload a stored http_put, sftp or folder target that the policy refuses; each upload fails as refused', async () => {
      const acct = await makeAccount(t.app, 9202);
      const counter = await connectionCounter();
      const receivedBefore = receiver.requests.length;
      const root = path.join(tmp, 'root');
      fs.mkdirSync(path.join(tmp, 'outside'), { recursive: true });
      fs.mkdirSync(root, { recursive: true });
      try {
        const port = new URL(receiver.url).port;
        const rewrites = [
          { kind: 'http_put', target: `http://[::ffff:127.0.0.1]:${port}/in/` },
          { kind: 'http_put', target: `http://2130706433:${port}/in/{date}.csv` },
          { kind: 'http_put', target: `http://localhost:${port}/in/` },
          { kind: 'sftp', target: `sftp://127.0.0.1:${counter.port}/drop` },
          { kind: 'sftp', target: `sftp://[::ffff:127.0.0.1]:${counter.port}/drop` },
          { kind: 'sftp', target: `sftp://0x7f000001:${counter.port}/drop` },
          { kind: 'folder', target: path.join(tmp, 'outside') },
          { kind: 'folder', target: path.join(root, 'link-out') },
        ];
        const ids: string[] = [];
        for (const w of rewrites) {
          // Saved with an acceptable target, then changed in the database (as an older version may have stored it).
          const saved =
            w.kind === 'folder'
              ? { kind: 'folder', target: 'fine' }
              : w.kind === 'sftp'
                ? { kind: 'sftp', target: 'sftp://files.partner.invalid/drop', username: 'uploader', password: 'sftp-secret-1' }
                : { kind: 'http_put', target: 'https://uploads.partner.invalid/in/' };
          const feed = await createUploadFeed(t, acct.auth, { ...saved, time: '06:00', format: 'csv' });
          await t.app.storage.db.updateTable('feeds').set({ upload_target: w.target }).where('id', '=', feed.id).execute();
          ids.push(feed.id);
        }
        // A link out of the root, made after the feed was saved.
        fs.symlinkSync(path.join(tmp, 'outside'), path.join(root, 'link-out'));
        clock.set('2026-03-10T19:00:00.000Z');
        await t.app.reporting.feedUploads.runDue();
        await t.app.worker.drain();
        assert.equal(receiver.requests.length, receivedBefore, 'no HTTP PUT arrived');
        assert.equal(counter.count(), 0, 'no SFTP connection');
        assert.deepEqual(fs.readdirSync(path.join(tmp, 'outside')), [], 'nothing written outside the root');
        for (const [i, id] of ids.entries()) {
          const [d] = await uploadDeliveriesOf(t.app, id);
          assert.equal(d?.status, 'failed', `${rewrites[i].target}: ${JSON.stringify(d)}`);
          assert.match(d.last_error ?? '', rewrites[i].kind === 'folder' ? /outside the feed folder root/ : /refused by the outbound URL policy/, rewrites[i].target);
        }
      } finally {
        await counter.close();
      }
    });
  });
}
