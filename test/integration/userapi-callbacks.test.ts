// HTTP Callback tools of the UserAPI: the tag list for a callback URL's tag picker (GET /userapi/v1/callback-tags),
// and the test callback of a service (POST /userapi/v1/services/{id}/test-callback) sent to a real receiver.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { lockoutOff } from '../support/userapi.ts';
import net from 'node:net';
import { Webhook } from 'standardwebhooks';
import { deliveryService, finalizeDeliveryCall, SEED_TAGS } from '../support/delivery-fixtures.ts';
import { Receiver } from '../support/receiver.ts';
import { HeldReceiver } from '../support/held-receiver.ts';

/** A local port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const signed = (r: { headers: Record<string, unknown> }) => Object.fromEntries(['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [h, String(r.headers[h])]));

for (const dialect of DIALECTS) {
  describe(`UserAPI HTTP Callback tags and test callbacks (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let a: Awaited<ReturnType<typeof makeAccount>>;
    let readOnly: string;
    let receiver: Receiver;
    before(async () => {
      // Real time (standardwebhooks checks signature timestamps against it); a short hard deadline for the timeout case.
      t = await buildTestApp(dialect, { env: { TT_DELIVERY_TIMEOUT_MS: '1500' } });
      receiver = await new Receiver().start();
      a = await makeAccount(t.app, 8201);
      await makeAccount(t.app, 8202);
      await t.app.accounts.createUser({ username: 'ro8201', password: 'password-ro-8201', clientIds: [8201], role: 'read_only' });
      readOnly = basic('ro8201', 'password-ro-8201');
      await lockoutOff(t.app, [8201, 8202]);
    });
    after(async () => {
      await receiver?.close();
      await t?.close();
    });

    const testCallback = (id: string, payload: object, auth = a.auth) => t.server.inject({ method: 'POST', url: `/userapi/v1/services/${id}/test-callback`, headers: { authorization: auth }, payload });
    const deliveryCount = async () => Number((await t.app.storage.db.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

    it('lists every tag of the seed’s parameter list (and [[tag]]/[[curl]], then Telltale’s call-centre tags) with a name, a meaning and a group, to every role', async () => {
      const res = await t.server.inject({ url: '/userapi/v1/callback-tags', headers: { authorization: readOnly } });
      assert.equal(res.statusCode, 200, res.body);
      const list = res.json().tags as { tag: string; placeholder: string; name: string; description: string; group: string }[];
      assert.deepEqual(list.map((x) => x.tag), [...SEED_TAGS, 'tag', 'curl', 'artic:isArtic', 'artic:queue', 'artic:agent', 'artic:outcome', 'artic:wait']);
      for (const x of list) {
        assert.equal(x.placeholder, `[[${x.tag}]]`);
        assert.ok(x.name && x.description && x.group, x.tag);
      }
      const tz = list.find((x) => x.tag === 'tzdate')!;
      assert.deepEqual([tz.name, tz.description, tz.group], ['ISO 8601 date', 'ISO 8601 format string', 'time']);
    });

    it('answers 401 to missing and wrong credentials, and 403 for an account the caller does not reach', async () => {
      for (const headers of [{}, { authorization: basic(a.username, 'wrong-password') }, { authorization: 'Bearer tts_nope' }, { cookie: 'tt_session=tts_nope' }]) {
        assert.equal((await t.server.inject({ url: '/userapi/v1/callback-tags', headers })).statusCode, 401, JSON.stringify(headers));
      }
      assert.equal((await t.server.inject({ url: '/userapi/v1/callback-tags?client_id=8202', headers: { authorization: a.auth } })).statusCode, 403);
    });

    it('sends the saved callback with a synthetic call when the service has none: tags filled, signed with the account secret, no delivery written', async () => {
      const svc = await deliveryService(t.app, 8201, { call_callback_uri: `${receiver.url}/cb?id=[[callid]]&ani=[[ani]]&bnum=[[bnum]]&src=[[dl:source]]&st=[[callstatus]]&tag=[[tag]]&x=[[nope]]` });
      const before = await deliveryCount();
      const n = receiver.requests.length;
      const res = await testCallback(svc.id, {});
      assert.equal(res.statusCode, 200, res.body);
      const out = res.json();
      assert.equal(out.sample, 'synthetic');
      assert.equal(out.call_id, undefined);
      assert.equal(out.method, 'GET');
      assert.equal(out.ok, true);
      assert.equal(out.status, 200);
      assert.equal(out.error, null);
      assert.equal(out.response_excerpt, 'ok');
      assert.ok(Number.isInteger(out.latency_ms) && out.latency_ms >= 0);
      assert.equal(receiver.requests.length, n + 1);
      const r = receiver.requests[n];
      assert.equal(r.method, 'GET');
      assert.equal(`${receiver.url}${r.url}`, out.url);
      assert.deepEqual(receiver.query(n), { id: '0', ani: '+61-0255501234', bnum: `+61-0${svc.number.slice(3)}`, src: 'google', st: 'Answered', tag: 'svc-custom', x: '' });
      assert.equal(r.headers['user-agent'], 'Telltale-Webhooks/1');
      assert.equal(r.headers['webhook-id'], out.webhook_id);
      const secret = (await t.app.accounts.showAccount(8201)).webhook_secret;
      assert.doesNotThrow(() => new Webhook(secret).verify(out.url, signed(r), { jsonParse: false }));
      assert.equal(await deliveryCount(), before, 'no delivery row');
    });

    it('uses the service’s latest finalized call, and a draft URL before it is saved; POST sends the signed JSON body', async () => {
      const svc = await deliveryService(t.app, 8201, { call_callback_uri: `${receiver.url}/saved?id=[[callid]]` });
      await finalizeDeliveryCall(t.app, svc);
      const latest = await finalizeDeliveryCall(t.app, svc, { started_at: new Date(Date.now() - 30_000).toISOString() });
      const before = await deliveryCount();
      const n = receiver.requests.length;
      const res = await testCallback(svc.id, { url: `${receiver.url}/draft?c=[[clientid]]&id=[[callid]]&lbl=[[label]]&cp=[[cd_cp01]]` });
      assert.equal(res.statusCode, 200, res.body);
      const out = res.json();
      assert.equal(out.sample, 'latest_call');
      assert.equal(out.call_id, Number(latest.id));
      assert.ok(receiver.requests[n].url.startsWith('/draft?'));
      assert.deepEqual(receiver.query(n), { c: '8201', id: String(latest.id), lbl: 'hot lead', cp: 'Solar panels' });
      assert.equal(await deliveryCount(), before, 'no delivery row');

      const post = await deliveryService(t.app, 8201, { call_callback_uri: `${receiver.url}/post?id=[[callid]]`, call_callback_method: 'POST' });
      const pres = await testCallback(post.id, {});
      assert.equal(pres.statusCode, 200, pres.body);
      assert.equal(pres.json().method, 'POST');
      const pr = receiver.requests[receiver.requests.length - 1];
      assert.equal(pr.method, 'POST');
      assert.equal(pr.headers['content-type'], 'application/json');
      const body = JSON.parse(pr.body);
      assert.equal(body.callid, '0');
      assert.equal(body.clientid, '8201');
      assert.equal(body['aparty:e164'], '+61255501234');
      const secret = (await t.app.accounts.showAccount(8201)).webhook_secret;
      assert.doesNotThrow(() => new Webhook(secret).verify(pr.body, signed(pr)));
    });

    it('reports a receiver’s error answer, a refused port and a timeout as ok=false with a clear error', async () => {
      const svc = await deliveryService(t.app, 8201, { call_callback_uri: `${receiver.url}/fail?id=[[callid]]` });
      receiver.respond = () => 500;
      try {
        const res = await testCallback(svc.id, {});
        assert.equal(res.statusCode, 200, res.body);
        assert.deepEqual([res.json().ok, res.json().status, res.json().error, res.json().response_excerpt], [false, 500, 'the receiver answered HTTP 500', 'ok']);
      } finally {
        receiver.respond = () => 200;
      }
      const port = await closedPort();
      const refused = await testCallback(svc.id, { url: `http://127.0.0.1:${port}/cb?id=[[callid]]` });
      assert.equal(refused.statusCode, 200, refused.body);
      assert.equal(refused.json().ok, false);
      assert.equal(refused.json().status, null);
      assert.equal(refused.json().response_excerpt, null);
      assert.match(refused.json().error, /^connection refused: .*ECONNREFUSED/);

      const held = await new HeldReceiver().start();
      try {
        const slow = await testCallback(svc.id, { url: `${held.url}/slow` });
        assert.equal(slow.statusCode, 200, slow.body);
        assert.equal(slow.json().ok, false);
        assert.match(slow.json().error, /^timeout: /);
        assert.ok(slow.json().latency_ms >= 1400, String(slow.json().latency_ms));
      } finally {
        for (const r of held.requests) r.answer(200);
        await held.close();
      }
    });

    it('answers a missing or non-http(s) URL with a 400 naming url, before sending anything', async () => {
      const none = await deliveryService(t.app, 8201);
      const n = receiver.requests.length;
      for (const [id, payload] of [
        [none.id, {}],
        [none.id, { url: 'ftp://files.example.com/[[callid]]' }],
        [none.id, { url: 'not a url' }],
        [none.id, { url: 'javascript:alert(1)' }],
        [none.id, { url: '' }],
      ] as const) {
        const res = await testCallback(id, payload);
        assert.equal(res.statusCode, 400, `${JSON.stringify(payload)}: ${res.body}`);
        assert.ok(res.json().errors.some((e: { path: string }) => e.path.includes('url')), res.body);
      }
      assert.equal(receiver.requests.length, n);
    });

    it('never tries another account’s service (404), refuses read_only (403, the permission of PUT /services/{id}) and wrong credentials (401)', async () => {
      const other = await deliveryService(t.app, 8202, { call_callback_uri: `${receiver.url}/other?id=[[callid]]` });
      const mine = await deliveryService(t.app, 8201, { call_callback_uri: `${receiver.url}/mine?id=[[callid]]` });
      const n = receiver.requests.length;
      const cross = await testCallback(other.id, {});
      assert.equal(cross.statusCode, 404, cross.body);
      assert.equal((await testCallback(other.id, { url: `${receiver.url}/x` })).statusCode, 404);
      assert.equal((await testCallback('svc_doesnotexist', {})).statusCode, 404);
      assert.equal((await t.server.inject({ method: 'POST', url: `/userapi/v1/services/${mine.id}/test-callback?client_id=8202`, headers: { authorization: a.auth }, payload: {} })).statusCode, 403);
      const ro = await testCallback(mine.id, {}, readOnly);
      assert.equal(ro.statusCode, 403, ro.body);
      for (const headers of [{}, { authorization: basic(a.username, 'wrong-password') }, { authorization: 'Bearer ttk_nope' }]) {
        const res = await t.server.inject({ method: 'POST', url: `/userapi/v1/services/${mine.id}/test-callback`, headers, payload: {} });
        assert.equal(res.statusCode, 401, res.body);
      }
      assert.equal(receiver.requests.length, n, 'nothing was sent');
      const doc = (await t.server.inject({ url: '/openapi.json' })).json();
      assert.equal(doc.paths['/userapi/v1/services/{id}/test-callback'].post['x-permission'], doc.paths['/userapi/v1/services/{id}'].put['x-permission']);
    });
  });

  describe(`UserAPI test callback under the production URL policy (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let receiver: Receiver;
    before(async () => {
      t = await buildTestApp(dialect, { env: { TT_ALLOW_PRIVATE_URLS: 'false' } });
      receiver = await new Receiver().start();
      await makeAccount(t.app, 8301);
    });
    after(async () => {
      await receiver?.close();
      await t?.close();
    });

    it('refuses a non-public destination as the delivery engine does: ok=false, nothing reaches it', async () => {
      const svc = await deliveryService(t.app, 8301);
      for (const url of [`${receiver.url}/cb?id=[[callid]]`, 'http://localhost:9/x', 'http://[::ffff:127.0.0.1]:9/x']) {
        const res = await t.server.inject({ method: 'POST', url: `/userapi/v1/services/${svc.id}/test-callback`, headers: { authorization: basic('user8301', 'password-8301') }, payload: { url } });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json().ok, false, url);
        assert.equal(res.json().status, null);
        assert.match(res.json().error, /^refused by the outbound URL policy/, url);
      }
      assert.equal(receiver.requests.length, 0);
    });
  });
}
