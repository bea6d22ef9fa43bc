import dns from 'node:dns/promises';
import net from 'node:net';
import { Agent, buildConnector, request } from 'undici';
import { checkHost, nonPublicReason, normalisedHostname } from '../../domain/delivery/url-policy.ts';

export interface OutboundRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Aborting it tears the request down (the delivery engine's hard deadline). */
  signal?: AbortSignal;
}

export type OutboundResult =
  | { kind: 'response'; status: number; body: string }
  | { kind: 'transport_error'; error: string }
  | { kind: 'refused'; error: string };

/** The port every outbound HTTP delivery goes through. */
export interface HttpSender {
  send(req: OutboundRequest): Promise<OutboundResult>;
  close(): Promise<void>;
}

/** Resolves a DNS name to every address it has (the system resolver unless a test injects another). */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

/**
 * The outbound address policy as the senders apply it: how names resolve, and why an address is refused (null: it
 * may be connected to). Both default to the real thing (dns.lookup, nonPublicReason); tests inject their own.
 */
export interface OutboundPolicy {
  resolver?: Resolver;
  policy?: (ip: string) => string | null;
}

const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true });

/** The destination is refused by the outbound URL policy: nothing was sent, and retrying will not help. */
export class DestinationRefused extends Error {
  readonly code = 'TT_DESTINATION_REFUSED';
}

/** The destination's name did not resolve (perhaps for now): nothing was sent; worth retrying. */
export class DestinationUnresolved extends Error {
  readonly code = 'TT_DESTINATION_UNRESOLVED';
}

export type Resolution = { kind: 'ok'; addresses: { address: string; family: number }[] } | { kind: 'refused' | 'unresolved'; error: string };

/**
 * Resolves a URL host once and checks every address it resolves to: refused when the host or any address is
 * non-public. Callers connect to one of the returned addresses, never to the name again (no DNS rebinding between
 * the check and the connect).
 */
export async function resolveDestination(hostname: string, p: OutboundPolicy = {}): Promise<Resolution> {
  const policy = p.policy ?? nonPublicReason;
  const host = checkHost(hostname, policy);
  if (host.kind === 'refused') return { kind: 'refused', error: host.reason };
  if (host.kind === 'ip') return { kind: 'ok', addresses: [{ address: host.ip, family: net.isIPv6(host.ip) ? 6 : 4 }] };
  let found: { address: string; family: number }[];
  try {
    found = await (p.resolver ?? systemResolver)(host.name);
  } catch (err) {
    return { kind: 'unresolved', error: `cannot resolve ${host.name}${(err as { code?: string }).code ? ` (${(err as { code?: string }).code})` : ''}` };
  }
  if (found.length === 0) return { kind: 'unresolved', error: `cannot resolve ${host.name} (no addresses)` };
  for (const a of found) {
    const reason = net.isIP(a.address) ? policy(a.address) : 'not an IP address';
    if (reason) return { kind: 'refused', error: `${host.name} resolves to a non-public address (${a.address}): ${reason}` };
  }
  return { kind: 'ok', addresses: found };
}

/**
 * An undici connector that applies the policy inside the connect itself: IP literals are checked before the socket
 * is opened, names are resolved once by a `lookup` hook that checks every address before net/tls connects to one of
 * them. The URL's host stays the Host header and the TLS server name.
 */
export function policyConnector(opts: { timeoutMs: number } & OutboundPolicy): buildConnector.connector {
  const policy = opts.policy ?? nonPublicReason;
  const lookup = (hostname: string, options: { all?: boolean; family?: number | string }, callback: (...args: unknown[]) => void) => {
    resolveDestination(hostname, opts).then((r) => {
      if (r.kind !== 'ok') return callback(r.kind === 'refused' ? new DestinationRefused(r.error) : new DestinationUnresolved(r.error));
      const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
      const addresses = family ? r.addresses.filter((a) => a.family === family) : r.addresses;
      if (addresses.length === 0) return callback(new DestinationUnresolved(`cannot resolve ${hostname} (no IPv${family} address)`));
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    }, callback);
  };
  const base = buildConnector({ timeout: opts.timeoutMs, lookup: lookup as unknown as net.LookupFunction });
  return (options, callback) => {
    const host = checkHost(options.hostname, policy);
    if (host.kind === 'refused') return callback(new DestinationRefused(host.reason), null);
    // An IP literal was just checked and net connects to it as is; a name goes through `lookup` above.
    return base(options, callback);
  };
}

