// The role matrix on every route of every API, from the served OpenAPI document: every operation that documents user
// sign-in declares a permission (`x-permission`, so a route added later cannot be forgotten); a read_only caller
// (HTTP Basic, and a read_only API key) gets 403 `forbidden` on every route whose permission read_only lacks — before
// its body is validated (bodies are `{}`) — and never that refusal on the others; an owner is never refused for a
// permission. The APIs with their own credentials (feeds, legacy /JSON, carrier webhooks) carry no permission. Also
// fail-closed: a route under the user hooks without a permission is refused, and one documenting user sign-in without
// one stops the server at startup.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { GOOD } from '../support/userapi.ts';
import { can, isPermission, PERMISSIONS, type Permission } from '../../src/domain/accounts/roles.ts';
import { authenticateUser, documentPermissions } from '../../src/http/auth.ts';
import { registerErrorHandler } from '../../src/http/error-handler.ts';

interface Operation {
  security?: Record<string, unknown>[];
  'x-permission'?: string;
  requestBody?: unknown;
  responses?: Record<string, { content?: Record<string, unknown> }>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
/** Dummy values for path parameters: a valid id shape for every API, so routes reach their permission check. */
const fill = (path: string) => path.replace(/\{[^}]+\}/g, '1');
const PERMISSION_REFUSAL = /^this needs the permission "/;

