import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, basic, makeAccount, type TestApp } from '../support/app.ts';

type Doc = { paths: Record<string, Record<string, { requestBody?: unknown }>> };

for (const dialect of DIALECTS) {
  describe(`HTTP hardening: one answer to a wrong content type, security headers, /docs CSP (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let auth: string;
    let feedUrl: string;

    before(async () => {
      t = await buildTestApp(dialect);
      auth = (await makeAccount(t.app, 7401)).auth;
      const feed = await t.server.inject({ method: 'POST', url: '/webapi/v1/feeds', headers: { authorization: auth }, payload: { auth: 'basic', username: 'feeds', password: 'feed-password-1' } });
      assert.equal(feed.statusCode, 201, feed.body);
      feedUrl = `/feeds/${feed.json().id}`;
    });
    after(async () => t?.close());

    it('answers 415 unsupported_media_type naming application/json on every JSON route that takes a body, whatever the content type', async () => {
      const doc = (await t.server.inject({ url: '/openapi.json' })).json() as Doc;
      const routes: [string, string][] = [];
      for (const [path, ops] of Object.entries(doc.paths)) {
        if (path.startsWith('/carrier/') || path.startsWith('/JSON')) continue; // form-encoded webhooks; the legacy API ignores bodies
        for (const method of Object.keys(ops)) if (['post', 'put', 'patch', 'delete'].includes(method)) routes.push([method.toUpperCase(), path.replace(/\{[^}]+\}/g, 'x')]);
      }
      for (const expected of ['POST /telco/v1/requests', 'POST /webapi/v1/feeds', 'POST /sandbox/v1/calls', 'POST /sandbox/v1/sms']) {
        assert.ok(routes.some(([m, p]) => `${m} ${p}` === expected), `${expected} is walked`);
      }
      const failures: string[] = [];
      for (const [method, url] of routes) {
        for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/xml', 'application/x-www-form-urlencoded']) {
          // The DNI website script posts JSON as text/plain (a CORS simple request): those two routes take it on purpose.
          if (url.startsWith('/dni/v1/') && type.startsWith('text/plain')) continue;
          const res = await t.server.inject({ method: method as 'POST', url, headers: { authorization: auth, 'content-type': type }, payload: '{"type":"new"}' });
          const body = res.headers['content-type']?.toString().includes('json') ? res.json() : {};
          if (res.statusCode !== 415 || body.code !== 'unsupported_media_type' || !/application\/json/.test(body.detail)) failures.push(`${method} ${url} (${type}): ${res.statusCode} ${res.body.slice(0, 160)}`);
        }
      }
      assert.deepEqual(failures, []);
    });

    it('sends X-Content-Type-Options: nosniff on every answer, and Cache-Control: no-store on authenticated JSON, XML and CSV', async () => {
      const cases: { url: string; headers?: Record<string, string>; status: number; store: boolean }[] = [
        { url: '/telco/v1/numbers', headers: { authorization: auth }, status: 200, store: false },
        { url: '/webapi/v1/calls', headers: { authorization: auth }, status: 200, store: false },
        { url: '/webapi/v1/calls?format=xml', headers: { authorization: auth }, status: 200, store: false },
        { url: '/webapi/v1/deliveries', headers: { authorization: auth }, status: 200, store: false },
        { url: `${feedUrl}/latest.csv`, headers: { authorization: basic('feeds', 'feed-password-1') }, status: 200, store: false },
        { url: `${feedUrl}/latest.json`, headers: { authorization: basic('feeds', 'feed-password-1') }, status: 200, store: false },
        { url: '/JSON?action=getCDR&client_id=7401', headers: { authorization: auth }, status: 200, store: false },
        { url: '/telco/v1/numbers', status: 401, store: false },
        { url: '/telco/v1/nope', headers: { authorization: auth }, status: 404, store: false },
        { url: '/healthz', status: 200, store: false },
        { url: '/openapi.json', status: 200, store: true },
      ];
      for (const c of cases) {
        const res = await t.server.inject({ url: c.url, headers: c.headers });
        assert.equal(res.statusCode, c.status, `${c.url}: ${res.body.slice(0, 200)}`);
        assert.equal(res.headers['x-content-type-options'], 'nosniff', `${c.url} nosniff`);
        if (!c.store) assert.match(String(res.headers['cache-control']), /no-store/, `${c.url} no-store`);
      }
      const csv = await t.server.inject({ url: `${feedUrl}/latest.csv`, headers: { authorization: basic('feeds', 'feed-password-1') } });
      assert.match(String(csv.headers['content-type']), /text\/csv/);
      assert.ok(csv.headers.etag, 'feeds keep their ETag for conditional requests');
    });

    it('serves /docs with X-Frame-Options: DENY and a CSP that allows exactly the bundled, same-origin Swagger UI files', async () => {
      const page = await t.server.inject({ url: '/docs/' });
      assert.equal(page.statusCode, 200);
      assert.equal(page.headers['x-frame-options'], 'DENY');
      assert.equal(page.headers['x-content-type-options'], 'nosniff');
      const csp = String(page.headers['content-security-policy']);
      const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name, values]));
      assert.deepEqual(directives.get('script-src'), ["'self'"], csp);
      assert.deepEqual(directives.get('default-src'), ["'none'"], csp);
      assert.deepEqual(directives.get('frame-ancestors'), ["'none'"], csp);
      assert.ok(directives.get('connect-src')?.includes("'self'"), 'the UI may fetch the OpenAPI document');
      assert.ok(directives.get('style-src')?.includes("'self'"), csp);
      // No inline script (script-src has no 'unsafe-inline'), and every script and stylesheet is a same-origin file that loads.
      assert.doesNotMatch(page.body, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline <script>');
      const refs = [...page.body.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
      assert.ok(refs.some((r) => r.endsWith('swagger-ui-bundle.js')) && refs.some((r) => r.endsWith('swagger-ui.css')), refs.join(', '));
      for (const ref of refs) {
        assert.doesNotMatch(ref, /^(https?:)?\/\//, `${ref} is same-origin`);
        const res = await t.server.inject({ url: new URL(ref, 'http://x/docs/').pathname });
        assert.equal(res.statusCode, 200, ref);
        assert.equal(res.headers['x-content-type-options'], 'nosniff', ref);
      }
      const init = await t.server.inject({ url: '/docs/static/swagger-initializer.js' });
      assert.match(init.body, /resolveUrl\('\.\/json'\)/, 'the UI loads its document from /docs/json (same origin)');
      assert.equal((await t.server.inject({ url: '/docs/json' })).statusCode, 200);
    });

    it('leaves /metrics open in sandbox mode without TT_METRICS_TOKEN', async () => {
      const res = await t.server.inject({ url: '/metrics' });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /telltale_http_request_duration_seconds/);
    });
  });

  describe(`/metrics access: token or nothing in production (${dialect.name})`, { skip: dialect.skip }, () => {
    it('answers 404 in production without TT_METRICS_TOKEN', async () => {
      const t = await buildTestApp(dialect, { env: { TT_MODE: 'production' } });
      try {
        const res = await t.server.inject({ url: '/metrics' });
        assert.equal(res.statusCode, 404, res.body);
        assert.doesNotMatch(res.body, /telltale_/);
      } finally {
        await t.close();
      }
    });

    for (const mode of ['production', 'sandbox']) {
      it(`requires Authorization: Bearer TT_METRICS_TOKEN when it is set (${mode})`, async () => {
        const t = await buildTestApp(dialect, { env: { TT_MODE: mode, TT_METRICS_TOKEN: 'metrics-token-0123456789' } });
        try {
          for (const authorization of [undefined, 'Bearer wrong', 'Bearer metrics-token-012345678', basic('metrics', 'metrics-token-0123456789'), 'metrics-token-0123456789']) {
            const res = await t.server.inject({ url: '/metrics', headers: authorization ? { authorization } : {} });
            assert.equal(res.statusCode, 401, `${authorization}: ${res.body.slice(0, 100)}`);
            assert.match(String(res.headers['www-authenticate']), /^Bearer/);
            assert.doesNotMatch(res.body, /telltale_/);
          }
          const ok = await t.server.inject({ url: '/metrics', headers: { authorization: 'Bearer metrics-token-0123456789' } });
          assert.equal(ok.statusCode, 200);
          assert.match(ok.body, /telltale_process_cpu_user_seconds_total/);
        } finally {
          await t.close();
        }
      });
    }
  });
}
