import { createHmac, createPublicKey, timingSafeEqual, verify as edVerify } from 'node:crypto';

/**
 * X-Twilio-Signature (telephony.md 1.4): HMAC-SHA1 keyed with the auth token over the full URL as configured at the
 * carrier, followed by every POST parameter as name + value, names sorted (repeated names: values de-duplicated and
 * sorted), base64.
 */
export function twilioSignature(authToken: string, url: string, params: Iterable<[string, string]>): string {
  const byName = new Map<string, Set<string>>();
  for (const [k, v] of params) {
    let set = byName.get(k);
    if (!set) byName.set(k, (set = new Set()));
    set.add(v);
  }
  let data = url;
  for (const name of [...byName.keys()].sort()) {
    for (const v of [...byName.get(name)!].sort()) data += name + v;
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The URL with and without its default port, as the carrier may have signed either. */
function urlVariants(url: string): string[] {
  const out = [url];
  try {
    const u = new URL(url);
    const def = u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : '';
    if (!def) return out;
    if (u.port === '') {
      const withPort = `${u.protocol}//${u.username ? `${u.username}${u.password ? `:${u.password}` : ''}@` : ''}${u.hostname}:${def}${u.pathname}${u.search}`;
      out.push(withPort);
    } else if (u.port === def) {
      out.push(url.replace(`:${def}`, ''));
    }
  } catch {
    // not a URL: only the exact string can match
  }
  return out;
}

/** True when the header matches the signature of the URL (with or without its default port) and parameters. */
export function verifyTwilioSignature(authToken: string, header: string | undefined, url: string, params: [string, string][]): boolean {
  if (!authToken || !header) return false;
  for (const u of urlVariants(url)) if (safeEqual(twilioSignature(authToken, u, params), header)) return true;
  return false;
}

/** Telnyx TeXML: Ed25519 over `timestamp|payload` with the account's public key (base64, raw 32 bytes). */
/** How far a Telnyx request's signed timestamp may be from now (seconds), as Telnyx's own libraries allow. */
export const TELNYX_TOLERANCE_SEC = 300;

export function verifyTelnyxSignature(publicKeyBase64: string, signatureBase64: string | undefined, timestamp: string | undefined, payload: string, nowMs?: number, toleranceSec = TELNYX_TOLERANCE_SEC): boolean {
  if (!publicKeyBase64 || !signatureBase64 || !timestamp) return false;
  // A signed request replayed later is refused: its timestamp (unix seconds) must be within the tolerance of now.
  if (nowMs !== undefined && !(/^\d{1,12}$/.test(timestamp) && Math.abs(nowMs / 1000 - Number(timestamp)) <= toleranceSec)) return false;
  try {
    const raw = Buffer.from(publicKeyBase64, 'base64');
    const key = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]), format: 'der', type: 'spki' });
    return edVerify(null, Buffer.from(`${timestamp}|${payload}`), key, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}
