import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount, sydneyNumbers, type TestApp } from '../support/app.ts';
import { deliveryService } from '../support/delivery-fixtures.ts';

// The fixture itself, on SQLite only (what it guarantees does not depend on the dialect).
for (const dialect of DIALECTS.slice(0, 1)) {
  describe(`delivery fixtures (${dialect.name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(dialect);
    });
    after(async () => t?.close());

    it('gives 10,000 fixture services distinct numbers, none of them a fixed test number (no live-number index clash)', async () => {
      const acct = await makeAccount(t.app, 7990);
      // The fixed numbers tests use beside fixture services: +61291000001 and the sydneyNumbers block.
      const fixed = ['+61291000001', ...sydneyNumbers(100)];
      for (const number of fixed.slice(0, 1)) await deliveryService(t.app, acct.clientId, { number });
      const numbers: string[] = [];
      // A random four-digit suffix cannot give 10,000 distinct numbers besides the fixed one (pigeonhole): the insert
      // trips the unique index of live numbers.
      for (let i = 0; i < 10_000; i++) numbers.push((await deliveryService(t.app, acct.clientId)).number);
      assert.equal(new Set(numbers).size, numbers.length);
      assert.deepEqual(numbers.filter((n) => fixed.includes(n)), []);
    });
  });
}
