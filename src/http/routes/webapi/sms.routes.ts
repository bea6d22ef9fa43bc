import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import { authenticateUser, requireAccount } from '../../auth.ts';
import { negotiated } from '../../formats/negotiate.ts';
import { rateLimitHook } from '../../rate-limit.ts';
import { SmsListOut, SmsQuery } from '../userapi/callwork.schemas.ts';
import * as W from './webapi.schemas.ts';

/** The part of the app this API uses. */
export type WebapiSmsRoutesDeps = Pick<App, 'accounts' | 'clock' | 'webapiRateLimiter' | 'callWork'>;

const Query = Type.Object({ ...SmsQuery.properties, format: Type.Optional(Type.String({ enum: ['json', 'xml'], description: 'Response format; XML is also chosen by `Accept: application/xml`.' })) }, { additionalProperties: false });

/** WebAPI received SMS under `/webapi/v1`: HTTP Basic (+ `client_id`), the WebAPI's per-user rate limit, JSON or XML. */
export async function webapiSmsRoutes(fastify: FastifyInstance, opts: { app: WebapiSmsRoutesDeps }) {
  const { app } = opts;
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();
  f.addHook('onRequest', authenticateUser(app.accounts));
  f.addHook('onRequest', rateLimitHook({ limiter: app.webapiRateLimiter, scope: 'webapi', clock: app.clock }));
  f.addHook('preHandler', requireAccount(app.accounts));

  f.get(
    '/sms',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'Received SMS',
        description:
          'Messages received on the account’s numbers, newest first by default; filters `from`/`to` (account time, or an ISO 8601 instant) and `number` (the account’s number); keyset paging (`next_cursor` → `cursor`). JSON, or XML with `Accept: application/xml` or `format=xml`. Rate-limited per user like the rest of the WebAPI.',
        tags: ['WebAPI'],
        security: W.security,
        querystring: Query,
        response: { 200: SmsListOut, ...W.errors },
      },
    },
    async (request, reply) => {
      const { format: _f, ...q } = request.query;
      const body = await app.callWork.sms.list(request.clientId!, { ...q, order: q.order as 'asc' | 'desc' | undefined });
      return negotiated(request, reply as never, 'response', body);
    },
  );
}
