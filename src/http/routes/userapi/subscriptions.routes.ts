import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import { actorOf } from '../../../services/accounts/audit.service.ts';
import { DELIVERY_STATUSES } from '../../../services/delivery/delivery.service.ts';
import { EVENT_TYPES } from '../../../services/events/account-events.ts';
import { authenticateUser, requireAccount } from '../../auth.ts';
import { DeliveryOut, deliveryOut } from '../webapi/deliveries.routes.ts';
import { ClientId, ClientQuery, ErrorOut, errors, IdParams, Nullable, security, tags } from './integrations.schemas.ts';

const EventList = Type.Array(Type.String({ maxLength: 40, description: `One of ${EVENT_TYPES.join(', ')}.` }), { maxItems: 20, description: `The event types to receive: ${EVENT_TYPES.join(', ')}.` });
const Url = Type.String({ maxLength: 2000, description: 'Where events are POSTed (JSON). Checked against the outbound URL policy: private, loopback and link-local addresses are refused in production mode (422).' });
const Description = Type.Union([Type.String({ maxLength: 500 }), Type.Null()], { description: 'A note for people: what this endpoint is for.' });

const SubscriptionOut = Type.Object({
  id: Type.String({ description: '`sub_…`' }),
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Nullable(Type.String()),
  enabled: Type.Boolean({ description: 'Whether new events are queued for it. A disabled subscription can still be pinged.' }),
  consecutive_failures: Type.Integer({ description: 'Deliveries in a row that ended failed or dead (every retry spent); a delivered one resets it. At TT_SUBSCRIPTION_DISABLE_AFTER (default 5) the subscription is disabled.' }),
  last_failure_at: Nullable(Type.String()),
  last_success_at: Nullable(Type.String()),
  disabled_reason: Nullable(Type.String({ description: 'Why it is disabled: automatically after failing deliveries (with the last error), or by a user.' })),
  disabled_at: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
});
const CreatedOut = Type.Intersect([
  SubscriptionOut,
  Type.Object({ secret: Type.String({ description: 'The signing secret (`whsec_…`, Standard Webhooks). Shown only in this answer: store it now.' }) }),
]);

const CreateIn = Type.Object({ client_id: ClientId, url: Url, events: EventList, description: Type.Optional(Description) }, { additionalProperties: false });
const PatchIn = Type.Object(
  {
    client_id: ClientId,
    url: Type.Optional(Url),
    events: Type.Optional(EventList),
    description: Type.Optional(Description),
    enabled: Type.Optional(Type.Boolean({ description: 'false disables it; true enables it again and clears the failure count and the reason.' })),
  },
  { additionalProperties: false },
);
const ListQuery = Type.Object(
  {
    client_id: ClientId,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100, description: 'Page size (1–500).' })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'Opaque cursor from a previous page’s `next_cursor`.' })),
  },
  { additionalProperties: false },
);
const DeliveriesQuery = Type.Object(
  {
    client_id: ClientId,
    status: Type.Optional(Type.String({ enum: [...DELIVERY_STATUSES] })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'Page size (1–500).' })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'Opaque cursor from a previous page’s `next_cursor`.' })),
  },
  { additionalProperties: false },
);
const DeliveryParams = Type.Object({ id: Type.String({ maxLength: 64 }), delivery_id: Type.String({ maxLength: 64 }) });

/** The part of the app this API uses. */
export type SubscriptionsRoutesDeps = Pick<App, 'accounts' | 'subscriptions'>;

const SIGNING =
  'Each event is a POST with a JSON body `{type, id, timestamp, data}`, signed per Standard Webhooks: headers `webhook-id` (the delivery id, stable across retries and redeliveries: deduplicate on it), `webhook-timestamp` (unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of "webhook-id.webhook-timestamp.body" keyed with the base64-decoded part of the subscription’s whsec_ secret>`; any Standard Webhooks library verifies it. Delivered at least once by the delivery engine (retried on TT_DELIVERY_RETRY_SCHEDULE, then dead), in no guaranteed order.';

