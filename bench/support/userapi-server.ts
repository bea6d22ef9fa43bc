// Child process of bench/userapi-auth.bench.ts: a real Telltale server (SQLite, TT_* from the environment) with one
// account (9201), its user `bench`, BENCH_SIGNERS users `signer<i>` and 200 calls for the call-log page. Prints {"port":N} once listening; stops on SIGTERM.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { createApp } from '../../src/app.ts';
import { buildServer } from '../../src/http/server.ts';
import { insertReportCalls } from '../../test/support/report-factory.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-bench-userapi-'));
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('TT_')));
const config = loadConfig({ ...env, TT_DATA_DIR: dataDir, TT_PORT: '0', TT_LOG_LEVEL: 'silent', TT_DEMO: '0' });
const app = await createApp(config, { log: pino({ level: 'silent' }) });
const server = await buildServer(app);
await app.accounts.createAccount({ clientId: 9201, name: 'Bench' });
await app.accounts.createUser({ username: 'bench', password: 'Bench-password-1', clientIds: [9201] });
// Users who sign in once each, so every timed sign-in runs the KDF (a repeated sign-in would hit the 60 s success cache).
const signers = Number(process.env.BENCH_SIGNERS ?? 80);
for (let i = 0; i < signers; i++) await app.accounts.createUser({ username: `signer${i}`, password: `Signer-password-${i}`, clientIds: [9201] });
const start = Date.parse('2026-03-01T00:00:00.000Z');
await insertReportCalls(app, 9201, Array.from({ length: 200 }, (_, i) => ({ started_at: new Date(start + i * 600_000).toISOString() })));
await server.listen({ host: '127.0.0.1', port: 0 });
console.log(JSON.stringify({ port: (server.server.address() as { port: number }).port }));
process.on('SIGTERM', async () => {
  await server.close();
  await app.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
});
