import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { App } from '../../../app.ts';
import { negotiated } from '../../formats/negotiate.ts';
import * as S from './webapi.schemas.ts';

/** The part of the app this API uses. */
export type WebapiCallsRoutesDeps = Pick<App, 'reporting'>;

/** WebAPI calls: a filtered, keyset-paged list and one call. */
export async function webapiCallsRoutes(fastify: FastifyInstance, opts: { app: WebapiCallsRoutesDeps }) {
  const { app } = opts;
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();

  f.get(
    '/calls',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'List calls',
        description:
          'The account’s calls (ended or finalized), newest first by default. Filters: time range in the account’s time zone (`from`, `to`), tracking number, status (names or codes), caller (or `Private`), `custom_id`, `custom_group`, direction, has audio, test. Keyset pagination: pass `next_cursor` back as `cursor`; calls arriving meanwhile never shift or repeat rows. `fields` picks fields. JSON, or XML with `Accept: application/xml` or `format=xml`. Rate-limited per user (`RateLimit-*` headers; 429 with `Retry-After`).',
        tags: ['WebAPI'],
        security: S.security,
        querystring: S.CallsQuery,
        response: { 200: S.CallsOut, ...S.errors },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const body = await app.reporting.reports.listCalls(request.clientId!, { ...q, order: q.order as 'asc' | 'desc' | undefined });
      return negotiated(request, reply as never, 'response', body);
    },
  );

  f.get(
    '/calls/:id',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'One call',
        description: 'Every field of one call record: numbers in E.164 and `+CC-LOCAL`, times in UTC and in the account’s local time, features, DNI attribution, sentiment, audio URL.',
        tags: ['WebAPI'],
        security: S.security,
        params: S.CallParams,
        querystring: S.CallQuery,
        response: { 200: S.CallEnvelope, ...S.errors },
      },
    },
    async (request, reply) => {
      const call = await app.reporting.reports.getCall(request.clientId!, request.params.id, request.query.fields);
      return negotiated(request, reply as never, 'response', { call });
    },
  );
}
