import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { createApp, type App } from '../../src/app.ts';

/** The project folder, and the CLI as `npx telltale` runs it. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin/telltale.mjs');

/** The environment without any TT_* variable of the caller, plus the given ones. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  // NODE_TEST_CONTEXT would make the child behave as a test-runner child (it then ignores our SIGTERM handler).
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TT_') && k !== 'NODE_TEST_CONTEXT'));
  return { ...env, TT_LOG_LEVEL: 'warn', ...extra };
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; what it printed and its exit code. */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Opens the database a CLI run uses, in this process, to prepare it or to check what the CLI wrote. */
export async function withApp<T>(settings: Record<string, string>, fn: (app: App) => Promise<T>): Promise<T> {
  const app = await createApp(loadConfig({ TT_LOG_LEVEL: 'silent', ...settings }), { log: pino({ level: 'silent' }) });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

/** `telltale serve [args]` on a free port (several processes on one database); resolves its port once it listens. */
export function serveProcess(env: NodeJS.ProcessEnv, args: string[] = []): { child: ChildProcess; output: () => string; port: Promise<number> } {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: ROOT, env: { ...env, TT_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const port = new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /running on http:\/\/[^:]+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.stderr!.on('data', (d) => (out += d));
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
  port.catch(() => undefined);
  return { child, output: () => out, port };
}

/** Stops a process with SIGTERM and waits for its exit. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
