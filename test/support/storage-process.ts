import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface StorageTarget {
  databaseUrl: string | null;
  dataDir: string;
}

type Op =
  | { op: 'claim'; now: string; until: string; limit: number; owner: string }
  | { op: 'deliveries'; clientId: number };

/**
 * Another process with its own connection to the test's database (a PostgreSQL pool, or its own SQLite connection to
 * the same file), for checks that one connection cannot make: what another process sees while a transaction is open,
 * and claims that really race. Each call runs one operation there and returns its result.
 */
export class StorageProcess {
  private child: ChildProcess | null = null;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(private readonly target: StorageTarget) {}

  async start(): Promise<this> {
    this.child = fork(fileURLToPath(import.meta.url), ['--serve', JSON.stringify(this.target)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: { seq: number; result?: unknown; error?: string }) => {
      const p = this.pending.get(m.seq);
      this.pending.delete(m.seq);
      if (m.error !== undefined) p?.reject(new Error(m.error));
      else p?.resolve(m.result);
    });
    // Connected and the schema read once, so a later operation does not pay for start-up.
    await this.deliveries(0);
    return this;
  }

  private run<T>(op: Op): Promise<T> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve: resolve as (v: unknown) => void, reject });
      this.child!.send({ seq, ...op });
    });
  }

  /** Claims due deliveries there, in one transaction of its own, as a worker does; returns the ids. */
  claim(now: string, until: string, limit: number, owner: string): Promise<string[]> {
    return this.run({ op: 'claim', now, until, limit, owner });
  }

  /** The account's deliveries as that process sees them (committed rows only). */
  deliveries(clientId: number): Promise<{ id: string; status: string; url: string }[]> {
    return this.run({ op: 'deliveries', clientId });
  }

  async close(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child!.once('exit', r));
    this.child.disconnect();
    await exited;
  }
}

if (process.argv[2] === '--serve') {
  const target = JSON.parse(process.argv[3]) as StorageTarget;
  const { openStorage } = await import('../../src/storage/database.ts');
  const repo = await import('../../src/storage/delivery/delivery.repository.ts');
  const storage = openStorage({ databaseUrl: target.databaseUrl, dataDir: target.dataDir, poolSize: 2 });
  // One operation at a time, in arrival order.
  let chain: Promise<void> = Promise.resolve();
  process.on('message', (m: Op & { seq: number }) => {
    chain = chain.then(async () => {
      try {
        let result: unknown;
        if (m.op === 'claim') {
          const rows = await storage.tx((tx) => repo.claimDueDeliveries(tx, storage.dialect, m.now, m.until, m.limit, m.owner));
          result = rows.map((r) => r.id);
        } else {
          result = await storage.db.selectFrom('deliveries').select(['id', 'status', 'url']).where('client_id', '=', m.clientId).orderBy('id').execute();
        }
        process.send!({ seq: m.seq, result });
      } catch (err) {
        process.send!({ seq: m.seq, error: (err as Error).stack ?? String(err) });
      }
    });
  });
  process.on('disconnect', () => void chain.then(() => storage.close()).finally(() => process.exit(0)));
}