/** An undici Agent whose every connection is checked by the outbound policy (see policyConnector). */
export function policyAgent(opts: { connectTimeoutMs: number; keepAliveTimeout?: number; connections?: number } & OutboundPolicy): Agent {
  return new Agent({
    connect: policyConnector({ timeoutMs: opts.connectTimeoutMs, resolver: opts.resolver, policy: opts.policy }),
    keepAliveTimeout: opts.keepAliveTimeout ?? 10_000,
    connections: opts.connections ?? null,
  });
}

/** A failed request as a delivery outcome: a policy refusal is `refused` (not retried), anything else a retried transport error. */
export function failedRequest(err: unknown): OutboundResult {
  if (err instanceof DestinationRefused) return { kind: 'refused', error: `refused by the outbound URL policy: ${err.message}` };
  return { kind: 'transport_error', error: (err as Error)?.message || String(err) };
}

/** undici-based sender with connect and total timeouts and the outbound address policy. */
export function createHttpSender(opts: { connectTimeoutMs: number; totalTimeoutMs: number; allowPrivateUrls: boolean } & OutboundPolicy): HttpSender {
  // In production the policy runs inside the connect (one resolution, checked, connected to): no DNS look-up of its
  // own per request, and a kept-alive connection is one to a checked address.
  const agent = opts.allowPrivateUrls
    ? new Agent({ connect: { timeout: opts.connectTimeoutMs }, keepAliveTimeout: 10_000, connections: 64 })
    : policyAgent({ connectTimeoutMs: opts.connectTimeoutMs, keepAliveTimeout: 10_000, connections: 64, resolver: opts.resolver, policy: opts.policy });
  // One coarse timer enforces every request's total deadline on the body (undici's headersTimeout bounds the wait for
  // the headers): a per-request AbortSignal costs more CPU than the rest of a local request.
  const reading = new Set<{ deadline: number; body: { destroy(err?: Error): unknown } }>();
  const tick = Math.max(10, Math.min(250, Math.floor(opts.totalTimeoutMs / 10)));
  let timer: NodeJS.Timeout | null = null;
  const watch = () => {
    timer ??= setInterval(() => {
      const now = Date.now();
      for (const r of reading) if (r.deadline <= now) r.body.destroy(new Error(`no complete answer within ${opts.totalTimeoutMs} ms`));
      if (reading.size === 0 && timer) {
        clearInterval(timer);
        timer = null;
      }
    }, tick).unref();
  };
  return {
    async send(req) {
      const deadline = Date.now() + opts.totalTimeoutMs;
      let entry: { deadline: number; body: { destroy(err?: Error): unknown } } | null = null;
      try {
        const res = await request(req.url, {
          method: req.method,
          headers: req.headers,
          body: req.body,
          dispatcher: agent,
          signal: req.signal,
          headersTimeout: opts.totalTimeoutMs,
          bodyTimeout: opts.totalTimeoutMs,
        });
        entry = { deadline, body: res.body };
        reading.add(entry);
        watch();
        const text = await res.body.text();
        return { kind: 'response', status: res.statusCode, body: text.slice(0, 2000) };
      } catch (err) {
        // A non-public destination is refused for good; a name that does not resolve may be a passing DNS failure.
        return failedRequest(err);
      } finally {
        if (entry) reading.delete(entry);
      }
    },
    async close() {
      if (timer) clearInterval(timer);
      await agent.close();
    },
  };
}

/**
 * The save-time check: resolves the URL's host and refuses it when it or any address is non-public (see
 * resolveDestination). With `allowUnresolved` (when a URL is saved), a host that does not resolve yet is let through:
 * the send-time check runs on every connection. Works for http(s) and sftp URLs.
 */
export async function checkPublicDestination(url: string, opts: { allowUnresolved?: boolean } & OutboundPolicy = {}): Promise<string | null> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a valid URL';
  }
  const hostname = normalisedHostname(u);
  if (!hostname) return `${JSON.stringify(u.hostname)} is not a valid host`;
  const check = await resolveDestination(hostname, opts);
  if (check.kind === 'ok' || (check.kind === 'unresolved' && opts.allowUnresolved)) return null;
  return check.error;
}
