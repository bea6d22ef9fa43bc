import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, type TestApp } from '../support/app.ts';
import { accountWithUser, callRow, liveService, voicemailWithRecording } from '../support/calls.ts';
import { ManualClock } from '../../src/domain/clock.ts';
import { wavDurationSec } from '../../src/telephony/sandbox/wav.ts';
import type { CallRow } from '../../src/services/calls/call-consumers.ts';
import { Receiver } from '../support/receiver.ts';
import { PROBE_NUMBER } from '../../src/domain/calls/call-row.ts';
import { SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN } from '../../src/config/config.ts';

for (const dialect of DIALECTS) {
  describe(`recordings, sandbox API, grace window and automatic test calls (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let a: Awaited<ReturnType<typeof accountWithUser>>;
    let b: Awaited<ReturnType<typeof accountWithUser>>;
    const clock = new ManualClock(new Date());
    const finalized: CallRow[] = [];
    before(async () => {
      t = await buildTestApp(dialect, { clock, env: { TT_CALL_GRACE_SECONDS: '60' }, callConsumers: [{ onCallFinalized: async (_tx, call) => void finalized.push(call) }] });
      a = await accountWithUser(t.app, 5100);
      b = await accountWithUser(t.app, 5200);
      await liveService(t.app, 5100, '+61290003001', { type: 'voicemail', prompt_text: 'Leave a message' });
      await liveService(t.app, 5200, '+61290003002', { type: 'prompt' });
    });
    after(async () => t?.close());

    it('serves a recording only with the right token and the credentials of a user of the call’s account', async () => {
      const sim = await t.app.sandbox.placeCall({ to: '+61290003001', from: '+61733331234', voicemailSec: 7 });
      const call = await callRow(t.app, sim.callSid);
      assert.equal(call.has_audio, 1);
      const url = `/recordings/${call.audio_token}.wav`;
      const ok = await t.server.inject({ url, headers: { authorization: a.auth } });
      assert.equal(ok.statusCode, 200);
      assert.equal(ok.headers['content-type'], 'audio/wav');
      assert.equal(wavDurationSec(ok.rawPayload), 7);
      assert.equal((await t.server.inject({ url })).statusCode, 401);
      assert.equal((await t.server.inject({ url, headers: { authorization: basic(a.username, 'wrong') } })).statusCode, 401);
      assert.equal((await t.server.inject({ url, headers: { authorization: b.auth } })).statusCode, 404);
      const wrong = `/recordings/${call.audio_token!.slice(0, -2)}xx.wav`;
      assert.equal((await t.server.inject({ url: wrong, headers: { authorization: a.auth } })).statusCode, 404);
      assert.equal((await t.server.inject({ url: '/recordings/..%2F..%2Fetc%2Fpasswd', headers: { authorization: a.auth } })).statusCode, 404);
    });

    it('the sandbox carrier serves its recording media only with the carrier credentials', async () => {
      const sid = `RE0000000a${'0'.repeat(24)}`;
      const res = await t.server.inject({ url: `/sandbox/v1/recordings/${sid}`, headers: { authorization: basic(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN) } });
      assert.equal(res.statusCode, 200);
      assert.equal(wavDurationSec(res.rawPayload), 10);
      assert.equal((await t.server.inject({ url: `/sandbox/v1/recordings/${sid}`, headers: { authorization: a.auth } })).statusCode, 401);
    });

    it('POST /sandbox/v1/calls places a call through the real path and answers its record', async () => {
      const res = await t.server.inject({ method: 'POST', url: '/sandbox/v1/calls', headers: { authorization: a.auth }, payload: { to: '+61290003001', from: '+61290088888', voicemail: 12 } });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.state, 'finalized');
      assert.equal(body.status, 'Voicemail');
      assert.equal(body.status_code, 7);
      assert.equal(body.has_audio, true);
      assert.equal(typeof body.call_id, 'number');
      const row = await callRow(t.app, body.carrier_call_id);
      assert.equal(Number(row.id), body.call_id);
      assert.equal(row.caller_location, 'Sydney');
    });

    it('the sandbox API needs credentials (401), refuses another account’s number (404) and names bad fields (400)', async () => {
      const payload = { to: '+61290003002', from: '+61290088888' };
      assert.equal((await t.server.inject({ method: 'POST', url: '/sandbox/v1/calls', payload })).statusCode, 401);
      const other = await t.server.inject({ method: 'POST', url: '/sandbox/v1/calls', headers: { authorization: a.auth }, payload });
      assert.equal(other.statusCode, 404);
      assert.equal((await t.app.storage.db.selectFrom('calls').selectAll().where('tracking_number', '=', '+61290003002').execute()).length, 0);
      const bad = await t.server.inject({ method: 'POST', url: '/sandbox/v1/calls', headers: { authorization: a.auth }, payload: { to: '12', from: '+61290088888' } });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().errors[0].path, /to/);
      const badOutcome = await t.server.inject({ method: 'POST', url: '/sandbox/v1/calls', headers: { authorization: a.auth }, payload: { to: '+61290003001', from: '+61290088888', outcome: 'maybe' } });
      assert.equal(badOutcome.statusCode, 400);
      assert.match(badOutcome.body, /outcome/);
    });

    it('POST /sandbox/v1/sms delivers an SMS that is stored for the account', async () => {
      await liveService(t.app, 5100, '+61412055009', { type: 'voicemail', sms_forward_uri: 'http://127.0.0.1:9/x' });
      const res = await t.server.inject({ method: 'POST', url: '/sandbox/v1/sms', headers: { authorization: a.auth }, payload: { to: '+61412055009', from: '+61412000222', text: 'Is the shop open?' } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().stored, true);
      const row = await t.app.storage.db.selectFrom('sms_messages').selectAll().where('id', '=', res.json().sms_id).executeTakeFirstOrThrow();
      assert.equal(row.client_id, 5100);
      assert.equal(row.body, 'Is the shop open?');
      assert.equal(row.carrier, 'sandbox');
    });

    it('a call still waiting for late data is finalized once, when the grace window has passed', async () => {
      // The caller hangs up before the beep: the Record never runs, so no recording callback ever comes.
      const sim = await t.app.sandbox.placeCall({ to: '+61290003001', from: '+61290088888', outcome: 'caller-hangup' });
      let call = await callRow(t.app, sim.callSid);
      assert.equal(call.state, 'ended');
      assert.equal(call.finalized_at, null);
      assert.equal(call.status_code, 8);
      clock.advance(59_000);
      await t.app.worker.drain();
      assert.equal((await callRow(t.app, sim.callSid)).state, 'ended');
      clock.advance(2_000);
      await t.app.worker.drain();
      await t.app.worker.drain();
      call = await callRow(t.app, sim.callSid);
      assert.equal(call.state, 'finalized');
      assert.equal(finalized.filter((f) => f.id === call.id).length, 1);
    });

    it('a call whose end never arrives is finalized after the longest call time plus the grace window', async () => {
      const params = { AccountSid: SANDBOX_ACCOUNT_SID, CallSid: 'CAlost', From: '+61290088888', To: '+61290003001', CallStatus: 'ringing' };
      // The only event heard is the incoming call, stamped with the (manual) clock when it arrived.
      const heard = clock.now().toISOString();
      const res = await t.app.sandbox.send(`${t.config.publicUrl}/carrier/twilio/voice`, params);
      assert.equal(res.status, 200);
      clock.advance(4 * 3600_000 + 61_000);
      await t.app.worker.drain();
      const call = await callRow(t.app, 'CAlost');
      assert.equal(call.state, 'finalized');
      // Forced after the window, the call ends at the last event heard: the same instant it started.
      assert.equal(call.started_at, heard);
      assert.equal(call.ended_at, heard);
      assert.equal(call.duration, 0);
    });

    it('a recording the carrier fails to serve is fetched again by the worker, and the call waits for it', async () => {
      const media = await new Receiver().start();
      try {
        media.respond = () => 503;
        const sid = 'CArecretry';
        await voicemailWithRecording(t.app, t.config.publicUrl, { callSid: sid, to: '+61290003001', from: '+61290088888', recordingSid: 'RE0000000512345678901234567890ab', mediaUrl: `${media.url}/media/RE1`, seconds: 5 });
        let call = await callRow(t.app, sid);
        assert.equal(call.state, 'ended');
        assert.equal(call.has_audio, 0);
        assert.ok(media.requests.length >= 1);
        assert.equal(media.requests[0].url, '/media/RE1.wav');
        assert.match(String(media.requests[0].headers.authorization), /^Basic /);
        media.respond = () => 200;
        clock.advance(30_000);
        await t.app.worker.drain();
        call = await callRow(t.app, sid);
        assert.equal(call.state, 'finalized');
        assert.equal(call.has_audio, 1);
        assert.equal(call.status_code, 7);
      } finally {
        await media.close();
      }
    });

    it('a recording copied after the grace window updates the finalized record; finalization stays once', async () => {
      const media = await new Receiver().start();
      try {
        media.respond = () => 503;
        const sid = 'CAreclate';
        await voicemailWithRecording(t.app, t.config.publicUrl, { callSid: sid, to: '+61290003001', from: '+61290088888', recordingSid: 'RE0000000612345678901234567890ab', mediaUrl: `${media.url}/media/RE2`, seconds: 6 });
        // The media keeps failing past the grace window: the call is finalized without its recording.
        clock.advance(61_000);
        await t.app.worker.drain();
        let call = await callRow(t.app, sid);
        assert.equal(call.state, 'finalized');
        assert.equal(call.has_audio, 0);
        const finalizedAt = call.finalized_at;
        assert.equal(finalized.filter((f) => f.id === call.id).length, 1);
        assert.equal(finalized.find((f) => f.id === call.id)!.has_audio, 0);
        // The carrier serves it again later: the record gains the recording (and the status it implies).
        media.respond = () => 200;
        clock.advance(120_000);
        await t.app.worker.drain();
        call = await callRow(t.app, sid);
        assert.equal(call.state, 'finalized');
        assert.equal(call.finalized_at, finalizedAt);
        assert.equal(call.has_audio, 1);
        assert.ok(call.recording_path);
        assert.equal(call.status_code, 7);
        assert.ok(call.audio_token);
        assert.equal(finalized.filter((f) => f.id === call.id).length, 1, 'finalization (and its callbacks) happens once');
        const res = await t.server.inject({ method: 'GET', url: `/recordings/${call.audio_token}.wav`, headers: { authorization: a.auth } });
        assert.equal(res.statusCode, 200);
      } finally {
        await media.close();
      }
    });

    it('the automatic test call runs through the real call path after a service goes live, flagged as a test', async () => {
      await t.app.accounts.createAccount({ clientId: 5300, name: 'Auto', autoTestCall: true });
      await liveService(t.app, 5300, '+61290003003', { type: 'transfer', target_number: '+61299998888' });
      await t.app.worker.drain();
      const tests = await t.app.storage.db.selectFrom('test_calls').selectAll().where('client_id', '=', 5300).execute();
      assert.equal(tests.length, 1);
      assert.equal(tests[0].status, 'passed', tests[0].result ?? '');
      const call = await t.app.storage.db.selectFrom('calls').selectAll().where('id', '=', Number(tests[0].call_id)).executeTakeFirstOrThrow();
      assert.equal(call.is_test, 1);
      assert.equal(call.caller_number, PROBE_NUMBER);
      assert.equal(call.state, 'finalized');
      assert.equal(call.status_code, 0);
      assert.equal(finalized.filter((f) => f.id === call.id && f.is_test === 1).length, 1);
      // An ordinary call from the probe number later is not a test.
      const sim = await t.app.sandbox.placeCall({ to: '+61290003003', from: PROBE_NUMBER, talkSec: 2 });
      assert.equal((await callRow(t.app, sim.callSid)).is_test, 0);
    });

    it('no automatic test call when the account has the option off', async () => {
      await liveService(t.app, 5100, '+61290003004', { type: 'prompt' });
      await t.app.worker.drain();
      assert.equal((await t.app.storage.db.selectFrom('test_calls').selectAll().where('client_id', '=', 5100).execute()).length, 0);
    });
  });
}
