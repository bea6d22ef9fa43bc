import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { createApp, type App } from '../../src/app.ts';
import { addDays, DAY_MS } from '../../src/domain/clock.ts';
import { findNumber, insertNoiseCall } from '../../src/storage/inventory/number.repository.ts';
import { DIALECTS } from '../support/dialects.ts';
import { stock, sydneyNumbers } from '../support/app.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/telltale.mjs');
const RULES = { TT_QUARANTINE_DAYS: '90', TT_QUIET_DAYS: '14', TT_NOISE_THRESHOLD: '1' };

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

for (const dialect of DIALECTS) {
  describe(`CLI: telltale inventory sweep (${dialect.name})`, { skip: dialect.skip }, () => {
    let db: Awaited<ReturnType<typeof dialect.fresh>>;
    let env: NodeJS.ProcessEnv;
    const settings = () => ({ TT_DATA_DIR: db.dataDir, TT_DATABASE_URL: db.databaseUrl ?? '', TT_LOG_LEVEL: 'silent', ...RULES });
    /** Opens the same database in-process (real clock) to prepare it and to check what the CLI did. */
    const inspect = async <T>(fn: (app: App) => Promise<T>): Promise<T> => {
      const app = await createApp(loadConfig(settings()), { log: pino({ level: 'silent' }) });
      try {
        return await fn(app);
      } finally {
        await app.close();
      }
    };

    beforeEach(async () => {
      db = await dialect.fresh();
      // No TT_* of the caller; NODE_TEST_CONTEXT would make the child act as a test-runner child.
      const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TT_') && k !== 'NODE_TEST_CONTEXT'));
      env = { ...base, ...settings(), TT_LOG_LEVEL: 'warn' };
    });
    afterEach(async () => db?.drop());

    it('releases the quarantined numbers whose date has passed and whose quiet period was quiet, holds a noisy one, leaves one not yet due', async () => {
      const [quiet, noisy, notYet] = sydneyNumbers(3, 800);
      const now = Date.now();
      await inspect(async (app) => {
        await stock(app, [quiet, noisy, notYet]);
        // Quarantined 100 days ago (released after 90: ten days ago), and 10 days ago (due in 80 days).
        await app.storage.tx(async (tx) => {
          await app.inventory.quarantine(tx, quiet, new Date(now - 100 * DAY_MS));
          await app.inventory.quarantine(tx, noisy, new Date(now - 100 * DAY_MS));
          await app.inventory.quarantine(tx, notYet, new Date(now - 10 * DAY_MS));
          // Two noise calls within the last 14 days: over the threshold of one.
          await insertNoiseCall(tx, { id: 'nse_cli_1', number: noisy, caller: '+61400000001', received_at: new Date(now - 3 * DAY_MS).toISOString() });
          await insertNoiseCall(tx, { id: 'nse_cli_2', number: noisy, caller: null, received_at: new Date(now - 2 * DAY_MS).toISOString() });
        });
      });

      const res = await run(['inventory', 'sweep'], env);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout.trim(), 'Released 1 number(s); 1 still too noisy.');

      const after = await inspect(async (app) => Promise.all([quiet, noisy, notYet].map(async (n) => (await findNumber(app.storage.db, n))!)));
      assert.equal(after[0].state, 'available');
      assert.equal(after[0].release_after, null);
      assert.equal(after[1].state, 'quarantined', 'the noisy number is held');
      assert.ok(new Date(after[1].release_after!).getTime() >= addDays(new Date(now), 14).getTime() - 1000, `held a quiet period on: ${after[1].release_after}`);
      assert.equal(after[2].state, 'quarantined');
      assert.equal(after[2].release_after, addDays(new Date(now - 10 * DAY_MS), 90).toISOString(), 'not yet due: untouched');

      const again = await run(['inventory', 'sweep'], env);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout.trim(), 'Released 0 number(s); 0 still too noisy.', 'nothing left due');
    });
  });
}
