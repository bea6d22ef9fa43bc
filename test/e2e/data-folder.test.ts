import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { migrate, openStorage } from '../../src/storage/database.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/telltale.mjs');

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TT_') && k !== 'NODE_TEST_CONTEXT'));
  return { ...env, TT_LOG_LEVEL: 'warn', TT_PORT: '0', ...extra };
}

/** Runs `telltale serve`; if it starts after all, stops it (the test then fails on its exit code). */
function serve(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      if (/Telltale is running on/.test(stdout)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const mode = (f: string) => fs.statSync(f).mode & 0o777;

describe('the data folder', () => {
  it('serve on a data folder under a regular file exits non-zero with one line naming the folder and the cause', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-datadir-'));
    try {
      fs.writeFileSync(path.join(tmp, 'a-file'), 'in the way');
      const dataDir = path.join(tmp, 'a-file', 'data');
      const r = await serve(cleanEnv({ TT_DATA_DIR: dataDir }));
      assert.notEqual(r.code, 0, `exit code ${r.code}`);
      assert.notEqual(r.code, null);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
      assert.ok(lines[0].includes(dataDir), `names the folder: ${lines[0]}`);
      assert.match(lines[0], /not a folder/);
      assert.match(lines[0], /ENOTDIR/);
      assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
      assert.doesNotMatch(r.stdout, /Telltale is running/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('is created 0700, and the SQLite database with its -wal and -shm files 0600', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-datadir-'));
    const old = process.umask(0o022);
    try {
      const dataDir = path.join(tmp, 'new', 'data');
      const storage = openStorage({ databaseUrl: null, dataDir });
      try {
        await migrate(storage);
        await storage.tx((tx) => sql`create table tt_mode_probe (x integer)`.execute(tx));
        assert.equal(mode(dataDir), 0o700);
        for (const f of ['telltale.db', 'telltale.db-wal', 'telltale.db-shm']) assert.equal(mode(path.join(dataDir, f)).toString(8), '600', f);
      } finally {
        await storage.close();
      }
    } finally {
      process.umask(old);
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('narrows a database file an older version left 0644 to 0600', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-datadir-'));
    try {
      const first = openStorage({ databaseUrl: null, dataDir: tmp });
      await migrate(first);
      await first.close();
      fs.chmodSync(path.join(tmp, 'telltale.db'), 0o644);
      const again = openStorage({ databaseUrl: null, dataDir: tmp });
      await again.close();
      assert.equal(mode(path.join(tmp, 'telltale.db')).toString(8), '600');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
