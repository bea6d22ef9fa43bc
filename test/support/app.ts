import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { createApp, type App, type AppOptions } from '../../src/app.ts';
import { buildServer } from '../../src/http/server.ts';
import type { DialectCase } from './dialects.ts';

export interface TestApp {
  app: App;
  server: FastifyInstance;
  config: Config;
  /** Base URL when started with listen: true. */
  url: string;
  close(): Promise<void>;
}

/** Builds a real app (real database of the dialect, real server) with test-friendly config; `env` overrides TT_* values. */
export async function buildTestApp(
  dialect: DialectCase,
  opts: AppOptions & { env?: Record<string, string>; listen?: boolean } = {},
): Promise<TestApp> {
  const db = await dialect.fresh();
  const config = loadConfig({
    TT_DATA_DIR: db.dataDir,
    TT_DATABASE_URL: db.databaseUrl ?? '',
    TT_PORT: '0',
    TT_LOG_LEVEL: 'silent',
    TT_WORKER_POLL_MS: '20',
    ...opts.env,
  });
  const app = await createApp(config, { log: pino({ level: 'silent' }), ...opts });
  const server = await buildServer(app);
  let url = '';
  if (opts.listen) {
    await server.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
  } else {
    await server.ready();
  }
  return {
    app,
    server,
    config,
    url,
    async close() {
      await server.close();
      await app.close();
      await db.drop();
    },
  };
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** Creates an account with one user; returns the Authorization header for it. */
export async function makeAccount(app: App, clientId: number, opts: { name?: string; timezone?: string; username?: string; password?: string } = {}) {
  await app.accounts.createAccount({ clientId, name: opts.name ?? `Account ${clientId}`, timezone: opts.timezone });
  const username = opts.username ?? `user${clientId}`;
  const password = opts.password ?? `password-${clientId}`;
  await app.accounts.createUser({ username, password, clientIds: [clientId] });
  return { clientId, username, password, auth: basic(username, password) };
}

/** Imports numbers (E.164 strings) into public stock or a private inventory. */
export async function stock(app: App, list: string[], opts: { privateFor?: number; cls?: string; sms?: boolean } = {}) {
  const result = await app.inventory.importNumbers(
    list.map((number, i) => ({ line: i + 2, number, class: opts.cls, sms: opts.sms === undefined ? undefined : String(opts.sms) })),
    { privateFor: opts.privateFor },
  );
  if (result.errors.length) throw new Error(`stock: ${JSON.stringify(result.errors)}`);
  return result;
}

/** n consecutive valid Sydney GEO numbers starting at +61 2 9100 0000 + offset. */
export function sydneyNumbers(n: number, offset = 0): string[] {
  return Array.from({ length: n }, (_, i) => `+6129100${String(offset + i).padStart(4, '0')}`);
}

/** n consecutive valid Australian mobile numbers. */
export function mobileNumbers(n: number, offset = 0): string[] {
  return Array.from({ length: n }, (_, i) => `+61412${String(100000 + offset + i)}`);
}
