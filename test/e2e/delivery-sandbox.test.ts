import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, type TestApp } from '../support/app.ts';
import { accountWithUser, callRow, liveService } from '../support/calls.ts';
import { Receiver } from '../support/receiver.ts';
import { SmtpReceiver } from '../support/smtp-receiver.ts';
import { SEED_TAGS } from '../support/delivery-fixtures.ts';

const START = new Date('2026-03-02T01:00:00.000Z');
const CALLER = '+61390012300';

for (const dialect of DIALECTS) {
  describe(`Sandbox calls through the delivery engine (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let receiver: Receiver;
    let smtp: SmtpReceiver;
    let acct: Awaited<ReturnType<typeof accountWithUser>>;
    before(async () => {
      receiver = await new Receiver().start();
      smtp = await new SmtpReceiver().start();
      t = await buildTestApp(dialect, { env: { TT_SMTP_URL: smtp.url, TT_PUBLIC_URL: 'https://tt.example.com' } });
      acct = await accountWithUser(t.app, 3300, { timezone: 'Australia/Perth' });
    });
    after(async () => {
      await t?.close();
      await receiver?.close();
      await smtp?.close();
    });

    it('a sandbox call’s HTTP Callback carries every seed tag with the call record’s values, signed, and its [[audio]] URL serves the recording', async () => {
      const template = `${receiver.url}/sandbox-cb?${SEED_TAGS.map((tag, i) => `p${i}=[[${tag}]]`).join('&')}&tag=[[tag]]&curl=[[curl]]`;
      await liveService(t.app, 3300, '+61290001001', {
        type: 'transfer',
        name: 'Google Ads',
        target_number: '+61299998888',
        target_name: 'Reception',
        custom_id: 'ad-1',
        custom_group: 'google',
        call_callback_uri: template,
        notifications: [{ channel: 'email', to: 'owner@shop.test', statuses: ['answered'] }],
        ...({ ring_timeout: 20, record: true } as object),
      });
      const sim = await t.app.sandbox.placeCall({ to: '+61290001001', from: CALLER, outcome: 'answered', answerAfterSec: 4, talkSec: 30, startAt: START });
      assert.deepEqual(sim.errors, []);
      await t.app.worker.drain();
      const call = await callRow(t.app, sim.callSid);
      assert.equal(call.state, 'finalized');
      const reqs = receiver.requests.filter((r) => r.url.startsWith('/sandbox-cb?'));
      assert.equal(reqs.length, 1, 'one callback per finalized call');
      const q = Object.fromEntries(new URL(reqs[0].url, 'http://x').searchParams);
      const v = (tag: string) => q[`p${SEED_TAGS.indexOf(tag)}`];
      for (const [tag, want] of Object.entries({
        clientid: '3300',
        callid: String(call.id),
        callstatus: 'Answered',
        callcode: '0',
        uniqueid: call.unique_id,
        adname: 'Google Ads',
        bnum: '+61-0290001001',
        duration: '34',
        unixtime: String(Math.floor(Date.parse(call.finalized_at!) / 1000)),
        tzdate: '2026-03-02T09:00:00+08:00',
        calldate: '02/03/2026',
        ucalldate: String(START.getTime() / 1000),
        ani: '+61-0390012300',
        target: '+61-0299998888',
        clocation: 'Melbourne',
        cstate: 'VIC',
        ccountry: 'AU',
        targetname: 'Reception',
        'aparty:e164': CALLER,
        'aparty:state': 'VIC',
        'aparty:country': 'AU',
        'bparty:e164': '+61290001001',
        'cparty:e164': '+61299998888',
        'cparty:country': 'AU',
        'call:disposition': 'ANSWERED',
        'call:utcdate': '2026-03-02T01:00:00Z',
        'call:direction': 'call-in',
        audio: `https://tt.example.com/recordings/${call.audio_token}.wav`,
      })) {
        assert.equal(v(tag), want, `[[${tag}]]`);
      }
      assert.equal(q.tag, 'ad-1');
      assert.equal(q.curl, 'google');
      // The sandbox call has no DNI visit, feature tracking, IVR, label or sentiment: those tags arrive, empty.
      for (const tag of SEED_TAGS.filter((x) => /^(dl:|web:|sentiment:|feat|cd_cp)|^(ivr|label)$/.test(x))) assert.equal(v(tag), '', `[[${tag}]] is present and empty`);
      const secret = (await t.app.accounts.showAccount(3300)).webhook_secret;
      const headers = Object.fromEntries(['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [h, String(reqs[0].headers[h])]));
      assert.doesNotThrow(() => new Webhook(secret).verify(`${receiver.url}${reqs[0].url}`, headers, { jsonParse: false }));
      const wav = await t.server.inject({ url: new URL(v('audio')).pathname, headers: { authorization: basic(acct.username, acct.password) } });
      assert.equal(wav.statusCode, 200);
      assert.equal(wav.rawPayload.subarray(0, 4).toString(), 'RIFF');
      const mail = smtp.mails.find((m) => m.to.includes('owner@shop.test'));
      assert.ok(mail, 'the answered-call e-mail arrived');
      assert.equal(mail.subject, 'Answered call from +61-0390012300 to +61-0290001001 (Google Ads)');
      assert.match(mail.text, /Duration: 34 s/);
    });

    it('a sandbox SMS to a mobile service is forwarded to its sms_forward_uri', async () => {
      await liveService(t.app, 3300, '+61412555001', { type: 'voicemail', sms_forward_uri: `${receiver.url}/sandbox-sms` });
      const sent = await t.app.sandbox.sendSms({ to: '+61412555001', from: '+61412999000', text: 'Call me back about the quote' });
      assert.ok(sent.status < 300, String(sent.status));
      await t.app.worker.drain();
      const reqs = receiver.requests.filter((r) => r.url.startsWith('/sandbox-sms?'));
      assert.equal(reqs.length, 1);
      const q = Object.fromEntries(new URL(reqs[0].url, 'http://x').searchParams);
      const sms = await t.app.callLookup.findSms('sandbox', sent.messageSid);
      assert.deepEqual(
        { from: q.from, to: q.to, text: q.text, message_id: q.message_id, received_at: q.received_at },
        { from: '+61412999000', to: '+61412555001', text: 'Call me back about the quote', message_id: sms!.id, received_at: sms!.received_at },
      );
    });
  });
}
