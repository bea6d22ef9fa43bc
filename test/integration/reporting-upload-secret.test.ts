import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { Receiver } from '../support/receiver.ts';
import { TestSftpServer } from '../support/sftp-server.ts';
import { postUploadFeed, uploadDeliveriesOf } from '../support/feeds.ts';
import { ManualClock } from '../../src/domain/clock.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createApp } from '../../src/app.ts';
import { open } from '../../src/domain/accounts/secret-box.ts';

type Acct = Awaited<ReturnType<typeof makeAccount>>;

for (const dialect of DIALECTS) {
  describe(`Feed upload passwords encrypted at rest (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let a: Acct;
    let receiver: Receiver;
    let sftp: TestSftpServer;
    let tmp: string;
    const key = randomBytes(32);
    // 2026-03-11 05:00 in Sydney; uploads at 06:00 local = 19:00Z.
    const clock = new ManualClock('2026-03-10T18:00:00.000Z');

    const createFeed = postUploadFeed;
    const storedPassword = async (feedId: string) => (await t.app.storage.db.selectFrom('feeds').select('upload_password').where('id', '=', feedId).executeTakeFirstOrThrow()).upload_password;
    const deliveriesOf = (feedId: string) => uploadDeliveriesOf(t.app, feedId);
    /** Nothing of the delivery log or the feed's API views holds the password. */
    const assertNotShown = async (feedId: string, password: string) => {
      for (const d of await deliveriesOf(feedId)) assert.ok(!JSON.stringify(d).includes(password), `delivery log row shows the password: ${JSON.stringify(d)}`);
      const list = await t.server.inject({ method: 'GET', url: '/webapi/v1/feeds', headers: { authorization: a.auth } });
      assert.equal(list.statusCode, 200, list.body);
      assert.ok(list.body.includes(feedId));
      assert.ok(!list.body.includes(password) && !list.body.includes('v1:'), 'feed list shows the password');
    };

    before(async () => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-upload-secret-'));
      receiver = await new Receiver().start();
      sftp = await new TestSftpServer(path.join(tmp, 'sftp-root'), 'uploader', 'sftp-secret-2').start();
      t = await buildTestApp(dialect, { clock, env: { TT_DELIVERY_RETRY_SCHEDULE: '0,5,300', TT_SECRET_KEY: key.toString('base64') } });
      a = await makeAccount(t.app, 5996);
    });
    after(async () => {
      await t?.close();
      await receiver?.close();
      await sftp?.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    it('stores an HTTP PUT password encrypted, never shows it, and PUTs with the right Basic credentials', async () => {
      clock.set('2026-03-10T18:00:00.000Z');
      const res = await createFeed(t, a.auth, { kind: 'http_put', target: `${receiver.url}/in/{date}.csv`, time: '06:00', username: 'putter', password: 'put-secret-9' });
      assert.equal(res.statusCode, 201, res.body);
      assert.ok(!res.body.includes('put-secret-9'), 'the created view shows the password');
      const feed = res.json() as { id: string; upload: Record<string, unknown> };
      assert.equal('password' in feed.upload, false);
      const stored = (await storedPassword(feed.id))!;
      assert.match(stored, /^v1:/);
      assert.ok(!stored.includes('put-secret-9'));
      assert.equal(open(key, stored), 'put-secret-9');
      const before = receiver.requests.length;
      clock.set('2026-03-10T19:00:05.000Z');
      await t.app.worker.drain();
      assert.equal(receiver.requests.length, before + 1);
      const put = receiver.requests.at(-1)!;
      assert.equal(put.method, 'PUT');
      assert.equal(put.url, '/in/2026-03-10.csv');
      assert.equal(put.headers.authorization, basic('putter', 'put-secret-9'));
      const [d] = await deliveriesOf(feed.id);
      assert.equal(d.status, 'delivered');
      await assertNotShown(feed.id, 'put-secret-9');
    });

    it('stores an SFTP password encrypted and still logs in with it', async () => {
      clock.set('2026-03-10T18:00:00.000Z');
      const res = await createFeed(t, a.auth, { kind: 'sftp', target: `sftp://127.0.0.1:${sftp.port}/drop`, time: '06:00', format: 'json', username: 'uploader', password: 'sftp-secret-2' });
      assert.equal(res.statusCode, 201, res.body);
      const feed = res.json() as { id: string };
      const stored = (await storedPassword(feed.id))!;
      assert.match(stored, /^v1:/);
      assert.notEqual(stored, 'sftp-secret-2');
      clock.set('2026-03-10T19:00:05.000Z');
      await t.app.worker.drain();
      const [d] = await deliveriesOf(feed.id);
      assert.equal(d.status, 'delivered', d.last_error ?? '');
      assert.ok(fs.existsSync(path.join(sftp.root, 'drop', 'calls-2026-03-10.json')));
      await assertNotShown(feed.id, 'sftp-secret-2');
    });

    it('with another TT_SECRET_KEY, fails the attempt with a clear error and sends nothing; the right key then delivers', async () => {
      clock.set('2026-03-10T18:00:00.000Z');
      const res = await createFeed(t, a.auth, { kind: 'http_put', target: `${receiver.url}/other/{date}.csv`, time: '06:00', username: 'putter', password: 'put-secret-7' });
      assert.equal(res.statusCode, 201, res.body);
      const feed = res.json() as { id: string };
      // A second process on the same database, started with a different key.
      const other = await createApp(
        loadConfig({ TT_DATA_DIR: t.config.dataDir, TT_DATABASE_URL: t.config.databaseUrl ?? '', TT_LOG_LEVEL: 'silent', TT_DELIVERY_RETRY_SCHEDULE: '0,5,300', TT_SECRET_KEY: randomBytes(32).toString('base64') }),
        { clock, log: pino({ level: 'silent' }) },
      );
      const before = receiver.requests.length;
      try {
        clock.set('2026-03-10T19:00:05.000Z');
        await other.worker.drain();
      } finally {
        await other.close();
      }
      assert.equal(receiver.requests.length, before, 'nothing sent with the wrong key');
      let [d] = await deliveriesOf(feed.id);
      assert.equal(d.status, 'pending', 'retried later');
      assert.match(d.last_error ?? '', /upload password of feed .* cannot be decrypted: .*secret key.*TT_SECRET_KEY/);
      assert.ok(!(d.last_error ?? '').includes('put-secret-7'));
      clock.advance(5_000);
      await t.app.worker.drain();
      assert.equal(receiver.requests.length, before + 1);
      assert.equal(receiver.requests.at(-1)!.headers.authorization, basic('putter', 'put-secret-7'));
      [d] = await deliveriesOf(feed.id);
      assert.equal(d.status, 'delivered');
    });

    it('uses a legacy clear-text password as is and stores it encrypted from then on', async () => {
      clock.set('2026-03-10T18:00:00.000Z');
      const res = await createFeed(t, a.auth, { kind: 'http_put', target: `${receiver.url}/legacy/{date}.csv`, time: '06:00', username: 'old', password: 'placeholder-1' });
      const feed = res.json() as { id: string };
      await t.app.storage.db.updateTable('feeds').set({ upload_password: 'legacy-pass-3' }).where('id', '=', feed.id).execute();
      clock.set('2026-03-10T19:00:05.000Z');
      await t.app.worker.drain();
      assert.equal(receiver.requests.at(-1)!.url, '/legacy/2026-03-10.csv');
      assert.equal(receiver.requests.at(-1)!.headers.authorization, basic('old', 'legacy-pass-3'));
      const stored = (await storedPassword(feed.id))!;
      assert.match(stored, /^v1:/);
      assert.equal(open(key, stored), 'legacy-pass-3');
    });

    it('refuses an upload password in production without TT_SECRET_KEY (422 naming upload.password)', async () => {
      const prod = await buildTestApp(dialect, { clock, env: { TT_MODE: 'production' } });
      try {
        const p = await makeAccount(prod.app, 5997);
        const res = await createFeed(prod, p.auth, { kind: 'sftp', target: 'sftp://files.example.com/drop', time: '06:00', username: 'u', password: 'prod-secret-1' });
        assert.equal(res.statusCode, 422, res.body);
        assert.match(res.body, /upload\.password/);
        assert.match(res.body, /TT_SECRET_KEY/);
        assert.ok(!res.body.includes('prod-secret-1'));
        assert.equal(fs.existsSync(path.join(prod.config.dataDir, 'secret-key')), false, 'no key file in production');
        // Credentials written into the URL would be kept in clear: refused, naming the field.
        const inUrl = await createFeed(prod, p.auth, { kind: 'http_put', target: 'https://user:url-secret-9@files.example.com/in/', time: '06:00' });
        assert.equal(inUrl.statusCode, 400, inUrl.body);
        assert.match(inUrl.body, /upload\.target/);
        assert.ok(!inUrl.body.includes('url-secret-9'));
        // Without a password there is nothing to encrypt.
        const ok = await createFeed(prod, p.auth, { kind: 'http_put', target: 'https://files.example.com/in/', time: '06:00' });
        assert.equal(ok.statusCode, 201, ok.body);
      } finally {
        await prod.close();
      }
    });

    it('in sandbox without TT_SECRET_KEY, generates a key once into TT_DATA_DIR/secret-key (mode 0600) and uses it', async () => {
      const sb = await buildTestApp(dialect, { clock });
      try {
        const file = path.join(sb.config.dataDir, 'secret-key');
        assert.equal(fs.existsSync(file), false, 'not before it is needed');
        // The account's webhook secret is the first secret kept at rest (issue #9): it needs the key.
        const s = await makeAccount(sb.app, 5998);
        assert.equal(fs.existsSync(file), true, 'generated for the account’s webhook secret');
        const res = await createFeed(sb, s.auth, { kind: 'sftp', target: 'sftp://files.example.com/drop', time: '06:00', username: 'u', password: 'sandbox-secret-1' });
        assert.equal(res.statusCode, 201, res.body);
        assert.equal(fs.statSync(file).mode & 0o777, 0o600);
        const fileKey = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
        assert.equal(fileKey.length, 32);
        const res2 = await createFeed(sb, s.auth, { kind: 'sftp', target: 'sftp://files.example.com/drop2', time: '06:00', username: 'u', password: 'sandbox-secret-2' });
        assert.equal(res2.statusCode, 201, res2.body);
        assert.deepEqual(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64'), fileKey, 'generated once');
        for (const [r, pw] of [[res, 'sandbox-secret-1'], [res2, 'sandbox-secret-2']] as const) {
          const row = await sb.app.storage.db.selectFrom('feeds').select('upload_password').where('id', '=', (r.json() as { id: string }).id).executeTakeFirstOrThrow();
          assert.equal(open(fileKey, row.upload_password!), pw);
        }
      } finally {
        await sb.close();
      }
    });
  });
}
