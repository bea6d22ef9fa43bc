// Child process of bench/dni-lease.bench.ts: a real Telltale server (SQLite, or PostgreSQL with BENCH_DATABASE_URL)
// with a tracking code whose pool has BENCH_POOL numbers, and a bare Fastify route that parses the same text/plain JSON
// body and answers a fixed JSON. Prints {"telltale":port,"bare":port,"code":N}.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import pino from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { createApp } from '../../src/app.ts';
import { buildServer } from '../../src/http/server.ts';
import { CLI_ACTOR } from '../../src/services/accounts/audit.service.ts';

const POOL = Number(process.env.BENCH_POOL ?? 100);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-bench-dni-'));
const config = loadConfig({ TT_DATA_DIR: dataDir, TT_DATABASE_URL: process.env.BENCH_DATABASE_URL ?? '', TT_PORT: '0', TT_LOG_LEVEL: 'silent', TT_DEMO: '0' });
const app = await createApp(config, { log: pino({ level: 'silent' }) });
const server = await buildServer(app);
await app.accounts.createAccount({ clientId: 9011, name: 'Bench' });
const numbers = Array.from({ length: POOL }, (_, i) => `+6129100${String(i).padStart(4, '0')}`);
await app.inventory.importNumbers(numbers.map((number, i) => ({ line: i + 2, number })));
const ids: string[] = [];
for (const number of numbers) ids.push((await app.telco.createRequest({ userId: 'bench', clientId: 9011 }, { type: 'new', number, service: { type: 'voicemail' } })).service_id!);
await app.worker.drain();
const code = await app.dniCodes.create(9011, { name: 'Bench', replace: ['0401020304'], pool: ids }, CLI_ACTOR);
await server.listen({ host: '127.0.0.1', port: 0 });

const bare = Fastify({ logger: false });
bare.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => {
  try {
    done(null, JSON.parse(body as string));
  } catch (err) {
    done(err as Error, undefined);
  }
});
bare.post('/visit', async (request, reply) => {
  const b = request.body as { visitor_id?: string | null };
  reply.header('access-control-allow-origin', String(request.headers.origin ?? '*'));
  return { visitor_id: b.visitor_id ?? 'v_new', tracking_code: 1, is_default: false, number: '0291000000', e164: '+61291000000', text: '02 9100 0000', replace: ['+61401020304'], heartbeat_seconds: 60, cookie_days: 90, lease_expires_at: null };
});
await bare.listen({ host: '127.0.0.1', port: 0 });

const port = (s: { server: { address(): unknown } }) => (s.server.address() as { port: number }).port;
console.log(JSON.stringify({ telltale: port(server), bare: port(bare), code: code.tracking_code }));
process.on('SIGTERM', async () => {
  const visits = await app.storage.db.selectFrom('dni_visits').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  console.error(`visits recorded: ${Number(visits.n)}`);
  await bare.close();
  await server.close();
  await app.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
});
