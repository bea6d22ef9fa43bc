import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, type TestApp } from '../support/app.ts';
import { accountWithUser, liveService } from '../support/calls.ts';
import { twilioSignature } from '../../src/telephony/adapters/twiml/signature.ts';

const TOKEN = 'test-carrier-token-replays';
const NUMBER = '+61290002101';
const form = (p: Record<string, string>) => new URLSearchParams(p).toString();

for (const dialect of DIALECTS) {
  describe(`replayed carrier webhooks (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(dialect, { env: { TT_TWILIO_AUTH_TOKEN: TOKEN, TT_PUBLIC_URL: 'https://tt.example.com' } });
      await accountWithUser(t.app, 4300);
      await liveService(t.app, 4300, NUMBER, { type: 'transfer', target_number: '+61299998888' });
    });
    after(async () => t?.close());

    const post = (path: string, params: Record<string, string>) =>
      t.server.inject({
        method: 'POST',
        url: path,
        payload: form(params),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(TOKEN, t.config.publicUrl + path, Object.entries(params)) },
      });
    const rawRows = (sid: string) => t.app.storage.db.selectFrom('carrier_requests').selectAll().where('carrier_call_id', '=', sid).orderBy('received_at').execute();

    it('a signed webhook replayed 5 times is stored once, its replays counted', async () => {
      const params = { AccountSid: 'ACreal', CallSid: 'CAreplay1', From: '+61390012300', To: NUMBER, CallStatus: 'ringing', Direction: 'inbound', ApiVersion: '2010-04-01' };
      const answers = [];
      for (let i = 0; i < 6; i++) answers.push(await post('/carrier/twilio/voice', params));
      for (const a of answers) assert.equal(a.statusCode, 200, a.body);
      assert.equal(new Set(answers.map((a) => a.body)).size, 1, 'every replay gets the same answer');
      const rows = await rawRows('CAreplay1');
      assert.equal(rows.length, 1);
      assert.equal(Number(rows[0].replays), 5);
      assert.ok(rows[0].last_received_at);
      const calls = await t.app.storage.db.selectFrom('calls').select('id').where('carrier_call_id', '=', 'CAreplay1').execute();
      assert.equal(calls.length, 1);
      const events = await t.app.storage.db.selectFrom('call_events').select(['raw_id']).where('carrier_call_id', '=', 'CAreplay1').execute();
      assert.ok(events.length > 0);
      for (const e of events) assert.equal(e.raw_id, rows[0].id, 'events point at the stored request');

      // A different request of the same call (a status callback) is a row of its own; its replays count on it.
      const status = { ...params, CallStatus: 'completed', CallDuration: '10' };
      for (let i = 0; i < 3; i++) assert.equal((await post('/carrier/twilio/status', status)).statusCode, 200);
      const after = await rawRows('CAreplay1');
      assert.equal(after.length, 2);
      assert.deepEqual(after.map((r) => [r.kind, Number(r.replays)]).sort(), [['status', 2], ['voice', 5]]);
    });

    it('replays of an SMS and of a refused (400) request are stored once each', async () => {
      const sms = { AccountSid: 'ACreal', MessageSid: 'SMreplay1', From: '+61412345678', To: NUMBER, Body: 'hello' };
      for (let i = 0; i < 4; i++) assert.equal((await post('/carrier/twilio/sms', sms)).statusCode, 200);
      const smsRows = await rawRows('SMreplay1');
      assert.equal(smsRows.length, 1);
      assert.equal(Number(smsRows[0].replays), 3);

      const bad = { AccountSid: 'ACreal', CallSid: 'CAreplaybad' };
      for (let i = 0; i < 3; i++) assert.equal((await post('/carrier/twilio/voice', bad)).statusCode, 400);
      const badRows = await rawRows('CAreplaybad');
      assert.equal(badRows.length, 1);
      assert.equal(Number(badRows[0].replays), 2);
      assert.match(badRows[0].error ?? '', /To/);
    });
  });
}
