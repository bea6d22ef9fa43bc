import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { lockoutOff } from '../support/userapi.ts';
import { liveService } from '../support/calls.ts';

type Account = Awaited<ReturnType<typeof makeAccount>>;

for (const dialect of DIALECTS) {
  describe(`UserAPI answer points and service settings (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let a: Account;
    let b: Account;
    const inject = (acct: Account, method: string, url: string, payload?: unknown) =>
      t.server.inject({ method: method as 'GET', url, headers: { authorization: acct.auth }, ...(payload !== undefined ? { payload: payload as object } : {}) });
    const telcoService = async (acct: Account, id: string) => (await inject(acct, 'GET', `/telco/v1/services/${id}`)).json().service;

    before(async () => {
      t = await buildTestApp(dialect);
      a = await makeAccount(t.app, 8301);
      b = await makeAccount(t.app, 8302);
    });
    after(async () => {
      await t?.close();
    });

    it('services pointed at an answer point get its number through Telco requests, and follow a change of its number', async () => {
      const created = await inject(a, 'POST', '/userapi/v1/answer-points', { name: 'Sydney office', number: '+61 2 9999 0001', ring_timeout: 25 });
      assert.equal(created.statusCode, 201, created.body);
      const ap = created.json();
      assert.match(ap.id, /^ap_/);
      assert.equal(ap.number, '+61299990001');
      assert.deepEqual(ap.service_ids, []);
      const s1 = await liveService(t.app, a.clientId, '+61290005001', { type: 'transfer', target_number: '+61288880001' });
      const s2 = await liveService(t.app, a.clientId, '+61290005002', { type: 'transfer', target_number: '+61288880002' });
      for (const s of [s1, s2]) {
        const res = await inject(a, 'PUT', `/userapi/v1/services/${s.id}`, { answer_point_id: ap.id });
        assert.equal(res.statusCode, 202, res.body);
        const r = res.json().request;
        assert.equal(r.type, 'update');
        assert.equal(r.status, 'queued');
        assert.equal(r.service.target_number, '+61299990001');
        // The same Telco request the Telco API lists and polls.
        assert.equal((await inject(a, 'GET', `/telco/v1/requests/${r.id}`)).json().request.id, r.id);
      }
      await t.app.worker.drain();
      for (const s of [s1, s2]) {
        const svc = await telcoService(a, s.id);
        assert.equal(svc.target_number, '+61299990001');
        assert.equal(svc.target_name, 'Sydney office');
        assert.equal(svc.ring_timeout, 25);
      }
      assert.deepEqual((await inject(a, 'GET', `/userapi/v1/answer-points/${ap.id}`)).json().service_ids.sort(), [s1.id, s2.id].sort());
      // A new number: one Telco update per service, in the answer; the worker applies them.
      const changed = await inject(a, 'PATCH', `/userapi/v1/answer-points/${ap.id}`, { number: '+61299990002' });
      assert.equal(changed.statusCode, 200, changed.body);
      assert.equal(changed.json().number, '+61299990002');
      const reqs = changed.json().requests as { id: string; service_id: string; type: string; status: string }[];
      assert.deepEqual(reqs.map((r) => r.service_id).sort(), [s1.id, s2.id].sort());
      assert.ok(reqs.every((r) => r.type === 'update' && r.status === 'queued'));
      assert.equal((await telcoService(a, s1.id)).target_number, '+61299990001', 'not applied before the worker runs it');
      await t.app.worker.drain();
      for (const s of [s1, s2]) assert.equal((await telcoService(a, s.id)).target_number, '+61299990002');
      for (const r of reqs) assert.equal((await inject(a, 'GET', `/telco/v1/requests/${r.id}`)).json().request.status, 'completed');
      // Calls now ring the new number.
      const sim = await t.app.sandbox.placeCall({ to: '+61290005001', from: '+61390012300' });
      assert.ok(sim.trace.some((l) => l.includes('dial +61299990002')), sim.trace.join('\n'));
      // In use: it cannot be deleted.
      const del = await inject(a, 'DELETE', `/userapi/v1/answer-points/${ap.id}`);
      assert.equal(del.statusCode, 409, del.body);
      // A target set by hand (here through the Telco API) unlinks the service; a renamed answer point no longer touches it.
      const order = await inject(a, 'POST', '/telco/v1/requests', { type: 'update', service_id: s1.id, service: { target_number: '+61277770001' } });
      assert.equal(order.statusCode, 202, order.body);
      await t.app.worker.drain();
      const renamed = await inject(a, 'PATCH', `/userapi/v1/answer-points/${ap.id}`, { name: 'Sydney HQ' });
      assert.deepEqual(renamed.json().requests.map((r: { service_id: string }) => r.service_id), [s2.id]);
      await t.app.worker.drain();
      assert.equal((await telcoService(a, s1.id)).target_number, '+61277770001');
      assert.equal((await telcoService(a, s2.id)).target_name, 'Sydney HQ');
      // Unlinked everywhere: it can go.
      assert.equal((await inject(a, 'PUT', `/userapi/v1/services/${s2.id}`, { answer_point_id: null, target_number: '+61277770002' })).statusCode, 202);
      await t.app.worker.drain();
      assert.equal((await inject(a, 'DELETE', `/userapi/v1/answer-points/${ap.id}`)).statusCode, 204);
      const audit = await t.app.audit.list(t.app.storage.db, a.clientId, { limit: 50 });
      const actions = audit.filter((e) => e.target === ap.id || e.target === s1.id || e.target === s2.id).map((e) => e.action);
      for (const action of ['answer_point.create', 'answer_point.update', 'answer_point.delete', 'service.update']) assert.ok(actions.includes(action), action);
      assert.equal((await inject(a, 'GET', `/userapi/v1/answer-points/${ap.id}`)).statusCode, 404);
    });

    it('PUT /services/{id} changes notification rules and callback settings with the Telco API’s validation', async () => {
      const s = await liveService(t.app, a.clientId, '+61290005003', { type: 'transfer', target_number: '+61288880003' });
      const ok = await inject(a, 'PUT', `/userapi/v1/services/${s.id}`, {
        notifications: [{ channel: 'email', to: 'desk@example.com', statuses: ['missed'] }],
        call_callback_uri: 'https://example.com/cb?id=[[callid]]',
        call_callback_method: 'POST',
      });
      assert.equal(ok.statusCode, 202, ok.body);
      await t.app.worker.drain();
      const svc = await telcoService(a, s.id);
      assert.deepEqual(svc.notifications, [{ channel: 'email', to: 'desk@example.com', statuses: ['missed'] }]);
      assert.equal(svc.call_callback_uri, 'https://example.com/cb?id=[[callid]]');
      assert.equal(svc.call_callback_method, 'POST');
      const bad: [unknown, string, number][] = [
        [{ notifications: [{ channel: 'email', to: 'not-an-address', statuses: ['missed'] }] }, 'notifications[0].to', 400],
        [{ call_callback_uri: 'ftp://example.com/x' }, 'call_callback_uri', 400],
        [{ target_number: 'hello' }, 'target_number', 400],
        [{ answer_point_id: 'ap_nope' }, 'answer_point_id', 400],
        [{ ring_timeout: 2 }, 'ring_timeout', 400],
        [{}, 'service', 400],
        [{ sms_forward_uri: 'https://example.com/sms' }, 'sms_forward_uri', 422],
      ];
      for (const [payload, path, status] of bad) {
        const res = await inject(a, 'PUT', `/userapi/v1/services/${s.id}`, payload);
        assert.equal(res.statusCode, status, `${JSON.stringify(payload)}: ${res.body}`);
        assert.ok(res.json().errors.some((e: { path: string }) => e.path.replace(/^\//, '').replace(/\//g, '.') === path || e.path === path), `${JSON.stringify(payload)} names ${path}: ${res.body}`);
      }
      const ap = (await inject(a, 'POST', '/userapi/v1/answer-points', { name: 'Both', number: '+61299990009' })).json();
      const both = await inject(a, 'PUT', `/userapi/v1/services/${s.id}`, { answer_point_id: ap.id, target_number: '+61299990008' });
      assert.equal(both.statusCode, 400);
      assert.equal(both.json().errors[0].path, 'answer_point_id');
    });

    it('answer point input: 400 naming the field, 409 for a name in use', async () => {
      const cases: [unknown, string][] = [
        [{ name: 'X', number: 'abc' }, 'number'],
        [{ name: '', number: '+61299990001' }, 'name'],
        [{ number: '+61299990001' }, 'name'],
        [{ name: 'Y', number: '+61299990001', ring_timeout: 500 }, 'ring_timeout'],
      ];
      for (const [payload, path] of cases) {
        const res = await inject(a, 'POST', '/userapi/v1/answer-points', payload);
        assert.equal(res.statusCode, 400, res.body);
        assert.ok(res.json().errors.some((e: { path: string }) => e.path.replace(/^\//, '') === path), `${path}: ${res.body}`);
      }
      assert.equal((await inject(a, 'POST', '/userapi/v1/answer-points', { name: 'Dup', number: '+61299990001' })).statusCode, 201);
      const dup = await inject(a, 'POST', '/userapi/v1/answer-points', { name: 'Dup', number: '+61299990002' });
      assert.equal(dup.statusCode, 409);
      // Another account may use the same name.
      assert.equal((await inject(b, 'POST', '/userapi/v1/answer-points', { name: 'Dup', number: '+61299990002' })).statusCode, 201);
    });

    it('one account never sees or changes another’s answer points or services', async () => {
      const ap = (await inject(a, 'POST', '/userapi/v1/answer-points', { name: 'Private A', number: '+61299990101' })).json();
      const s = await liveService(t.app, a.clientId, '+61290005004', { type: 'transfer', target_number: '+61288880004' });
      const sb = await liveService(t.app, b.clientId, '+61290005005', { type: 'transfer', target_number: '+61288880005' });
      assert.equal((await inject(b, 'GET', `/userapi/v1/answer-points/${ap.id}`)).statusCode, 404);
      assert.equal((await inject(b, 'PATCH', `/userapi/v1/answer-points/${ap.id}`, { number: '+61299990102' })).statusCode, 404);
      assert.equal((await inject(b, 'DELETE', `/userapi/v1/answer-points/${ap.id}`)).statusCode, 404);
      assert.ok(!(await inject(b, 'GET', '/userapi/v1/answer-points')).json().answer_points.some((x: { id: string }) => x.id === ap.id));
      assert.equal((await inject(b, 'PUT', `/userapi/v1/services/${s.id}`, { target_name: 'mine now' })).statusCode, 404);
      // B's service cannot be pointed at A's answer point.
      const cross = await inject(b, 'PUT', `/userapi/v1/services/${sb.id}`, { answer_point_id: ap.id });
      assert.equal(cross.statusCode, 400);
      assert.equal((await inject(a, 'GET', `/userapi/v1/answer-points/${ap.id}`)).json().number, '+61299990101');
    });

    it('every route answers 401 without credentials or with wrong ones', async () => {
      await lockoutOff(t.app, [8301, 8302]); // many wrong passwords on purpose: this tests the 401, not the lockout
      const routes = [
        { method: 'GET', url: '/userapi/v1/answer-points' },
        { method: 'POST', url: '/userapi/v1/answer-points', payload: { name: 'x', number: '+61299990001' } },
        { method: 'GET', url: '/userapi/v1/answer-points/ap_x' },
        { method: 'PATCH', url: '/userapi/v1/answer-points/ap_x', payload: { name: 'y' } },
        { method: 'DELETE', url: '/userapi/v1/answer-points/ap_x' },
        { method: 'PUT', url: '/userapi/v1/services/svc_x', payload: { target_name: 'x' } },
      ] as const;
      for (const r of routes) {
        for (const headers of [{}, { authorization: basic(a.username, 'nope') }]) {
          const res = await t.server.inject({ method: r.method, url: r.url, headers, ...('payload' in r ? { payload: r.payload } : {}) });
          assert.equal(res.statusCode, 401, `${r.method} ${r.url}`);
        }
      }
    });
  });
}
