import net from 'node:net';

export type FaultKind = 'silent' | 'banner_close' | 'trickle';

/**
 * A raw TCP server on loopback that misbehaves the way bad destinations do, whatever protocol the client speaks
 * (HTTP, SMTP, SFTP):
 * - `silent` accepts and never sends a byte (and never closes);
 * - `banner_close` writes an SSH banner (`SSH-2.0-x\r\n`) and closes the connection;
 * - `trickle` sends one byte a second forever, after an optional prefix (never a complete answer in any protocol).
 * It counts accepted connections and knows which are still open, so a test can tell an attempt still hanging from
 * one given up (the client tore its socket down).
 */
export class FaultServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private waiters: { n: number; resolve: () => void }[] = [];
  /** connections accepted so far */
  accepted = 0;
  /** connections the client closed (or reset) by itself */
  closedByClient = 0;
  port = 0;

  /**
   * `prefix` is written at once by a `trickle` server before the one-byte-a-second filler, so the answer looks like
   * the start of a real one (e.g. `HTTP/1.1 200 OK\r\nx-slow: `, `220 `, `SSH-2.0-`) and the client keeps reading.
   */
  constructor(
    readonly kind: FaultKind,
    private readonly opts: { prefix?: string } = {},
  ) {
    this.server = net.createServer((socket) => this.onConnection(socket));
  }

  private onConnection(socket: net.Socket) {
    this.accepted++;
    this.sockets.add(socket);
    let closing = false;
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (!closing) this.closedByClient++;
    });
    if (this.kind === 'banner_close') {
      closing = true;
      socket.end('SSH-2.0-x\r\n');
    } else if (this.kind === 'trickle') {
      const timer = setInterval(() => socket.writable && socket.write('a'), 1000);
      socket.write(`${this.opts.prefix ?? ''}a`);
      this.timers.add(timer);
      socket.on('close', () => (clearInterval(timer), this.timers.delete(timer)));
    }
    this.waiters = this.waiters.filter((w) => (this.accepted >= w.n ? (w.resolve(), false) : true));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  /** Connections still open (the clients have not given up on them). */
  get open(): number {
    return this.sockets.size;
  }

  /** Resolves once n connections in total were accepted, or rejects after timeoutMs. */
  waitForConnections(n: number, timeoutMs = 20_000): Promise<void> {
    if (this.accepted >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${this.kind} server accepted ${this.accepted} of ${n} connections`)), timeoutMs);
      this.waiters.push({ n, resolve: () => (clearTimeout(t), resolve()) });
    });
  }

  close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
