import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser } from 'fast-xml-parser';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { insertReportCalls } from '../support/report-factory.ts';
import { Receiver } from '../support/receiver.ts';
import { TestSftpServer } from '../support/sftp-server.ts';
import { createUploadFeed, uploadDeliveriesOf } from '../support/feeds.ts';
import { ManualClock } from '../../src/domain/clock.ts';

type Acct = Awaited<ReturnType<typeof makeAccount>>;

for (const dialect of DIALECTS) {
  describe(`Daily feed upload (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let a: Acct;
    let receiver: Receiver;
    let sftp: TestSftpServer;
    let tmp: string;
    // 2026-03-11 05:00 in Sydney (UTC+11).
    const clock = new ManualClock('2026-03-10T18:00:00.000Z');
    const callIds: number[] = [];

    const createFeed = (upload: Record<string, unknown>) => createUploadFeed(t, a.auth, upload);
    const deliveriesOf = (feedId: string) => uploadDeliveriesOf(t.app, feedId);

    before(async () => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-upload-'));
      receiver = await new Receiver().start();
      sftp = await new TestSftpServer(path.join(tmp, 'sftp-root'), 'uploader', 'sftp-secret-1').start();
      t = await buildTestApp(dialect, { clock, env: { TT_DELIVERY_RETRY_SCHEDULE: '0,5,300' } });
      a = await makeAccount(t.app, 5995);
      callIds.push(
        ...(await insertReportCalls(t.app, a.clientId, [
          { started_at: '2026-03-09T13:00:00Z' }, // 2026-03-10 00:00 local
          { started_at: '2026-03-10T05:00:00Z', status_code: 0 },
          { started_at: '2026-03-10T12:59:59Z' }, // 23:59:59 local
          { started_at: '2026-03-10T13:00:00Z' }, // 2026-03-11 00:00 local: the next day
        ])),
      );
    });
    after(async () => {
      await t?.close();
      await receiver?.close();
      await sftp?.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    it('uploads the previous local day to a folder at the set local time, once per day', async () => {
      const dir = path.join(tmp, 'folder');
      const feed = await createFeed({ kind: 'folder', target: dir, time: '06:00', format: 'csv' });
      assert.equal(feed.upload.next_at, '2026-03-10T19:00:00.000Z');
      await t.app.worker.drain();
      assert.equal(fs.existsSync(dir), false, 'not before 06:00');
      clock.set('2026-03-10T19:00:00.000Z');
      await Promise.all([t.app.worker.drain(), t.app.reporting.feedUploads.runDue()]);
      await t.app.worker.drain();
      const file = path.join(dir, 'calls-2026-03-10.csv');
      const rows = parseCsv(fs.readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
      assert.deepEqual(rows.map((r) => Number(r.call_id)), callIds.slice(0, 3));
      assert.deepEqual(fs.readdirSync(dir), ['calls-2026-03-10.csv'], 'no .part file left');
      const ds = await deliveriesOf(feed.id);
      assert.equal(ds.length, 1, 'scheduled once');
      assert.equal(ds[0].status, 'delivered');
      assert.equal(ds[0].url, `file://${dir}/calls-2026-03-10.csv`);
      clock.advance(3_600_000);
      await t.app.worker.drain();
      assert.equal((await deliveriesOf(feed.id)).length, 1, 'still once later that day');
      clock.set('2026-03-11T19:00:00.000Z');
      await t.app.worker.drain();
      assert.deepEqual(fs.readdirSync(dir).sort(), ['calls-2026-03-10.csv', 'calls-2026-03-11.csv']);
      const uploads = await t.app.reporting.feedUploads.listUploads(feed.id);
      assert.deepEqual(uploads.map((u) => u.day), ['2026-03-10', '2026-03-11']);
    });

    it('PUTs to an HTTP URL through the delivery engine, retrying a failed attempt', async () => {
      clock.set('2026-03-10T18:00:00.000Z');
      receiver.respond = () => (receiver.requests.length === 1 ? 503 : 201);
      const feed = await createFeed({ kind: 'http_put', target: `${receiver.url}/incoming/{date}.xml`, time: '06:00', format: 'xml' });
      clock.set('2026-03-10T19:00:05.000Z');
      await t.app.worker.drain();
      assert.equal(receiver.requests.length, 1);
      let [d] = await deliveriesOf(feed.id);
      assert.equal(d.status, 'pending');
      assert.equal(d.last_status_code, 503);
      clock.advance(5_000);
      await t.app.worker.drain();
      assert.equal(receiver.requests.length, 2);
      const put = receiver.requests[1];
      assert.equal(put.method, 'PUT');
      assert.equal(put.url, '/incoming/2026-03-10.xml');
      assert.match(put.headers['content-type'] as string, /application\/xml/);
      const doc = new XMLParser().parse(put.body);
      assert.deepEqual(doc.calls.call.map((c: { call_id: number }) => Number(c.call_id)), callIds.slice(0, 3));
      [d] = await deliveriesOf(feed.id);
      assert.equal(d.status, 'delivered');
    });

    it('uploads over SFTP to a real SFTP server, and retries when the login is refused', async () => {
      clock.set('2026-03-10T18:00:00.000Z');
      const feed = await createFeed({ kind: 'sftp', target: `sftp://127.0.0.1:${sftp.port}/drop`, time: '06:00', format: 'json', username: 'uploader', password: 'sftp-secret-1' });
      const bad = await createFeed({ kind: 'sftp', target: `sftp://127.0.0.1:${sftp.port}/bad`, time: '06:00', format: 'json', username: 'uploader', password: 'wrong-password' });
      clock.set('2026-03-10T19:00:00.000Z');
      await t.app.worker.drain();
      const file = path.join(sftp.root, 'drop', 'calls-2026-03-10.json');
      const recs = JSON.parse(fs.readFileSync(file, 'utf8')) as { call_id: number }[];
      assert.deepEqual(recs.map((r) => r.call_id), callIds.slice(0, 3));
      assert.equal(fs.existsSync(`${file}.part`), false);
      const [ok] = await deliveriesOf(feed.id);
      assert.equal(ok.status, 'delivered');
      assert.equal(ok.url, `sftp://uploader@127.0.0.1:${sftp.port}/drop/calls-2026-03-10.json`);
      assert.ok(!ok.url.includes('sftp-secret-1'), 'no password in the delivery log');
      const [failed] = await deliveriesOf(bad.id);
      assert.equal(failed.status, 'pending', 'a refused login is retried');
      assert.match(failed.last_error ?? '', /authentication/i);
      assert.equal(fs.existsSync(path.join(sftp.root, 'bad')), false);
    });
  });
}
