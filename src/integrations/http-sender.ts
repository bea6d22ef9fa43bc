import dns from 'node:dns/promises';
import net from 'node:net';
import { Agent, request } from 'undici';
import { isNonPublicAddress } from '../domain/url-policy.ts';

export interface OutboundRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers: Record<string, string>;
  body?: string;
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

/** undici-based sender with connect and total timeouts and the outbound address policy. */
export function createHttpSender(opts: { connectTimeoutMs: number; totalTimeoutMs: number; allowPrivateUrls: boolean }): HttpSender {
  const agent = new Agent({ connect: { timeout: opts.connectTimeoutMs }, keepAliveTimeout: 10_000, connections: 64 });
  return {
    async send(req) {
      if (!opts.allowPrivateUrls) {
        const refusal = await checkPublicDestination(req.url);
        if (refusal) return { kind: 'refused', error: refusal };
      }
      try {
        const res = await request(req.url, {
          method: req.method,
          headers: req.headers,
          body: req.body,
          dispatcher: agent,
          headersTimeout: opts.totalTimeoutMs,
          bodyTimeout: opts.totalTimeoutMs,
          signal: AbortSignal.timeout(opts.totalTimeoutMs),
        });
        const text = await res.body.text();
        return { kind: 'response', status: res.statusCode, body: text.slice(0, 2000) };
      } catch (err) {
        return { kind: 'transport_error', error: (err as Error).message || String(err) };
      }
    },
    close: () => agent.close(),
  };
}

/** Resolves the URL's host and refuses it when any address is private, loopback or link-local. */
export async function checkPublicDestination(url: string): Promise<string | null> {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return 'not a valid URL';
  }
  let addresses: string[];
  if (net.isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await dns.lookup(host, { all: true })).map((a) => a.address);
    } catch {
      return `cannot resolve ${host}`;
    }
  }
  const bad = addresses.find(isNonPublicAddress);
  return bad ? `${host} resolves to a non-public address (${bad})` : null;
}
