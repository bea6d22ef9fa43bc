import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, type TestApp } from '../support/app.ts';
import { accountWithUser, callRow, liveService } from '../support/calls.ts';
import { validateRequest } from 'twilio/lib/webhooks/webhooks.js';
import { twilioSignature } from '../../src/telephony/adapters/twiml/signature.ts';
import { SANDBOX_ACCOUNT_SID } from '../../src/config/config.ts';
import type { SandboxTransport } from '../../src/telephony/sandbox/sandbox-carrier.ts';
import { injectTransport } from '../../src/http/routes/sandbox/sandbox.routes.ts';
import type { CallRow, SmsRow } from '../../src/services/calls/call-consumers.ts';

const TOKEN = 'test-carrier-token-123';
const NUMBER = '+61290002001';
const form = (p: Record<string, string>) => new URLSearchParams(p).toString();

/** Fields of the record that must not depend on callback order (ids and write times excluded, and the stored feed line, which carries ids). */
function recordShape(c: CallRow) {
  const { id: _i, unique_id: _u, carrier_call_id: _c, service_id: _s, audio_token: _a, recording_path: _r, finalized_at: _f, created_at: _cr, updated_at: _up, feed_csv: _fl, ...rest } = c as CallRow & { feed_csv?: string | null };
  return rest;
}

