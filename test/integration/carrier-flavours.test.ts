import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { validateRequest } from 'twilio/lib/webhooks/webhooks.js';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, type TestApp } from '../support/app.ts';
import { accountWithUser, callRow, liveService } from '../support/calls.ts';
import { twilioSignature } from '../../src/telephony/adapters/twiml/signature.ts';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import type { CallRow } from '../../src/services/calls/call-consumers.ts';

const PUBLIC_URL = 'https://tt.example.com';
const TWILIO_TOKEN = 'twilio-token-not-for-signalwire';
const SW_PROJECT = '7c1f0a52-3d4e-4b8a-9f61-0d2c5e8b7a10';
const SW_KEY = 'PSK_signalwire_signing_key_0123456789';
const NUMBER = '+61290003001';
const CALLER = '+61390012300';
const form = (p: Record<string, string>) => new URLSearchParams(p).toString();

/** A Telnyx-style key pair: the private key signs, the raw 32-byte public key goes into TT_TELNYX_PUBLIC_KEY as base64. */
function ed25519Pair(): { privateKey: KeyObject; publicKeyBase64: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return { privateKey, publicKeyBase64: der.subarray(der.length - 32).toString('base64') };
}
const telnyxSign = (key: KeyObject, timestamp: string, body: string) => sign(null, Buffer.from(`${timestamp}|${body}`), key).toString('base64');

/** The callback URLs (path + query) of a rendered `<Dial>`: its action and the `<Number>` status callback. */
function dialUrls(twiml: string): { action: string; leg: string } {
  const action = /<Dial[^>]* action="([^"]+)"/.exec(twiml)?.[1];
  const leg = /<Number[^>]* statusCallback="([^"]+)"/.exec(twiml)?.[1];
  assert.ok(action && leg, `a Dial with an action and a Number status callback: ${twiml}`);
  const path = (u: string) => u.replace(/&amp;/g, '&').slice(PUBLIC_URL.length);
  assert.ok(action.startsWith(PUBLIC_URL) && leg.startsWith(PUBLIC_URL));
  return { action: path(action), leg: path(leg) };
}

