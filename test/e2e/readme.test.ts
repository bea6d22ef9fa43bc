import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The ```sh blocks of the README's "## First steps" section (up to the next heading), whatever they hold, in order. */
export function firstStepsBlock(readme: string): string {
  const start = readme.indexOf('\n## First steps');
  assert.ok(start >= 0, 'README has a "## First steps" section');
  const rest = readme.slice(start + 1);
  const next = rest.slice(3).search(/\n## /);
  const section = next < 0 ? rest : rest.slice(0, next + 3);
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)\n```/g)].map((m) => m[1]);
  assert.ok(blocks.length > 0, 'the First steps section has a ```sh block');
  // A reader pastes the blocks one after the other into the same shell.
  return blocks.join('\n');
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

const port8080Free = await portFree(8080);

describe('README walkthrough', () => {
  it(
    'runs the first-steps block verbatim against `serve` on a fresh data folder: exit 0, a completed request and a live service',
    { skip: port8080Free ? false : 'port 8080 is taken on this machine; the README walkthrough needs it' },
    async (t) => {
      const block = firstStepsBlock(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
      const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-readme-'));
      // A project folder with a fresh ./data: the code is linked in, so `npx telltale …` in the block works as in a clone.
      for (const entry of ['package.json', 'bin', 'src', 'web', 'node_modules']) fs.symlinkSync(path.join(ROOT, entry), path.join(cwd, entry));
      // The newcomer's environment: no TT_* settings, no test-runner context.
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TT_') && k !== 'NODE_TEST_CONTEXT'));
      const server = spawn(process.execPath, [path.join(ROOT, 'bin/telltale.mjs'), 'serve'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let serverOut = '';
      server.stdout.on('data', (d) => (serverOut += d));
      server.stderr.on('data', (d) => (serverOut += d));
      const serverExit = new Promise((resolve) => server.once('exit', resolve));
      try {
        const result = await new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
          const sh = spawn('bash', ['-e', '-o', 'pipefail', '-c', block], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          let err = '';
          sh.stdout.on('data', (d) => (out += d));
          sh.stderr.on('data', (d) => (err += d));
          sh.on('error', reject);
          sh.on('exit', (code) => resolve({ code, out, err }));
        });
        t.diagnostic(result.out.slice(0, 2000));
        assert.equal(result.code, 0, `the block failed:\n${result.err}\n--- stdout\n${result.out}\n--- server\n${serverOut}`);
        assert.match(result.out, /"status":"completed"/, 'a request was polled as completed');
        assert.match(result.out, /"status":"live"/, 'a live service was shown');
        assert.match(result.out, /"kind":"event"[^]*"status":"delivered"/, 'a subscription event was delivered');
        assert.match(result.out, /"direction":"call-out"/, 'a click-to-call was tracked as a call-out');
        assert.match(result.out, /"outbound_status":"agent_no_answer","call_id":null/, 'a click-to-call whose agent did not answer ended without a call record');
        assert.match(result.out, /"status":"agent_no_answer"[^\n]*"ended_at":"\d{4}-/, 'GET shows the ended attempt');
        assert.match(result.out, /"is_default":false/, 'the DNI visit was shown a pool number');
        assert.match(result.out, /"dni":\{"tracking_code":\d+,"attribution":"lease".*"source":"google","medium":"cpc","campaign":"spring"/, 'the DNI call carries the visit');
        assert.match(result.out, /Call \d+ \([^)]*\): Answered[^\n]*talk 40 s/, 'the call-centre caller talked to the agent');
        assert.match(result.out, /Call \d+ \([^)]*\): Abandoned/, 'the caller on hold gave up');
        assert.match(result.out, /"state":"paused"[^\n]*"pause_reason":"lunch"/, 'the real-time report shows the agent paused for lunch');
        const history = /"group":"queue"[^\n]*/.exec(result.out)?.[0] ?? '';
        for (const figure of ['"offered":2', '"answered":1', '"abandoned":1', '"abandoned_short":0']) assert.ok(history.includes(figure), `today’s queue history has ${figure} (both calls, the abandon a long one): ${history}`);
        assert.doesNotMatch(result.out, /"code":"(internal|unauthorized|validation_failed|not_found|conflict|forbidden)"/, 'no error body in the output');
        assert.ok(fs.existsSync(path.join(cwd, 'data/demo-credentials')), 'the demo credentials were written to ./data');
      } finally {
        server.kill('SIGTERM');
        await serverExit;
        fs.rmSync(cwd, { recursive: true, force: true });
      }
    },
  );
});