for (const dialect of DIALECTS) {
  describe(`Role matrix on every authenticated route (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let owner: Awaited<ReturnType<typeof makeAccount>>;
    let routes: { method: string; path: string; url: string; permission: Permission | undefined; hasBody: boolean; stream: boolean }[] = [];
    // An event stream never ends: it is injected as a stream, its status read and the stream dropped.
    const call = async (r: (typeof routes)[number], authorization: string) => {
      const res = await t.server.inject({ method: r.method as 'GET', url: r.url, headers: { authorization }, ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { payload: {} }), ...(r.stream ? { payloadAsStream: true } : {}) });
      if (r.stream && res.statusCode === 200) {
        res.stream().destroy();
        return { statusCode: res.statusCode, headers: res.headers, body: '', json: () => ({}) };
      }
      return res;
    };
    let readOnlyKey = '';

    before(async () => {
      t = await buildTestApp(dialect, { env: { TT_WEBAPI_RATE_LIMIT: '100000', TT_AUTH_FAIL_ADDRESS_LIMIT: '100000' } });
      owner = await makeAccount(t.app, 5001, { password: GOOD('owner') });
      await t.app.accounts.createUser({ username: 'reader', password: GOOD('reader'), clientIds: [5001], role: 'read_only' });
      const key = await t.server.inject({ method: 'POST', url: '/userapi/v1/api-keys', headers: { authorization: owner.auth }, payload: { name: 'reader key', role: 'read_only' } });
      assert.equal(key.statusCode, 201, key.body);
      readOnlyKey = key.json().key;
      const doc = (await t.server.inject({ url: '/openapi.json' })).json() as { paths: Record<string, Record<string, Operation>> };
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          if (!METHODS.includes(method)) continue;
          const signedIn = (op.security ?? []).some((s) => 'basicAuth' in s || 'bearerAuth' in s);
          if (!signedIn) continue;
          routes.push({ method: method.toUpperCase(), path, url: fill(path), permission: op['x-permission'] as Permission | undefined, hasBody: !!op.requestBody, stream: !!op.responses?.['200']?.content?.['text/event-stream'] });
        }
      }
      routes = routes.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
    });
    after(async () => t?.close());

    it('walks every API (Telco, WebAPI, deliveries, recordings, sandbox, UserAPI) and every such route declares a known permission', () => {
      assert.ok(routes.length >= 40, `walked ${routes.length} routes`);
      for (const prefix of ['/telco/v1/', '/webapi/v1/', '/userapi/v1/', '/recordings/', '/sandbox/v1/']) assert.ok(routes.some((r) => r.path.startsWith(prefix)), prefix);
      for (const r of routes) assert.ok(isPermission(r.permission), `${r.method} ${r.path} declares a permission (got ${r.permission})`);
      // Every permission but `account`-only ones is used somewhere; and the non-read ones exist to be refused.
      assert.ok(routes.some((r) => !can('read_only', r.permission!)), 'some routes are refused to read_only');
    });

    it('the APIs with their own credentials carry no user permission', async () => {
      const doc = (await t.server.inject({ url: '/openapi.json' })).json() as { paths: Record<string, Record<string, Operation>> };
      for (const [path, ops] of Object.entries(doc.paths)) {
        if (!(path.startsWith('/feeds/') || path === '/JSON' || path.startsWith('/carrier/'))) continue;
        for (const op of Object.values(ops)) assert.equal(op['x-permission'], undefined, path);
      }
    });

    for (const who of ['read_only user (Basic)', 'read_only API key (Bearer)']) {
      it(`${who}: 403 forbidden on every route read_only may not use, before validation; never refused for a permission elsewhere`, async () => {
        const authorization = who.includes('key') ? `Bearer ${readOnlyKey}` : basic('reader', GOOD('reader'));
        const table: string[] = [];
        for (const r of routes) {
          const res = await call(r, authorization);
          const body = res.headers['content-type']?.toString().includes('json') ? (res.json() as { code?: string; detail?: string }) : {};
          const refused = res.statusCode === 403 && body.code === 'forbidden' && PERMISSION_REFUSAL.test(body.detail ?? '');
          table.push(`${r.method} ${r.path} [${r.permission}] -> ${res.statusCode}`);
          if (can('read_only', r.permission!)) assert.ok(!refused && res.statusCode !== 403, `${r.method} ${r.path} (${r.permission}) is open to read_only: got ${res.statusCode} ${res.body}`);
          else assert.ok(refused, `${r.method} ${r.path} (${r.permission}) must answer 403 forbidden to read_only: got ${res.statusCode} ${res.body}`);
        }
        assert.equal(table.length, routes.length);
      });
    }

    it('owner: no route refuses an owner for a permission', async () => {
      for (const r of routes) {
        if (r.path === '/userapi/v1/session' && r.method === 'DELETE') continue;
        const res = await call(r, owner.auth);
        const body = res.headers['content-type']?.toString().includes('json') ? (res.json() as { detail?: string }) : {};
        assert.ok(!(res.statusCode === 403 && PERMISSION_REFUSAL.test(body.detail ?? '')), `${r.method} ${r.path}: ${res.body}`);
      }
    });

    it('fail closed: a route under the user hooks without a permission is refused (403); one documenting sign-in without one fails at startup', async () => {
      const bare = Fastify();
      registerErrorHandler(bare);
      bare.addHook('onRoute', documentPermissions);
      await bare.register(async (f) => {
        f.addHook('onRequest', authenticateUser(t.app.accounts));
        f.get('/undeclared', async () => ({ ok: true }));
      });
      const res = await bare.inject({ url: '/undeclared', headers: { authorization: owner.auth } });
      assert.equal(res.statusCode, 403);
      assert.match(res.json().detail, /declares no permission/);
      await bare.close();

      const strict = Fastify();
      strict.addHook('onRoute', documentPermissions);
      await assert.rejects(async () => {
        await strict.register(async (f) => {
          f.get('/forgotten', { schema: { security: [{ basicAuth: [] }] } }, async () => ({ ok: true }));
        });
        await strict.ready();
      }, /declares no config.permission/);
      await strict.close().catch(() => undefined);
    });

    it('the matrix itself: every permission is granted to owners; read_only has only self and read', () => {
      for (const p of PERMISSIONS) assert.ok(can('owner', p), p);
      assert.deepEqual(PERMISSIONS.filter((p) => can('read_only', p)), ['self', 'read']);
    });
  });
}
