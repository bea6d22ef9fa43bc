import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isSealed, open, parseSecretKey, seal, SecretBoxError } from './secret-box.ts';

const key = randomBytes(32);

/** The stored value with one byte of the IV (part 0) or of the ciphertext+tag (part 1) flipped. */
function flip(stored: string, part: 0 | 1, index: number): string {
  const [, iv, data] = stored.split(':');
  const bufs = [Buffer.from(iv, 'base64'), Buffer.from(data, 'base64')];
  const b = bufs[part];
  b[index < 0 ? b.length + index : index] ^= 0x01;
  return `v1:${bufs[0].toString('base64')}:${bufs[1].toString('base64')}`;
}

describe('secret-box', () => {
  it('round-trips, with a fresh IV each time, in the v1 format', () => {
    for (const plain of ['sftp-secret-1', '', 'pässwörd: with colons and ünicode 🔑', 'x'.repeat(5000)]) {
      const a = seal(key, plain);
      const b = seal(key, plain);
      assert.match(a, /^v1:[A-Za-z0-9+/]+={0,2}:[A-Za-z0-9+/]+={0,2}$/);
      assert.equal(Buffer.from(a.split(':')[1], 'base64').length, 12);
      assert.equal(Buffer.from(a.split(':')[2], 'base64').length, Buffer.byteLength(plain) + 16);
      assert.notEqual(a, b, 'random IV per value');
      assert.ok(!a.includes(plain) || plain.length < 2);
      assert.equal(isSealed(a), true);
      assert.equal(open(key, a), plain);
      assert.equal(open(key, b), plain);
    }
  });

  it('detects a changed byte of the ciphertext, the tag or the IV', () => {
    const stored = seal(key, 'sftp-secret-1');
    const cases = [flip(stored, 1, 0), flip(stored, 1, 5), flip(stored, 1, -1), flip(stored, 1, -16), flip(stored, 0, 0), flip(stored, 0, 11)];
    for (const bad of cases) {
      assert.notEqual(bad, stored);
      assert.throws(() => open(key, bad), SecretBoxError);
    }
    const [, iv, data] = stored.split(':');
    const truncated = `v1:${iv}:${Buffer.from(data, 'base64').subarray(0, 10).toString('base64')}`;
    assert.throws(() => open(key, truncated), /malformed/);
    assert.throws(() => open(key, 'v1:not-a-value'), /malformed/);
  });

  it('fails with another key, or without one', () => {
    const stored = seal(key, 'sftp-secret-1');
    assert.throws(() => open(randomBytes(32), stored), /does not open with this secret key/);
    assert.throws(() => open(null, stored), /no secret key is configured/);
  });

  it('passes a legacy clear-text value through as is', () => {
    assert.equal(isSealed('old-clear-password'), false);
    assert.equal(open(key, 'old-clear-password'), 'old-clear-password');
    assert.equal(open(null, 'old-clear-password'), 'old-clear-password');
  });

  it('parses a base64 key of 32 bytes, and explains anything else', () => {
    const k = parseSecretKey(` ${key.toString('base64')}\n`);
    assert.ok(Buffer.isBuffer(k) && k.equals(key));
    assert.match(parseSecretKey(randomBytes(16).toString('base64')) as string, /exactly 32 bytes.*got 16 bytes/);
    assert.match(parseSecretKey('not base64!') as string, /must be base64/);
  });
});

describe('SecretCodec', () => {
  it('seals under the key, opens what it sealed, and opens each stored value once (cached), not per use', async () => {
    const { SecretCodec } = await import('./secret-box.ts');
    let keyCalls = 0;
    const codec = new SecretCodec(() => (keyCalls++, key));
    const stored = codec.seal('whsec_abc');
    assert.ok(isSealed(stored));
    keyCalls = 0;
    for (let i = 0; i < 1000; i++) assert.equal(codec.open(stored), 'whsec_abc');
    assert.equal(keyCalls, 1, 'decrypted once for 1000 uses');
    assert.equal(codec.open('whsec_clear'), 'whsec_clear', 'a clear value as is');
  });

  it('without a key stores values as they are, and refuses to open a sealed one', async () => {
    const { SecretCodec } = await import('./secret-box.ts');
    const codec = new SecretCodec(() => null);
    assert.equal(codec.seal('whsec_abc'), 'whsec_abc');
    assert.throws(() => codec.open(seal(key, 'x')), SecretBoxError);
  });
});
