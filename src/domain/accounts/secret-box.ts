import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Secrets kept at rest under a server key (TT_SECRET_KEY): AES-256-GCM with a random 12-byte IV per value, stored as
 * `v1:<base64 IV>:<base64 ciphertext followed by the 16-byte tag>`. A value without the `v1:` prefix is a legacy
 * clear-text secret and is returned as is.
 */
export const SECRET_KEY_BYTES = 32;
const PREFIX = 'v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBoxError extends Error {}

/** The key from its base64 text; an error message (naming nothing) when it is not 32 bytes of base64. */
export function parseSecretKey(text: string): Buffer | string {
  const t = text.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(t) && !/^[A-Za-z0-9_-]+={0,2}$/.test(t)) return 'must be base64 (e.g. openssl rand -base64 32)';
  const key = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== SECRET_KEY_BYTES) return `must be the base64 of exactly ${SECRET_KEY_BYTES} bytes (openssl rand -base64 32), got ${key.length} bytes`;
  return key;
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

export function seal(key: Buffer, plain: string): string {
  if (key.length !== SECRET_KEY_BYTES) throw new SecretBoxError(`the secret key must be ${SECRET_KEY_BYTES} bytes`);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${PREFIX}${iv.toString('base64')}:${data.toString('base64')}`;
}

/** The clear text of a stored value (a legacy clear-text value as is); throws SecretBoxError when it cannot be opened. */
export function open(key: Buffer | null, stored: string): string {
  if (!isSealed(stored)) return stored;
  if (!key) throw new SecretBoxError('the value is encrypted but no secret key is configured');
  const parts = stored.slice(PREFIX.length).split(':');
  const iv = parts.length === 2 ? Buffer.from(parts[0], 'base64') : Buffer.alloc(0);
  const data = parts.length === 2 ? Buffer.from(parts[1], 'base64') : Buffer.alloc(0);
  if (iv.length !== IV_BYTES || data.length < TAG_BYTES) throw new SecretBoxError('the encrypted value is malformed');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretBoxError('the encrypted value does not open with this secret key (the key changed, or the value was altered)');
  }
}

/**
 * Seals and opens the secrets kept at rest under the server key (webhook `whsec_` secrets, legacy API secrets), with
 * the opened values remembered in memory: a delivery batch signs with the account's secret without an AES-GCM pass per
 * delivery. The cache is keyed by the stored (sealed) text, so a rotated secret is a new entry, never a stale one.
 * Without a key (production without TT_SECRET_KEY) values are stored and returned as they are.
 */
export class SecretCodec {
  private readonly opened = new Map<string, string>();
  constructor(
    private readonly keyOf: () => Buffer | null,
    private readonly maxCached = 10_000,
  ) {}

  /** The key, or null (production without TT_SECRET_KEY); in sandbox mode the first call may generate it. */
  key(): Buffer | null {
    return this.keyOf();
  }

  seal(plain: string): string {
    const key = this.keyOf();
    return key ? seal(key, plain) : plain;
  }

  /** The clear text (a clear-text value as is); throws SecretBoxError when a sealed value does not open. */
  open(stored: string): string {
    if (!isSealed(stored)) return stored;
    const hit = this.opened.get(stored);
    if (hit !== undefined) return hit;
    const plain = open(this.keyOf(), stored);
    if (this.opened.size >= this.maxCached) this.opened.clear();
    this.opened.set(stored, plain);
    return plain;
  }
}
