import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import ssh2, { type Connection } from 'ssh2';

const { Server, utils } = ssh2;
const { STATUS_CODE } = utils.sftp;

/** The OpenSSH SHA-256 fingerprint of a public key line (`ssh-ed25519 AAAA… comment`), computed from the line itself. */
export function fingerprintOfPublicLine(line: string): string {
  const blob = Buffer.from(line.trim().split(/\s+/)[1], 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * A real SFTP server (ssh2's Server) for tests, storing files under `root`: password auth, and the requests an
 * uploader needs (open for write, write, close, rename, remove, realpath, stat). It has a fresh ed25519 host key;
 * `restart({ newHostKey: true })` brings it back on the same port with another one (a replaced server, or a man in
 * the middle).
 */
export class TestSftpServer {
  private server: InstanceType<typeof Server>;
  port = 0;
  logins: string[] = [];
  /** every authentication request the server saw (method:username), successful or not */
  authAttempts: string[] = [];
  /** the host key's public line, OpenSSH format */
  publicKey = '';

  constructor(
    readonly root: string,
    readonly username: string,
    readonly password: string,
  ) {
    this.server = this.newServer();
  }

  private privateKey = '';

  private newServer(newHostKey = true): InstanceType<typeof Server> {
    if (newHostKey) {
      const pair = utils.generateKeyPairSync('ed25519');
      this.publicKey = pair.public;
      this.privateKey = pair.private;
    }
    return new Server({ hostKeys: [this.privateKey] }, (client: Connection) => this.onClient(client));
  }

  /** The host key's fingerprint as OpenSSH prints it. */
  get fingerprint(): string {
    return fingerprintOfPublicLine(this.publicKey);
  }

  private local(p: string): string {
    const resolved = path.resolve(this.root, `.${path.posix.resolve('/', p)}`);
    return resolved;
  }

  private onClient(client: Connection) {
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      this.authAttempts.push(`${ctx.method}:${ctx.username}`);
      if (ctx.method === 'password' && ctx.username === this.username && ctx.password === this.password) {
        this.logins.push(ctx.username);
        ctx.accept();
      } else ctx.reject(['password']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('sftp', (acceptSftp) => {
          const sftp = acceptSftp();
          const handles = new Map<number, number>();
          let next = 1;
          const handleOf = (buf: Buffer) => (buf.length === 4 ? buf.readUInt32BE(0) : -1);
          sftp.on('OPEN', (reqid, filename, _flags) => {
            try {
              const target = this.local(filename);
              fs.mkdirSync(path.dirname(target), { recursive: true });
              const fd = fs.openSync(target, 'w');
              const h = next++;
              handles.set(h, fd);
              const buf = Buffer.alloc(4);
              buf.writeUInt32BE(h, 0);
              sftp.handle(reqid, buf);
            } catch {
              sftp.status(reqid, STATUS_CODE.FAILURE);
            }
          });
          sftp.on('WRITE', (reqid, handle, offset, data) => {
            const fd = handles.get(handleOf(handle));
            if (fd === undefined) return sftp.status(reqid, STATUS_CODE.FAILURE);
            fs.writeSync(fd, data, 0, data.length, offset);
            sftp.status(reqid, STATUS_CODE.OK);
          });
          sftp.on('CLOSE', (reqid, handle) => {
            const h = handleOf(handle);
            const fd = handles.get(h);
            if (fd === undefined) return sftp.status(reqid, STATUS_CODE.FAILURE);
            fs.closeSync(fd);
            handles.delete(h);
            sftp.status(reqid, STATUS_CODE.OK);
          });
          sftp.on('REMOVE', (reqid, p) => {
            try {
              fs.unlinkSync(this.local(p));
              sftp.status(reqid, STATUS_CODE.OK);
            } catch {
              sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
            }
          });
          sftp.on('RENAME', (reqid, from, to) => {
            try {
              if (fs.existsSync(this.local(to))) return sftp.status(reqid, STATUS_CODE.FAILURE);
              fs.renameSync(this.local(from), this.local(to));
              sftp.status(reqid, STATUS_CODE.OK);
            } catch {
              sftp.status(reqid, STATUS_CODE.FAILURE);
            }
          });
          sftp.on('REALPATH', (reqid, p) => sftp.name(reqid, [{ filename: path.posix.resolve('/', p), longname: '', attrs: {} as never }]));
          sftp.on('STAT', (reqid) => sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE));
        });
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  /** Stops and listens again on the same port; with newHostKey, under a freshly generated host key. */
  async restart(opts: { newHostKey: boolean }): Promise<void> {
    await this.close();
    this.server = this.newServer(opts.newHostKey);
    await this.start();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
