import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { ManualClock } from '../../src/domain/clock.ts';
import { putToUrl, uploadSftp, writeToFolder, type FeedFile } from '../../src/integrations/reporting/feed-destinations.ts';
import type { OutboundResult } from '../../src/integrations/delivery/http-sender.ts';
import { createSmtpMailer } from '../../src/integrations/delivery/smtp-mailer.ts';
import { buildServer } from '../../src/http/server.ts';
import { claimDueDeliveries } from '../../src/storage/delivery/delivery.repository.ts';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount, stock, sydneyNumbers, type TestApp } from '../support/app.ts';
import { deliveryService, finalizeDeliveryCall } from '../support/delivery-fixtures.ts';
import { FaultServer } from '../support/fault-servers.ts';
import { createUploadFeed, uploadDeliveriesOf } from '../support/feeds.ts';
import { Receiver } from '../support/receiver.ts';

/**
 * Destinations that misbehave at the transport level — one that accepts and never answers, one that sends an SSH
 * banner and closes, and ones that trickle a byte a second — must neither hang an attempt (every attempt has a hard
 * deadline, and its connection is torn down) nor hold up anything else the worker does.
 */

/** Polls `fn` until it returns something truthy; fails naming `what` after `timeoutMs` (a bound, not a timing). */
async function until<T>(what: string, fn: () => Promise<T | false | null | undefined | 0>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Settles with the promise's value, or with 'still pending' after a generous bound (so a hang fails, not blocks). */
function settles<T>(p: Promise<T>, boundMs = 20_000): Promise<T | 'still pending'> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<'still pending'>((r) => (timer = setTimeout(() => r('still pending'), boundMs)))]).finally(() => clearTimeout(timer));
}

const file: FeedFile = {
  name: 'calls-2026-03-10.csv',
  contentType: 'text/csv',
  content: async function* () {
    yield 'call_id,caller\n1,+61290088888\n';
  },
};

