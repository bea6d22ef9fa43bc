import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { BIN, cleanEnv, run, withApp } from '../support/cli.ts';
import { makeAccount } from '../support/app.ts';
import { liveServices } from '../support/dni.ts';

for (const dialect of DIALECTS) {
  describe(`CLI: dni create and dni list (${dialect.name})`, { skip: dialect.skip }, () => {
    let db: Awaited<ReturnType<typeof dialect.fresh>>;
    let env: NodeJS.ProcessEnv;
    let pool: { id: string; number: string }[];
    let google: { id: string; number: string };
    const settings = () => ({ TT_DATA_DIR: db.dataDir, TT_DATABASE_URL: db.databaseUrl ?? '', TT_PUBLIC_URL: 'https://calls.example.com' });
    const cli = (...args: string[]) => run(process.execPath, [BIN, ...args], env);

    before(async () => {
      db = await dialect.fresh();
      env = cleanEnv({ ...settings(), TT_DATABASE_URL: db.databaseUrl ?? '' });
      await withApp(settings(), async (app) => {
        await makeAccount(app, 5995);
        await makeAccount(app, 6001);
        pool = await liveServices(app, 5995, '+61290001001', 3);
        [google] = await liveServices(app, 5995, '+61290002001', 1);
      });
    });
    after(async () => db?.drop());

    it('creates a tracking code and prints tracking_code and the HTML snippet with --json', async () => {
      const r = await cli('dni', 'create', '--client-id', '5995', '--name', 'Main site', '--replace', '0401020304', '--replace', '+61299998888', '--pool', `${pool[0].id},${pool[1].id}`, '--pool', pool[2].id, '--rule', `utm_source=google,gclid:${google.id}`, '--origin', 'https://shop.example', '--hold-minutes', '45', '--json');
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      assert.equal(lines.length, 1, 'one JSON line');
      const c = JSON.parse(lines[0]);
      assert.equal(c.tracking_code, 1);
      assert.deepEqual(c.replace, ['+61401020304', '+61299998888']);
      assert.deepEqual(c.pool.map((p: { service_id: string }) => p.service_id), pool.map((p) => p.id));
      assert.deepEqual(c.rules, [{ when: { utm_source: 'google', gclid: true }, service_id: google.id, number: google.number }]);
      assert.deepEqual(c.origins, ['https://shop.example']);
      assert.equal(c.hold_minutes, 45);
      assert.equal(c.snippet, `<script>\n  window.AvanserOptions = { clientId: 5995, trackingCode: 1 };\n  (function (d) { var s = d.createElement('script'); s.async = true; s.id = 'AVANSERjs'; s.src = "https://calls.example.com/aa.js"; d.body.appendChild(s); })(document);\n</script>`);
      const audit = await withApp(settings(), (app) => app.storage.db.selectFrom('audit_log').select(['action', 'via']).where('action', '=', 'dni.create').execute());
      assert.deepEqual(audit, [{ action: 'dni.create', via: 'cli' }]);
    });

    it('prints a readable summary and the snippet without --json; the fallback names a service', async () => {
      const r = await cli('dni', 'create', '--client-id', '6001', '--name', 'Other', '--replace', '0401020304');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Created tracking code 1 "Other" for account 6001: replaces \+61401020304/);
      assert.match(r.stdout, /Allowed origins: any \(sandbox mode, none listed\)/);
      assert.match(r.stdout, /<script>/);
    });

    it('lists tracking codes, all or one account’s', async () => {
      const all = await cli('dni', 'list', '--json');
      assert.equal(all.code, 0, all.stderr);
      assert.deepEqual(JSON.parse(all.stdout).map((c: { client_id: number; tracking_code: number }) => [c.client_id, c.tracking_code]), [[5995, 1], [6001, 1]]);
      const one = await cli('dni', 'list', '--client-id', '6001');
      assert.equal(one.code, 0, one.stderr);
      assert.match(one.stdout, /^6001\s+1\s+Other/);
      assert.doesNotMatch(one.stdout, /Main site/);
    });

    it('refuses bad input: exit 2 for usage, exit 1 naming the problem', async () => {
      const usage = await cli('dni', 'create', '--client-id', '5995', '--name', 'x');
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /--replace is required/);
      const rule = await cli('dni', 'create', '--client-id', '5995', '--name', 'x', '--replace', '0401020304', '--rule', 'utm_source=google');
      assert.equal(rule.code, 1);
      assert.match(rule.stderr, /must look like utm_source=google:SERVICE_ID/);
      const foreign = await cli('dni', 'create', '--client-id', '6001', '--name', 'x', '--replace', '0401020304', '--pool', pool[0].id);
      assert.equal(foreign.code, 1);
      assert.match(foreign.stderr, /pool\[0\]: service .* does not exist in account 6001/);
      const unknown = await cli('dni', 'delete');
      assert.equal(unknown.code, 2);
    });
  });
}
