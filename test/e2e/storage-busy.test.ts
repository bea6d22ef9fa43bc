import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, type TestApp } from '../support/app.ts';
import { accountWithUser, liveService } from '../support/calls.ts';
import { LockHolder } from '../support/lock-holder.ts';
import { twilioSignature } from '../../src/telephony/adapters/twiml/signature.ts';
import { SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN } from '../../src/config/config.ts';

const NUMBER = '+61290004001';
const form = (p: Record<string, string>) => new URLSearchParams(p).toString();

for (const dialect of DIALECTS) {
  describe(`a database locked by another process (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let a: Awaited<ReturnType<typeof accountWithUser>>;
    let lock: LockHolder | null = null;
    before(async () => {
      t = await buildTestApp(dialect, { env: { TT_DB_BUSY_TIMEOUT_MS: '400' } });
      a = await accountWithUser(t.app, 4400);
      await liveService(t.app, 4400, NUMBER, { type: 'transfer', target_number: '+61299998888' });
      await t.app.accounts.authenticate(a.username, a.password);
    });
    after(async () => {
      await lock?.release();
      await t?.close();
    });

    const signedPost = (path: string, params: Record<string, string>) =>
      t.server.inject({
        method: 'POST',
        url: path,
        payload: form(params),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(SANDBOX_AUTH_TOKEN, t.config.publicUrl + path, Object.entries(params)) },
      });
    const inbound = { AccountSid: SANDBOX_ACCOUNT_SID, CallSid: 'CAbusy1', From: '+61390012300', To: NUMBER, CallStatus: 'ringing', Direction: 'inbound', ApiVersion: '2010-04-01' };

    it('writes answer 503 with Retry-After and the error body, /readyz is not ready, and nothing refused is lost once the lock goes', async () => {
      assert.equal((await t.server.inject({ url: '/readyz' })).statusCode, 200);
      const dbTarget = { databaseUrl: t.config.databaseUrl, dataDir: t.config.dataDir };
      lock = await LockHolder.hold(dbTarget);

      const order = await t.server.inject({
        method: 'POST',
        url: '/telco/v1/requests',
        headers: { authorization: a.auth },
        payload: { type: 'new', criteria: { country: 'AU', class: 'GEO' }, service: { type: 'transfer', name: 'x', target_number: '+61299998888' } },
      });
      assert.equal(order.statusCode, 503, order.body);
      assert.ok(Number(order.headers['retry-after']) > 0, 'Retry-After');
      const body = order.json();
      assert.equal(body.code, 'unavailable');
      assert.match(body.detail, /busy/);
      assert.ok(body.requestId);

      const hook = await signedPost('/carrier/twilio/voice', inbound);
      assert.equal(hook.statusCode, 503, hook.body);
      assert.ok(Number(hook.headers['retry-after']) > 0);

      const ready = await t.server.inject({ url: '/readyz' });
      assert.equal(ready.statusCode, 503, ready.body);
      assert.equal(ready.json().status, 'unavailable');
      assert.ok(ready.headers['retry-after']);

      // The sandbox carrier calls while the lock is held: its webhooks get 503 and are sent again; the lock goes after the first retry.
      const firstRetry = new Promise<void>((resolve) => {
        const off = t.app.sandbox.onRetry(() => {
          off();
          resolve();
        });
      });
      const placed = t.app.sandbox.placeCall({ to: NUMBER, from: '+61733331234', answerAfterSec: 3, talkSec: 20 });
      await firstRetry;
      await lock.release();
      lock = null;
      const sim = await placed;
      assert.deepEqual(sim.errors, []);
      assert.ok(sim.retries.length >= 1);
      assert.match(sim.retries[0], /^503: the database is busy/);
      const call = await t.app.callLookup.findCallByCarrierId('sandbox', sim.callSid);
      assert.ok(call, 'the sandbox call was stored after its retries');
      assert.equal(call.talk_duration, 20);

      // The carrier sends the refused webhook again: now it is stored (once) and the call exists.
      const again = await signedPost('/carrier/twilio/voice', inbound);
      assert.equal(again.statusCode, 200, again.body);
      const raw = await t.app.storage.db.selectFrom('carrier_requests').selectAll().where('carrier_call_id', '=', 'CAbusy1').execute();
      assert.equal(raw.length, 1);
      assert.equal(Number(raw[0].replays), 0, 'the refused attempt stored nothing');
      assert.ok(await t.app.callLookup.findCallByCarrierId('sandbox', 'CAbusy1'));

      let readyAgain = 0;
      for (let i = 0; i < 100 && readyAgain !== 200; i++) {
        readyAgain = (await t.server.inject({ url: '/readyz' })).statusCode;
        if (readyAgain !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(readyAgain, 200);
    });

    it('the sandbox carrier gives up with a clear error, not a silent rejected call', async () => {
      lock = await LockHolder.hold({ databaseUrl: t.config.databaseUrl, dataDir: t.config.dataDir });
      const carrier = t.app.sandbox;
      const delays = carrier.opts.retryDelaysMs;
      (carrier.opts as { retryDelaysMs?: number[] }).retryDelaysMs = [10, 10];
      try {
        await assert.rejects(carrier.placeCall({ to: NUMBER, from: '+61733331234' }), (err: Error & { code?: string }) => {
          assert.equal(err.code, 'unavailable');
          assert.match(err.message, /gave up on POST \/carrier\/twilio\/voice after 3 attempts.*503: the database is busy/);
          return true;
        });
      } finally {
        (carrier.opts as { retryDelaysMs?: readonly number[] }).retryDelaysMs = delays;
        await lock.release();
        lock = null;
      }
    });
  });
}
