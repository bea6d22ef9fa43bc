import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { Receiver } from '../support/receiver.ts';
import { isSealed, SecretCodec } from '../../src/domain/accounts/secret-box.ts';
import { migrate } from '../../src/storage/database.ts';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const KEY = randomBytes(32).toString('base64');

/** Every file of the SQLite database (main file and WAL), as one buffer. */
function sqliteBytes(dataDir: string): Buffer {
  return Buffer.concat(fs.readdirSync(dataDir).filter((f) => f.startsWith('telltale.db')).map((f) => fs.readFileSync(path.join(dataDir, f))));
}

for (const dialect of DIALECTS) {
  describe(`Webhook and legacy API secrets are encrypted at rest (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let receiver: Receiver;
    before(async () => {
      t = await buildTestApp(dialect, { env: { TT_SECRET_KEY: KEY } });
      receiver = await new Receiver().start();
    });
    after(async () => {
      await receiver?.close();
      await t?.close();
    });

    const rowSecret = async (clientId: number) => (await t.app.storage.db.selectFrom('accounts').select('webhook_secret').where('client_id', '=', clientId).executeTakeFirstOrThrow()).webhook_secret;

    it('stores a new account’s whsec_ secret sealed (rows and database file hold no plaintext), shows it in clear', async () => {
      await makeAccount(t.app, 7601);
      const shown = (await t.app.accounts.showAccount(7601)).webhook_secret;
      assert.match(shown, /^whsec_[A-Za-z0-9+/=]{32}$/);
      const stored = await rowSecret(7601);
      assert.ok(isSealed(stored), stored);
      assert.ok(!stored.includes(shown.slice(6)), 'the row has no plaintext');
      const rotated = await t.app.accounts.rotateWebhookSecret(7601);
      assert.ok(isSealed(await rowSecret(7601)));
      assert.equal((await t.app.accounts.showAccount(7601)).webhook_secret, rotated);
      if (dialect.name === 'sqlite') {
        const bytes = sqliteBytes(t.config.dataDir);
        for (const s of [shown, rotated]) assert.equal(bytes.indexOf(s.slice(6)), -1, 'the database file has no plaintext secret');
      }
    });

    it('signs deliveries with the secret (verifiable with Standard Webhooks)', async () => {
      await makeAccount(t.app, 7602);
      const secret = (await t.app.accounts.showAccount(7602)).webhook_secret;
      const url = `${receiver.url}/hook?x=1`;
      const before = receiver.requests.length;
      await t.app.storage.tx((tx) => t.app.delivery.enqueue(tx, { clientId: 7602, kind: 'request_status', subjectId: 'rq_test', method: 'GET', url }));
      await t.app.worker.drain();
      await receiver.waitFor(before + 1);
      const req = receiver.requests[before];
      const ts = Number(req.headers['webhook-timestamp']);
      assert.equal(req.headers['webhook-signature'], new Webhook(secret).sign(String(req.headers['webhook-id']), new Date(ts * 1000), url), 'the signature verifies with the shown secret');
    });

    it('stores the legacy API secret sealed; signIn with md5(secret + tokenKey) still works', async () => {
      await makeAccount(t.app, 7603);
      const creds = await t.app.reporting.legacy.createKey(7603, 'acme-7603');
      const row = await t.app.storage.db.selectFrom('legacy_api_keys').select('secret').where('account_id', '=', 'acme-7603').executeTakeFirstOrThrow();
      assert.ok(isSealed(row.secret));
      assert.ok(!row.secret.includes(creds.secret));
      const tk = await t.server.inject({ url: `/JSON?action=getTokenKey&account_id=acme-7603&api_key=${creds.api_key}` });
      assert.equal(tk.statusCode, 200, tk.body);
      const signIn = await t.server.inject({ url: `/JSON?action=signIn&account_id=acme-7603&signature=${md5(creds.secret + tk.json().tokenKey)}` });
      assert.equal(signIn.statusCode, 200, signIn.body);
      assert.ok(signIn.json().token);
      if (dialect.name === 'sqlite') assert.equal(sqliteBytes(t.config.dataDir).indexOf(creds.secret), -1);
    });

    it('migration 011 seals secrets an earlier version stored in clear, and they keep working', async () => {
      await makeAccount(t.app, 7604);
      const clear = `whsec_${randomBytes(24).toString('base64')}`;
      await t.app.storage.db.updateTable('accounts').set({ webhook_secret: clear }).where('client_id', '=', 7604).execute();
      const creds = await t.app.reporting.legacy.createKey(7604, 'acme-7604');
      await t.app.storage.db.updateTable('legacy_api_keys').set({ secret: creds.secret }).where('account_id', '=', 'acme-7604').execute();
      assert.equal((await t.app.accounts.showAccount(7604)).webhook_secret, clear, 'a clear row still reads');
      await migrate(t.app.storage, { secrets: new SecretCodec(() => Buffer.from(KEY, 'base64')) });
      const stored = await rowSecret(7604);
      assert.ok(isSealed(stored));
      assert.equal((await t.app.accounts.showAccount(7604)).webhook_secret, clear);
      const legacyRow = await t.app.storage.db.selectFrom('legacy_api_keys').select('secret').where('account_id', '=', 'acme-7604').executeTakeFirstOrThrow();
      assert.ok(isSealed(legacyRow.secret));
      const all = await t.app.storage.db.selectFrom('accounts').select('webhook_secret').execute();
      assert.ok(all.every((r) => isSealed(r.webhook_secret)), 'no clear row is left');
    });
  });

  describe(`Without a server key in production the secrets keep working (${dialect.name})`, { skip: dialect.skip }, () => {
    it('stores them as they are and reads them back', async () => {
      const t = await buildTestApp(dialect, { env: { TT_MODE: 'production' } });
      try {
        await makeAccount(t.app, 7605);
        const shown = (await t.app.accounts.showAccount(7605)).webhook_secret;
        assert.match(shown, /^whsec_/);
        assert.equal(fs.existsSync(path.join(t.config.dataDir, 'secret-key')), false, 'no key is generated in production');
      } finally {
        await t.close();
      }
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`A webhook secret that does not open with the key (${dialect.name})`, { skip: dialect.skip }, () => {
    it('fails that delivery with an error naming TT_SECRET_KEY (retried, never sent unsigned) and sends the other accounts’', async () => {
      const t = await buildTestApp(dialect, { env: { TT_SECRET_KEY: KEY } });
      const receiver = await new Receiver().start();
      try {
        await makeAccount(t.app, 7701);
        await makeAccount(t.app, 7702);
        // 7701's secret sealed under another key, as if TT_SECRET_KEY had changed.
        const other = new SecretCodec(() => randomBytes(32));
        await t.app.storage.db.updateTable('accounts').set({ webhook_secret: other.seal('whsec_AAAA') }).where('client_id', '=', 7701).execute();
        for (const clientId of [7701, 7702]) {
          await t.app.storage.tx((tx) => t.app.delivery.enqueue(tx, { clientId, kind: 'request_status', subjectId: `rq_${clientId}`, method: 'GET', url: `${receiver.url}/hook/${clientId}` }));
        }
        await t.app.outbox.runDue();
        await receiver.waitFor(1);
        assert.deepEqual(receiver.requests.map((r) => r.url), ['/hook/7702']);
        assert.ok(receiver.requests[0].headers['webhook-signature']);
        const bad = await t.app.storage.db.selectFrom('deliveries').selectAll().where('client_id', '=', 7701).executeTakeFirstOrThrow();
        assert.equal(bad.status, 'pending', 'retried later');
        assert.match(String(bad.last_error), /TT_SECRET_KEY/);
      } finally {
        await receiver.close();
        await t.close();
      }
    });
  });
}
