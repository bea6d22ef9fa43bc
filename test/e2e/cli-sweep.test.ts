import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { App } from '../../src/app.ts';
import { addDays, DAY_MS } from '../../src/domain/clock.ts';
import { findNumber, insertNoiseCall } from '../../src/storage/inventory/number.repository.ts';
import { DIALECTS } from '../support/dialects.ts';
import { BIN, cleanEnv, run, withApp } from '../support/cli.ts';
import { stock, sydneyNumbers } from '../support/app.ts';

const RULES = { TT_QUARANTINE_DAYS: '90', TT_QUIET_DAYS: '14', TT_NOISE_THRESHOLD: '1' };

for (const dialect of DIALECTS) {
  describe(`CLI: telltale inventory sweep (${dialect.name})`, { skip: dialect.skip }, () => {
    let db: Awaited<ReturnType<typeof dialect.fresh>>;
    let env: NodeJS.ProcessEnv;
    const settings = () => ({ TT_DATA_DIR: db.dataDir, TT_DATABASE_URL: db.databaseUrl ?? '', ...RULES });
    /** Opens the same database in-process (real clock) to prepare it and to check what the CLI did. */
    const inspect = <T>(fn: (app: App) => Promise<T>): Promise<T> => withApp(settings(), fn);

    beforeEach(async () => {
      db = await dialect.fresh();
      env = cleanEnv(settings());
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

      const res = await run(process.execPath, [BIN, 'inventory', 'sweep'], env);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout.trim(), 'Released 1 number(s); 1 still too noisy.');

      const after = await inspect(async (app) => Promise.all([quiet, noisy, notYet].map(async (n) => (await findNumber(app.storage.db, n))!)));
      assert.equal(after[0].state, 'available');
      assert.equal(after[0].release_after, null);
      assert.equal(after[1].state, 'quarantined', 'the noisy number is held');
      assert.ok(new Date(after[1].release_after!).getTime() >= addDays(new Date(now), 14).getTime() - 1000, `held a quiet period on: ${after[1].release_after}`);
      assert.equal(after[2].state, 'quarantined');
      assert.equal(after[2].release_after, addDays(new Date(now - 10 * DAY_MS), 90).toISOString(), 'not yet due: untouched');

      const again = await run(process.execPath, [BIN, 'inventory', 'sweep'], env);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout.trim(), 'Released 0 number(s); 0 still too noisy.', 'nothing left due');
    });
  });
}
