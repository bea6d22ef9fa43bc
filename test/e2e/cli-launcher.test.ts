// bin/telltale.mjs bundles src/ into dist/telltale.mjs before running it. Run against a copy of the project (its own
// src/ and dist/, node_modules linked), so a fresh state and a source change can be made without disturbing the tests
// that run the real CLI at the same time.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function cli(project: string, args: string[], dataDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TT_') && k !== 'NODE_TEST_CONTEXT' && k !== 'NODE_OPTIONS'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(project, 'bin/telltale.mjs'), ...args], { env: { ...env, TT_DATA_DIR: dataDir, TT_LOG_LEVEL: 'warn', TT_DEMO: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('bin/telltale.mjs (bundled launcher)', () => {
  let project: string;
  let dataDir: string;
  const bundle = () => path.join(project, 'dist/telltale.mjs');

  before(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-launcher-'));
    dataDir = path.join(project, 'data');
    fs.mkdirSync(path.join(project, 'bin'));
    fs.copyFileSync(path.join(ROOT, 'bin/telltale.mjs'), path.join(project, 'bin/telltale.mjs'));
    fs.copyFileSync(path.join(ROOT, 'tsconfig.json'), path.join(project, 'tsconfig.json'));
    fs.cpSync(path.join(ROOT, 'src'), path.join(project, 'src'), { recursive: true, filter: (f) => !f.endsWith('.test.ts') });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(project, 'node_modules'), 'dir');
  });

  after(() => fs.rmSync(project, { recursive: true, force: true }));

  it('builds the bundle on first use, when several processes start at once', async () => {
    assert.equal(fs.existsSync(bundle()), false);
    const runs = await Promise.all([1, 2, 3].map(() => cli(project, ['--help'], dataDir)));
    for (const r of runs) {
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Usage: telltale <command>/);
    }
    assert.ok(fs.existsSync(bundle()));
    assert.ok(fs.existsSync(`${bundle()}.map`));
    // No temporary file is left behind.
    assert.deepEqual(fs.readdirSync(path.join(project, 'dist')).sort(), ['telltale.mjs', 'telltale.mjs.map']);
  });

  it('runs commands from the bundle without rebuilding it', async () => {
    const built = fs.statSync(bundle()).mtimeMs;
    const create = await cli(project, ['account', 'create', '--client-id', '6001', '--name', 'Launcher', '--json'], dataDir);
    assert.equal(create.code, 0, create.stderr);
    assert.equal(JSON.parse(create.stdout).name, 'Launcher');
    assert.equal(fs.statSync(bundle()).mtimeMs, built);
  });

  it('rebuilds after a source change, and runs the changed code', async () => {
    const main = path.join(project, 'src/main.ts');
    fs.appendFileSync(main, "\nconsole.error('launcher-test: rebuilt');\n");
    const r = await cli(project, ['account', 'show', '--client-id', '6001'], dataDir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /launcher-test: rebuilt/);
    assert.match(r.stdout, /Account 6001: Launcher/);
  });

  it('rebuilds after a source file is deleted', async () => {
    // A module nothing imports: the build still succeeds, and the deletion alone (a folder's mtime) marks it stale.
    const extra = path.join(project, 'src/domain/launcher-extra.ts');
    fs.writeFileSync(extra, 'export const x = 1;\n');
    assert.equal((await cli(project, ['--help'], dataDir)).code, 0);
    const built = fs.statSync(bundle()).mtimeMs;
    fs.rmSync(extra);
    assert.equal((await cli(project, ['--help'], dataDir)).code, 0);
    assert.ok(fs.statSync(bundle()).mtimeMs > built);
  });
});