for (const dialect of DIALECTS) {
  describe(`carrier webhooks (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let publicUrl: string;
    const finalized: CallRow[] = [];
    const sms: SmsRow[] = [];
    before(async () => {
      t = await buildTestApp(dialect, {
        env: { TT_TWILIO_AUTH_TOKEN: TOKEN, TT_PUBLIC_URL: 'https://tt.example.com' },
        callConsumers: [{ onCallFinalized: async (_tx, call) => void finalized.push(call), onSmsReceived: async (_tx, m) => void sms.push(m) }],
      });
      publicUrl = t.config.publicUrl;
      await accountWithUser(t.app, 4100);
      await liveService(t.app, 4100, NUMBER, { type: 'transfer', target_number: '+61299998888', record: true, voicemail_fallback: true });
    });
    after(async () => t?.close());

    const post = (path: string, params: Record<string, string>, signature?: string | null) =>
      t.server.inject({
        method: 'POST',
        url: path,
        payload: form(params),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature === null ? {} : { 'x-twilio-signature': signature ?? twilioSignature(TOKEN, publicUrl + path, Object.entries(params)) }) },
      });
    const inbound = (sid: string) => ({ AccountSid: 'ACreal', CallSid: sid, From: '+61390012300', To: NUMBER, CallStatus: 'ringing', Direction: 'inbound', ApiVersion: '2010-04-01' });
    const count = async (table: 'calls' | 'carrier_requests' | 'call_events') => Number((await t.app.storage.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

    it('answers a correctly signed incoming call with TwiML and records the call', async () => {
      const res = await post('/carrier/twilio/voice', inbound('CAsigned1'));
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/xml/);
      assert.match(res.body, /^<\?xml version="1.0" encoding="UTF-8"\?><Response><Dial action="https:\/\/tt\.example\.com\/carrier\/twilio\/dial\?step=0"/);
      const call = await callRow(t.app, 'CAsigned1', 'twilio');
      assert.equal(call.state, 'in_progress');
    });

    for (const [why, sig, path] of [
      ['a missing signature', null, '/carrier/twilio/voice'],
      ['a wrong signature', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=', '/carrier/twilio/voice'],
      ['a signature made with another token', 'other', '/carrier/twilio/voice'],
      ['a signature over another URL', 'url', '/carrier/twilio/voice'],
      ['a missing signature on a callback', null, '/carrier/twilio/status'],
    ] as const) {
      it(`refuses ${why} with 403 and stores nothing`, async () => {
        const before = [await count('calls'), await count('carrier_requests'), await count('call_events')];
        const params = path.endsWith('voice') ? inbound('CAforged') : { AccountSid: 'ACreal', CallSid: 'CAsigned1', CallStatus: 'completed', CallDuration: '5' };
        let signature: string | null = sig;
        if (sig === 'other') signature = twilioSignature('not-the-token', publicUrl + path, Object.entries(params));
        if (sig === 'url') signature = twilioSignature(TOKEN, `http://127.0.0.1:8080${path}`, Object.entries(params));
        const res = await post(path, params, signature);
        assert.equal(res.statusCode, 403);
        assert.deepEqual([await count('calls'), await count('carrier_requests'), await count('call_events')], before);
        if (path.endsWith('status')) assert.equal((await callRow(t.app, 'CAsigned1', 'twilio')).state, 'in_progress');
      });
    }

    it('refuses a request whose parameters were changed after signing', async () => {
      const params = inbound('CAtampered');
      const signature = twilioSignature(TOKEN, `${publicUrl}/carrier/twilio/voice`, Object.entries(params));
      const res = await post('/carrier/twilio/voice', { ...params, To: '+61290009999' }, signature);
      assert.equal(res.statusCode, 403);
    });

    it('stores every accepted request raw, before parsing', async () => {
      const rows = await t.app.storage.db.selectFrom('carrier_requests').selectAll().where('carrier_call_id', '=', 'CAsigned1').execute();
      assert.equal(rows.length, 1);
      assert.equal(rows[0].kind, 'voice');
      assert.equal(new URLSearchParams(rows[0].body).get('CallSid'), 'CAsigned1');
      // The header kept is the one sent, and it verifies with the twilio package over the stored path and body.
      const kept = JSON.parse(rows[0].headers)['x-twilio-signature'];
      assert.equal(kept, twilioSignature(TOKEN, `${publicUrl}/carrier/twilio/voice`, Object.entries(inbound('CAsigned1'))));
      assert.equal(rows[0].path, '/carrier/twilio/voice');
      assert.equal(validateRequest(TOKEN, kept, publicUrl + rows[0].path, Object.fromEntries(new URLSearchParams(rows[0].body))), true);
    });

    it('answers a retried incoming-call webhook the same and creates no second call', async () => {
      const a = await post('/carrier/twilio/voice', inbound('CAretry'));
      const b = await post('/carrier/twilio/voice', inbound('CAretry'));
      assert.equal(a.body, b.body);
      const n = await t.app.storage.db.selectFrom('calls').select('id').where('carrier_call_id', '=', 'CAretry').execute();
      assert.equal(n.length, 1);
    });

    it('a bad request (no To) is a 400 naming the problem, and is kept raw', async () => {
      const res = await post('/carrier/twilio/voice', { AccountSid: 'ACreal', CallSid: 'CAnoto' });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /To/);
      const raw = await t.app.storage.db.selectFrom('carrier_requests').selectAll().where('carrier_call_id', '=', 'CAnoto').executeTakeFirst();
      assert.ok(raw?.error);
    });

    it('duplicated and late (out-of-order) callbacks give the same final record, finalized once', async () => {
      // The sandbox signs with the app's token; point it at this app.
      const script = { to: NUMBER, from: '+61390012300', startAt: new Date('2026-04-01T00:00:00Z') };
      for (const s of [
        { outcome: 'answered' as const, answerAfterSec: 7, talkSec: 41 },
        { outcome: 'no-answer' as const, voicemailSec: 14 },
      ]) {
        const plain = await t.app.sandbox.placeCall({ ...script, ...s });
        const dup = await t.app.sandbox.placeCall({ ...script, ...s, duplicate: true });
        const late = await t.app.sandbox.placeCall({ ...script, ...s, late: true, duplicate: true });
        const [a, b, c] = [await callRow(t.app, plain.callSid), await callRow(t.app, dup.callSid), await callRow(t.app, late.callSid)];
        assert.equal(a.state, 'finalized');
        assert.deepEqual(recordShape(b), recordShape(a));
        assert.deepEqual(recordShape(c), recordShape(a));
        for (const x of [a, b, c]) assert.equal(finalized.filter((f) => f.id === x.id).length, 1);
        assert.ok(dup.requests > plain.requests);
      }
    });

    it('callbacks replayed in any order after the incoming call give the same record', async () => {
      // Capture what the carrier sends for one call, then replay it shuffled as another call.
      const sent: { url: string; form: string }[] = [];
      const inner = injectTransport(t.server, publicUrl);
      const capture: SandboxTransport = { post: (url, f, h) => (sent.push({ url, form: f }), inner.post(url, f, h)) };
      t.app.sandbox.setTransport(capture);
      const orig = await t.app.sandbox.placeCall({ to: NUMBER, from: '+61390012300', outcome: 'busy', voicemailSec: 11, startAt: new Date('2026-04-02T00:00:00Z') });
      t.app.sandbox.setTransport(inner);
      const reference = recordShape(await callRow(t.app, orig.callSid));
      for (let round = 0; round < 12; round++) {
        const sid = `CAreplay${round}`;
        const reqs = sent.map((s) => {
          const p = new URLSearchParams(s.form);
          if (p.get('CallSid') === orig.callSid) p.set('CallSid', sid);
          if (p.get('ParentCallSid') === orig.callSid) p.set('ParentCallSid', sid);
          // A recording id is unique at the carrier: give this round's recording its own (same duration prefix).
          for (const k of ['RecordingSid', 'RecordingUrl']) {
            const v = p.get(k);
            if (v) p.set(k, v.replace(/(RE[0-9a-f]{8})[0-9a-f]{6}/, `$1${String(round).padStart(6, '0')}`));
          }
          return { path: s.url.slice(publicUrl.length), params: Object.fromEntries(p) };
        });
        const [first, ...rest] = reqs;
        for (let i = rest.length - 1; i > 0; i--) {
          const j = Math.floor(Math.random() * (i + 1));
          [rest[i], rest[j]] = [rest[j], rest[i]];
        }
        for (const r of [first, ...rest, ...rest.slice(0, 2)]) assert.equal((await post(r.path, r.params)).statusCode, 200);
        const replayed = await callRow(t.app, sid);
        assert.equal(replayed.state, 'finalized', `order: ${rest.map((r) => r.path).join(' ')}`);
        assert.deepEqual(recordShape(replayed), reference);
      }
    });

    it('a call to a quarantined number is noise: rejected, counted once per call, never an account call', async () => {
      await t.app.inventory.quarantine(t.app.storage.db, NUMBER, new Date());
      await t.app.storage.db.updateTable('numbers').set({ state: 'quarantined', service_id: null }).where('number', '=', NUMBER).execute();
      const before = await count('calls');
      const params = inbound('CAnoise1');
      const res = await post('/carrier/twilio/voice', params);
      await post('/carrier/twilio/voice', params);
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /<Reject reason="rejected"\/>/);
      assert.equal(await count('calls'), before);
      const noise = await t.app.storage.db.selectFrom('noise_calls').selectAll().where('number', '=', NUMBER).execute();
      assert.equal(noise.length, 1);
      assert.equal(noise[0].caller, '+61390012300');
    });

    it('a call to a number without a live service is rejected without a call record', async () => {
      const before = await count('calls');
      const res = await post('/carrier/twilio/voice', { ...inbound('CAnobody'), To: '+61290002999' });
      assert.match(res.body, /<Reject/);
      assert.equal(await count('calls'), before);
    });

    it('stores a received SMS once, with the hook in the same transaction', async () => {
      await stockSms();
      const p = { AccountSid: 'ACreal', MessageSid: 'SMone', From: '+61412000111', To: '+61412055001', Body: 'Hello there', NumSegments: '1', NumMedia: '0' };
      const a = await post('/carrier/twilio/sms', p);
      const b = await post('/carrier/twilio/sms', p);
      assert.equal(a.statusCode, 200);
      assert.match(a.body, /<Response\/>/);
      assert.equal(b.statusCode, 200);
      const rows = await t.app.storage.db.selectFrom('sms_messages').selectAll().where('carrier_message_id', '=', 'SMone').execute();
      assert.equal(rows.length, 1);
      assert.equal(rows[0].client_id, 4100);
      assert.equal(rows[0].body, 'Hello there');
      assert.equal(rows[0].from_number, '+61412000111');
      assert.equal(sms.filter((s) => s.carrier_message_id === 'SMone').length, 1);
    });

    it('refuses an unsigned SMS with 403 and stores nothing', async () => {
      const res = await post('/carrier/twilio/sms', { MessageSid: 'SMforged', To: '+61412055001', From: '+61412000111', Body: 'x' }, null);
      assert.equal(res.statusCode, 403);
      assert.equal((await t.app.storage.db.selectFrom('sms_messages').selectAll().where('carrier_message_id', '=', 'SMforged').execute()).length, 0);
    });

    async function stockSms() {
      await liveService(t.app, 4100, '+61412055001', { type: 'voicemail', sms_forward_uri: 'http://127.0.0.1:9/sms' });
    }
  });
}

for (const dialect of DIALECTS.slice(0, 1)) {
  describe(`carrier webhooks in production mode (${dialect.name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(dialect, { env: { TT_MODE: 'production', TT_PUBLIC_URL: 'https://tt.example.com' } });
    });
    after(async () => t?.close());

    it('without TT_TWILIO_AUTH_TOKEN every carrier request is refused (no sandbox default), and the sandbox API does not exist', async () => {
      const params = { AccountSid: SANDBOX_ACCOUNT_SID, CallSid: 'CAprod', From: '+61390012300', To: NUMBER };
      const signature = twilioSignature('sandbox-auth-token', 'https://tt.example.com/carrier/twilio/voice', Object.entries(params));
      const res = await t.server.inject({ method: 'POST', url: '/carrier/twilio/voice', payload: form(params), headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature } });
      assert.equal(res.statusCode, 403);
      assert.equal((await t.server.inject({ method: 'POST', url: '/sandbox/v1/calls', payload: { to: NUMBER, from: '+61390012300' } })).statusCode, 404);
    });
  });
}
