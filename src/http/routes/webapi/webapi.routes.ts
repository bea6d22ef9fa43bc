import type { FastifyInstance } from 'fastify';
import type { App } from '../../../app.ts';
import { authenticateUser, requireAccount } from '../../auth.ts';
import { rateLimitHook } from '../../rate-limit.ts';
import { webapiCallsRoutes } from './calls.routes.ts';
import { webapiReportsRoutes } from './reports.routes.ts';

/** The part of the app this API uses. */
export type WebapiReportingRoutesDeps = Pick<App, 'accounts' | 'clock' | 'webapiRateLimiter' | 'reporting'>;

/** The reporting WebAPI under `/webapi/v1`: HTTP Basic (+ `client_id`), a per-user rate limit (shared by all API processes), calls, summaries, feeds. */
export async function webapiReportingRoutes(fastify: FastifyInstance, opts: { app: WebapiReportingRoutesDeps }) {
  const { app } = opts;
  fastify.addHook('onRequest', authenticateUser(app.accounts));
  fastify.addHook('onRequest', rateLimitHook({ limiter: app.webapiRateLimiter, scope: 'webapi', clock: app.clock }));
  fastify.addHook('preHandler', requireAccount(app.accounts));
  await fastify.register(webapiCallsRoutes, { app });
  await fastify.register(webapiReportsRoutes, { app });
}
