import net from 'node:net';

/**
 * The outbound address policy: which addresses Telltale may connect to when it sends callbacks and uploads in
 * production. Only globally reachable unicast is allowed; everything else (loopback, private, link-local, CGNAT,
 * documentation, benchmarking, multicast, reserved, …) is refused. IPv6 is parsed into its 16 bytes, and the IPv4
 * address inside IPv4-mapped, IPv4-compatible, NAT64 and 6to4 addresses is classified as IPv4.
 */

/** An IPv4 (4 bytes) or IPv6 (16 bytes) address, parsed; null when the text is not an IP address. */
export function parseIp(text: string): Uint8Array | null {
  if (net.isIPv4(text)) return Uint8Array.from(text.split('.').map(Number));
  if (!net.isIPv6(text)) return null;
  // net.isIPv6 accepted it: at most one "::", groups of 1-4 hex digits, an optional dotted IPv4 tail, maybe a %zone.
  let s = text.toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const groups: number[] = [];
  const toGroups = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const [a, b, c, d] = g.split('.').map(Number);
        out.push((a << 8) | b, (c << 8) | d);
      } else out.push(parseInt(g, 16));
    }
    return out;
  };
  const gap = s.indexOf('::');
  if (gap >= 0) {
    const head = toGroups(s.slice(0, gap));
    const tail = toGroups(s.slice(gap + 2));
    groups.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  } else groups.push(...toGroups(s));
  if (groups.length !== 8) return null;
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

const v4Text = (b: Uint8Array, at = 0) => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;

/** True when the first `bits` bits of `addr` equal those of `prefix`. */
function inPrefix(addr: Uint8Array, prefix: readonly number[], bits: number): boolean {
  for (let i = 0; i < bits; i += 8) {
    const take = Math.min(8, bits - i);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((addr[i / 8] & mask) !== ((prefix[i / 8] ?? 0) & mask)) return false;
  }
  return true;
}

// IANA IPv4 special-purpose address registry: every block that is not globally reachable unicast.
const V4_BLOCKS: readonly [number[], number, string][] = [
  [[0, 0, 0, 0], 8, '"this network" (0.0.0.0/8)'],
  [[10, 0, 0, 0], 8, 'private (10.0.0.0/8)'],
  [[100, 64, 0, 0], 10, 'shared address space / CGNAT (100.64.0.0/10)'],
  [[127, 0, 0, 0], 8, 'loopback (127.0.0.0/8)'],
  [[169, 254, 0, 0], 16, 'link-local (169.254.0.0/16)'],
  [[172, 16, 0, 0], 12, 'private (172.16.0.0/12)'],
  [[192, 0, 0, 0], 24, 'IETF protocol assignments (192.0.0.0/24)'],
  [[192, 0, 2, 0], 24, 'documentation (192.0.2.0/24)'],
  [[192, 88, 99, 0], 24, '6to4 relay anycast (192.88.99.0/24)'],
  [[192, 168, 0, 0], 16, 'private (192.168.0.0/16)'],
  [[198, 18, 0, 0], 15, 'benchmarking (198.18.0.0/15)'],
  [[198, 51, 100, 0], 24, 'documentation (198.51.100.0/24)'],
  [[203, 0, 113, 0], 24, 'documentation (203.0.113.0/24)'],
  [[224, 0, 0, 0], 4, 'multicast (224.0.0.0/4)'],
  [[240, 0, 0, 0], 4, 'reserved (240.0.0.0/4, including broadcast 255.255.255.255)'],
];

function v4Reason(b: Uint8Array, at = 0): string | null {
  const a = b.subarray(at, at + 4);
  for (const [prefix, bits, reason] of V4_BLOCKS) if (inPrefix(a, prefix, bits)) return reason;
  return null;
}

/**
 * Why an address must not be connected to (e.g. `loopback (127.0.0.0/8)`), or null when it is globally reachable
 * unicast. Anything that is not an IP address is refused too.
 */
