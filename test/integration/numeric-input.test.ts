import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount, type TestApp } from '../support/app.ts';

/** The values a client can put in a numeric field that must be refused (4xx), never reach SQL (500). */
const BAD = ['Infinity', '-Infinity', '1e309', 'NaN', '1.5', '-1', '99999999999999999999', '0x10', '', ' 5', '1e3', '+7'];
/** The same, as raw JSON number literals (a JSON parser turns 1e309 into Infinity). */
const BAD_JSON_LITERALS = ['1e309', '-1e309', '1.5', '-1', '99999999999999999999'];

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  minimum?: number;
}
interface NumericField {
  method: string;
  path: string;
  in: 'query' | 'path' | 'body';
  /** Dotted for the body (`service.ring_timeout`), the name for query and path. */
  name: string;
  schema: Schema;
}

const isNumeric = (s: Schema) => {
  const t = Array.isArray(s.type) ? s.type : [s.type];
  return (t.includes('integer') || t.includes('number')) && !t.includes('string');
};

/** Every numeric body field, nested objects, unions and arrays included (an array element is `[0]`). */
function bodyFields(s: Schema | undefined, prefix: string, out: { name: string; schema: Schema }[]) {
  if (!s) return;
  if (isNumeric(s) && prefix) out.push({ name: prefix, schema: s });
  for (const b of [...(s.anyOf ?? []), ...(s.oneOf ?? [])]) bodyFields(b, prefix, out);
  for (const [k, v] of Object.entries(s.properties ?? {})) bodyFields(v, prefix ? `${prefix}.${k}` : k, out);
  if (s.items) bodyFields(s.items, `${prefix}[0]`, out);
}

/** Enumerated from the app's own OpenAPI document, so a new route or field is covered without touching this test. */
function numericFields(doc: { paths: Record<string, Record<string, { parameters?: { in: string; name: string; schema: Schema }[]; requestBody?: { content?: Record<string, { schema: Schema }> } }>> }) {
  const out: NumericField[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      for (const p of op.parameters ?? []) {
        if ((p.in === 'query' || p.in === 'path') && isNumeric(p.schema)) out.push({ method, path, in: p.in, name: p.name, schema: p.schema });
      }
      const found: { name: string; schema: Schema }[] = [];
      bodyFields(op.requestBody?.content?.['application/json']?.schema, '', found);
      for (const f of found) out.push({ method, path, in: 'body', ...f });
    }
  }
  return out;
}

/** A JSON text with `raw` (already JSON text) at the dotted path. */
function bodyWith(name: string, raw: string): string {
  const parts = name.replace(/\[0\]/g, '.[0]').split('.');
  let text = raw;
  for (let i = parts.length - 1; i >= 0; i--) text = parts[i] === '[0]' ? `[${text}]` : `{${JSON.stringify(parts[i])}:${text}}`;
  return text;
}

