import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { CLI_ACTOR } from '../../src/services/accounts/audit.service.ts';
import { ScriptSource, etagMatches } from '../../src/http/routes/dni/dni-script.routes.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

for (const dialect of DIALECTS) {
  describe(`GET /aa.js, the website script (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(dialect);
    });
    after(async () => t?.close());

    it('serves the minified script as JavaScript, cacheable by anyone, with an ETag and CORS for every origin', async () => {
      const res = await t.server.inject({ url: '/aa.js' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'text/javascript; charset=utf-8');
      assert.equal(res.headers['cache-control'], 'public, max-age=300', 'no no-store on the public script');
      assert.equal(res.headers['access-control-allow-origin'], '*');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.match(String(res.headers.etag), /^"[\w-]{22}"$/);
      assert.match(res.body, /AvanserCore/);
      assert.match(res.body, /\/dni\/v1\/visit/);
      assert.ok(!res.body.includes('\n\n'), 'minified');
      assert.ok(!/\bimport\b|\bexport\b/.test(res.body), 'one self-contained script, no modules');
      // Its own query string (an old loader's cache-buster) serves the same.
      const busted = await t.server.inject({ url: '/aa.js?t=1700000000' });
      assert.equal(busted.statusCode, 200);
      assert.equal(busted.headers['cache-control'], 'public, max-age=300');
      assert.equal(busted.body, res.body);
    });

    it('answers If-None-Match with 304 and no body; another tag gets the script', async () => {
      const first = await t.server.inject({ url: '/aa.js' });
      const etag = String(first.headers.etag);
      const again = await t.server.inject({ url: '/aa.js', headers: { 'if-none-match': etag } });
      assert.equal(again.statusCode, 304);
      assert.equal(again.body, '');
      assert.equal(again.headers.etag, etag);
      assert.equal(again.headers['cache-control'], 'public, max-age=300');
      const listed = await t.server.inject({ url: '/aa.js', headers: { 'if-none-match': `"other", W/${etag}` } });
      assert.equal(listed.statusCode, 304);
      const other = await t.server.inject({ url: '/aa.js', headers: { 'if-none-match': '"other"' } });
      assert.equal(other.statusCode, 200);
      assert.equal(other.body, first.body);
    });

    it('is sent gzip-compressed to clients that accept it, within the 10 KB budget', async () => {
      const plain = await t.server.inject({ url: '/aa.js' });
      const gz = await t.server.inject({ url: '/aa.js', headers: { 'accept-encoding': 'gzip, deflate, br' } });
      assert.equal(gz.statusCode, 200);
      assert.equal(gz.headers['content-encoding'], 'gzip');
      assert.equal(gz.headers.vary, 'accept-encoding');
      assert.equal(zlib.gunzipSync(gz.rawPayload).toString(), plain.body);
      assert.ok(gz.rawPayload.length <= 10 * 1024, `gzipped ${gz.rawPayload.length} bytes`);
    });

    it('the demo page: the tracking code’s business number in several forms, the loader under a nonce CSP; 400 naming a missing field, 404 for another account’s code', async () => {
      await makeAccount(t.app, 7201);
      await makeAccount(t.app, 7202);
      const code = (await t.app.dniCodes.create(7201, { name: 'Harbour <Plumbing>', replace: ['+61401020304'] }, CLI_ACTOR)).tracking_code;
      const res = await t.server.inject({ url: `/sandbox/dni-demo?tracking_code=${code}&client_id=7201` });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
      assert.match(String(res.headers['cache-control']), /no-store/);
      const csp = String(res.headers['content-security-policy']);
      const nonce = /'nonce-([^']+)'/.exec(csp)![1];
      assert.equal(csp, `default-src 'none'; script-src 'nonce-${nonce}' 'self'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`);
      const scripts = [...res.body.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
      assert.deepEqual(scripts, [` nonce="${nonce}"`], 'one inline script, with the nonce');
      for (const form of ['0401020304', '0401 020 304', '(04) 0102 0304', '+61 401 020 304', '61401020304', 'href="tel:+61401020304"', 'href="tel://0401020304"']) assert.ok(res.body.includes(form), form);
      assert.match(res.body, new RegExp(`window.AvanserOptions = \\{"clientId":7201,"trackingCode":${code}\\}`));
      assert.match(res.body, /s\.src = location\.origin \+ '\/aa\.js'/);
      assert.match(res.body, /Harbour &#60;Plumbing&#62;/, 'the name is escaped');
      const other = await t.server.inject({ url: `/sandbox/dni-demo?tracking_code=${code}&client_id=7202` });
      assert.equal(other.statusCode, 404);
      assert.equal(other.json().code, 'not_found');
      const fresh = (await t.server.inject({ url: `/sandbox/dni-demo?tracking_code=${code}&client_id=7201` })).headers['content-security-policy'];
      assert.notEqual(fresh, csp, 'a new nonce per page');
      const missing = await t.server.inject({ url: `/sandbox/dni-demo?tracking_code=${code}` });
      assert.equal(missing.statusCode, 400);
      assert.match(missing.body, /client_id/);
      const bad = await t.server.inject({ url: '/sandbox/dni-demo?tracking_code=abc&client_id=7201' });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /tracking_code/);
      const unknown = await t.server.inject({ url: '/sandbox/dni-demo?tracking_code=424242&client_id=7201' });
      assert.equal(unknown.statusCode, 404);
    });
  });

  describe(`GET /aa.js in production mode (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp(dialect, { env: { TT_MODE: 'production', TT_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'), TT_TWILIO_AUTH_TOKEN: 'x', TT_TWILIO_ACCOUNT_SID: 'ACx' } });
    });
    after(async () => t?.close());

    it('serves the script, and has no demo page', async () => {
      assert.equal((await t.server.inject({ url: '/aa.js' })).statusCode, 200);
      assert.equal((await t.server.inject({ url: '/sandbox/dni-demo?tracking_code=1&client_id=1' })).statusCode, 404);
    });
  });
}

describe('the script bundle', () => {
  it('is rebuilt when a source changes, never served stale', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-aa-'));
    try {
      for (const f of fs.readdirSync(path.join(ROOT, 'web/aa'))) if (f.endsWith('.ts')) fs.copyFileSync(path.join(ROOT, 'web/aa', f), path.join(dir, f));
      const source = new ScriptSource(dir);
      const [a, b] = await Promise.all([source.get(), source.get()]);
      assert.equal(a, b, 'requests during a build share it');
      assert.equal(await source.get(), a, 'unchanged sources: the same bundle');
      fs.appendFileSync(path.join(dir, 'aa.ts'), '\nconsole.log("changed-source-marker");\n');
      const c = await source.get();
      assert.notEqual(c.etag, a.etag);
      assert.match(c.js.toString(), /changed-source-marker/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('etagMatches reads lists, weak tags and *', () => {
    assert.ok(etagMatches('"a"', '"a"'));
    assert.ok(etagMatches('"b", W/"a"', '"a"'));
    assert.ok(etagMatches('*', '"a"'));
    assert.ok(!etagMatches('"b"', '"a"'));
    assert.ok(!etagMatches(undefined, '"a"'));
  });

  it('type-checks for browsers (web/aa/tsconfig.json: DOM, no Node)', async () => {
    await promisify(execFile)(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'web/aa')], { cwd: ROOT });
  });
});
