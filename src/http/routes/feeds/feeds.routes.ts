import { AppError } from '../../../domain/errors.ts';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import { FEED_CONTENT_TYPES } from '../../../domain/report/feed-output.ts';
import { parseFeedPath } from '../../../services/reporting/feed.service.ts';
import type { FeedRow } from '../../../storage/reporting/feed.repository.ts';

const FeedQuery = Type.Object(
  {
    caller_number: Type.Optional(Type.String({ maxLength: 40, description: 'Calling number (`+61-0290088888`, E.164) or `Private`.' })),
    call_status: Type.Optional(Type.String({ maxLength: 200, description: 'Status names or codes, comma-separated.' })),
    custom_id: Type.Optional(Type.String({ maxLength: 255 })),
    custom_group: Type.Optional(Type.String({ maxLength: 255 })),
  },
  { additionalProperties: false },
);

const FeedParams = Type.Object({ feed: Type.String({ maxLength: 64 }), '*': Type.String({ maxLength: 64 }) });

/** The part of the app this API uses. */
export type FeedRoutesDeps = Pick<App, 'reporting'>;

/** Data Feed URLs: `/feeds/{feed}/latest.{json|csv|xml}`, `/{YYYY}.{ext}`, `/{YYYY}/{MM}.{ext}`, `/{YYYY}/{MM}/{DD}.{ext}`. */
export async function feedRoutes(fastify: FastifyInstance, opts: { app: FeedRoutesDeps }) {
  const { app } = opts;
  const feedOf = new WeakMap<object, FeedRow>();
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();

  f.get(
    '/:feed/*',
    {
      schema: {
        summary: 'Read a data feed',
        description:
          'The path after the feed id is `latest.{ext}` (yesterday and today, account time), `{YYYY}.{ext}`, `{YYYY}/{MM}.{ext}` or `{YYYY}/{MM}/{DD}.{ext}` (dates in the account’s time zone), with `ext` json, csv or xml. Each record has exactly the fields of the standard AVANSER feed record. Auth per feed: IP allow-list, HTTP Basic or HTTP Digest (RFC 7616, qop=auth; each nonce count is accepted once, on any API process). Failed sign-ins are throttled per feed and per source address: 429 with Retry-After. `ETag` and `Last-Modified` answer 304 to `If-None-Match` / `If-Modified-Since` when nothing changed. The body is streamed from the database.',
        tags: ['Data Feeds'],
        params: FeedParams,
        querystring: FeedQuery,
        produces: ['application/json', 'text/csv', 'application/xml'],
      },
      // The feed's own auth runs first, so strangers get 401/403 whatever else is wrong with the request.
      onRequest: async (request, reply) => {
        const params = request.params as { feed: string };
        const access = await app.reporting.feedAccess.authorize(params.feed, { ip: request.ip, method: request.method, url: request.url, authorization: request.headers.authorization });
        if (!access.ok) {
          if (access.challenges) reply.header('www-authenticate', access.challenges.length === 1 ? access.challenges[0] : access.challenges);
          if (access.retryAfterSeconds) reply.header('retry-after', String(access.retryAfterSeconds));
          throw new AppError(access.code, access.detail);
        }
        feedOf.set(request, access.feed);
      },
    },
    async (request, reply) => {
      const feed = feedOf.get(request)!;
      const path = parseFeedPath(request.params['*']);
      if (!path) {
        throw new AppError('not_found', 'feed paths are latest.{ext}, YYYY.{ext}, YYYY/MM.{ext} or YYYY/MM/DD.{ext}, with ext json, csv or xml');
      }
      const filter = await app.reporting.feeds.feedFilter(feed, path, request.query);
      const { etag, lastModified } = await app.reporting.feeds.stamp(feed, filter, `${request.params['*']}`);
      reply.header('etag', etag);
      reply.header('cache-control', 'private, no-cache');
      reply.header('vary', 'Authorization');
      if (lastModified) reply.header('last-modified', lastModified.toUTCString());
      const inm = request.headers['if-none-match'];
      const ims = request.headers['if-modified-since'];
      const notModified = inm
        ? inm.split(',').some((t) => t.trim() === '*' || t.trim().replace(/^W\//, '') === etag)
        : ims && lastModified
          ? Math.floor(lastModified.getTime() / 1000) <= Math.floor(Date.parse(ims) / 1000)
          : false;
      if (notModified) return reply.status(304).send();
      reply.type(FEED_CONTENT_TYPES[path.format]);
      return reply.send(Readable.from(app.reporting.feeds.contentBytes(feed, filter, path.format)));
    },
  );
}
