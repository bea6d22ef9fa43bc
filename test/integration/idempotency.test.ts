import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/domain/clock.ts';
import { requestFingerprint, RUNNING_LEASE_MS } from '../../src/domain/accounts/idempotency.ts';
import { findNumber } from '../../src/storage/inventory/number.repository.ts';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, stock, sydneyNumbers, type TestApp } from '../support/app.ts';

const START = '2026-03-01T00:00:00.000Z';
const TTL_SECONDS = 86400;
const ORDER = { type: 'new', criteria: { country: 'AU' }, service: { type: 'voicemail', custom_id: 'retry-me' } };

/** Polls until `fn` is true; fails naming `what` after the bound. */
async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const dialect of DIALECTS) {
  describe(`Idempotency-Key on the public POSTs (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let clock: ManualClock;
    let a: Awaited<ReturnType<typeof makeAccount>>;
    let b: Awaited<ReturnType<typeof makeAccount>>;
    const numbers = sydneyNumbers(60, 300);

    beforeEach(async () => {
      clock = new ManualClock(START);
      t = await buildTestApp(dialect, { clock, env: { TT_SWEEP_INTERVAL_SECONDS: '3600' } });
      a = await makeAccount(t.app, 8101);
      b = await makeAccount(t.app, 8102);
      await stock(t.app, numbers);
    });
    afterEach(async () => t?.close());

    const post = (url: string, payload: unknown, opts: { auth?: string; key?: string } = {}) =>
      t.server.inject({ method: 'POST', url, payload: payload as object, headers: { authorization: opts.auth ?? a.auth, ...(opts.key !== undefined ? { 'idempotency-key': opts.key } : {}) } });
    const order = (key: string | undefined, body: unknown = ORDER, auth?: string) => post('/telco/v1/requests', body, { key, auth });
    const count = async (table: 'requests' | 'services' | 'idempotency_keys', clientId?: number) => {
      let q = t.app.storage.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n'));
      if (clientId !== undefined) q = q.where('client_id', '=', clientId);
      return Number((await q.executeTakeFirstOrThrow()).n);
    };
    const taken = async () => {
      let n = 0;
      for (const num of numbers) if ((await findNumber(t.app.storage.db, num))?.state !== 'available') n++;
      return n;
    };

    it('a retried order with the same key makes one service and reserves one number; the repeat gets the same answer, marked replayed', async () => {
      const first = await order('order-1');
      assert.equal(first.statusCode, 202, first.body);
      assert.equal(first.headers['idempotent-replayed'], undefined);
      const again = await order('order-1');
      assert.equal(again.statusCode, 202, again.body);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.match(String(again.headers['content-type']), /^application\/json/);
      assert.equal(again.body, first.body, 'the kept answer, byte for byte');
      assert.equal(again.headers['cache-control'], 'no-store', 'the server-wide headers are set on a replay too');
      const kept = await t.app.storage.db.selectFrom('idempotency_keys').selectAll().executeTakeFirstOrThrow();
      assert.equal(kept.client_id, a.clientId);
      assert.equal(kept.status, 202);
      assert.ok(!kept.body!.includes(first.json().request.id), 'the kept answer is encrypted at rest (sandbox: the generated server key)');
      // The same body with its members in another order is the same request.
      const reordered = await order('order-1', { service: { custom_id: 'retry-me', type: 'voicemail' }, criteria: { country: 'AU' }, type: 'new' });
      assert.equal(reordered.headers['idempotent-replayed'], 'true');
      await t.app.worker.drain();
      assert.equal(await count('requests'), 1);
      assert.equal(await count('services'), 1);
      assert.equal(await taken(), 1, 'one number reserved');
      assert.equal((await findNumber(t.app.storage.db, first.json().request.number))?.state, 'active');
      // After the work is done the repeat still gets the first answer (queued), not a new one.
      assert.equal((await order('order-1')).json().request.status, 'queued');
    });

    it('50 identical requests with one key sent at the same moment make exactly one order', async () => {
      const answers = await Promise.all(Array.from({ length: 50 }, () => order('burst-1')));
      const accepted = answers.filter((r) => r.statusCode === 202);
      const busy = answers.filter((r) => r.statusCode === 409);
      assert.equal(accepted.length + busy.length, 50, answers.map((r) => `${r.statusCode} ${r.body}`).join('\n'));
      assert.ok(accepted.length >= 1);
      assert.equal(accepted.filter((r) => r.headers['idempotent-replayed'] !== 'true').length, 1, 'one request processed, the others replayed or refused');
      assert.equal(new Set(accepted.map((r) => r.json().request.id)).size, 1, 'every 202 is the same order');
      for (const r of busy) {
        assert.equal(r.json().code, 'conflict');
        assert.match(r.json().detail, /Idempotency-Key/);
        assert.equal(r.headers['retry-after'], '1');
      }
      assert.equal(await count('requests'), 1);
      assert.equal(await taken(), 1);
      // Retrying a refused one later gets the answer.
      const later = await order('burst-1');
      assert.equal(later.headers['idempotent-replayed'], 'true');
      assert.equal(later.json().request.id, accepted[0].json().request.id);
    });

    it('the same key with another body, or on another route, is a 422 naming the header and changes nothing', async () => {
      assert.equal((await order('k-1')).statusCode, 202);
      const other = await order('k-1', { ...ORDER, service: { type: 'voicemail', custom_id: 'something else' } });
      assert.equal(other.statusCode, 422, other.body);
      assert.equal(other.json().code, 'unprocessable');
      assert.equal(other.json().errors[0].path, 'Idempotency-Key');
      assert.match(other.json().detail, /Idempotency-Key.*another POST \/telco\/v1\/requests/);
      const elsewhere = await post(`/telco/v1/numbers/${encodeURIComponent(numbers[59])}/recycle`, undefined, { key: 'k-1' });
      assert.equal(elsewhere.statusCode, 422, elsewhere.body);
      assert.match(elsewhere.json().detail, /Idempotency-Key: this key was already used for POST \/telco\/v1\/requests/);
      const feed = await post('/webapi/v1/feeds', { auth: 'ip', allow: ['127.0.0.1'] }, { key: 'k-1' });
      assert.equal(feed.statusCode, 422, feed.body);
      assert.equal(await count('requests'), 1);
      assert.equal(await taken(), 1);
      assert.equal((await t.app.reporting.feeds.listFeeds(a.clientId)).length, 0);
    });

    it('keys are scoped per account: two accounts using the same key make two orders', async () => {
      const ra = await order('shared-key', ORDER, a.auth);
      const rb = await order('shared-key', ORDER, b.auth);
      assert.equal(ra.statusCode, 202);
      assert.equal(rb.statusCode, 202);
      assert.equal(rb.headers['idempotent-replayed'], undefined);
      assert.notEqual(ra.json().request.id, rb.json().request.id);
      assert.equal(await count('requests', a.clientId), 1);
      assert.equal(await count('requests', b.clientId), 1);
      // Each account's repeat gets its own answer, never the other's.
      assert.equal((await order('shared-key', ORDER, b.auth)).json().request.id, rb.json().request.id);
      assert.equal((await order('shared-key', ORDER, a.auth)).json().request.id, ra.json().request.id);
    });

    it('an expired key is processed anew (even with another body)', async () => {
      const first = await order('old-key');
      clock.advance(TTL_SECONDS * 1000 - 1);
      assert.equal((await order('old-key')).headers['idempotent-replayed'], 'true', 'still kept just before it expires');
      clock.advance(1);
      const fresh = await order('old-key');
      assert.equal(fresh.statusCode, 202);
      assert.equal(fresh.headers['idempotent-replayed'], undefined);
      assert.notEqual(fresh.json().request.id, first.json().request.id);
      assert.equal((await order('old-key')).json().request.id, fresh.json().request.id, 'and kept again from then on');
      clock.advance(TTL_SECONDS * 1000);
      assert.equal((await order('old-key', { ...ORDER, service: { type: 'voicemail' } })).statusCode, 202);
      assert.equal(await count('requests'), 3);
    });

    it('without a key every request is processed, as before', async () => {
      const one = await order(undefined);
      const two = await order(undefined);
      assert.equal(one.statusCode, 202);
      assert.equal(two.statusCode, 202);
      assert.notEqual(one.json().request.id, two.json().request.id);
      assert.equal(await count('requests'), 2);
      assert.equal(await count('idempotency_keys'), 0);
    });

    it('an invalid header is a 400 naming it, after the credentials are checked', async () => {
      for (const bad of ['', 'x'.repeat(256), 'tab\there']) {
        const res = await order(bad);
        assert.equal(res.statusCode, 400, `${JSON.stringify(bad)}: ${res.body}`);
        assert.equal(res.json().code, 'validation_failed');
        assert.equal(res.json().errors[0].path, 'Idempotency-Key');
      }
      assert.equal((await order('x'.repeat(255))).statusCode, 202, '255 characters are fine');
      const stranger = await t.server.inject({ method: 'POST', url: '/telco/v1/requests', payload: ORDER, headers: { 'idempotency-key': '' } });
      assert.equal(stranger.statusCode, 401);
      const wrong = await t.server.inject({ method: 'POST', url: '/telco/v1/requests', payload: ORDER, headers: { authorization: basic(b.username, 'wrong-password'), 'idempotency-key': 'order-1' } });
      assert.equal(wrong.statusCode, 401);
      assert.equal(await count('requests'), 1);
    });

    it('keeps refusals (4xx) for repeats; a first request that never answered holds its key only for its lease', async () => {
      const missing = await post('/telco/v1/requests', { type: 'decommission', service_id: 'sv_nope' }, { key: 'refused' });
      assert.equal(missing.statusCode, 404, missing.body);
      const again = await post('/telco/v1/requests', { type: 'decommission', service_id: 'sv_nope' }, { key: 'refused' });
      assert.equal(again.statusCode, 404);
      assert.equal(again.headers['idempotent-replayed'], 'true');

      // A process that claimed the key and died before answering: the same claim the HTTP hook makes.
      const claim = await t.app.idempotency.begin({
        clientId: a.clientId,
        key: 'abandoned',
        route: 'POST /telco/v1/requests',
        fingerprint: requestFingerprint({ method: 'POST', route: '/telco/v1/requests', params: {}, query: {}, body: ORDER }),
      });
      assert.equal(claim.kind, 'proceed');
      const busy = await order('abandoned');
      assert.equal(busy.statusCode, 409, busy.body);
      clock.advance(RUNNING_LEASE_MS);
      const retried = await order('abandoned');
      assert.equal(retried.statusCode, 202, retried.body);
      assert.equal(retried.headers['idempotent-replayed'], undefined);
      assert.equal(await count('requests'), 1);
    });

    it('covers the other authenticated POSTs too: a data feed and a redelivery', async () => {
      const body = { name: 'nightly', auth: 'ip', allow: ['127.0.0.1'] };
      const first = await post('/webapi/v1/feeds', body, { key: 'feed-1' });
      assert.equal(first.statusCode, 201, first.body);
      const again = await post('/webapi/v1/feeds', body, { key: 'feed-1' });
      assert.equal(again.statusCode, 201);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.json().id, first.json().id);
      assert.equal((await t.app.reporting.feeds.listFeeds(a.clientId)).length, 1);
      const redeliver = await post('/webapi/v1/deliveries/dl_unknown/redeliver', undefined, { key: 'rd-1' });
      assert.equal(redeliver.statusCode, 404, redeliver.body);
      assert.equal((await post('/webapi/v1/deliveries/dl_unknown/redeliver', undefined, { key: 'rd-1' })).headers['idempotent-replayed'], 'true');
    });

    it("the worker's sweep deletes expired keys and keeps the others", async () => {
      await order('early');
      clock.advance(3600_000);
      await order('late');
      assert.equal(await count('idempotency_keys'), 2);
      t.app.worker.start();
      clock.advance(TTL_SECONDS * 1000 - 1800_000);
      await until('the sweep deletes the expired key', async () => (await count('idempotency_keys')) === 1);
      const left = await t.app.storage.db.selectFrom('idempotency_keys').select('key').execute();
      assert.deepEqual(left.map((r) => r.key), ['late']);
    });

    it('documents the header on every authenticated POST in the OpenAPI document, and on nothing else', async () => {
      const doc = (await t.server.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; responses: Record<string, { headers?: Record<string, unknown>; description?: string }> }>> };
      const has = (op: { parameters?: { name: string; in: string }[] }) => (op.parameters ?? []).some((p) => p.in === 'header' && p.name === 'Idempotency-Key');
      const covered = ['/telco/v1/requests', '/telco/v1/numbers/{number}/recycle', '/webapi/v1/feeds', '/webapi/v1/deliveries/{id}/redeliver'];
      for (const path of covered) {
        const op = doc.paths[path]?.post;
        assert.ok(op, path);
        assert.ok(has(op), `${path} documents Idempotency-Key`);
        const ok = Object.entries(op.responses).find(([s]) => s.startsWith('2'))!;
        assert.ok(ok[1].headers?.['Idempotent-Replayed'], `${path} documents Idempotent-Replayed`);
        assert.match(String(op.responses['409']?.description), /Idempotency-Key/);
        assert.match(String(op.responses['422']?.description), /Idempotency-Key/);
      }
      // Every authenticated POST (routes added later included) takes it; no GET and no unauthenticated POST does.
      let posts = 0;
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops) as [string, { security?: unknown[]; parameters?: { name: string; in: string }[] }][]) {
          // The sandbox carrier's routes sign users in without an account (no client_id, no permission): not covered.
          const authenticatedPost = method === 'post' && (op.security ?? []).length > 0 && !path.startsWith('/sandbox/');
          if (authenticatedPost) posts++;
          assert.equal(has(op), authenticatedPost, `${method.toUpperCase()} ${path}`);
        }
      }
      assert.ok(posts >= covered.length);
      assert.ok(doc.paths['/carrier/twilio/voice']?.post, 'an unauthenticated POST is in the document, without the header');
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`The Telco API at the original's paths, /v1/… (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let a: Awaited<ReturnType<typeof makeAccount>>;
    let b: Awaited<ReturnType<typeof makeAccount>>;

    beforeEach(async () => {
      t = await buildTestApp(dialect);
      a = await makeAccount(t.app, 8201);
      b = await makeAccount(t.app, 8202);
      await stock(t.app, sydneyNumbers(5, 400));
    });
    afterEach(async () => t?.close());

    const get = (url: string, auth = a.auth) => t.server.inject({ method: 'GET', url, headers: { authorization: auth } });
    const strip = (body: { '@transaction': Record<string, unknown> }) => ({ ...body, '@transaction': { ...body['@transaction'], request_id: null, server_time: null } });

    it('POST /v1/requests orders like POST /telco/v1/requests, and GET /v1/services lists what GET /telco/v1/services lists', async () => {
      const res = await t.server.inject({ method: 'POST', url: '/v1/requests', headers: { authorization: a.auth }, payload: { type: 'new', criteria: { country: 'AU' }, service: { type: 'voicemail', custom_id: 'via-v1' } } });
      assert.equal(res.statusCode, 202, res.body);
      const id = res.json().request.id;
      await t.app.worker.drain();
      assert.deepEqual(strip((await get(`/v1/requests/${id}`)).json()), strip((await get(`/telco/v1/requests/${id}`)).json()));
      assert.equal((await get(`/telco/v1/requests/${id}`)).json().request.status, 'completed');
      const v1 = await get('/v1/services');
      assert.equal(v1.statusCode, 200, v1.body);
      assert.equal(v1.json().services.length, 1);
      assert.equal(v1.json().services[0].custom_id, 'via-v1');
      assert.deepEqual(strip(v1.json()), strip((await get('/telco/v1/services')).json()));
      const svc = v1.json().services[0].id;
      assert.deepEqual(strip((await get(`/v1/services/${svc}`)).json()), strip((await get(`/telco/v1/services/${svc}`)).json()));
      assert.deepEqual(strip((await get('/v1/numbers')).json()), strip((await get('/telco/v1/numbers')).json()));
    });

    it('takes the same credentials (401 without) and shows no other account’s services', async () => {
      const anon = await t.server.inject({ method: 'GET', url: '/v1/services' });
      assert.equal(anon.statusCode, 401);
      assert.equal((await t.server.inject({ method: 'POST', url: '/v1/requests', payload: { type: 'new', service: { type: 'voicemail' } } })).statusCode, 401);
      assert.equal((await get('/v1/services', basic(a.username, 'wrong-password'))).statusCode, 401);
      const res = await t.server.inject({ method: 'POST', url: '/v1/requests', headers: { authorization: a.auth }, payload: { type: 'new', criteria: { country: 'AU' }, service: { type: 'voicemail' } } });
      await t.app.worker.drain();
      const svc = (await get('/v1/services')).json().services[0].id;
      assert.ok(res.json().request.id);
      assert.deepEqual((await get('/v1/services', b.auth)).json().services, []);
      assert.equal((await get(`/v1/services/${svc}`, b.auth)).statusCode, 404);
    });

    it('takes Idempotency-Key like its twin', async () => {
      const send = () => t.server.inject({ method: 'POST', url: '/v1/requests', headers: { authorization: a.auth, 'idempotency-key': 'v1-order' }, payload: { type: 'new', criteria: { country: 'AU' }, service: { type: 'voicemail' } } });
      const first = await send();
      const again = await send();
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.json().request.id, first.json().request.id);
    });

    it('keeps the OpenAPI document to one copy: the /v1 twins are not listed, the Telco tag says they exist', async () => {
      const doc = (await t.server.inject({ method: 'GET', url: '/openapi.json' })).json();
      assert.deepEqual(Object.keys(doc.paths).filter((p: string) => p.startsWith('/v1/')), []);
      assert.ok(doc.paths['/telco/v1/services']);
      assert.match(doc.tags.find((x: { name: string }) => x.name === 'Telco API').description, /\/v1\/X/);
    });
  });
}
