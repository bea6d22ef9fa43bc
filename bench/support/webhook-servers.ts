// Child process of bench/carrier-webhook.bench.ts: a real Telltale server (SQLite) with a live transfer service, and a
// bare Fastify route that parses the same form and answers a fixed TwiML. Prints {"telltale":port,"bare":port}.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import pino from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { createApp } from '../../src/app.ts';
import { buildServer } from '../../src/http/server.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-bench-webhook-'));
const config = loadConfig({ TT_DATA_DIR: dataDir, TT_PORT: '0', TT_LOG_LEVEL: 'silent', TT_DEMO: '0', TT_PUBLIC_URL: process.env.BENCH_PUBLIC_URL, TT_TWILIO_AUTH_TOKEN: process.env.BENCH_TOKEN });
const app = await createApp(config, { log: pino({ level: 'silent' }) });
const server = await buildServer(app);
await app.accounts.createAccount({ clientId: 9002, name: 'Bench' });
await app.inventory.importNumbers([{ line: 2, number: process.env.BENCH_NUMBER! }]);
await app.telco.createRequest({ userId: 'bench', clientId: 9002 }, { type: 'new', number: process.env.BENCH_NUMBER!, service: { type: 'transfer', target_number: '+61299998888' } });
await app.worker.drain();
await server.listen({ host: '127.0.0.1', port: 0 });

const bare = Fastify({ logger: false });
bare.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
bare.post('/voice', async (request, reply) => {
  const p = new URLSearchParams(request.body as string);
  return reply.type('text/xml; charset=utf-8').send(`<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Number>${p.get('To')}</Number></Dial></Response>`);
});
await bare.listen({ host: '127.0.0.1', port: 0 });

const port = (s: { server: { address(): unknown } }) => (s.server.address() as { port: number }).port;
console.log(JSON.stringify({ telltale: port(server), bare: port(bare) }));
process.on('SIGTERM', async () => {
  const calls = await app.storage.db.selectFrom('calls').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  console.error(`calls created: ${Number(calls.n)}`);
  await bare.close();
  await server.close();
  await app.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
});
