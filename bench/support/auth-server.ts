// Child process of bench/auth.bench.ts: a real Telltale server (SQLite, TT_* from the environment) with two accounts:
// `victim` (client 9101) whose call list is timed, and `mallory` (client 9102) whose password
// is attacked, and newcomer0…19 (client 9101) who sign in for the first time during the attack. Prints {"port":N} once listening; stops on SIGTERM.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { createApp } from '../../src/app.ts';
import { buildServer } from '../../src/http/server.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-bench-auth-'));
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('TT_')));
const config = loadConfig({ ...env, TT_DATA_DIR: dataDir, TT_PORT: '0', TT_LOG_LEVEL: 'silent', TT_DEMO: '0' });
const app = await createApp(config, { log: pino({ level: 'silent' }) });
const server = await buildServer(app);
await app.accounts.createAccount({ clientId: 9101, name: 'Victim' });
await app.accounts.createUser({ username: 'victim', password: 'victim-password', clientIds: [9101] });
await app.accounts.createAccount({ clientId: 9102, name: 'Mallory target' });
await app.accounts.createUser({ username: 'mallory', password: 'the-right-password', clientIds: [9102] });
// Users who sign in for the first time during the attack (their first request runs the KDF).
for (let i = 0; i < 20; i++) await app.accounts.createUser({ username: `newcomer${i}`, password: `newcomer-password-${i}`, clientIds: [9101] });
await server.listen({ host: '127.0.0.1', port: 0 });
console.log(JSON.stringify({ port: (server.server.address() as { port: number }).port }));
process.on('SIGTERM', async () => {
  await server.close();
  await app.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
});
