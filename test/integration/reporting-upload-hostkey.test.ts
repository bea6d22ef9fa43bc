import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ssh2 from 'ssh2';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { insertReportCalls } from '../support/report-factory.ts';
import { fingerprintOfPublicLine, TestSftpServer } from '../support/sftp-server.ts';
import { createUploadFeed, uploadDeliveriesOf } from '../support/feeds.ts';
import { ManualClock } from '../../src/domain/clock.ts';
import { main } from '../../src/main.ts';

type Acct = Awaited<ReturnType<typeof makeAccount>>;
type UploadView = { kind: string; host_key: string | null; host_key_source: string | null };
type AttemptView = { outcome: string; error: string | null };

/** OpenSSH's own tools, when this machine has them: the reference for what a fingerprint looks like. */
async function opensshFingerprint(port: number, dir: string): Promise<string> {
  // Asynchronous: the server answering ssh-keyscan runs in this process.
  const { stdout: scan } = await promisify(execFile)('ssh-keyscan', ['-p', String(port), '-t', 'ed25519', '127.0.0.1'], { encoding: 'utf8' });
  const file = path.join(dir, 'scanned-host-key');
  fs.writeFileSync(file, scan);
  const out = execFileSync('ssh-keygen', ['-lf', file], { encoding: 'utf8' });
  return /(SHA256:\S+)/.exec(out)?.[1] ?? `no fingerprint in ${JSON.stringify(out)}`;
}
const hasOpenssh = (() => {
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
  } catch (err) {
    // ssh-keygen -? prints usage and exits 1; ENOENT means it is not installed.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
  }
  try {
    execFileSync('ssh-keyscan', ['-?'], { stdio: 'ignore' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
  }
  return true;
})();

for (const dialect of DIALECTS) {
  describe(`SFTP upload host key verification (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let a: Acct;
    let sftp: TestSftpServer;
    let tofu: TestSftpServer;
    let tmp: string;
    // 2026-03-11 05:00 in Sydney (UTC+11): the 06:00 upload of 2026-03-10 is at 19:00Z.
    const clock = new ManualClock('2026-03-10T18:00:00.000Z');
    const callIds: number[] = [];

    const createFeed = (upload: Record<string, unknown>) => createUploadFeed<{ id: string; upload: UploadView }>(t, a.auth, upload);
    const getFeed = async (id: string) => {
      const res = await t.server.inject({ url: `/webapi/v1/feeds/${id}`, headers: { authorization: a.auth } });
      assert.equal(res.statusCode, 200, res.body);
      return { body: res.body, feed: res.json() as { id: string; upload: UploadView } };
    };
    const deliveriesOf = (feedId: string) => uploadDeliveriesOf(t.app, feedId);
    const attemptLog = async (deliveryId: string) => {
      const res = await t.server.inject({ url: `/webapi/v1/deliveries/${deliveryId}`, headers: { authorization: a.auth } });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().delivery.attempt_log as AttemptView[];
    };
    const otherKey = () => fingerprintOfPublicLine(ssh2.utils.generateKeyPairSync('ed25519').public);

    before(async () => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-hostkey-'));
      sftp = await new TestSftpServer(path.join(tmp, 'sftp-root'), 'uploader', 'sftp-secret-1').start();
      tofu = await new TestSftpServer(path.join(tmp, 'tofu-root'), 'uploader', 'sftp-secret-1').start();
      t = await buildTestApp(dialect, { clock, env: { TT_DELIVERY_RETRY_SCHEDULE: '0,5,300' } });
      a = await makeAccount(t.app, 5995);
      callIds.push(
        ...(await insertReportCalls(t.app, a.clientId, [
          { started_at: '2026-03-09T13:00:00Z' }, // 2026-03-10 00:00 local
          { started_at: '2026-03-10T12:59:59Z' }, // 2026-03-10 23:59:59 local
          { started_at: '2026-03-11T02:00:00Z' }, // 2026-03-11 13:00 local
        ])),
      );
    });
    after(async () => {
      await t?.close();
      await sftp?.close();
      await tofu?.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    it('computes the fingerprint the way OpenSSH prints it', { skip: hasOpenssh ? false : 'ssh-keyscan/ssh-keygen are not installed' }, async () => {
      // The test server's own fingerprint (from its public key line) must be what OpenSSH's tools print for it.
      assert.equal(await opensshFingerprint(sftp.port, tmp), sftp.fingerprint);
    });

    it('uploads only to a server presenting the configured key; another key fails every attempt before login, then dead-letters', async () => {
      clock.set('2026-03-10T18:00:00.000Z');
      const wrongKey = otherKey();
      assert.notEqual(wrongKey, sftp.fingerprint);
      const good = await createFeed({ kind: 'sftp', target: `sftp://127.0.0.1:${sftp.port}/good`, time: '06:00', format: 'json', username: 'uploader', password: 'sftp-secret-1', host_key: sftp.fingerprint });
      assert.equal(good.upload.host_key, sftp.fingerprint);
      assert.equal(good.upload.host_key_source, 'configured');
      // A distinct user name for the refused feed: the server must never see it (the password goes after the key check).
      const bad = await createFeed({ kind: 'sftp', target: `sftp://127.0.0.1:${sftp.port}/bad`, time: '06:00', format: 'json', username: 'mitm-victim', password: 'sftp-secret-1', host_key: wrongKey });
      assert.equal(bad.upload.host_key, wrongKey);

      clock.set('2026-03-10T19:00:00.000Z');
      await t.app.worker.drain();
      const file = path.join(sftp.root, 'good', 'calls-2026-03-10.json');
      const recs = JSON.parse(fs.readFileSync(file, 'utf8')) as { call_id: number }[];
      assert.deepEqual(recs.map((r) => r.call_id), callIds.slice(0, 2));
      const [ok] = await deliveriesOf(good.id);
      assert.equal(ok.status, 'delivered');
      assert.equal((await getFeed(good.id)).feed.upload.host_key, sftp.fingerprint, 'a configured key stays as it is');

      const [refused] = await deliveriesOf(bad.id);
      assert.equal(refused.status, 'pending', 'a mismatch is retried like any failed upload');
      const mismatch = (e: string | null) => {
        assert.match(e ?? '', /host key mismatch/i);
        assert.ok(e!.includes(`presented ${sftp.fingerprint}`), e!);
        assert.ok(e!.includes(`expected ${wrongKey}`), e!);
      };
      mismatch(refused.last_error);
      let log = await attemptLog(refused.id);
      assert.deepEqual(log.map((x) => x.outcome), ['retry']);
      mismatch(log[0].error);
      assert.equal(fs.existsSync(path.join(sftp.root, 'bad')), false, 'nothing written');
      assert.ok(!sftp.authAttempts.some((x) => x.endsWith(':mitm-victim')), `no login attempted: ${sftp.authAttempts.join(', ')}`);

      clock.advance(5_000);
      await t.app.worker.drain();
      clock.advance(300_000);
      await t.app.worker.drain();
      const [dead] = await deliveriesOf(bad.id);
      assert.equal(dead.status, 'dead');
      log = await attemptLog(dead.id);
      assert.equal(log.length, 3);
      for (const x of log) mismatch(x.error);
      assert.equal(log.at(-1)!.outcome, 'dead');
      assert.equal(fs.existsSync(path.join(sftp.root, 'bad')), false, 'still nothing written');
      assert.ok(!sftp.authAttempts.some((x) => x.endsWith(':mitm-victim')));
    });

    it('trusts on first use: the first upload pins the key, and a server with another key is refused afterwards', async () => {
      clock.set('2026-03-10T18:00:00.000Z');
      const created = await createFeed({ kind: 'sftp', target: `sftp://127.0.0.1:${tofu.port}/drop`, time: '06:00', format: 'json', username: 'uploader', password: 'sftp-secret-1' });
      assert.equal(created.upload.host_key, null, 'nothing pinned before the first connection');
      assert.equal(created.upload.host_key_source, null);

      clock.set('2026-03-10T19:00:00.000Z');
      await t.app.worker.drain();
      assert.ok(fs.existsSync(path.join(tofu.root, 'drop', 'calls-2026-03-10.json')));
      const firstKey = tofu.fingerprint;
      const { body, feed } = await getFeed(created.id);
      assert.equal(feed.upload.host_key, firstKey, 'pinned by the first upload');
      assert.equal(feed.upload.host_key_source, 'first_use');
      assert.ok(!body.includes('sftp-secret-1'), 'the password is never shown');
      const listed = (await t.server.inject({ url: '/webapi/v1/feeds', headers: { authorization: a.auth } })).json().feeds as { id: string; upload: UploadView }[];
      assert.equal(listed.find((f) => f.id === created.id)!.upload.host_key, firstKey);

      // Same address, same credentials, another host key: a replaced server, or someone in between.
      await tofu.restart({ newHostKey: true });
      const secondKey = tofu.fingerprint;
      assert.notEqual(secondKey, firstKey);
      const attemptsBefore = tofu.authAttempts.length;
      clock.set('2026-03-11T19:00:00.000Z');
      await t.app.worker.drain();
      const ds = await deliveriesOf(created.id);
      assert.equal(ds.length, 2);
      assert.equal(ds[1].status, 'pending');
      const log = await attemptLog(ds[1].id);
      assert.equal(log.length, 1);
      assert.match(log[0].error ?? '', /host key mismatch/i);
      assert.ok(log[0].error!.includes(`presented ${secondKey}`) && log[0].error!.includes(`expected ${firstKey}`), log[0].error!);
      assert.deepEqual(fs.readdirSync(path.join(tofu.root, 'drop')), ['calls-2026-03-10.json'], 'the second day is not written');
      assert.equal(tofu.authAttempts.length, attemptsBefore, 'the password was not sent');
      assert.equal((await getFeed(created.id)).feed.upload.host_key, firstKey, 'the pin is kept');
    });

    it('refuses a malformed host_key, or one on a kind other than sftp, naming upload.host_key (API and CLI)', async () => {
      const sftpUpload = { kind: 'sftp', target: 'sftp://files.example.com/in', time: '06:00', username: 'u', password: 'p' };
      const valid = sftp.fingerprint;
      for (const hostKey of [
        'SHA256:abc',
        `${valid}=`, // padded
        valid.replace('SHA256:', 'MD5:'),
        valid.slice('SHA256:'.length), // no prefix
        'aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99', // an MD5 fingerprint
        `${valid} `,
        '',
      ]) {
        const res = await t.server.inject({ method: 'POST', url: '/webapi/v1/feeds', headers: { authorization: a.auth }, payload: { auth: 'ip', allow: ['127.0.0.1'], upload: { ...sftpUpload, host_key: hostKey } } });
        assert.equal(res.statusCode, 400, `${JSON.stringify(hostKey)}: ${res.body}`);
        assert.ok(res.json().errors.some((e: { path: string }) => e.path === 'upload.host_key'), res.body);
      }
      for (const upload of [
        { kind: 'folder', target: path.join(tmp, 'x'), time: '06:00', host_key: valid },
        { kind: 'http_put', target: 'https://example.com/in/', time: '06:00', host_key: valid },
      ]) {
        const res = await t.server.inject({ method: 'POST', url: '/webapi/v1/feeds', headers: { authorization: a.auth }, payload: { auth: 'ip', allow: ['127.0.0.1'], upload } });
        assert.equal(res.statusCode, 400, res.body);
        const err = res.json().errors.find((e: { path: string }) => e.path === 'upload.host_key');
        assert.ok(err, res.body);
        assert.match(err.message, /sftp/);
      }

      const env = { TT_DATA_DIR: t.config.dataDir, TT_DATABASE_URL: t.config.databaseUrl ?? '', TT_LOG_LEVEL: 'silent', TT_PUBLIC_URL: t.config.publicUrl };
      const cli = async (hostKey: string) => {
        const out: string[] = [];
        const [log, error] = [console.log, console.error];
        console.log = (s: string) => out.push(s);
        console.error = (s: string) => out.push(s);
        try {
          const code = await main(['feed', 'create', '--client-id', '5995', '--auth', 'ip', '--allow', '127.0.0.1', '--upload-kind', 'sftp', '--upload-target', 'sftp://files.example.com/in', '--upload-time', '06:00', '--upload-username', 'u', '--upload-password', 'p', '--upload-host-key', hostKey, '--json'], env);
          return { code, out: out.join('\n') };
        } finally {
          [console.log, console.error] = [log, error];
        }
      };
      const refused = await cli('SHA256:not-a-fingerprint');
      assert.equal(refused.code, 1, refused.out);
      assert.match(refused.out, /upload\.host_key/);
      const accepted = await cli(valid);
      assert.equal(accepted.code, 0, accepted.out);
      const feed = JSON.parse(accepted.out) as { upload: UploadView };
      assert.equal(feed.upload.host_key, valid);
      assert.equal(feed.upload.host_key_source, 'configured');
    });
  });
}
