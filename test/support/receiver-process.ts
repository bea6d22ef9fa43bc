import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** One request as the out-of-process receiver reports it. */
export interface RemoteRequest {
  method: string;
  url: string;
  webhookId: string;
}

/**
 * A local HTTP receiver in a child process, for tests whose own process may block (a synchronous SQLite writer
 * waiting on the lock would otherwise stall the receiver and turn answers into timeouts). Answers 200 to everything.
 */
export class ReceiverProcess {
  url = '';
  private child: ChildProcess | null = null;
  private seq = 0;
  private readonly pending = new Map<number, (reqs: RemoteRequest[]) => void>();

  async start(): Promise<this> {
    this.child = fork(fileURLToPath(import.meta.url), ['--serve'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: { port?: number; seq?: number; requests?: RemoteRequest[] }) => {
      if (m.seq !== undefined) {
        this.pending.get(m.seq)?.(m.requests ?? []);
        this.pending.delete(m.seq);
      }
    });
    const port = await new Promise<number>((resolve) => this.child!.once('message', (m: { port: number }) => resolve(m.port)));
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  /** Requests received since index `from`. */
  requests(from = 0): Promise<RemoteRequest[]> {
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.pending.set(seq, resolve);
      this.child!.send({ seq, from });
    });
  }

  async close(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child!.once('exit', r));
    this.child.kill();
    await exited;
  }
}

if (process.argv.includes('--serve')) {
  const http = await import('node:http');
  const received: RemoteRequest[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', webhookId: String(req.headers['webhook-id'] ?? '') });
      res.end('ok');
    });
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as { port: number }).port }));
  process.on('message', (m: { seq: number; from: number }) => process.send!({ seq: m.seq, requests: received.slice(m.from) }));
  process.on('disconnect', () => process.exit(0));
}
