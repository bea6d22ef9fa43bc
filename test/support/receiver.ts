import http from 'node:http';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A real local HTTP server that records what it receives; the test chooses each response's status. */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  private server: http.Server;
  private waiters: { n: number; resolve: () => void }[] = [];
  /** Returns the status for the next request (default 200). */
  respond: (req: ReceivedRequest) => number = () => 200;
  url = '';

  constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const r: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString(), at: Date.now() };
        this.requests.push(r);
        res.statusCode = this.respond(r);
        res.end('ok');
        this.waiters = this.waiters.filter((w) => (this.requests.length >= w.n ? (w.resolve(), false) : true));
      });
    });
  }

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

  /** The query parameters of request i. */
  query(i: number): Record<string, string> {
    return Object.fromEntries(new URL(this.requests[i].url, 'http://x').searchParams);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
