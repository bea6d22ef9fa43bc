import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { sql } from 'kysely';
import client from 'prom-client';
import type { App } from '../app.ts';
import { newId } from '../domain/ids.ts';
import { registerErrorHandler } from './error-handler.ts';
import { strictNumericInput } from './numeric-input.ts';
import { telcoRoutes, API_VERSION } from './routes/telco/telco.routes.ts';
import { carrierRoutes } from './routes/carrier/carrier.routes.ts';
import { recordingsRoutes } from './routes/recordings/recordings.routes.ts';
import { sandboxRoutes } from './routes/sandbox/sandbox.routes.ts';
import { signalwire, telnyx, twilio } from '../telephony/adapters/twiml/flavours.ts';
import { deliveriesRoutes } from './routes/webapi/deliveries.routes.ts';
import { webapiReportingRoutes } from './routes/webapi/webapi.routes.ts';
import { feedRoutes } from './routes/feeds/feeds.routes.ts';
import { legacyJsonRoutes } from './routes/legacy-json/legacy.routes.ts';

/** Builds the HTTP server of one Telltale process (routes registered, not listening). */
export async function buildServer(app: App): Promise<FastifyInstance> {
  const server = Fastify({
    loggerInstance: app.log as unknown as FastifyBaseLogger,
    // Per-request log lines only at debug/trace: at volume they would cost more than the requests.
    logController: new LogController({ disableRequestLogging: app.config.logLevel !== 'debug' && app.config.logLevel !== 'trace' }),
    genReqId: () => newId('rq'),
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true, useDefaults: true } },
    trustProxy: false,
  });
  registerErrorHandler(server);
  // Numbers given as text must be plain decimals (no Infinity, 1e309, 0x10): Ajv's coercion would let them past the ranges.
  server.addHook('preValidation', strictNumericInput);

  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'telltale_' });
  const httpDuration = new client.Histogram({
    name: 'telltale_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  server.addHook('onResponse', async (request, reply) => {
    httpDuration.observe({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  await server.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Telltale API',
        version: API_VERSION,
        description:
          'Open-source call tracking. Errors share one body: `{code, detail, requestId, errors?: [{path, message}]}`. Authenticate with HTTP Basic; users who reach several accounts choose one with `client_id`.',
      },
      servers: [{ url: app.config.publicUrl }],
      components: { securitySchemes: { basicAuth: { type: 'http', scheme: 'basic' } } },
      tags: [{ name: 'Telco API', description: 'Number stock, services and provisioning requests.' }, { name: 'Deliveries', description: 'Delivery log of HTTP Callbacks, SMS Forwards, request callbacks and notifications; redeliver.' }, { name: 'WebAPI', description: 'Reporting: calls with filters and keyset paging, one call, summaries. JSON or XML; rate-limited per user.' }, { name: 'Data Feeds', description: 'Feed URLs of the standard AVANSER feed record in JSON, CSV or XML, and their management.' }, { name: 'Legacy JSON API', description: 'The /JSON?action=… API existing integrators call.' }, { name: 'Operations' }],
    },
  });
  await server.register(swaggerUi, { routePrefix: '/docs' });

  server.get('/openapi.json', { schema: { hide: true } }, async () => server.swagger());
  server.get('/healthz', { schema: { tags: ['Operations'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));
  server.get('/readyz', { schema: { tags: ['Operations'], summary: 'Readiness: the database answers' } }, async (_request, reply) => {
    try {
      await sql`select 1`.execute(app.storage.db);
      return { status: 'ready', database: app.storage.dialect };
    } catch (err) {
      return reply.status(503).send({ status: 'unavailable', database: app.storage.dialect, detail: (err as Error).message });
    }
  });
  server.get('/metrics', { schema: { tags: ['Operations'], summary: 'Prometheus metrics' } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });

  await server.register(telcoRoutes, { prefix: '/telco/v1', app });
  await server.register(carrierRoutes, { prefix: '/carrier/twilio', app, flavour: twilio });
  // The other carriers exist only when configured: an unconfigured carrier's webhooks are 404, never accepted unsigned.
  if (app.config.signalwireSigningKey) await server.register(carrierRoutes, { prefix: `/carrier/${signalwire.pathName}`, app, flavour: signalwire });
  if (app.config.telnyxPublicKey) await server.register(carrierRoutes, { prefix: `/carrier/${telnyx.pathName}`, app, flavour: telnyx });
  await server.register(recordingsRoutes, { app });
  if (app.config.mode === 'sandbox') await server.register(sandboxRoutes, { prefix: '/sandbox/v1', app });
  await server.register(deliveriesRoutes, { prefix: '/webapi/v1', app });
  await server.register(webapiReportingRoutes, { prefix: '/webapi/v1', app });
  await server.register(feedRoutes, { prefix: '/feeds', app });
  await server.register(legacyJsonRoutes, { app });
  return server;
}
