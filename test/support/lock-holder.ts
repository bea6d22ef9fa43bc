import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const SQLITE_HOLDER = `
const db = new (require('better-sqlite3'))(process.argv[1]);
db.exec('begin immediate');
process.stdout.write('locked\\n');
process.stdin.once('data', () => { db.exec('rollback'); db.close(); process.stdout.write('released\\n'); process.exit(0); });
`;

const POSTGRES_HOLDER = `
const pg = require('pg');
(async () => {
  const c = new pg.Client({ connectionString: process.argv[1] });
  await c.connect();
  await c.query('begin');
  const t = await c.query("select quote_ident(tablename) as name from pg_tables where schemaname = current_schema()");
  await c.query('lock table ' + t.rows.map((r) => r.name).join(', ') + ' in access exclusive mode');
  process.stdout.write('locked\\n');
  process.stdin.once('data', async () => { await c.query('rollback'); await c.end(); process.stdout.write('released\\n'); process.exit(0); });
})().catch((e) => { console.error(e); process.exit(1); });
`;

/**
 * Another process that holds the database's write lock until released: on SQLite a connection in BEGIN IMMEDIATE,
 * on PostgreSQL a connection holding ACCESS EXCLUSIVE locks on every table.
 */
export class LockHolder {
  private constructor(private readonly child: ChildProcess) {}

  static async hold(target: { databaseUrl: string | null; dataDir: string }): Promise<LockHolder> {
    const [source, arg] = target.databaseUrl ? [POSTGRES_HOLDER, target.databaseUrl] : [SQLITE_HOLDER, path.join(target.dataDir, 'telltale.db')];
    const child = spawn(process.execPath, ['-e', source, arg], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('locked')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`the lock holder exited (${code}) before locking`)));
    });
    return new LockHolder(child);
  }

  /** Lets the lock go and waits for the process to end. */
  async release(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin!.write('release\n');
    await exited;
  }
}