for (const dialect of DIALECTS) {
  describe(`SignalWire and Telnyx carrier webhooks (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    const telnyxKeys = ed25519Pair();
    const finalized: CallRow[] = [];
    before(async () => {
      t = await buildTestApp(dialect, {
        env: {
          TT_PUBLIC_URL: PUBLIC_URL,
          TT_TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
          TT_SIGNALWIRE_PROJECT_ID: SW_PROJECT,
          TT_SIGNALWIRE_SIGNING_KEY: SW_KEY,
          TT_TELNYX_PUBLIC_KEY: telnyxKeys.publicKeyBase64,
        },
        callConsumers: [{ onCallFinalized: async (_tx, call) => void finalized.push(call) }],
      });
      await accountWithUser(t.app, 4300);
      await liveService(t.app, 4300, NUMBER, { type: 'transfer', target_number: '+61299997777', ring_timeout: 30 });
    });
    after(async () => t?.close());

    const count = async (table: 'calls' | 'carrier_requests' | 'call_events') => Number((await t.app.storage.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const counts = async () => [await count('calls'), await count('carrier_requests'), await count('call_events')];

    /** Posts a form as SignalWire does: X-SignalWire-Signature (or another header) over the public URL and parameters. */
    const postSignalwire = (path: string, params: Record<string, string>, opts: { key?: string; header?: string; signature?: string } = {}) =>
      t.server.inject({
        method: 'POST',
        url: path,
        payload: form(params),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          [opts.header ?? 'x-signalwire-signature']: opts.signature ?? twilioSignature(opts.key ?? SW_KEY, PUBLIC_URL + path, Object.entries(params)),
        },
      });

    /** Posts a form as Telnyx does: Ed25519 over `timestamp|raw body` in telnyx-signature-ed25519, the time in telnyx-timestamp. */
    const postTelnyx = (path: string, params: Record<string, string>, opts: { key?: KeyObject; timestamp?: string | null; signedTimestamp?: string; body?: string } = {}) => {
      const body = form(params);
      const timestamp = opts.timestamp === undefined ? String(Math.floor(Date.now() / 1000)) : opts.timestamp;
      const signature = telnyxSign(opts.key ?? telnyxKeys.privateKey, opts.signedTimestamp ?? timestamp ?? '', body);
      return t.server.inject({
        method: 'POST',
        url: path,
        payload: opts.body ?? body,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'telnyx-signature-ed25519': signature, ...(timestamp === null ? {} : { 'telnyx-timestamp': timestamp }) },
      });
    };

    const callParams = (callSid: string, accountSid: string, at: Date, extra: Record<string, string> = {}) => ({
      AccountSid: accountSid,
      ApiVersion: '2010-04-01',
      CallSid: callSid,
      From: CALLER,
      To: NUMBER,
      Direction: 'inbound',
      CallStatus: 'in-progress',
      Timestamp: at.toUTCString(),
      ...extra,
    });

    /**
     * A whole answered call as the carrier runs it: incoming call, the answer point answers after 7 s (leg callback),
     * the Dial action after 41 s of talk, then the call's final status (48 s in all).
     */
    async function answeredCall(pathName: 'signalwire' | 'telnyx', callSid: string, accountSid: string, post: (path: string, params: Record<string, string>) => ReturnType<typeof postSignalwire>) {
      const t0 = new Date('2026-05-04T01:02:00Z');
      const at = (s: number) => new Date(t0.getTime() + s * 1000);
      const voice = await post(`/carrier/${pathName}/voice`, callParams(callSid, accountSid, t0, { CallStatus: 'ringing' }));
      assert.equal(voice.statusCode, 200, voice.body);
      assert.match(String(voice.headers['content-type']), /^text\/xml/);
      const urls = dialUrls(voice.body);
      assert.equal(urls.action, `/carrier/${pathName}/dial?step=0`);
      assert.equal(urls.leg, `/carrier/${pathName}/leg?step=0`);
      assert.match(voice.body, /<Number[^>]*>\+61299997777<\/Number>/);
      const legSid = `${callSid}-leg`;
      const leg = await post(urls.leg, { ...callParams(legSid, accountSid, at(7)), ParentCallSid: callSid, Direction: 'outbound-dial', To: '+61299997777', CallStatus: 'in-progress' });
      assert.equal(leg.statusCode, 200, leg.body);
      const dial = await post(urls.action, callParams(callSid, accountSid, at(48), { DialCallStatus: 'completed', DialCallSid: legSid, DialCallDuration: '41' }));
      assert.equal(dial.statusCode, 200, dial.body);
      assert.match(dial.body, /<Hangup\/>/);
      const status = await post(`/carrier/${pathName}/status`, callParams(callSid, accountSid, at(48), { CallStatus: 'completed', CallDuration: '48' }));
      assert.equal(status.statusCode, 200, status.body);
      const call = await callRow(t.app, callSid, pathName);
      assert.equal(call.carrier, pathName);
      assert.equal(call.state, 'finalized');
      assert.equal(call.duration, 48);
      assert.equal(call.connection_duration, 7);
      assert.equal(call.talk_duration, 41);
      assert.equal(call.status_code, 0);
      assert.equal(call.status, 'Answered');
      assert.equal(call.disposition, 'ANSWERED');
      assert.equal(call.caller_number, CALLER);
      assert.equal(call.tracking_number, NUMBER);
      assert.equal(call.started_at, t0.toISOString());
      assert.equal(call.answered_at, at(7).toISOString());
      assert.equal(call.ended_at, at(48).toISOString());
      assert.equal(finalized.filter((f) => f.id === call.id).length, 1);
      const raw = await t.app.storage.db.selectFrom('carrier_requests').select(['carrier', 'kind', 'headers', 'path', 'body']).where('carrier_call_id', '=', callSid).execute();
      assert.deepEqual(raw.map((r) => r.kind).sort(), ['dial', 'leg', 'status', 'voice']);
      for (const r of raw) assert.equal(r.carrier, pathName);
      return { call, raw: raw.map((r) => ({ ...r, headers: JSON.parse(r.headers) as Record<string, string> })) };
    }

    describe('SignalWire (cXML)', () => {
      const inbound = (sid: string) => callParams(sid, SW_PROJECT, new Date(), { CallStatus: 'ringing' });

      it('runs a whole answered call signed with X-SignalWire-Signature to a finalized record of carrier signalwire', async () => {
        const { raw } = await answeredCall('signalwire', 'b5d2a3f0-1c2d-4e5f-8a9b-0c1d2e3f4a5b', SW_PROJECT, (p, params) => postSignalwire(p, params));
        // The signature kept with each raw request verifies with the twilio package (SignalWire signs as Twilio does).
        for (const r of raw) {
          const params = Object.fromEntries(new URLSearchParams(r.body));
          assert.equal(validateRequest(SW_KEY, r.headers['x-signalwire-signature'], PUBLIC_URL + r.path, params), true, `${r.kind}: ${r.path}`);
          assert.equal(validateRequest(SW_KEY, r.headers['x-signalwire-signature'], `${PUBLIC_URL}/other`, params), false);
        }
      });

      it('also accepts X-Twilio-Signature made with the SignalWire signing key', async () => {
        const sid = 'c6e3b4a1-2d3e-4f60-9bac-1d2e3f4a5b6c';
        const res = await postSignalwire('/carrier/signalwire/voice', inbound(sid), { header: 'x-twilio-signature' });
        assert.equal(res.statusCode, 200, res.body);
        assert.match(res.body, /action="https:\/\/tt\.example\.com\/carrier\/signalwire\/dial\?step=0"/);
        assert.equal((await callRow(t.app, sid, 'signalwire')).state, 'in_progress');
      });

      for (const [why, opts] of [
        ['a wrong signature', { signature: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' }],
        ['a signature made with the Twilio auth token', { key: TWILIO_TOKEN }],
        ['X-Twilio-Signature made with the Twilio auth token', { key: TWILIO_TOKEN, header: 'x-twilio-signature' }],
        ['no signature at all', { header: 'x-other-signature' }],
      ] as const) {
        it(`refuses ${why} with 403 and stores nothing`, async () => {
          const before = await counts();
          const res = await postSignalwire('/carrier/signalwire/voice', inbound('d7f4c5b2-forged'), opts);
          assert.equal(res.statusCode, 403);
          assert.deepEqual(await counts(), before);
        });
      }

      it('refuses a SignalWire-signed request sent to the Twilio routes', async () => {
        const before = await counts();
        const params = inbound('e8a5d6c3-wrong-route');
        const res = await t.server.inject({
          method: 'POST',
          url: '/carrier/twilio/voice',
          payload: form(params),
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(SW_KEY, `${PUBLIC_URL}/carrier/twilio/voice`, Object.entries(params)) },
        });
        assert.equal(res.statusCode, 403);
        assert.deepEqual(await counts(), before);
      });
    });

    describe('Telnyx (TeXML)', () => {
      const inbound = (sid: string) => callParams(sid, 'telnyx-account-1', new Date(), { CallStatus: 'ringing' });

      it('runs a whole answered call signed with Ed25519 over timestamp|body to a finalized record of carrier telnyx', async () => {
        const before = Math.floor(Date.now() / 1000);
        const { raw } = await answeredCall('telnyx', 'v3:T2x8Qw1aZk-answered', 'telnyx-account-1', (p, params) => postTelnyx(p, params));
        // The headers kept with each raw request verify (node:crypto Ed25519 over `timestamp|body`, the account's public key).
        const publicKey = createPublicKey(telnyxKeys.privateKey);
        for (const r of raw) {
          const ts = r.headers['telnyx-timestamp'];
          assert.ok(Number(ts) >= before && Number(ts) <= Math.floor(Date.now() / 1000), `${r.kind}: telnyx-timestamp ${ts} is when it was sent`);
          assert.equal(verify(null, Buffer.from(`${ts}|${r.body}`), publicKey, Buffer.from(r.headers['telnyx-signature-ed25519'], 'base64')), true, r.kind);
        }
      });

      const other = ed25519Pair();
      for (const [why, opts] of [
        ['a signature made with another key', { key: other.privateKey }],
        ['a missing telnyx-timestamp', { timestamp: null }],
        ['a timestamp other than the signed one', { timestamp: '1777777777', signedTimestamp: '1777777000' }],
        ['a body changed after signing', { body: form({ ...inbound('v3:forged'), To: '+61290009999' }) }],
        ['a correctly signed request replayed 10 minutes later', { timestamp: String(Math.floor(Date.now() / 1000) - 600) }],
        ['a timestamp that is not unix seconds', { timestamp: 'yesterday' }],
      ] as const) {
        it(`refuses ${why} with 403 and stores nothing`, async () => {
          const before = await counts();
          const res = await postTelnyx('/carrier/telnyx/voice', inbound('v3:forged'), opts);
          assert.equal(res.statusCode, 403);
          assert.deepEqual(await counts(), before);
        });
      }

      it('refuses a wrong signature on a callback of a known call and leaves the call as it was', async () => {
        const sid = 'v3:T2x8Qw1aZk-refused';
        assert.equal((await postTelnyx('/carrier/telnyx/voice', inbound(sid))).statusCode, 200);
        const before = await counts();
        const res = await postTelnyx('/carrier/telnyx/status', callParams(sid, 'telnyx-account-1', new Date(), { CallStatus: 'completed', CallDuration: '5' }), { key: other.privateKey });
        assert.equal(res.statusCode, 403);
        assert.deepEqual(await counts(), before);
        assert.equal((await callRow(t.app, sid, 'telnyx')).state, 'in_progress');
      });

      it('refuses a Telnyx-signed request sent to the SignalWire routes', async () => {
        const before = await counts();
        const res = await postTelnyx('/carrier/signalwire/voice', inbound('v3:wrong-route'));
        assert.equal(res.statusCode, 403);
        assert.deepEqual(await counts(), before);
      });
    });

    it('lists the configured carriers’ webhooks in /openapi.json', async () => {
      const doc = (await t.server.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, { post?: { description?: string } }> };
      for (const p of ['twilio', 'signalwire', 'telnyx']) for (const kind of ['voice', 'status', 'dial', 'leg', 'sms']) assert.ok(doc.paths[`/carrier/${p}/${kind}`]?.post, `/carrier/${p}/${kind}`);
      assert.match(doc.paths['/carrier/signalwire/voice'].post!.description!, /X-SignalWire-Signature.*TT_SIGNALWIRE_SIGNING_KEY/);
      assert.match(doc.paths['/carrier/telnyx/voice'].post!.description!, /Ed25519.*TT_TELNYX_PUBLIC_KEY/);
    });
  });

  describe(`SignalWire and Telnyx not configured (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(dialect, { env: { TT_PUBLIC_URL: PUBLIC_URL, TT_TWILIO_AUTH_TOKEN: TWILIO_TOKEN } });
    });
    after(async () => t?.close());

    it('their routes do not exist (404, nothing stored) and are not in /openapi.json; Twilio’s are', async () => {
      const params = { AccountSid: SW_PROJECT, CallSid: 'f9b6e7d4-unconfigured', From: CALLER, To: NUMBER };
      for (const path of ['/carrier/signalwire/voice', '/carrier/signalwire/status', '/carrier/telnyx/voice', '/carrier/telnyx/dial?step=0']) {
        const res = await t.server.inject({
          method: 'POST',
          url: path,
          payload: form(params),
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            // Signed with the only secret there is: still nothing to answer it.
            'x-signalwire-signature': twilioSignature(TWILIO_TOKEN, PUBLIC_URL + path, Object.entries(params)),
            'x-twilio-signature': twilioSignature(TWILIO_TOKEN, PUBLIC_URL + path, Object.entries(params)),
          },
        });
        assert.equal(res.statusCode, 404, path);
      }
      assert.equal(Number((await t.app.storage.db.selectFrom('carrier_requests').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), 0);
      const doc = (await t.server.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
      const carrierPaths = Object.keys(doc.paths).filter((p) => p.startsWith('/carrier/'));
      assert.ok(carrierPaths.includes('/carrier/twilio/voice'));
      assert.deepEqual(carrierPaths.filter((p) => !p.startsWith('/carrier/twilio/')), []);
    });
  });
}

