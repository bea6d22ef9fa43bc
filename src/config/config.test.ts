import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from './config.ts';

const exampleFile = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../config.example.env');

describe('config', () => {
  it('gives the documented defaults with an empty environment', () => {
    const c = loadConfig({});
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 8080);
    assert.equal(c.dataDir, path.resolve('./data'));
    assert.equal(c.databaseUrl, null);
    assert.equal(c.publicUrl, 'http://127.0.0.1:8080');
    assert.equal(c.mode, 'sandbox');
    assert.equal(c.demo, true);
    assert.equal(c.propagationDelaySeconds, 0);
    assert.equal(c.allowPrivateUrls, true);
    assert.deepEqual(c.deliveryRetrySchedule, [0, 5, 300, 1800, 7200, 18000, 36000, 36000]);
  });

  it('defaults to a 420 s propagation delay and no private callback URLs in production', () => {
    const c = loadConfig({ TT_MODE: 'production' });
    assert.equal(c.propagationDelaySeconds, 420);
    assert.equal(c.allowPrivateUrls, false);
  });

  it('lists every problem at once', () => {
    let err: unknown;
    try {
      loadConfig({ TT_PORT: 'abc', TT_MODE: 'prod', TT_LOG_LEVEL: 'loud', TT_DATABASE_URL: 'mysql://x', TT_PUBLIC_URL: 'ftp://x', TT_QUARANTINE_DAYS: '10', TT_DEMO: 'maybe', TT_DELIVERY_RETRY_SCHEDULE: '1,x', TT_BOGUS: '1' });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof ConfigError);
    const names = err.problems.map((p) => p.split(':')[0]).sort();
    assert.deepEqual(names, ['TT_BOGUS', 'TT_DATABASE_URL', 'TT_DELIVERY_RETRY_SCHEDULE', 'TT_DEMO', 'TT_LOG_LEVEL', 'TT_MODE', 'TT_PORT', 'TT_PUBLIC_URL', 'TT_QUARANTINE_DAYS']);
    for (const n of names) assert.ok(err.message.includes(n), n);
  });

  it('ignores TT_TEST_* variables (test settings, not Telltale configuration)', () => {
    assert.doesNotThrow(() => loadConfig({ TT_TEST_POSTGRES_URL: 'postgres://x' }));
  });

  it('keeps config.example.env in step with CONFIG_VARIABLES: same variables, defaults and doc lines, in order', () => {
    const lines = fs.readFileSync(exampleFile, 'utf8').split('\n');
    const entries: { name: string; value: string; doc: string }[] = [];
    lines.forEach((line, i) => {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
      if (m) entries.push({ name: m[1], value: m[2], doc: (lines[i - 1] ?? '').replace(/^#\s?/, '') });
    });
    assert.deepEqual(entries.map((e) => e.name), Object.keys(CONFIG_VARIABLES));
    for (const e of entries) {
      const v = CONFIG_VARIABLES[e.name as keyof typeof CONFIG_VARIABLES];
      assert.equal(e.value, v.default, `${e.name} default`);
      assert.equal(e.doc, v.doc, `${e.name} doc line`);
    }
  });
});