describe('Transport deadlines: SMTP, HTTP PUT, SFTP and folder uploads settle by their deadline and tear the connection down', () => {
  const DEADLINE_MS = 1500;
  let silent: FaultServer;
  let banner: FaultServer;
  let smtpTrickle: FaultServer;
  let sshTrickle: FaultServer;
  let httpHeaderTrickle: FaultServer;
  let httpBodyTrickle: FaultServer;
  let tmp: string;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-faults-'));
    silent = await new FaultServer('silent').start();
    banner = await new FaultServer('banner_close').start();
    smtpTrickle = await new FaultServer('trickle', { prefix: '220 ' }).start();
    sshTrickle = await new FaultServer('trickle', { prefix: 'SSH-2.0-' }).start();
    httpHeaderTrickle = await new FaultServer('trickle', { prefix: 'HTTP/1.1 200 OK\r\nx-slow: ' }).start();
    httpBodyTrickle = await new FaultServer('trickle', { prefix: 'HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n' }).start();
  });
  after(async () => {
    for (const s of [silent, banner, smtpTrickle, sshTrickle, httpHeaderTrickle, httpBodyTrickle]) await s?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** The outcome is a retryable transport error, and the client closed every connection it opened (none left hanging). */
  const assertGaveUp = async (label: string, result: OutboundResult | 'still pending', server: FaultServer, error: RegExp) => {
    assert.notEqual(result, 'still pending', `${label}: the attempt never settled`);
    const r = result as OutboundResult;
    assert.equal(r.kind, 'transport_error', `${label}: ${JSON.stringify(r)}`);
    assert.match((r as { error: string }).error, error, label);
    await until(`${label}: the client closes its connection`, async () => server.open === 0, 10_000);
  };

  it('SMTP: a server that never greets, one that closes after a banner, one that trickles its greeting', async () => {
    const send = (s: FaultServer) =>
      settles(createSmtpMailer({ url: `smtp://127.0.0.1:${s.port}`, from: 'Telltale <telltale@localhost>', timeoutMs: DEADLINE_MS }).send({ to: 'ops@example.com', subject: 'Call', text: 'x' }, { messageId: 'msg_1' }));
    const [a, b, c] = await Promise.all([send(silent), send(banner), send(smtpTrickle)]);
    await assertGaveUp('silent', a, silent, /timeout|timed out/i);
    await assertGaveUp('banner', b, banner, /greeting|closed/i);
    await assertGaveUp('trickle', c, smtpTrickle, /timeout|timed out|never received/i);
    assert.equal(smtpTrickle.closedByClient, smtpTrickle.accepted, 'the trickling connection was torn down by the client');
  });

  it('HTTP PUT: silent, banner-then-close, trickled headers and a trickled body', async () => {
    const put = (s: FaultServer) => settles(putToUrl(`http://127.0.0.1:${s.port}/incoming/`, file, { allowPrivateUrls: true, timeoutMs: DEADLINE_MS }));
    const [a, b, c, d] = await Promise.all([put(silent), put(banner), put(httpHeaderTrickle), put(httpBodyTrickle)]);
    await assertGaveUp('silent', a, silent, /timeout/i);
    await assertGaveUp('banner', b, banner, /HTTP/);
    await assertGaveUp('header trickle', c, httpHeaderTrickle, /timeout/i);
    await assertGaveUp('body trickle', d, httpBodyTrickle, /timeout/i);
  });

  it('SFTP: silent, banner-then-close (ssh2 reports no error), and a trickled banner', async () => {
    const up = (s: FaultServer) => settles(uploadSftp(new URL(`sftp://127.0.0.1:${s.port}/drop`), file, { username: 'u', password: 'p', timeoutMs: DEADLINE_MS, hostKey: null }));
    const [a, b, c] = await Promise.all([up(silent), up(banner), up(sshTrickle)]);
    await assertGaveUp('silent', a, silent, /timeout|timed out/i);
    await assertGaveUp('banner', b, banner, /closed the connection before the SSH handshake/);
    await assertGaveUp('trickle', c, sshTrickle, /timeout|timed out/i);
  });

  it('folder: a write that stalls (its rows stop coming, as from a hung database read) is cut off at the deadline', async () => {
    // A `.part` planted beforehand (a named pipe, say) is removed and created afresh exclusively (the folder policy),
    // so the stall is made on the producing side: the first chunk is written, then nothing more ever comes.
    const dir = path.join(tmp, 'blocked');
    fs.mkdirSync(dir);
    let released!: () => void;
    const stalled: FeedFile = {
      name: file.name,
      contentType: 'text/csv',
      content: async function* () {
        yield 'call_id,caller\n';
        await new Promise<void>((r) => (released = r));
      },
    };
    try {
      const r = await settles(writeToFolder(dir, stalled, { timeoutMs: DEADLINE_MS }));
      assert.notEqual(r, 'still pending', 'the folder write never settled');
      assert.equal((r as OutboundResult).kind, 'transport_error');
      assert.match((r as { error: string }).error, /timeout/i);
      assert.equal(fs.existsSync(path.join(dir, file.name)), false, 'no file put in place');
      // The half-written `.part` is removed once the write is torn down.
      for (let i = 0; i < 50 && fs.existsSync(path.join(dir, `${file.name}.part`)); i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(fs.existsSync(path.join(dir, `${file.name}.part`)), false, 'the .part file is removed');
    } finally {
      released?.();
    }
  });
});

const START = '2026-03-10T18:00:00.000Z'; // 05:00 in Sydney; uploads at 06:00 local are due from 19:00Z
const UPLOAD_DUE = '2026-03-10T19:00:00.000Z';

for (const dialect of DIALECTS) {
  describe(`Delivery faults: one bad destination holds up nothing (${dialect.name})`, { skip: dialect.skip }, () => {
    let silent: FaultServer;
    let banner: FaultServer;
    let httpTrickle: FaultServer;
    let sshTrickle: FaultServer;
    let receiver: Receiver;

    before(async () => {
      silent = await new FaultServer('silent').start();
      banner = await new FaultServer('banner_close').start();
      httpTrickle = await new FaultServer('trickle', { prefix: 'HTTP/1.1 200 OK\r\nx-slow: ' }).start();
      sshTrickle = await new FaultServer('trickle', { prefix: 'SSH-2.0-' }).start();
      receiver = await new Receiver().start();
    });
    after(async () => {
      for (const s of [silent, banner, httpTrickle, sshTrickle]) await s?.close();
      await receiver?.close();
    });

    const attemptsOf = (app: App, id: string) => app.storage.db.selectFrom('delivery_attempts').selectAll().where('delivery_id', '=', id).orderBy('attempt_no').execute();
    const deliveryOf = (app: App, id: string) => app.storage.db.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    it('delivers 200 callbacks for other accounts and completes a Telco request while callbacks and SFTP uploads to silent, banner-then-close and trickling destinations hang', async () => {
      // Long enough that the healthy traffic is done well before the bad attempts reach their deadline.
      const HANG_MS = 8000;
      const clock = new ManualClock(START);
      let t: TestApp | undefined = await buildTestApp(dialect, { clock, env: { TT_DELIVERY_TIMEOUT_MS: String(HANG_MS), TT_DELIVERY_RETRY_SCHEDULE: '0,3600' } });
      try {
        const app = t.app;
        const owner = await makeAccount(app, 8100);
        // The account with the bad destinations: three HTTP callbacks and three daily SFTP uploads.
        const badCallback = async (url: string, i: number) => {
          const svc = await deliveryService(app, 8100, { number: sydneyNumbers(1, 9000 + i)[0], call_callback_uri: url });
          const call = await finalizeDeliveryCall(app, svc);
          return (await app.storage.db.selectFrom('deliveries').select('id').where('subject_id', '=', String(call.id)).executeTakeFirstOrThrow()).id;
        };
        const cb = {
          silent: await badCallback(`http://127.0.0.1:${silent.port}/cb`, 0),
          banner: await badCallback(`http://127.0.0.1:${banner.port}/cb`, 1),
          trickle: await badCallback(`http://127.0.0.1:${httpTrickle.port}/cb`, 2),
        };
        const feed = async (s: FaultServer) => (await createUploadFeed(t!, owner.auth, { kind: 'sftp', target: `sftp://127.0.0.1:${s.port}/drop`, time: '06:00', format: 'csv', username: 'u', password: 'p' })).id;
        const feeds = { silent: await feed(silent), banner: await feed(banner), trickle: await feed(sshTrickle) };

        clock.set(UPLOAD_DUE);
        app.worker.start();
        // Four attempts are now hanging: the silent server holds a callback and an upload, each trickler one.
        await Promise.all([silent.waitForConnections(2), httpTrickle.waitForConnections(1), sshTrickle.waitForConnections(1)]);
        const up = { silent: '', banner: '', trickle: '' };
        for (const k of ['silent', 'banner', 'trickle'] as const) up[k] = (await uploadDeliveriesOf(app, feeds[k]))[0].id;

        // Meanwhile: 200 calls finish for 20 other accounts, each with a healthy callback, and a number is ordered.
        const others = Array.from({ length: 20 }, (_, i) => 8200 + i);
        for (const [i, clientId] of others.entries()) {
          await app.accounts.createAccount({ clientId, name: `Account ${clientId}` });
          const svc = await deliveryService(app, clientId, { number: sydneyNumbers(1, 100 + i)[0], call_callback_uri: `${receiver.url}/cb/${clientId}` });
          for (let n = 0; n < 10; n++) await finalizeDeliveryCall(app, svc);
        }
        const [ordered] = sydneyNumbers(1, 500);
        await stock(app, [ordered]);
        const order = await t.server.inject({ method: 'POST', url: '/telco/v1/requests', headers: { authorization: owner.auth }, payload: { type: 'new', number: ordered, service: { type: 'voicemail' } } });
        assert.equal(order.statusCode, 202, order.body);
        const requestId = order.json().request.id as string;

        await receiver.waitFor(200, 60_000);
        const delivered = () => app.storage.db.selectFrom('deliveries').select('id').where('client_id', 'in', others).where('status', '=', 'delivered').execute();
        await until('all 200 healthy callbacks are recorded delivered (not held back by the hanging attempts)', async () => (await delivered()).length === 200);
        await until('the Telco request completes', async () => {
          const res = await t!.server.inject({ url: `/telco/v1/requests/${requestId}`, headers: { authorization: owner.auth } });
          return res.json().request.status === 'completed';
        });

        // All of that happened while the bad attempts were still hanging: no outcome yet, connections still open.
        for (const id of [cb.silent, cb.trickle, up.silent, up.trickle]) {
          const d = await deliveryOf(app, id);
          assert.equal(d.status, 'pending', id);
          assert.equal((await attemptsOf(app, id)).length, 0, `${d.kind} ${d.url}: still in flight`);
          assert.ok(d.lease_owner, 'still held by this worker');
        }
        assert.ok(silent.open >= 2 && httpTrickle.open >= 1 && sshTrickle.open >= 1, 'the bad destinations still hold their connections');
        const perAccount = new Map<string, number>();
        for (const r of receiver.requests) perAccount.set(r.url.split('?')[0], (perAccount.get(r.url.split('?')[0]) ?? 0) + 1);
        assert.deepEqual([...perAccount.values()], others.map(() => 10), 'every other account got its ten callbacks, once each');
        // The banner-then-close destinations fail fast (a retry is scheduled in an hour), the SFTP one included.
        assert.match((await deliveryOf(app, cb.banner)).last_error ?? '', /HTTP/);
        const bannerUpload = await until('the banner-then-close upload has an outcome', async () => (await attemptsOf(app, up.banner))[0]);
        assert.equal(bannerUpload.outcome, 'retry');
        assert.match(bannerUpload.error ?? '', /closed the connection before the SSH handshake/);

        // Then each hanging attempt is cut off at its deadline, recorded as a retry, and its connection torn down.
        for (const id of [cb.silent, cb.trickle, up.silent, up.trickle]) {
          const [a] = await until(`the hanging attempt of ${id} is cut off`, async () => {
            const list = await attemptsOf(app, id);
            return list.length > 0 && list;
          });
          assert.equal(a.outcome, 'retry');
          assert.match(a.error ?? '', /timeout|timed out/i);
          const d = await deliveryOf(app, id);
          assert.equal(d.status, 'pending');
          assert.equal(d.lease_owner, null);
        }
        await until('the client tore every connection down', async () => silent.open + httpTrickle.open + sshTrickle.open === 0);
      } finally {
        await t?.close();
        t = undefined;
      }
    });

    it('after a restart, takes over SFTP uploads a crashed worker left claimed, cuts every attempt at the deadline and dead-letters them when the schedule is spent', async () => {
      const clock = new ManualClock(START);
      const db = await dialect.fresh();
      const config = loadConfig({
        TT_DATA_DIR: db.dataDir,
        TT_DATABASE_URL: db.databaseUrl ?? '',
        TT_LOG_LEVEL: 'silent',
        TT_WORKER_POLL_MS: '20',
        TT_DELIVERY_TIMEOUT_MS: '1000',
        TT_DELIVERY_RETRY_SCHEDULE: '0,0,0',
      });
      const open = async () => {
        const app = await createApp(config, { clock, log: pino({ level: 'silent' }) });
        return { app, server: await buildServer(app) };
      };
      let second: Awaited<ReturnType<typeof open>> | undefined;
      try {
        // First process: the feeds are created, the day's uploads scheduled, and a worker claims them and dies
        // mid-attempt (as `kill -9` would leave it: the lease taken, no outcome).
        const first = await open();
        const owner = await makeAccount(first.app, 8300);
        const feedIds: Record<string, string> = {};
        for (const [k, s] of Object.entries({ silent, banner, trickle: sshTrickle })) {
          feedIds[k] = (await createUploadFeed(first, owner.auth, { kind: 'sftp', target: `sftp://127.0.0.1:${s.port}/drop`, time: '06:00', format: 'csv', username: 'u', password: 'p' })).id;
        }
        clock.set(UPLOAD_DUE);
        assert.equal(await first.app.reporting.feedUploads.runDue(), 3);
        const leaseUntil = new Date(clock.now().getTime() + 2 * 1000 + 5000);
        const claimed = await first.app.storage.tx((tx) => claimDueDeliveries(tx, first.app.storage.dialect, clock.now().toISOString(), leaseUntil.toISOString(), 10, 'crashed-host:1:lease_x'));
        assert.equal(claimed.length, 3);
        await first.server.close();
        await first.app.close();

        // The restarted process leaves them alone while the dead worker's lease lasts, then takes them over.
        second = await open();
        const app = second.app;
        assert.equal(await app.outbox.runDue(), 0, 'not while the lease lasts');
        clock.set(new Date(leaseUntil.getTime() + 1000));
        const accepted = silent.accepted + banner.accepted + sshTrickle.accepted;
        app.worker.start();
        const ids = await Promise.all(Object.values(feedIds).map(async (f) => (await uploadDeliveriesOf(app, f))[0].id));
        for (const id of ids) await until(`upload ${id} ends dead once the schedule is spent`, async () => (await deliveryOf(app, id)).status === 'dead');

        for (const [k, f] of Object.entries(feedIds)) {
          const [d] = await uploadDeliveriesOf(app, f);
          const attempts = await attemptsOf(app, d.id);
          assert.deepEqual(attempts.map((a) => a.outcome), ['retry', 'retry', 'dead'], `${k}: three attempts on the schedule 0,0,0`);
          for (const a of attempts) assert.match(a.error ?? '', /closed the connection before the SSH handshake|timeout|timed out/i, k);
          // The banner-then-close server makes the attempt fail at once (it hung forever before); the others hang.
          if (k === 'banner') assert.ok(attempts.some((a) => /closed the connection before the SSH handshake/.test(a.error ?? '')), JSON.stringify(attempts));
          else for (const a of attempts) assert.match(a.error ?? '', /timeout|timed out/i, k);
          assert.equal(d.lease_owner, null);
        }
        assert.equal(silent.accepted + banner.accepted + sshTrickle.accepted - accepted, 9, 'each attempt connected once');
        await until('no connection left open', async () => silent.open + sshTrickle.open === 0);
        // Visible in the account's delivery log.
        const log = await second.server.inject({ url: '/webapi/v1/deliveries?status=dead', headers: { authorization: owner.auth } });
        assert.equal(log.statusCode, 200, log.body);
        const listed = log.json().deliveries as { id: string; kind: string; status: string; attempts: number; attempt_log: { outcome: string }[] }[];
        assert.deepEqual(listed.map((x) => x.id).sort(), [...ids].sort());
        for (const x of listed) {
          assert.equal(x.kind, 'feed_upload');
          assert.equal(x.attempts, 3);
          assert.deepEqual(x.attempt_log.map((a) => a.outcome).sort(), ['dead', 'retry', 'retry']);
        }
      } finally {
        await second?.server.close();
        await second?.app.close();
        await db.drop();
      }
    });
  });
}
