import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, type TestApp } from '../support/app.ts';

for (const dialect of DIALECTS) {
  describe(`Operations endpoints (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(dialect);
    });
    after(async () => t?.close());

    it('answers /healthz without credentials', async () => {
      const res = await t.server.inject({ url: '/healthz' });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { status: 'ok' });
    });

    it('answers /readyz with the database dialect once the database answers', async () => {
      const res = await t.server.inject({ url: '/readyz' });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { status: 'ready', database: dialect.name });
    });

    it('serves Prometheus metrics, including HTTP request durations', async () => {
      await t.server.inject({ url: '/healthz' });
      const res = await t.server.inject({ url: '/metrics' });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /text\/plain/);
      assert.match(res.body, /^telltale_http_request_duration_seconds_bucket\{.*route="\/healthz".*\} \d+/m);
      assert.match(res.body, /telltale_process_cpu_user_seconds_total/);
    });

    it('publishes a valid OpenAPI 3 document with every Telco route, basicAuth and the error body', async () => {
      const res = await t.server.inject({ url: '/openapi.json' });
      assert.equal(res.statusCode, 200);
      const doc = res.json();
      assert.match(doc.openapi, /^3\./);
      assert.ok(doc.info.title && doc.info.version);
      assert.deepEqual(doc.components.securitySchemes.basicAuth, { type: 'http', scheme: 'basic' });
      const expected: [string, string][] = [
        ['/telco/v1/numbers', 'get'],
        ['/telco/v1/numbers/{number}/recycle', 'post'],
        ['/telco/v1/inventory', 'get'],
        ['/telco/v1/services', 'get'],
        ['/telco/v1/services/{id}', 'get'],
        ['/telco/v1/requests', 'post'],
        ['/telco/v1/requests', 'get'],
        ['/telco/v1/requests/{id}', 'get'],
      ];
      for (const [p, m] of expected) {
        const op = doc.paths[p]?.[m];
        assert.ok(op, `${m.toUpperCase()} ${p} is documented`);
        assert.ok(op.summary, `${m} ${p} has a summary`);
        assert.deepEqual(op.security, [{ basicAuth: [] }, { bearerAuth: [] }, { sessionCookie: [] }], `${m} ${p} takes basicAuth (and a session or API key)`);
        assert.ok(op.tags?.includes('Telco API'));
      }
      const post = doc.paths['/telco/v1/requests'].post;
      assert.ok(post.requestBody.content['application/json'].schema.properties.criteria);
      assert.ok(post.responses['202']);
      assert.ok(post.responses['401']?.content?.['application/json']?.schema?.properties?.errors, 'the error body is documented');
      for (const [p, ops] of Object.entries<Record<string, { responses?: object }>>(doc.paths)) {
        for (const [m, op] of Object.entries(ops)) assert.ok(op.responses, `${m} ${p} has responses`);
      }
    });

    it('serves the interactive docs at /docs', async () => {
      const res = await t.server.inject({ url: '/docs/' });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /swagger/i);
      const redirect = await t.server.inject({ url: '/docs' });
      // @fastify/swagger-ui serves the page at /docs too (no redirect), its assets linked absolutely: exactly 200.
      assert.equal(redirect.statusCode, 200);
      assert.match(redirect.body, /href="\/docs\/static\/swagger-ui\.css"/);
      assert.equal((await t.server.inject({ url: '/docs/static/swagger-ui.css' })).statusCode, 200);
    });

    it('answers an unknown route with a 404 JSON error body', async () => {
      for (const url of ['/nope', '/telco/v1/nope', '/telco/v2/numbers']) {
        const res = await t.server.inject({ url });
        assert.equal(res.statusCode, 404, url);
        assert.match(String(res.headers['content-type']), /application\/json/);
        const body = res.json();
        assert.equal(body.code, 'not_found');
        assert.match(body.detail, /no route GET/);
        assert.ok(body.requestId);
      }
    });
  });
}
