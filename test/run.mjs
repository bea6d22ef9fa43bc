// Lists every test file and runs them with node:test (on Node 20 a folder or a quoted glob finds no .ts file).
// Usage: node test/run.mjs [path-filter …]   e.g. node test/run.mjs telco   runs the files whose path contains "telco".
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const roots = ['src', 'web', 'test/integration', 'test/e2e'];
const files = [];
const walk = (dir) => {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.test.ts')) files.push(p);
  }
};
roots.forEach(walk);
const filters = process.argv.slice(2);
const selected = files.sort().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (selected.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
console.log(`Running ${selected.length} test files${process.env.TT_TEST_POSTGRES_URL ? ' (SQLite and PostgreSQL)' : ' (SQLite; PostgreSQL runs skipped: TT_TEST_POSTGRES_URL is not set)'}`);
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-timeout=600000', ...selected], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
