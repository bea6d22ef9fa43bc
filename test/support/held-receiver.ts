import http from 'node:http';

export interface HeldRequest {
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Sends this request's answer (and ends it). */
  answer(status: number, body?: string): void;
}

/**
 * A real local HTTP server that holds every request until the test answers it, so a test decides exactly when each
 * attempt settles (e.g. after its lease was taken over).
 */
export class HeldReceiver {
  readonly requests: HeldRequest[] = [];
  url = '';
  private waiters: { n: number; resolve: () => void }[] = [];
  private readonly server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      this.requests.push({ url: req.url ?? '', headers: req.headers, answer: (status, body = 'ok') => ((res.statusCode = status), res.end(body)) });
      this.waiters = this.waiters.filter((w) => (this.requests.length >= w.n ? (w.resolve(), false) : true));
    });
  });

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  /** Resolves once n requests in total have arrived, or rejects after timeoutMs. */
  waitFor(n: number, timeoutMs = 10_000): Promise<void> {
    if (this.requests.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`receiver got ${this.requests.length} of ${n} requests`)), timeoutMs);
      this.waiters.push({ n, resolve: () => (clearTimeout(t), resolve()) });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
