import net from 'node:net';

/** True for loopback, private (RFC 1918, ULA), link-local, CGNAT, unspecified and similar non-public addresses. */
export function isNonPublicAddress(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (net.isIPv4(v4)) {
    const [a, b] = v4.split('.').map(Number);
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || a >= 224;
  }
  const l = ip.toLowerCase();
  return l === '::' || l === '::1' || l.startsWith('fe8') || l.startsWith('fe9') || l.startsWith('fea') || l.startsWith('feb') || l.startsWith('fc') || l.startsWith('fd');
}

/** Checks the shape of an outbound URL (template tags allowed); returns a message when it is not usable. */
export function checkUrlShape(url: string): string | null {
  const probe = url.replace(/\[\[[^\]]*\]\]/g, 'x');
  let u: URL;
  try {
    u = new URL(probe);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'must use http or https';
  if (u.username || u.password) return 'must not carry credentials in the URL';
  return null;
}
