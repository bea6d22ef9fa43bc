import { AppError } from '../domain/errors.ts';
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { sql } from 'kysely';
import client from 'prom-client';
import type { App } from '../app.ts';
import { newId } from '../domain/ids.ts';
import { registerErrorHandler, UNAVAILABLE_RETRY_AFTER_SECONDS } from './error-handler.ts';
import { documentPermissions } from './auth.ts';
import { userapiRoutes } from './routes/userapi/userapi.routes.ts';
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
import { userapiCallsRoutes } from './routes/userapi/calls.routes.ts';
import { userapiEvaluationsRoutes } from './routes/userapi/evaluations.routes.ts';
import { userapiSmsRoutes } from './routes/userapi/sms.routes.ts';
import { webapiSmsRoutes } from './routes/webapi/sms.routes.ts';
import { idempotencyOnRoute } from './idempotency.ts';
import { subscriptionsRoutes } from './routes/userapi/subscriptions.routes.ts';
import { EVENT_WEBHOOKS } from './routes/userapi/webhooks.ts';
import { answerPointsRoutes } from './routes/userapi/answer-points.routes.ts';
import { outboundRoutes } from './routes/userapi/outbound.routes.ts';
import { dniPublicRoutes } from './routes/dni/dni-public.routes.ts';
import { dniUserapiRoutes } from './routes/userapi/dni.routes.ts';
import { dniScriptRoutes } from './routes/dni/dni-script.routes.ts';
import { isPortalDocument, portalRoutes } from './routes/portal/portal.routes.ts';
import { accountRoutes } from './routes/userapi/account.routes.ts';
import { callbacksRoutes } from './routes/userapi/callbacks.routes.ts';
import { articConfigRoutes } from './routes/artic/config.routes.ts';
import { articActionsRoutes } from './routes/artic/actions.routes.ts';
import { articReportsRoutes } from './routes/artic/reports.routes.ts';

