import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** HTTP Digest access authentication (RFC 7616), `qop=auth`, SHA-256 and MD5. */
export type DigestAlgorithm = 'SHA-256' | 'MD5';

export function digestHash(alg: DigestAlgorithm, text: string): string {
  return createHash(alg === 'MD5' ? 'md5' : 'sha256').update(text, 'utf8').digest('hex');
}

/** H(username:realm:password), what the server keeps instead of the password. */
export function ha1(alg: DigestAlgorithm, username: string, realm: string, password: string): string {
  return digestHash(alg, `${username}:${realm}:${password}`);
}

/** The expected `response` for qop=auth: H(HA1:nonce:nc:cnonce:qop:H(method:uri)). */
export function digestResponse(alg: DigestAlgorithm, ha1Hex: string, p: { nonce: string; nc: string; cnonce: string; method: string; uri: string }): string {
  const ha2 = digestHash(alg, `${p.method}:${p.uri}`);
  return digestHash(alg, `${ha1Hex}:${p.nonce}:${p.nc}:${p.cnonce}:auth:${ha2}`);
}

/** Parses `Digest k=v, k="v", …` (quoted strings may hold commas and escaped quotes). */
export function parseDigestHeader(header: string | undefined): Record<string, string> | null {
  if (!header) return null;
  const m = /^Digest\s+(.*)$/is.exec(header.trim());
  if (!m) return null;
  const out: Record<string, string> = {};
  const re = /\s*([a-zA-Z0-9_*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/gy;
  let part: RegExpExecArray | null;
  let last = 0;
  while ((part = re.exec(m[1])) !== null) {
    out[part[1].toLowerCase()] = part[2] !== undefined ? part[2].replace(/\\(.)/g, '$1') : part[3];
    last = re.lastIndex;
    if (last >= m[1].length) break;
  }
  return Object.keys(out).length ? out : null;
}

/** A stateless nonce: issue time and an HMAC over it, so any process holding the secret can check it. */
export function makeNonce(secret: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000).toString(36);
  const mac = createHmac('sha256', secret).update(t).digest('base64url').slice(0, 22);
  return `${t}.${mac}`;
}

/** 'ok', 'stale' (well formed but older than maxAgeMs) or 'bad'. */
export function checkNonce(secret: string, nonce: string, nowMs: number, maxAgeMs: number): 'ok' | 'stale' | 'bad' {
  const [t, mac] = nonce.split('.');
  if (!t || !mac) return 'bad';
  const expected = createHmac('sha256', secret).update(t).digest('base64url').slice(0, 22);
  if (expected.length !== mac.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(mac))) return 'bad';
  const issued = parseInt(t, 36) * 1000;
  if (!Number.isFinite(issued) || issued > nowMs + 60_000) return 'bad';
  return nowMs - issued > maxAgeMs ? 'stale' : 'ok';
}

export function safeEqualHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
