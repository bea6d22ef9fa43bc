import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount, stock, sydneyNumbers, type TestApp } from '../support/app.ts';
import { orderService } from '../support/telco.ts';

for (const dialect of DIALECTS) {
  describe(`Telco API bad input answers a clear 4xx naming the field (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let auth: string;
    let serviceId: string;

    before(async () => {
      t = await buildTestApp(dialect);
      auth = (await makeAccount(t.app, 7201)).auth;
      await stock(t.app, sydneyNumbers(5));
      serviceId = (await orderService(t.server, t.app, auth, { type: 'new', criteria: { country: 'AU' }, service: { type: 'voicemail' } })).serviceId;
    });
    after(async () => t?.close());

    const post = (payload: unknown, headers: Record<string, string> = {}) =>
      t.server.inject({ method: 'POST', url: '/telco/v1/requests', headers: { authorization: auth, ...headers }, payload: payload as string });
    const get = (url: string) => t.server.inject({ method: 'GET', url, headers: { authorization: auth } });

    const expectField = (res: { statusCode: number; body: string; json(): { errors?: { path: string }[] } }, status: number, path: string, label: string) => {
      assert.equal(res.statusCode, status, `${label}: ${res.body}`);
      const paths = (res.json().errors ?? []).map((e) => e.path);
      assert.ok(paths.includes(path), `${label}: expected errors[].path to include ${path}, got ${JSON.stringify(paths)}`);
    };

    it('answers malformed JSON with 400 invalid_json', async () => {
      for (const body of ['{nope', '{"type": "new",}', '[1,2', '']) {
        const res = await post(body, { 'content-type': 'application/json' });
        assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
        assert.equal(res.json().code, 'invalid_json');
      }
    });

    it('answers a body that is not JSON (wrong content type) with 415', async () => {
      const res = await post('type=new', { 'content-type': 'text/plain' });
      assert.equal(res.statusCode, 415, res.body);
      assert.equal(res.json().code, 'unsupported_media_type');
    });

    it('answers a JSON body that is not an object with 400', async () => {
      for (const body of ['[]', '"new"', '42', 'null']) {
        const res = await post(body, { 'content-type': 'application/json' });
        assert.equal(res.statusCode, 400, `${body}: ${res.body}`);
      }
    });

    it('names unknown fields at the top level and nested in service and criteria', async () => {
      expectField(await post({ type: 'new', criteria: {}, service: { type: 'voicemail' }, colour: 'red' }), 400, 'colour', 'top level');
      expectField(await post({ type: 'new', criteria: { country: 'AU', region: 'NSW' }, service: { type: 'voicemail' } }), 400, 'criteria.region', 'criteria');
      expectField(await post({ type: 'new', criteria: { country: 'AU' }, service: { type: 'voicemail', colour: 'red' } }), 400, 'service.colour', 'service');
      expectField(
        await post({ type: 'new', criteria: { country: 'AU' }, service: { type: 'voicemail', notifications: [{ channel: 'email', to: 'a@b.co', statuses: ['missed'], cc: 'x' }] } }),
        400,
        'service.notifications[0].cc',
        'notification',
      );
    });

    it('names bad enum values', async () => {
      expectField(await post({ type: 'renew', service_id: serviceId }), 400, 'type', 'request type');
      expectField(await post({ type: 'new', criteria: { class: 'geo' }, service: { type: 'voicemail' } }), 400, 'criteria.class', 'class');
      expectField(await post({ type: 'new', criteria: {}, service: { type: 'fax' } }), 400, 'service.type', 'service type');
      expectField(await post({ type: 'new', criteria: {}, service: { type: 'voicemail', notifications: [{ channel: 'pigeon', to: 'x', statuses: ['missed'] }] } }), 400, 'service.notifications[0].channel', 'channel');
      expectField(await post({ type: 'new', criteria: {}, service: { type: 'voicemail', notifications: [{ channel: 'email', to: 'a@b.co', statuses: ['late'] }] } }), 400, 'service.notifications[0].statuses[0]', 'status');
      expectField(await get('/telco/v1/numbers?class=LOCAL'), 400, 'class', 'numbers class');
      expectField(await get('/telco/v1/requests?status=done'), 400, 'status', 'requests status');
      expectField(await get('/telco/v1/services?status=on'), 400, 'status', 'services status');
    });

    it('names wrong types and missing fields', async () => {
      expectField(await post({ criteria: {}, service: { type: 'voicemail' } }), 400, 'type', 'missing type');
      expectField(await post({ type: 'new', criteria: { sms: 'yes please' }, service: { type: 'voicemail' } }), 400, 'criteria.sms', 'sms type');
      expectField(await post({ type: 'new', criteria: {} }), 400, 'service', 'new without service');
      expectField(await post({ type: 'new', criteria: {}, service: {} }), 400, 'service.type', 'new without service type');
      expectField(await post({ type: 'update', service: { name: 'x' } }), 400, 'service_id', 'update without service_id');
      expectField(await post({ type: 'decommission' }), 400, 'service_id', 'decommission without service_id');
      expectField(await post({ type: 'decommission', service_id: serviceId, service: { name: 'x' } }), 400, 'service', 'decommission with fields');
      expectField(await post({ type: 'update', service_id: serviceId, service: {} }), 400, 'service', 'empty update');
      expectField(await post({ type: 'update', service_id: serviceId, number: '+61291000001', service: { name: 'x' } }), 400, 'number', 'update with number');
      expectField(await post({ type: 'new', number: '+61291000001', criteria: { country: 'AU' }, service: { type: 'voicemail' } }), 400, 'number', 'number and criteria');
      expectField(await post({ type: 'new', service_id: serviceId, criteria: {}, service: { type: 'voicemail' } }), 400, 'service_id', 'new with service_id');
      expectField(await get('/telco/v1/numbers?limit=0'), 400, 'limit', 'limit 0');
      expectField(await get('/telco/v1/numbers?limit=lots'), 400, 'limit', 'limit text');
      expectField(await get('/telco/v1/numbers?sms=perhaps'), 400, 'sms', 'sms text');
      expectField(await get('/telco/v1/numbers?client_id=abc'), 400, 'client_id', 'client_id text');
      expectField(await get('/telco/v1/numbers?colour=red'), 400, 'colour', 'unknown query parameter');
    });

    it('names bad numbers, areas, digits, countries and URLs', async () => {
      expectField(await post({ type: 'new', number: '12345', service: { type: 'voicemail' } }), 400, 'number', 'number');
      expectField(await post({ type: 'new', number: '+6129100000', service: { type: 'voicemail' } }), 400, 'number', 'short number');
      expectField(await post({ type: 'new', criteria: {}, service: { type: 'transfer', target_number: 'call me' } }), 400, 'service.target_number', 'target number');
      expectField(await post({ type: 'new', criteria: { country: 'AU', area: 'two' }, service: { type: 'voicemail' } }), 400, 'criteria.area', 'area');
      expectField(await post({ type: 'new', criteria: { area: '02' }, service: { type: 'voicemail' } }), 400, 'criteria.area', 'area without country');
      expectField(await post({ type: 'new', criteria: { contains: '88a' }, service: { type: 'voicemail' } }), 400, 'criteria.contains', 'contains');
      expectField(await post({ type: 'new', criteria: { country: 'AUS' }, service: { type: 'voicemail' } }), 400, 'criteria.country', 'country');
      expectField(await post({ type: 'new', criteria: { country: 'A1' }, service: { type: 'voicemail' } }), 400, 'criteria.country', 'country digits');
      expectField(await post({ type: 'new', callback_uri: 'not a url', criteria: {}, service: { type: 'voicemail' } }), 400, 'callback_uri', 'callback');
      expectField(await post({ type: 'new', callback_uri: 'ftp://example.com/', criteria: {}, service: { type: 'voicemail' } }), 400, 'callback_uri', 'callback scheme');
      expectField(await post({ type: 'new', criteria: {}, service: { type: 'voicemail', call_callback_uri: 'https://u:p@example.com/' } }), 400, 'service.call_callback_uri', 'call callback');
      expectField(await post({ type: 'new', criteria: {}, service: { type: 'voicemail', notifications: [{ channel: 'email', to: 'not-an-address', statuses: ['missed'] }] } }), 400, 'service.notifications[0].to', 'email');
      expectField(await post({ type: 'new', criteria: {}, service: { type: 'voicemail', notifications: [{ channel: 'sms', to: '12', statuses: ['missed'] }] } }), 400, 'service.notifications[0].to', 'sms to');
      expectField(await get('/telco/v1/numbers?area=02'), 400, 'area', 'listing area without country');
      expectField(await get('/telco/v1/numbers?contains=x'), 400, 'contains', 'listing contains');
      expectField(await get('/telco/v1/services?number=abc'), 400, 'number', 'services number');
      expectField(await t.server.inject({ method: 'POST', url: '/telco/v1/numbers/not-a-number/recycle', headers: { authorization: auth } }), 400, 'number', 'recycle number');
    });

    it('names a bad cursor on every listing', async () => {
      for (const url of ['/telco/v1/numbers', '/telco/v1/requests', '/telco/v1/services']) {
        for (const cursor of ['garbage', Buffer.from('x|y').toString('base64url'), Buffer.from('DROP TABLE').toString('base64url')]) {
          expectField(await get(`${url}?cursor=${cursor}`), 400, 'cursor', `${url} ${cursor}`);
        }
      }
    });

    it('pages listings with next_cursor without repeating or skipping', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await get(`/telco/v1/numbers?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(res.statusCode, 200, res.body);
        seen.push(...res.json().numbers.map((n: { number: string }) => n.number));
        cursor = res.json().next_cursor;
      } while (cursor);
      assert.deepEqual(seen, sydneyNumbers(5).slice(1));
    });

    it('answers unknown service and request ids with 404', async () => {
      for (const url of ['/telco/v1/services/svc_00000000000000000000zz', '/telco/v1/requests/req_00000000000000000000zz', '/telco/v1/services/whatever']) {
        const res = await get(url);
        assert.equal(res.statusCode, 404, `${url}: ${res.body}`);
        assert.equal(res.json().code, 'not_found');
        assert.ok(res.json().requestId);
      }
      const res = await post({ type: 'update', service_id: 'svc_missing', service: { name: 'x' } });
      assert.equal(res.statusCode, 404);
    });

    it('never answers 500 to a battery of odd inputs', async () => {
      const odd = [
        { type: 'new', criteria: { country: 'ZZ', area: '02' }, service: { type: 'voicemail' } },
        { type: 'new', number: '+'.repeat(40), service: { type: 'voicemail' } },
        { type: 'new', criteria: { contains: '0'.repeat(15) }, service: { type: 'voicemail', name: 'x'.repeat(256) } },
        { type: 'new', criteria: {}, service: { type: 'voicemail', name: null, custom_id: 5 } },
        { type: 'new', criteria: {}, service: { type: 'voicemail', notifications: 'all' } },
        { type: 'update', service_id: { $ne: null }, service: { name: 'x' } },
        { type: 'update', service_id: 'x'.repeat(65), service: { name: 'x' } },
        { type: 'new', client_id: -1, criteria: {}, service: { type: 'voicemail' } },
        { type: 'new', client_id: '7201', criteria: {}, service: { type: 'voicemail' } },
      ];
      for (const body of odd) {
        const res = await post(body);
        assert.ok(res.statusCode >= 400 && res.statusCode < 500 ? true : res.statusCode === 202, `${JSON.stringify(body).slice(0, 80)}: ${res.statusCode} ${res.body}`);
        assert.notEqual(res.statusCode, 500);
        if (res.statusCode >= 400) assert.ok(res.json().detail, 'a 4xx carries a detail');
      }
    });
  });
}
