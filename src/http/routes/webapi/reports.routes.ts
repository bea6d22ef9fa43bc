import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { App } from '../../../app.ts';
import type { FeedIn } from '../../../services/reporting/feed.service.ts';
import type { SummaryKey } from '../../../storage/reporting/report.repository.ts';
import type { Interval } from '../../../domain/report/report-time.ts';
import { negotiated } from '../../formats/negotiate.ts';
import * as S from './webapi.schemas.ts';

/** The part of the app this API uses. */
export type WebapiReportsRoutesDeps = Pick<App, 'reporting'>;

/** WebAPI reports (summaries) and the account's data feeds. */
export async function webapiReportsRoutes(fastify: FastifyInstance, opts: { app: WebapiReportsRoutesDeps }) {
  const { app } = opts;
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();

  f.get(
    '/reports/summary',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'Call summary by period and group',
        description:
          'Counts, answered count and rate, total and average durations per local day, week (from Monday) or month, optionally per status, tracking number, custom group or DNI source. Takes the same filters as `GET /calls`; the range defaults to the current month so far.',
        tags: ['WebAPI'],
        security: S.security,
        querystring: S.SummaryQuery,
        response: { 200: S.SummaryOut, ...S.errors },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const body = await app.reporting.reports.summary(request.clientId!, { ...q, interval: q.interval as Interval | undefined, group_by: q.group_by as SummaryKey | undefined });
      return negotiated(request, reply as never, 'summary', body);
    },
  );

  f.post(
    '/feeds',
    {
      config: { permission: 'settings' },
      schema: {
        summary: 'Create a data feed',
        description: 'A feed URL for the account’s calls in the seed’s standard record (JSON, CSV, XML), by year, month, day or `latest`, with its own auth and an optional daily upload.',
        tags: ['Data Feeds'],
        security: S.security,
        body: S.FeedIn,
        response: { 201: S.FeedOut, ...S.errors },
      },
    },
    async (request, reply) => {
      const { client_id: _c, ...input } = request.body;
      reply.status(201);
      return app.reporting.feeds.createFeed(request.clientId!, input as FeedIn);
    },
  );

  f.get(
    '/feeds',
    { config: { permission: 'read' }, schema: { summary: 'List data feeds', tags: ['Data Feeds'], security: S.security, querystring: S.ClientQuery, response: { 200: { type: 'object', properties: { feeds: { type: 'array', items: S.FeedOut } } }, ...S.errors } } },
    async (request) => ({ feeds: await app.reporting.feeds.listFeeds(request.clientId!) }),
  );

  f.get(
    '/feeds/:id',
    { config: { permission: 'read' }, schema: { summary: 'One data feed', tags: ['Data Feeds'], security: S.security, params: S.FeedParams, querystring: S.ClientQuery, response: { 200: S.FeedOut, ...S.errors } } },
    async (request) => app.reporting.feeds.getFeed(request.clientId!, request.params.id),
  );

  f.delete(
    '/feeds/:id',
    { config: { permission: 'settings' }, schema: { summary: 'Delete a data feed', tags: ['Data Feeds'], security: S.security, params: S.FeedParams, querystring: S.ClientQuery, response: { 204: { type: 'null' }, ...S.errors } } },
    async (request, reply) => {
      await app.reporting.feeds.deleteFeed(request.clientId!, request.params.id);
      return reply.status(204).send(null);
    },
  );
}
