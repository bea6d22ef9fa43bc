import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** One request as the slow receiver saw it. */
export interface SlowRequest {
  url: string;
  webhookId: string;
  /** When the request had arrived, and when its answer was sent or the sender gave up (ms since the epoch). */
  receivedAt: number;
  settledAt: number | null;
  answered: boolean;
  /** Requests with the same webhook-id that were still open (not answered, not abandoned) when this one arrived. */
  overlapping: number;
}

export interface SlowReceiverOptions {
  /** How long each request is held before the answer (200 "ok"). */
  delayMs: number;
  /** How many of the first requests are answered at once (default none), e.g. to let a worker claim its next batch early. */
  fastFirst?: number;
}

/**
 * A real HTTP receiver in its own process that holds every request for a while before answering 200, so an attempt
 * can be made to straddle a lease end. It notes, for each request, how many requests with the same webhook-id were
 * open at the same time: two of them means two workers were sending the same delivery at once.
 */
export class SlowReceiverProcess {
  url = '';
  private child: ChildProcess | null = null;
  private seq = 0;
  private readonly pending = new Map<number, (reqs: SlowRequest[]) => void>();

  constructor(private readonly opts: SlowReceiverOptions) {}

  async start(): Promise<this> {
    this.child = fork(fileURLToPath(import.meta.url), ['--serve', JSON.stringify(this.opts)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const port = await new Promise<number>((resolve) => this.child!.once('message', (m: { port: number }) => resolve(m.port)));
    this.child.on('message', (m: { seq?: number; requests?: SlowRequest[] }) => {
      if (m.seq === undefined) return;
      this.pending.get(m.seq)?.(m.requests ?? []);
      this.pending.delete(m.seq);
    });
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  /** Every request received so far, in arrival order. */
  requests(): Promise<SlowRequest[]> {
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.pending.set(seq, resolve);
      this.child!.send({ seq });
    });
  }

  async close(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child!.once('exit', r));
    this.child.kill();
    await exited;
  }
}

if (process.argv[2] === '--serve') {
  const opts = JSON.parse(process.argv[3]) as SlowReceiverOptions;
  const http = await import('node:http');
  const received: SlowRequest[] = [];
  const open = new Map<string, number>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const webhookId = String(req.headers['webhook-id'] ?? '');
      const r: SlowRequest = { url: req.url ?? '', webhookId, receivedAt: Date.now(), settledAt: null, answered: false, overlapping: open.get(webhookId) ?? 0 };
      const delay = received.length < (opts.fastFirst ?? 0) ? 0 : opts.delayMs;
      received.push(r);
      open.set(webhookId, (open.get(webhookId) ?? 0) + 1);
      const settle = (answered: boolean) => {
        if (r.settledAt !== null) return;
        r.settledAt = Date.now();
        r.answered = answered;
        open.set(webhookId, open.get(webhookId)! - 1);
      };
      const timer = setTimeout(() => res.end('ok', () => settle(true)), delay);
      // The sender gave up (its timeout) before the answer: the request is no longer open.
      res.on('close', () => {
        clearTimeout(timer);
        settle(res.writableFinished);
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as { port: number }).port }));
  process.on('message', (m: { seq: number }) => process.send!({ seq: m.seq, requests: received }));
  process.on('disconnect', () => process.exit(0));
}
