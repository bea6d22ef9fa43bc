import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import twilioSdk from 'twilio';
import { twilioSignature, verifyTelnyxSignature, verifyTwilioSignature } from './signature.ts';

describe('X-Twilio-Signature', () => {
  const vectorUrl = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const vectorParams: [string, string][] = [
    ['CallSid', 'CA1234567890ABCDE'],
    ['Caller', '+12349013030'],
    ['Digits', '1234'],
    ['From', '+12349013030'],
    ['To', '+18005551212'],
  ];

  it('matches Twilio’s documented test vector', () => {
    assert.equal(twilioSignature('12345', vectorUrl, vectorParams), '0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });

  it('agrees with the twilio SDK’s validateRequest on random requests', () => {
    for (let i = 0; i < 50; i++) {
      const token = randomBytes(16).toString('hex');
      const url = `https://tt-${i}.example.com/carrier/twilio/dial?step=0.f.${i}&kind=call`;
      const params: Record<string, string> = {};
      for (let j = 0; j < 8; j++) params[`P${randomBytes(3).toString('hex')}`] = randomBytes(6).toString('base64');
      params.Body = 'héllo & <wörld> +61 2';
      const ours = twilioSignature(token, url, Object.entries(params));
      assert.equal(twilioSdk.validateRequest(token, ours, url, params), true);
      assert.equal(ours, twilioSdk.getExpectedTwilioSignature(token, url, params));
      assert.equal(verifyTwilioSignature(token, ours, url, Object.entries(params)), true);
    }
  });

  it('refuses a missing header, a wrong token, another URL and a changed parameter', () => {
    const good = twilioSignature('12345', vectorUrl, vectorParams);
    assert.equal(verifyTwilioSignature('12345', undefined, vectorUrl, vectorParams), false);
    assert.equal(verifyTwilioSignature('12346', good, vectorUrl, vectorParams), false);
    assert.equal(verifyTwilioSignature('12345', good, 'https://mycompany.com/myapp.php?foo=1&bar=3', vectorParams), false);
    assert.equal(verifyTwilioSignature('12345', good, vectorUrl, [...vectorParams.slice(0, 4), ['To', '+18005551213']]), false);
    assert.equal(verifyTwilioSignature('', good, vectorUrl, vectorParams), false);
  });

  it('accepts a URL signed with or without its default port', () => {
    const sig = twilioSignature('12345', 'https://mycompany.com:443/myapp.php?foo=1&bar=2', vectorParams);
    assert.equal(verifyTwilioSignature('12345', sig, vectorUrl, vectorParams), true);
  });

  it('sorts names and de-duplicates and sorts repeated values', () => {
    const a = twilioSignature('t', 'https://x/y', [['b', '2'], ['a', 'z'], ['a', 'y'], ['a', 'z']]);
    assert.equal(a, twilioSignature('t', 'https://x/y', [['a', 'y'], ['a', 'z'], ['b', '2']]));
  });
});

describe('Telnyx Ed25519 signature', () => {
  it('verifies timestamp|payload with the account public key and refuses a changed payload', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('base64');
    const ts = '1700000000';
    const payload = 'CallSid=v3%3Aabc&To=%2B61290001000';
    const sig = sign(null, Buffer.from(`${ts}|${payload}`), privateKey).toString('base64');
    assert.equal(verifyTelnyxSignature(raw, sig, ts, payload), true);
    assert.equal(verifyTelnyxSignature(raw, sig, ts, `${payload}x`), false);
    assert.equal(verifyTelnyxSignature(raw, undefined, ts, payload), false);
    // With the receipt time: within 300 s of the signed timestamp only (a replay later is refused).
    assert.equal(verifyTelnyxSignature(raw, sig, ts, payload, Number(ts) * 1000 + 299_000), true);
    assert.equal(verifyTelnyxSignature(raw, sig, ts, payload, Number(ts) * 1000 - 299_000), true);
    assert.equal(verifyTelnyxSignature(raw, sig, ts, payload, Number(ts) * 1000 + 301_000), false);
  });
});
