import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { ManualClock } from '../../src/domain/clock.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createApp } from '../../src/app.ts';
import { buildServer } from '../../src/http/server.ts';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount, stock, sydneyNumbers, type TestApp } from '../support/app.ts';
import { Receiver } from '../support/receiver.ts';

const KEYS = ['request_id', 'type', 'status', 'service_id', 'number', 'custom_id', 'custom_group', 'error'];

for (const dialect of DIALECTS) {
  describe(`Telco request lifecycle and request-status callbacks (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp | undefined;
    let receiver: Receiver;
    let auth: string;

    beforeEach(async () => {
      receiver = await new Receiver().start();
    });
    afterEach(async () => {
      await t?.close();
      t = undefined;
      await receiver.close();
    });

    const post = (payload: Record<string, unknown>) => t!.server.inject({ method: 'POST', url: '/telco/v1/requests', headers: { authorization: auth }, payload });
    const status = async (id: string) => (await t!.server.inject({ url: `/telco/v1/requests/${id}`, headers: { authorization: auth } })).json().request.status;

    it('goes queued → processing → completed and calls callback_uri with GET at each change, with every tag', async () => {
      t = await buildTestApp(dialect);
      auth = (await makeAccount(t.app, 7401)).auth;
      await stock(t.app, sydneyNumbers(1));
      const res = await post({ type: 'new', callback_uri: `${receiver.url}/cb?src=telco`, criteria: { country: 'AU' }, service: { type: 'voicemail', custom_id: 'cid', custom_group: 'grp' } });
      const r = res.json().request;
      assert.equal(r.status, 'queued');
      await t.app.worker.drain();
      await receiver.waitFor(2);
      assert.equal(await status(r.id), 'completed');
      assert.equal(receiver.requests.length, 2);
      assert.ok(receiver.requests.every((q) => q.method === 'GET'));
      const [p1, p2] = [receiver.query(0), receiver.query(1)];
      for (const q of [p1, p2]) {
        for (const k of KEYS) assert.ok(k in q, `callback carries ${k}`);
        assert.equal(q.src, 'telco', 'the callback keeps the URL’s own query');
        assert.equal(q.request_id, r.id);
        assert.equal(q.type, 'new');
        assert.equal(q.service_id, r.service_id);
        assert.equal(q.number, sydneyNumbers(1)[0]);
        assert.equal(q.custom_id, 'cid');
        assert.equal(q.custom_group, 'grp');
        assert.equal(q.error, '');
      }
      assert.deepEqual([p1.status, p2.status], ['processing', 'completed'], 'status callbacks of one request arrive in order');
      // Signed: each callback verifies with the standardwebhooks package (the account's secret over the full URL).
      const secret = (await t.app.accounts.showAccount(7401)).webhook_secret;
      for (const q of receiver.requests) {
        const headers = Object.fromEntries(['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [h, String(q.headers[h])]));
        assert.doesNotThrow(() => new Webhook(secret).verify(`${receiver.url}${q.url}`, headers, { jsonParse: false }), q.url);
        assert.throws(() => new Webhook(secret).verify(`${receiver.url}${q.url}&x=1`, headers, { jsonParse: false }), 'another URL does not verify');
      }
    });

    it('sends the failed callback for a no_stock order, with the reason', async () => {
      t = await buildTestApp(dialect);
      auth = (await makeAccount(t.app, 7402)).auth;
      const res = await post({ type: 'new', callback_uri: `${receiver.url}/cb`, criteria: { country: 'AU' }, service: { type: 'voicemail', custom_id: 'x' } });
      assert.equal(res.json().request.status, 'failed');
      await t.app.worker.drain();
      await receiver.waitFor(1);
      const q = receiver.query(0);
      assert.equal(q.status, 'failed');
      assert.equal(q.error, 'no_stock');
      assert.equal(q.request_id, res.json().request.id);
      assert.equal(q.custom_id, 'x');
    });

    it('reports decommission and update through the callback too', async () => {
      t = await buildTestApp(dialect);
      auth = (await makeAccount(t.app, 7403)).auth;
      await stock(t.app, sydneyNumbers(1));
      const created = (await post({ type: 'new', criteria: {}, service: { type: 'voicemail' } })).json().request;
      await t.app.worker.drain();
      const upd = (await post({ type: 'update', service_id: created.service_id, callback_uri: `${receiver.url}/u`, service: { custom_id: 'after' } })).json().request;
      const dec = (await post({ type: 'decommission', service_id: created.service_id, callback_uri: `${receiver.url}/d` })).json().request;
      await t.app.worker.drain();
      await receiver.waitFor(4);
      const byReq = (id: string) => receiver.requests.map((_, i) => receiver.query(i)).filter((q) => q.request_id === id);
      assert.deepEqual(byReq(upd.id).map((q) => q.status).sort(), ['completed', 'processing']);
      assert.ok(byReq(upd.id).every((q) => q.custom_id === 'after'));
      assert.deepEqual(byReq(dec.id).map((q) => `${q.type} ${q.status}`).sort(), ['decommission completed', 'decommission processing']);
    });

    it('keeps a new service provisioning and its request processing until the propagation delay has passed', async () => {
      const clock = new ManualClock('2026-05-01T00:00:00Z');
      t = await buildTestApp(dialect, { clock, env: { TT_PROPAGATION_DELAY_SECONDS: '420' } });
      auth = (await makeAccount(t.app, 7404)).auth;
      await stock(t.app, sydneyNumbers(1));
      const r = (await post({ type: 'new', callback_uri: `${receiver.url}/cb`, criteria: {}, service: { type: 'voicemail' } })).json().request;
      await t.app.worker.drain();
      assert.equal(await status(r.id), 'processing');
      const svc = async () => (await t!.server.inject({ url: `/telco/v1/services/${r.service_id}`, headers: { authorization: auth } })).json().service;
      assert.equal((await svc()).status, 'provisioning');
      clock.advance(419_000);
      await t.app.worker.drain();
      assert.equal(await status(r.id), 'processing', 'one second before the delay ends');
      assert.equal((await svc()).status, 'provisioning');
      clock.advance(1_000);
      await t.app.worker.drain();
      assert.equal(await status(r.id), 'completed');
      const live = await svc();
      assert.equal(live.status, 'live');
      assert.equal(live.live_at, '2026-05-01T00:07:00.000Z');
      await receiver.waitFor(2);
      assert.deepEqual(receiver.requests.map((_, i) => receiver.query(i).status).sort(), ['completed', 'processing']);
    });

    it('holds an update of a service that is still propagating until the service is live', async () => {
      const clock = new ManualClock('2026-05-01T00:00:00Z');
      t = await buildTestApp(dialect, { clock, env: { TT_PROPAGATION_DELAY_SECONDS: '60' } });
      auth = (await makeAccount(t.app, 7406)).auth;
      await stock(t.app, sydneyNumbers(1));
      const r = (await post({ type: 'new', criteria: {}, service: { type: 'voicemail', name: 'first' } })).json().request;
      await t.app.worker.drain();
      const upd = (await post({ type: 'update', service_id: r.service_id, service: { name: 'second' } })).json().request;
      await t.app.worker.drain();
      assert.equal(await status(upd.id), 'queued', 'the update waits for the new service');
      clock.advance(60_000);
      await t.app.worker.drain();
      clock.advance(1_000);
      await t.app.worker.drain();
      assert.equal(await status(r.id), 'completed');
      assert.equal(await status(upd.id), 'completed');
      const svc = (await t!.server.inject({ url: `/telco/v1/services/${r.service_id}`, headers: { authorization: auth } })).json().service;
      assert.equal(svc.status, 'live');
      assert.equal(svc.name, 'second');
    });

    it('carries out a request and sends its callback after a restart (both live in the database)', async () => {
      const db = await dialect.fresh();
      const config = loadConfig({ TT_DATA_DIR: db.dataDir, TT_DATABASE_URL: db.databaseUrl ?? '', TT_PORT: '0', TT_LOG_LEVEL: 'silent', TT_WORKER_POLL_MS: '20' });
      try {
        const first = await createApp(config, { log: pino({ level: 'silent' }) });
        const server = await buildServer(first);
        await server.ready();
        const acct = await makeAccount(first, 7405);
        await stock(first, sydneyNumbers(1));
        const res = await server.inject({ method: 'POST', url: '/telco/v1/requests', headers: { authorization: acct.auth }, payload: { type: 'new', callback_uri: `${receiver.url}/cb`, criteria: {}, service: { type: 'voicemail' } } });
        assert.equal(res.statusCode, 202, res.body);
        const id = res.json().request.id;
        await server.close();
        await first.close();
        assert.equal(receiver.requests.length, 0, 'nothing was sent before the restart');

        const second = await createApp(config, { log: pino({ level: 'silent' }) });
        try {
          second.worker.start();
          await receiver.waitFor(2, 30_000);
          assert.deepEqual(receiver.requests.map((_, i) => receiver.query(i).status).sort(), ['completed', 'processing']);
          assert.ok(receiver.requests.every((_, i) => receiver.query(i).request_id === id));
          const row = await second.telco.getRequest(7405, id);
          assert.equal(row.status, 'completed');
        } finally {
          await second.close();
        }
      } finally {
        await db.drop();
      }
    });
  });
}
