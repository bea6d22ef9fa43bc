import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type WorkerProcess = ChildProcess & { output: string[] };

/** A real `telltale work` process against the database named in `env`; its output is kept for failure messages. */
export function startWorkerProcess(env: Record<string, string>, name: string): WorkerProcess {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/telltale.mjs'), 'work'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as WorkerProcess;
  child.output = [];
  child.stdout!.on('data', (d) => child.output.push(`[${name}] ${d}`));
  child.stderr!.on('data', (d) => child.output.push(`[${name}] ${d}`));
  return child;
}

/** Ends a process this test started (SIGKILL) and resolves once it has exited. */
export function killProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Polls `cond` until it holds; throws after `timeoutMs` (a bound on waiting, not a timing assertion). */
export async function waitUntil(cond: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