/** Event subscriptions under `/userapi/v1/subscriptions`: an account's webhook endpoints, their delivery log, ping and redelivery. */
export async function subscriptionsRoutes(fastify: FastifyInstance, opts: { app: SubscriptionsRoutesDeps }) {
  const { app } = opts;
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();
  f.addHook('onRequest', authenticateUser(app.accounts));
  f.addHook('preHandler', requireAccount(app.accounts));
  const config = { permission: 'integrations' as const };

  f.post(
    '/subscriptions',
    {
      config,
      schema: {
        summary: 'Subscribe an endpoint to account events',
        description: `Answers 201 with the subscription and its signing secret (shown once). ${SIGNING} The event catalogue is the document's \`webhooks\`. Unknown event types or a malformed URL: 400 naming the field; a URL the outbound policy refuses: 422.`,
        tags,
        security,
        body: CreateIn,
        response: { 201: CreatedOut, ...errors, 422: ErrorOut },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const out = await app.subscriptions.create(request.clientId!, actorOf(request.principal!, request.ip), { url: b.url, events: b.events, description: b.description });
      reply.status(201);
      return out;
    },
  );

  f.get(
    '/subscriptions',
    {
      config,
      schema: { summary: 'List the account’s event subscriptions', tags, security, querystring: ListQuery, response: { 200: Type.Object({ subscriptions: Type.Array(SubscriptionOut), next_cursor: Nullable(Type.String()) }), ...errors } },
    },
    async (request) => {
      const { items, nextCursor } = await app.subscriptions.list(request.clientId!, { limit: request.query.limit ?? 100, cursor: request.query.cursor });
      return { subscriptions: items, next_cursor: nextCursor };
    },
  );

  f.get(
    '/subscriptions/:id',
    {
      config,
      schema: { summary: 'One event subscription (with why it is disabled, if it is)', tags, security, params: IdParams, querystring: ClientQuery, response: { 200: SubscriptionOut, ...errors } },
    },
    async (request) => app.subscriptions.get(request.clientId!, request.params.id),
  );

  f.patch(
    '/subscriptions/:id',
    {
      config,
      schema: {
        summary: 'Change a subscription’s URL, events, description, or enable / disable it',
        description: 'Enabling a disabled subscription clears its failure count and the reason; events that happened while it was disabled are not sent.',
        tags,
        security,
        params: IdParams,
        body: PatchIn,
        response: { 200: SubscriptionOut, ...errors, 422: ErrorOut },
      },
    },
    async (request) => {
      const { client_id: _c, ...patch } = request.body;
      return app.subscriptions.update(request.clientId!, actorOf(request.principal!, request.ip), request.params.id, patch);
    },
  );

  f.delete(
    '/subscriptions/:id',
    {
      config,
      schema: { summary: 'Delete a subscription', description: 'Its pending deliveries are given up; its delivery log stays in `/webapi/v1/deliveries`.', tags, security, params: IdParams, querystring: ClientQuery, response: { 204: Type.Null(), ...errors } },
    },
    async (request, reply) => {
      await app.subscriptions.remove(request.clientId!, actorOf(request.principal!, request.ip), request.params.id);
      return reply.status(204).send(null);
    },
  );

  f.post(
    '/subscriptions/:id/ping',
    {
      config,
      schema: {
        summary: 'Send a test event now',
        description: 'Queues a `ping` event (`{type: "ping", id, timestamp, data: {subscription_id, message}}`) to this subscription through the same engine, signed the same way, even when it is disabled; answers 202 with the delivery (follow it in the subscription’s deliveries). Its outcome counts like any delivery’s.',
        tags,
        security,
        params: IdParams,
        querystring: ClientQuery,
        response: { 202: DeliveryOut, ...errors },
      },
    },
    async (request, reply) => {
      const d = await app.subscriptions.ping(request.clientId!, actorOf(request.principal!, request.ip), request.params.id);
      reply.status(202);
      return deliveryOut(d.delivery, d.attempts);
    },
  );

  f.get(
    '/subscriptions/:id/deliveries',
    {
      config,
      schema: {
        summary: 'The subscription’s delivery log',
        description: 'Its deliveries, newest first, each with status (pending, delivered, failed, dead), attempts, the last response or error and the attempt log.',
        tags,
        security,
        params: IdParams,
        querystring: DeliveriesQuery,
        response: { 200: Type.Object({ deliveries: Type.Array(DeliveryOut), next_cursor: Nullable(Type.String()) }), ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const { items, nextCursor } = await app.subscriptions.deliveries(request.clientId!, request.params.id, { status: q.status, limit: q.limit ?? 50, cursor: q.cursor });
      return { deliveries: items.map((x) => deliveryOut(x.delivery, x.attempts)), next_cursor: nextCursor };
    },
  );

  f.post(
    '/subscriptions/:id/deliveries/:delivery_id/redeliver',
    {
      config,
      schema: {
        summary: 'Replay one delivery now',
        description: 'Sends the delivery again with the same `webhook-id` (receivers deduplicate on it) and a fresh retry schedule; 409 while it is being attempted.',
        tags,
        security,
        params: DeliveryParams,
        querystring: ClientQuery,
        response: { 202: DeliveryOut, ...errors, 409: ErrorOut },
      },
    },
    async (request, reply) => {
      const d = await app.subscriptions.redeliver(request.clientId!, actorOf(request.principal!, request.ip), request.params.id, request.params.delivery_id);
      reply.status(202);
      return deliveryOut(d.delivery, d.attempts);
    },
  );
}