/** Builds the HTTP server of one Telltale process (routes registered, not listening). */
/** The members of the app an API plugin uses, and nothing else: each plugin is handed only its own services. */
function only<K extends keyof App>(app: App, keys: readonly K[]): Pick<App, K> {
  return Object.fromEntries(keys.map((k) => [k, app[k]])) as Pick<App, K>;
}

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
  // JSON routes take JSON only: a text/plain body would reach validation as a string (400 "must be object") on some
  // routes and 415 on others. Without the parser every JSON route answers 415 unsupported_media_type; the carrier
  // webhooks and the legacy /JSON API register their own parsers.
  server.removeContentTypeParser('text/plain');
  // Every route under the user sign-in hooks declares its permission (documented in OpenAPI; a forgotten one fails startup).
  server.addHook('onRoute', documentPermissions);
  // Idempotency-Key on every authenticated POST (http/idempotency.ts): before any API plugin, so each of their routes gets it.
  server.addHook('onRoute', idempotencyOnRoute(app.idempotency));

  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'telltale_' });
  const httpDuration = new client.Histogram({
    name: 'telltale_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  // Security headers on every answer: no MIME sniffing, no framing; account data is never kept by caches.
  server.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    if (!isPublicDocument(request.url)) {
      const cc = reply.getHeader('cache-control');
      if (!cc || !/no-store/.test(String(cc))) reply.header('cache-control', cc ? `${cc}, no-store` : 'no-store');
    }
    return payload;
  });
  server.addHook('onResponse', async (request, reply) => {
    httpDuration.observe({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  await server.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Telltale API',
        version: API_VERSION,
        description:
          'Open-source call tracking. Errors share one body: `{code, detail, requestId, errors?: [{path, message}]}`. Authenticate with HTTP Basic, `Authorization: Bearer` (a session token from `POST /userapi/v1/session`, or an API key `ttk_…`) or the session cookie (POST/PUT/PATCH/DELETE with the cookie also send `X-CSRF-Token`); users who reach several accounts choose one with `client_id` (or for the session with `PUT /userapi/v1/session/account`). Each route names the permission it needs (`x-permission`); the caller’s role in the account must grant it (403 `forbidden`). Numbers in the query, the path or a JSON string are plain decimal digits within the documented range (`Infinity`, `1e309`, `0x10`, `1e3` are refused with 400 naming the field); a JSON route sent another content type answers 415 `unsupported_media_type`.',
      },
      servers: [{ url: app.config.publicUrl }],
      webhooks: EVENT_WEBHOOKS,
      components: { securitySchemes: { basicAuth: { type: 'http', scheme: 'basic' }, bearerAuth: { type: 'http', scheme: 'bearer', description: 'A session token from POST /userapi/v1/session, or an API key (ttk_…).' }, sessionCookie: { type: 'apiKey', in: 'cookie', name: 'tt_session', description: 'The browser session cookie; POST/PUT/PATCH/DELETE also need the X-CSRF-Token header.' } } },
      tags: [{ name: 'Telco API', description: 'Number stock, services and provisioning requests. Every `/telco/v1/X` also answers at `/v1/X` (the original\'s path shape: `GET /v1/services`, `POST /v1/requests`, …), with the same handlers and auth.' }, { name: 'Deliveries', description: 'Delivery log of HTTP Callbacks, SMS Forwards, request callbacks and notifications; redeliver.' }, { name: 'WebAPI', description: 'Reporting: calls with filters and keyset paging, one call, summaries. JSON or XML; rate-limited per user.' }, { name: 'Data Feeds', description: 'Feed URLs of the standard AVANSER feed record in JSON, CSV or XML, and their management.' }, { name: 'Legacy JSON API', description: 'The /JSON?action=… API existing integrators call.' }, { name: 'UserAPI', description: 'Everything a person does, as an API: sign-in and sessions, the accounts they reach, users and roles, API keys, password policy, audit log; the call log with search, labels, notes, evaluations and their report; received SMS; event subscriptions (the catalogue is `webhooks`), answer points, service settings, click-to-call.' }, { name: 'DNI', description: 'Dynamic Number Insertion: the website script’s visit and heartbeat endpoints (public, CORS per tracking code) and tracking-code set-up under /userapi/v1/dni.' }, { name: 'ARTIC', description: 'The call centre: teams, agents, queues and IVR menus (set-up), the agents’ actions (log in and out, pause with a reason, answer point), and the real-time and historical reports derived from the queue event journal.' }, { name: 'Operations' }],
    },
  });
  // The bundled Swagger UI loads only same-origin scripts and styles (it sets inline style attributes) and fetches
  // /docs/json; nothing else may run or frame it.
  await server.register(swaggerUi, { routePrefix: '/docs', staticCSP: DOCS_CSP });

  server.get('/openapi.json', { schema: { hide: true } }, async () => server.swagger());
  server.get('/healthz', { schema: { tags: ['Operations'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));
  server.get('/readyz', { schema: { tags: ['Operations'], summary: 'Readiness: the database answers and can take a write', description: 'Ready (200) when the database answers and a write could start now; 503 with Retry-After while it is locked (another process or connection holds a lock that blocks writers) or unreachable.' } }, async (_request, reply) => {
    try {
      await sql`select 1`.execute(app.storage.db);
      const w = await app.storage.writable();
      if (!w.ok) return reply.status(503).header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS)).send({ status: 'unavailable', database: app.storage.dialect, detail: w.detail });
      return { status: 'ready', database: app.storage.dialect };
    } catch (err) {
      return reply.status(503).header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS)).send({ status: 'unavailable', database: app.storage.dialect, detail: (err as Error).message });
    }
  });
  const metricsAccess = metricsGuard(app.config);
  server.get('/metrics', { schema: { tags: ['Operations'], summary: 'Prometheus metrics', description: 'With TT_METRICS_TOKEN set: `Authorization: Bearer <token>` (401 otherwise). Without it: open in sandbox mode, 404 in production.' } }, async (request, reply) => {
    const refused = metricsAccess(request.headers.authorization);
    if (refused === 404) throw new AppError('not_found', 'no route GET /metrics (set TT_METRICS_TOKEN to expose metrics in production)');
    if (refused === 401) {
      reply.header('www-authenticate', 'Bearer realm="Telltale metrics"');
      throw new AppError('unauthorized', 'send Authorization: Bearer TT_METRICS_TOKEN');
    }
    reply.type(registry.contentType);
    return registry.metrics();
  });

  await server.register(telcoRoutes, { prefix: '/telco/v1', app: only(app, ['accounts', 'clock', 'inventory', 'telco']) });
  // The same Telco API at the original's paths (GET /v1/services, POST /v1/requests, …), left out of the OpenAPI document.
  await server.register(async (twin) => {
    twin.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true };
    });
    await twin.register(telcoRoutes, { prefix: '/v1', app: only(app, ['accounts', 'clock', 'inventory', 'telco']) });
  });
  await server.register(carrierRoutes, { prefix: '/carrier/twilio', carrierWebhooks: app.carrierWebhooks, flavour: twilio });
  // The other carriers exist only when configured: an unconfigured carrier's webhooks are 404, never accepted unsigned.
  if (app.config.signalwireSigningKey) await server.register(carrierRoutes, { prefix: `/carrier/${signalwire.pathName}`, carrierWebhooks: app.carrierWebhooks, flavour: signalwire });
  if (app.config.telnyxPublicKey) await server.register(carrierRoutes, { prefix: `/carrier/${telnyx.pathName}`, carrierWebhooks: app.carrierWebhooks, flavour: telnyx });
  await server.register(recordingsRoutes, { app: only(app, ['accounts', 'recordings']) });
  if (app.config.mode === 'sandbox') await server.register(sandboxRoutes, { prefix: '/sandbox/v1', app: only(app, ['accounts', 'callLookup', 'config', 'sandbox', 'outboundCalls']) });
  await server.register(deliveriesRoutes, { prefix: '/webapi/v1', app: only(app, ['accounts', 'deliveryLog']) });
  await server.register(webapiReportingRoutes, { prefix: '/webapi/v1', app: only(app, ['accounts', 'clock', 'webapiRateLimiter', 'reporting']) });
  await server.register(webapiSmsRoutes, { prefix: '/webapi/v1', app: only(app, ['accounts', 'clock', 'webapiRateLimiter', 'callWork']) });
  await server.register(userapiCallsRoutes, { prefix: '/userapi/v1', app: only(app, ['accounts', 'reporting', 'callWork']) });
  await server.register(userapiEvaluationsRoutes, { prefix: '/userapi/v1', app: only(app, ['accounts', 'callWork']) });
  await server.register(userapiSmsRoutes, { prefix: '/userapi/v1', app: only(app, ['accounts', 'callWork']) });
  await server.register(feedRoutes, { prefix: '/feeds', app: only(app, ['reporting']) });
  await server.register(legacyJsonRoutes, { app: only(app, ['reporting']) });
  await server.register(userapiRoutes, { prefix: '/userapi/v1', app: only(app, ['accounts', 'userAdmin', 'audit', 'config']) });
  await server.register(accountRoutes, { prefix: '/userapi/v1', app: only(app, ['accounts', 'accountSettings']) });
  await server.register(callbacksRoutes, { prefix: '/userapi/v1', app: only(app, ['accounts', 'callbackTests']) });
  await server.register(subscriptionsRoutes, { prefix: '/userapi/v1', app: only(app, ['accounts', 'subscriptions']) });
  await server.register(answerPointsRoutes, { prefix: '/userapi/v1', app: only(app, ['accounts', 'answerPoints']) });
  await server.register(outboundRoutes, { prefix: '/userapi/v1', app: only(app, ['accounts', 'outboundCalls']) });
  await server.register(dniPublicRoutes, { prefix: '/dni/v1', app: only(app, ['dniVisits']) });
  await server.register(dniUserapiRoutes, { prefix: '/userapi/v1/dni', app: only(app, ['accounts', 'dniCodes']) });
  await server.register(dniScriptRoutes, { app: only(app, ['config', 'dniCodes']) });
  await server.register(articConfigRoutes, { prefix: '/artic/v1', app: only(app, ['accounts', 'articConfig']) });
  await server.register(articActionsRoutes, { prefix: '/artic/v1', app: only(app, ['accounts', 'agentActions']) });
  await server.register(articReportsRoutes, { prefix: '/artic/v1', app: only(app, ['accounts', 'articReports']) });
  // The portal (web/portal) at / and its pages: the same shell, the app asks the APIs above for everything.
  await server.register(portalRoutes, { mode: app.config.mode });
  return server;
}

/** CSP of the interactive docs: the bundled Swagger UI's own files only. */
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The static docs, the OpenAPI document, the website script and the portal's assets hold no account data: caches may keep them. */
function isPublicDocument(url: string): boolean {
  return url === '/openapi.json' || url === '/docs' || url.startsWith('/docs/') || url.startsWith('/docs?') || url === '/aa.js' || url.startsWith('/aa.js?') || isPortalDocument(url);
}

/**
 * Who may read /metrics: with TT_METRICS_TOKEN, a matching Bearer token (compared in constant time); without it, anyone
 * in sandbox mode and nobody (404, as if absent) in production. Answers the refusal status, or null when allowed.
 */
export function metricsGuard(config: { metricsToken: string; mode: 'sandbox' | 'production' }): (authorization: string | undefined) => 401 | 404 | null {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const expected = config.metricsToken ? digest(config.metricsToken) : null;
  return (authorization) => {
    if (!expected) return config.mode === 'production' ? 404 : null;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    return m && timingSafeEqual(digest(m[1]), expected) ? null : 401;
  };
}
