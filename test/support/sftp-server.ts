import fs from 'node:fs';
import path from 'node:path';
import ssh2, { type Connection } from 'ssh2';

const { Server, utils } = ssh2;
const { STATUS_CODE } = utils.sftp;

/**
 * A real SFTP server (ssh2's Server) for tests, storing files under `root`: password auth, and the requests an
 * uploader needs (open for write, write, close, rename, remove, realpath, stat).
 */
export class TestSftpServer {
  private server: InstanceType<typeof Server>;
  port = 0;
  logins: string[] = [];

  constructor(
    readonly root: string,
    readonly username: string,
    readonly password: string,
  ) {
    const hostKey = utils.generateKeyPairSync('ed25519').private;
    this.server = new Server({ hostKeys: [hostKey] }, (client: Connection) => this.onClient(client));
  }

  private local(p: string): string {
    const resolved = path.resolve(this.root, `.${path.posix.resolve('/', p)}`);
    return resolved;
  }

  private onClient(client: Connection) {
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
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
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
