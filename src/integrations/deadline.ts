import type { OutboundResult } from './delivery/http-sender.ts';

/**
 * Runs one outbound attempt under a hard deadline that does not depend on the transport behaving: the returned
 * promise settles by `ms` whatever the transport does (a server that accepts and stays silent, trickles bytes, or
 * closes in a way the client library never reports). At the deadline, or when `parent` aborts first, the signal handed
 * to `attempt` aborts so the transport tears its connection down (nothing is left running), and the outcome is a
 * retryable `transport_error`. A throw from `attempt` is a `transport_error` too.
 */
export function withDeadline(ms: number, what: string, attempt: (signal: AbortSignal) => Promise<OutboundResult>, parent?: AbortSignal): Promise<OutboundResult> {
  // Written without Promise.race or extra promises: it runs once per delivery attempt, on the hot path.
  const ac = new AbortController();
  return new Promise<OutboundResult>((resolve) => {
    let settled = false;
    const finish = (r: OutboundResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (parent) parent.removeEventListener('abort', onParent);
      resolve(r);
    };
    const stop = (reason: Error) => {
      if (settled) return;
      ac.abort(reason);
      finish({ kind: 'transport_error', error: reason.message });
    };
    const onParent = () => stop(parent!.reason instanceof Error ? parent!.reason : new Error(`${what}: aborted`));
    const timer = setTimeout(() => stop(new DeadlineExceeded(`${what}: attempt timeout (hard deadline): no outcome within ${ms} ms; connection torn down`)), Math.max(1, ms));
    if (parent) {
      if (parent.aborted) return onParent();
      parent.addEventListener('abort', onParent, { once: true });
    }
    let running: Promise<OutboundResult>;
    try {
      running = attempt(ac.signal);
    } catch (err) {
      running = Promise.reject(err);
    }
    running.then(finish, (err: unknown) => finish({ kind: 'transport_error', error: (err as Error)?.message || String(err) }));
  });
}

/** The attempt ran into its hard deadline. */
export class DeadlineExceeded extends Error {}

/** Rejects as soon as `signal` aborts (for awaiting a step of a transport that cannot take a signal itself). */
export function abortable<T>(signal: AbortSignal | undefined, p: Promise<T>): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}
