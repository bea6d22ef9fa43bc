import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { App } from '../../src/app.ts';
import { DIALECTS } from '../support/dialects.ts';
import { BIN, cleanEnv, ROOT, run, withApp, type Run } from '../support/cli.ts';

/** Starts `serve`, waits for it to listen (or exit), stops it with SIGTERM; returns what it printed. */
function serveOnce(env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve'], { cwd: ROOT, env: { ...env, TT_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let stopping = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      // One SIGTERM: a second one during the graceful shutdown would kill the process.
      if (!stopping && /Telltale is running on/.test(stdout)) {
        stopping = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, stdout, stderr: `${stderr}${signal ? `\n(killed by ${signal})` : ''}` }));
  });
}

for (const dialect of DIALECTS) {
  describe(`CLI (${dialect.name})`, { skip: dialect.skip }, () => {
    let db: Awaited<ReturnType<typeof dialect.fresh>>;
    let env: NodeJS.ProcessEnv;
    const cli = (...args: string[]) => run(process.execPath, [BIN, ...args], env);
    /** Opens the same database in-process to check what the CLI wrote. */
    const inspect = <T>(fn: (app: App) => Promise<T>): Promise<T> => withApp({ TT_DATA_DIR: db.dataDir, TT_DATABASE_URL: db.databaseUrl ?? '' }, fn);

    beforeEach(async () => {
      db = await dialect.fresh();
      env = cleanEnv({ TT_DATA_DIR: db.dataDir, ...(db.databaseUrl ? { TT_DATABASE_URL: db.databaseUrl } : {}) });
    });
    afterEach(async () => db?.drop());

    it('creates and shows accounts (text and --json), and refuses a duplicate or a bad time zone with exit code 1', async () => {
      const created = await cli('account', 'create', '--client-id', '6001', '--name', 'Acme', '--timezone', 'Australia/Perth');
      assert.equal(created.code, 0, created.stderr);
      assert.match(created.stdout, /Created account 6001 "Acme" \(Australia\/Perth\)/);
      const shown = await cli('account', 'show', '--client-id', '6001', '--json');
      assert.equal(shown.code, 0, shown.stderr);
      const a = JSON.parse(shown.stdout);
      assert.equal(a.client_id, 6001);
      assert.equal(a.name, 'Acme');
      assert.equal(a.timezone, 'Australia/Perth');
      assert.match(a.webhook_secret, /^whsec_/);
      assert.deepEqual(a.users, []);
      const text = await cli('account', 'show', '--client-id', '6001');
      assert.match(text.stdout, /Account 6001: Acme/);
      const dup = await cli('account', 'create', '--client-id', '6001', '--name', 'Again');
      assert.equal(dup.code, 1);
      assert.match(dup.stderr, /already exists/);
      const tz = await cli('account', 'create', '--client-id', '6002', '--name', 'X', '--timezone', 'Mars/Olympus');
      assert.equal(tz.code, 1);
      assert.match(tz.stderr, /timezone/);
      const missing = await cli('account', 'show', '--client-id', '9999');
      assert.equal(missing.code, 1);
    });

    it('creates an agency user reaching several accounts with repeated --client-id', async () => {
      await cli('account', 'create', '--client-id', '6001', '--name', 'A');
      await cli('account', 'create', '--client-id', '6002', '--name', 'B');
      const u = await cli('user', 'create', '--username', 'agency', '--password', 'long-password', '--client-id', '6001', '--client-id', '6002');
      assert.equal(u.code, 0, u.stderr);
      assert.match(u.stdout, /reaching accounts 6001, 6002/);
      for (const id of ['6001', '6002']) assert.deepEqual(JSON.parse((await cli('account', 'show', '--client-id', id, '--json')).stdout).users, ['agency']);
      const principal = await inspect((app) => app.accounts.authenticate('agency', 'long-password'));
      assert.deepEqual(principal.clientIds, [6001, 6002]);
      const short = await cli('user', 'create', '--username', 'x', '--password', 'short', '--client-id', '6001');
      assert.equal(short.code, 1);
      assert.match(short.stderr, /password/);
      const none = await cli('user', 'create', '--username', 'y', '--password', 'long-password');
      assert.equal(none.code, 2);
      assert.match(none.stderr, /--client-id/);
    });

    it('imports numbers: keeps good rows, infers or takes the class and sms, reports bad rows by line with exit code 1', async () => {
      const csv = path.join(db.dataDir, 'numbers.csv');
      fs.writeFileSync(
        csv,
        [
          'number,class,sms',
          '+61291000001,,', // line 2: GEO inferred, no sms
          '+61-0412000001,,', // line 3: MOBILE inferred, sms by default
          'not-a-number,,', // line 4: bad
          '+611300456700,,', // line 5: TOLLFREE inferred
          '+61291000002,LOCAL,', // line 6: bad class
          '+61291000003,GEO,maybe', // line 7: bad sms
          '+61291000004,geo,yes', // line 8: explicit class (any case) and sms
          '+61412000002,MOBILE,false', // line 9: explicit no sms
          '+61291000001,,', // line 10: duplicate in the file
        ].join('\n') + '\n',
      );
      const res = await cli('numbers', 'import', csv);
      assert.equal(res.code, 1, res.stdout + res.stderr);
      assert.match(res.stdout, /Imported 5 number\(s\) into public stock/);
      assert.match(res.stderr, /^line 4: .*not a valid phone number/m);
      assert.match(res.stderr, /^line 6: class "LOCAL"/m);
      assert.match(res.stderr, /^line 7: sms "maybe"/m);
      assert.doesNotMatch(res.stderr, /^line (2|3|5|8|9):/m);
      assert.match(res.stdout, /line 10 \+61291000001/);
      const rows = await inspect((app) => app.storage.db.selectFrom('numbers').select(['number', 'class', 'sms', 'owner_client_id', 'state']).orderBy('number').execute());
      assert.deepEqual(
        rows.map((r) => [r.number, r.class, Number(r.sms), r.owner_client_id, r.state]),
        [
          ['+611300456700', 'TOLLFREE', 0, null, 'available'],
          ['+61291000001', 'GEO', 0, null, 'available'],
          ['+61291000004', 'GEO', 1, null, 'available'],
          ['+61412000001', 'MOBILE', 1, null, 'available'],
          ['+61412000002', 'MOBILE', 0, null, 'available'],
        ],
      );
      const again = await cli('numbers', 'import', csv, '--json');
      const result = JSON.parse(again.stdout);
      assert.equal(result.inserted, 0, 'a second import inserts nothing');
      assert.equal(result.duplicates.length, 6);
    });

    it('imports into a private inventory with --private-for, and refuses an unknown account or a file without a number column', async () => {
      await cli('account', 'create', '--client-id', '6001', '--name', 'A');
      const csv = path.join(db.dataDir, 'private.csv');
      fs.writeFileSync(csv, 'number\n+61291000011\n+61291000012\n');
      const res = await cli('numbers', 'import', csv, '--private-for', '6001');
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /Imported 2 number\(s\) into the private inventory of account 6001/);
      const owners = await inspect((app) => app.storage.db.selectFrom('numbers').select('owner_client_id').execute());
      assert.deepEqual(owners.map((o) => Number(o.owner_client_id)), [6001, 6001]);
      const unknown = await cli('numbers', 'import', csv, '--private-for', '6999');
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /6999/);
      const noColumn = path.join(db.dataDir, 'bad.csv');
      fs.writeFileSync(noColumn, 'phone\n+61291000013\n');
      const bad = await cli('numbers', 'import', noColumn);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /no "number" column/);
      const absent = await cli('numbers', 'import', path.join(db.dataDir, 'absent.csv'));
      assert.equal(absent.code, 2);
    });

    it('sets stock policies and private inventory rules, refusing bad values', async () => {
      await cli('account', 'create', '--client-id', '6001', '--name', 'A');
      const set = await cli('stock-policy', 'set', '--client-id', '6001', '--country', 'au', '--class', 'mobile', '--policy', 'strict_private');
      assert.equal(set.code, 0, set.stderr);
      const policies = await inspect((app) => app.inventory.policiesOf(app.storage.db, 6001));
      assert.deepEqual([...policies], [['AU:MOBILE', 'STRICT_PRIVATE']]);
      const bad = await cli('stock-policy', 'set', '--client-id', '6001', '--country', 'AUS', '--class', 'X', '--policy', 'SOMETIMES');
      assert.equal(bad.code, 1);
      for (const f of ['country', 'class', 'policy']) assert.match(bad.stderr, new RegExp(f));
      const rules = await cli('inventory', 'rules', '--client-id', '6001', '--quarantine-days', '30', '--quiet-days', '7', '--noise-threshold', '2', '--recycle-on-request', 'true', '--json');
      assert.equal(rules.code, 0, rules.stderr);
      assert.deepEqual(JSON.parse(rules.stdout), { quarantineDays: 30, quietDays: 7, noiseThreshold: 2, recycleOnRequest: true });
      const partial = await cli('inventory', 'rules', '--client-id', '6001', '--quiet-days', '3', '--json');
      assert.deepEqual(JSON.parse(partial.stdout), { quarantineDays: 30, quietDays: 3, noiseThreshold: 2, recycleOnRequest: true }, 'unspecified rules keep their value');
      const shown = await cli('inventory', 'rules', '--client-id', '6001');
      assert.match(shown.stdout, /quarantine 30 days, quiet period 3 days, noise threshold 2, recycle on request allowed/);
      const badRule = await cli('inventory', 'rules', '--client-id', '6001', '--recycle-on-request', 'perhaps');
      assert.equal(badRule.code, 2);
    });

    it('seeds the demo account, user and stock of every class on the first serve of an empty database, and not again', async () => {
      const first = await serveOnce(env);
      assert.equal(first.code, 0, first.stderr);
      const m = /user:\s+(\S+)\s+password:\s+(\S+)/.exec(first.stdout);
      assert.ok(m, first.stdout);
      assert.equal(m[1], 'demo');
      assert.match(first.stdout, /client_id\): 5995/);
      assert.equal(fs.readFileSync(path.join(db.dataDir, 'demo-credentials'), 'utf8'), `demo:${m[2]}`);
      const { principal, classes } = await inspect(async (app) => ({
        principal: await app.accounts.authenticate('demo', m[2]),
        classes: (await app.storage.db.selectFrom('numbers').select('class').distinct().execute()).map((r) => r.class).sort(),
      }));
      assert.deepEqual(principal.clientIds, [5995]);
      assert.deepEqual(classes, ['FREECALL', 'GEO', 'MOBILE', 'TOLLFREE']);
      const second = await serveOnce(env);
      assert.equal(second.code, 0, second.stderr);
      assert.doesNotMatch(second.stdout, /Seeded/);
      assert.equal(fs.readFileSync(path.join(db.dataDir, 'demo-credentials'), 'utf8'), `demo:${m[2]}`, 'the credentials are not replaced');
    });

    it('never seeds with TT_DEMO=0, in production mode, or when an account exists', async () => {
      for (const extra of [{ TT_DEMO: '0' }, { TT_MODE: 'production' }]) {
        const res = await serveOnce({ ...env, ...extra });
        assert.equal(res.code, 0, res.stderr);
        assert.doesNotMatch(res.stdout, /Seeded/);
        assert.equal(await inspect((app) => app.accounts.countAccounts()), 0, JSON.stringify(extra));
      }
      await cli('account', 'create', '--client-id', '6001', '--name', 'A');
      const res = await serveOnce(env);
      assert.doesNotMatch(res.stdout, /Seeded/);
      assert.equal(await inspect((app) => app.accounts.countAccounts()), 1);
      assert.ok(!fs.existsSync(path.join(db.dataDir, 'demo-credentials')));
    });
  });
}

describe('CLI without a database', () => {
  it('runs as `npx telltale --help` from the project root', async () => {
    const res = await run('npx', ['--no-install', 'telltale', '--help'], cleanEnv({}));
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /Usage: telltale <command>/);
    for (const c of ['serve', 'work', 'migrate', 'account create', 'user create', 'numbers import', 'stock-policy set', 'inventory rules']) assert.ok(res.stdout.includes(c), c);
  });

  it('lists every configuration problem at once and exits 78', async () => {
    const res = await run(process.execPath, [BIN, 'migrate'], cleanEnv({ TT_PORT: 'x', TT_MODE: 'prod', TT_TYPO: '1' }));
    assert.equal(res.code, 78);
    for (const v of ['TT_PORT', 'TT_MODE', 'TT_TYPO']) assert.match(res.stderr, new RegExp(v));
  });

  it('answers an unknown command or option with the usage and exit code 2', async () => {
    const res = await run(process.execPath, [BIN, 'frobnicate'], cleanEnv({ TT_DATA_DIR: fs.mkdtempSync('/tmp/tt-cli-') }));
    assert.equal(res.code, 2);
    assert.match(res.stderr, /unknown command/);
    assert.match(res.stderr, /Usage:/);
  });
});