for (const dialect of DIALECTS) {
  describe(`Every numeric parameter of every route refuses non-numbers, non-finite and out-of-range values with a 4xx (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let auth: string;
    let fields: NumericField[];

    before(async () => {
      t = await buildTestApp(dialect, { env: { TT_WEBAPI_RATE_LIMIT: '100000' } });
      auth = (await makeAccount(t.app, 7301)).auth;
      fields = numericFields((await t.server.inject({ url: '/openapi.json' })).json());
    });
    after(async () => t?.close());

    it('finds the numeric fields of the Telco API, WebAPI, delivery log and sandbox in the OpenAPI document', () => {
      const names = new Set(fields.map((f) => `${f.method.toUpperCase()} ${f.path} ${f.in}:${f.name}`));
      for (const expected of [
        'GET /telco/v1/numbers query:limit',
        'GET /telco/v1/services query:limit',
        'GET /telco/v1/requests query:limit',
        'GET /webapi/v1/deliveries query:limit',
        'GET /webapi/v1/deliveries query:call_id',
        'GET /webapi/v1/calls query:limit',
        'GET /webapi/v1/calls/{id} path:id',
        'POST /telco/v1/requests body:service.ring_timeout',
        'POST /telco/v1/requests body:client_id',
        'POST /sandbox/v1/calls body:answer_after',
      ]) {
        assert.ok(names.has(expected), `${expected} is among ${[...names].join(', ')}`);
      }
      for (const f of fields) {
        if (f.in !== 'body' || f.name !== 'client_id') assert.ok(f.schema.minimum !== undefined, `${f.method} ${f.path} ${f.name} has a minimum`);
        assert.ok((f.schema as { maximum?: number }).maximum !== undefined, `${f.method} ${f.path} ${f.name} has a maximum`);
      }
    });

    it('answers 4xx naming the field (never 500, never 2xx) for each bad value in each numeric field', async () => {
      const failures: string[] = [];
      for (const f of fields) {
        const attempts: { label: string; url: string; payload?: string }[] = [];
        const fill = (path: string, own?: string) =>
          path.replace(/\{([^}]+)\}/g, (_m, p: string) => (p === f.name && f.in === 'path' ? encodeURIComponent(own!) : (p === 'id' && /calls/.test(path)) || p === 'tracking_code' ? '1' : 'x'));
        for (const v of BAD) {
          if (f.in === 'query') attempts.push({ label: `${f.name}=${JSON.stringify(v)}`, url: `${fill(f.path)}?${f.name}=${encodeURIComponent(v)}` });
          else if (f.in === 'path') {
            if (v === '') continue; // an empty path segment is another route
            attempts.push({ label: `path ${JSON.stringify(v)}`, url: fill(f.path, v) });
          } else attempts.push({ label: `body ${f.name}: ${JSON.stringify(v)}`, url: fill(f.path), payload: bodyWith(f.name, JSON.stringify(v)) });
        }
        if (f.in === 'body') for (const lit of BAD_JSON_LITERALS) attempts.push({ label: `body ${f.name}: ${lit}`, url: fill(f.path), payload: bodyWith(f.name, lit) });
        for (const a of attempts) {
          const res = await t.server.inject({
            method: f.method.toUpperCase() as 'GET',
            url: a.url,
            headers: { authorization: auth, ...(a.payload !== undefined ? { 'content-type': 'application/json' } : {}) },
            ...(a.payload !== undefined ? { payload: a.payload } : {}),
          });
          const where = `${f.method.toUpperCase()} ${f.path} ${a.label}: ${res.statusCode} ${res.body.slice(0, 200)}`;
          if (res.statusCode < 400 || res.statusCode >= 500) {
            failures.push(where);
            continue;
          }
          if (res.statusCode === 400) {
            const paths = ((res.json() as { errors?: { path: string }[] }).errors ?? []).map((e) => e.path);
            if (!paths.includes(f.name)) failures.push(`${where} (errors[].path should name ${f.name})`);
          }
        }
      }
      assert.deepEqual(failures, []);
    });

    it('still accepts plain decimal numbers, also as JSON strings', async () => {
      for (const url of ['/telco/v1/numbers?limit=5', '/telco/v1/services?limit=1000', '/telco/v1/requests?limit=1&client_id=7301', '/webapi/v1/deliveries?limit=500&call_id=12', '/webapi/v1/calls?limit=0010']) {
        const res = await t.server.inject({ url, headers: { authorization: auth } });
        assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
      }
    });

    it('refuses non-decimal numbers on the legacy JSON API (its numbers are text) with a 4xx {error}', async () => {
      const failures: string[] = [];
      for (const [action, name] of [
        ['getCDR', 'limit'],
        ['getCDR', 'last_id'],
        ['getCDR', 'client_id'],
        ['getAudio', 'call_id'],
      ]) {
        for (const v of BAD.filter((x) => x !== '')) {
          const res = await t.server.inject({ url: `/JSON?action=${action}&${name === 'client_id' ? '' : 'client_id=7301&'}${name}=${encodeURIComponent(v)}`, headers: { authorization: auth } });
          if (res.statusCode < 400 || res.statusCode >= 500 || !res.json().error) failures.push(`${action} ${name}=${JSON.stringify(v)}: ${res.statusCode} ${res.body.slice(0, 160)}`);
        }
      }
      assert.deepEqual(failures, []);
    });
  });
}