describe('SignalWire and Telnyx configuration', () => {
  it('reads the three variables; all empty by default', () => {
    const { publicKeyBase64 } = ed25519Pair();
    const c = loadConfig({ TT_SIGNALWIRE_PROJECT_ID: SW_PROJECT, TT_SIGNALWIRE_SIGNING_KEY: SW_KEY, TT_TELNYX_PUBLIC_KEY: publicKeyBase64 });
    assert.equal(c.signalwireProjectId, SW_PROJECT);
    assert.equal(c.signalwireSigningKey, SW_KEY);
    assert.equal(c.telnyxPublicKey, publicKeyBase64);
    const d = loadConfig({});
    assert.deepEqual([d.signalwireProjectId, d.signalwireSigningKey, d.telnyxPublicKey], ['', '', '']);
  });

  for (const [why, env, field] of [
    ['a Telnyx key that is not base64', { TT_TELNYX_PUBLIC_KEY: 'not a key' }, 'TT_TELNYX_PUBLIC_KEY'],
    ['a Telnyx key of the wrong length', { TT_TELNYX_PUBLIC_KEY: Buffer.alloc(33).toString('base64') }, 'TT_TELNYX_PUBLIC_KEY'],
    ['a SignalWire project without its signing key', { TT_SIGNALWIRE_PROJECT_ID: SW_PROJECT }, 'TT_SIGNALWIRE_SIGNING_KEY'],
    ['a SignalWire signing key without its project', { TT_SIGNALWIRE_SIGNING_KEY: SW_KEY }, 'TT_SIGNALWIRE_PROJECT_ID'],
  ] as const) {
    it(`refuses ${why}, naming the variable`, () => {
      assert.throws(
        () => loadConfig(env),
        (err: unknown) => err instanceof ConfigError && err.problems.length === 1 && err.problems[0].startsWith(`${field}:`),
      );
    });
  }
});