export function nonPublicReason(ip: string): string | null {
  const b = parseIp(ip);
  if (!b) return 'not an IP address';
  if (b.length === 4) return v4Reason(b);
  const embedded = (kind: string, at: number) => {
    const r = v4Reason(b, at);
    return r ? `${kind} of ${v4Text(b, at)}, ${r}` : null;
  };
  // ::ffff:0:0/96, IPv4-mapped: the socket connects to the IPv4 address.
  if (inPrefix(b, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 96)) return embedded('IPv4-mapped', 12);
  if (b.every((x) => x === 0)) return 'unspecified (::)';
  if (inPrefix(b, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 128)) return 'loopback (::1)';
  // ::/96, IPv4-compatible (deprecated, RFC 4291): never a destination of its own.
  if (inPrefix(b, [], 96)) return `IPv4-compatible (::/96, deprecated) of ${v4Text(b, 12)}`;
  // 64:ff9b::/96, the well-known NAT64 prefix: the translator connects to the IPv4 address.
  if (inPrefix(b, [0, 0x64, 0xff, 0x9b], 96)) return embedded('NAT64 (64:ff9b::/96)', 12);
  if (inPrefix(b, [0, 0x64, 0xff, 0x9b, 0, 1], 48)) return 'local-use NAT64 (64:ff9b:1::/48)';
  if (inPrefix(b, [0x01, 0], 64)) return 'discard-only (100::/64)';
  if (inPrefix(b, [0xfc], 7)) return 'unique local (fc00::/7)';
  if (inPrefix(b, [0xfe, 0x80], 10)) return 'link-local (fe80::/10)';
  if (inPrefix(b, [0xfe, 0xc0], 10)) return 'site-local (fec0::/10, deprecated)';
  if (inPrefix(b, [0xff], 8)) return 'multicast (ff00::/8)';
  // Global unicast is 2000::/3; anything else is unassigned or special: refused.
  if (!inPrefix(b, [0x20], 3)) return 'not global unicast (outside 2000::/3)';
  if (inPrefix(b, [0x20, 0x01, 0, 0], 32)) return `Teredo (2001::/32) tunnel to ${v4Text(b.map((x) => x ^ 0xff), 12)}`;
  if (inPrefix(b, [0x20, 0x01, 0x0d, 0xb8], 32)) return 'documentation (2001:db8::/32)';
  if (inPrefix(b, [0x20, 0x01, 0, 0], 23)) return 'IETF protocol assignments (2001::/23: benchmarking, ORCHID, …)';
  // 2002::/16, 6to4: the relay connects to the IPv4 address in bytes 2-5.
  if (inPrefix(b, [0x20, 0x02], 16)) return embedded('6to4 (2002::/16)', 2);
  if (inPrefix(b, [0x3f, 0xff, 0], 20)) return 'documentation (3fff::/20)';
  return null;
}

/** True for any address the policy refuses (see nonPublicReason). */
export function isNonPublicAddress(ip: string): boolean {
  return nonPublicReason(ip) !== null;
}

/** What a URL's host is, once the URL parser normalised it: an IP address, a DNS name to resolve, or refused outright. */
export type HostCheck = { kind: 'ip'; ip: string } | { kind: 'name'; name: string } | { kind: 'refused'; reason: string };

/**
 * Classifies a URL's `hostname` as the WHATWG URL parser gives it for http(s) (decimal, hex, octal and short IPv4
 * forms and full-width digits already rewritten to dotted IPv4; IPv6 in brackets). IP literals are checked against the
 * address policy (`policy`, nonPublicReason unless a test gives another); `localhost` and `*.localhost` are refused without asking DNS; malformed names are refused.
 */
export function checkHost(hostname: string, policy: (ip: string) => string | null = nonPublicReason): HostCheck {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (net.isIP(bare)) {
    const reason = policy(bare);
    return reason ? { kind: 'refused', reason: `a non-public address (${bare}): ${reason}` } : { kind: 'ip', ip: bare };
  }
  const name = bare.toLowerCase().replace(/\.$/, '');
  if (!name) return { kind: 'refused', reason: 'has no host' };
  if (name.length > 253 || !/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(name) || name.split('.').some((l) => l.length > 63)) {
    return { kind: 'refused', reason: `${JSON.stringify(hostname)} is not a valid host name` };
  }
  if (name === 'localhost' || name.endsWith('.localhost')) return { kind: 'refused', reason: `${hostname} is a loopback name (localhost)` };
  // An all-numeric last label is not a DNS name (RFC 1123); the URL parser would have read it as IPv4 if it could.
  if (/^(0x[0-9a-f]*|\d+)$/.test(name.slice(name.lastIndexOf('.') + 1))) return { kind: 'refused', reason: `${hostname} is neither an IPv4 address nor a host name` };
  return { kind: 'name', name };
}

/**
 * The normalised host of a URL of any scheme: special schemes (http, https) are normalised by the URL parser, other
 * schemes (sftp) carry the host as written, so it is normalised as if it were http (`sftp://0x7f000001/` is
 * 127.0.0.1, as the system resolver would read it). Null when the host is malformed (e.g. `%00`).
 */
export function normalisedHostname(u: URL): string | null {
  if (u.protocol === 'http:' || u.protocol === 'https:') return u.hostname;
  const raw = u.hostname;
  if (!raw || /[/?#@\\\s]/.test(raw) || (raw.includes(':') && !(raw.startsWith('[') && raw.endsWith(']')))) return null;
  try {
    return new URL(`http://${raw}/`).hostname;
  } catch {
    return null;
  }
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
