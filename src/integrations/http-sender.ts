import dns from 'node:dns/promises';
import net from 'node:net';
import { Agent, request } from 'undici';
import { isNonPublicAddress } from '../domain/url-policy.ts';

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

/** undici-based sender with connect and total timeouts and the outbound address policy. */
export function createHttpSender(opts: { connectTimeoutMs: number; totalTimeoutMs: number; allowPrivateUrls: boolean }): HttpSender {
  const agent = new Agent({ connect: { timeout: opts.connectTimeoutMs }, keepAliveTimeout: 10_000, connections: 64 });
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
      if (!opts.allowPrivateUrls) {
        const check = await classifyDestination(req.url);
        // A name that does not resolve may be a passing DNS failure (retried); a non-public address is refused for good.
        if (check.kind === 'unresolved') return { kind: 'transport_error', error: check.error };
        if (check.kind === 'refused') return { kind: 'refused', error: check.error };
      }
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
        return { kind: 'transport_error', error: (err as Error).message || String(err) };
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
 * Resolves the URL's host and refuses it when any address is private, loopback or link-local. With
 * `allowUnresolved` (when a URL is saved), a host that does not resolve yet is let through: the send-time check runs
 * on every attempt.
 */
export async function checkPublicDestination(url: string, opts: { allowUnresolved?: boolean } = {}): Promise<string | null> {
  const check = await classifyDestination(url);
  if (check.kind === 'ok' || (check.kind === 'unresolved' && opts.allowUnresolved)) return null;
  return check.error;
}

async function classifyDestination(url: string): Promise<{ kind: 'ok' } | { kind: 'refused' | 'unresolved'; error: string }> {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return { kind: 'refused', error: 'not a valid URL' };
  }
  let addresses: string[];
  if (net.isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await dns.lookup(host, { all: true })).map((a) => a.address);
    } catch {
      return { kind: 'unresolved', error: `cannot resolve ${host}` };
    }
  }
  const bad = addresses.find(isNonPublicAddress);
  return bad ? { kind: 'refused', error: `${host} resolves to a non-public address (${bad})` } : { kind: 'ok' };
}
