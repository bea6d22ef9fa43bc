import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import { DELIVERY_KINDS, DELIVERY_STATUSES } from '../../../services/delivery/delivery.service.ts';
import type { DeliveryAttemptRow, DeliveryRow } from '../../../storage/delivery/delivery.repository.ts';
import { authenticateUser, requireAccount } from '../../auth.ts';
import { CLIENT_ID_MAX } from '../telco/telco.schemas.ts';

const Nullable = <T extends ReturnType<typeof Type.String | typeof Type.Integer>>(t: T) => Type.Union([t, Type.Null()]);

const ErrorOut = Type.Object({
  code: Type.String(),
  detail: Type.String(),
  requestId: Type.String(),
  errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
});

const AttemptOut = Type.Object({
  attempt: Type.Integer({ description: 'Attempt number over the delivery’s life (1, 2, …), redeliveries included.' }),
  started_at: Type.String(),
  duration_ms: Type.Integer(),
  outcome: Type.String({ description: 'delivered, retry (another attempt is scheduled), failed (not retryable), dead (schedule spent) or lost_lease (the worker lost its lease; the outcome was not kept).' }),
  status_code: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  response_body: Nullable(Type.String({ description: 'First 2,000 characters of the receiver’s answer.' })),
});

export const DeliveryOut = Type.Object({
  id: Type.String({ description: 'Stable across retries and redeliveries: the `webhook-id` header.' }),
  kind: Type.String({ description: `One of ${DELIVERY_KINDS.join(', ')} (other areas may add kinds).` }),
  subject_id: Nullable(Type.String({ description: 'The call id (call_callback, notify_*), SMS id (sms_forward), request id (request_status) or event subscription id (event).' })),
  method: Type.String(),
  url: Type.String({ description: 'The URL with every tag replaced (mailto:/sms: for notifications).' }),
  body: Nullable(Type.String()),
  status: Type.String({ enum: [...DELIVERY_STATUSES] }),
  attempts: Type.Integer({ description: 'Attempts in the current round (a redeliver starts a new round).' }),
  total_attempts: Type.Integer(),
  next_attempt_at: Nullable(Type.String({ description: 'When the next attempt is due (pending only).' })),
  last_response: Type.Union([Type.Object({ status_code: Nullable(Type.Integer()), error: Nullable(Type.String()) }), Type.Null()]),
  created_at: Type.String(),
  updated_at: Type.String(),
  delivered_at: Nullable(Type.String()),
  attempt_log: Type.Array(AttemptOut),
});

const ListQuery = Type.Object(
  {
    client_id: Type.Optional(Type.Integer({ minimum: 1, maximum: CLIENT_ID_MAX, description: 'The account to act on; required when the user reaches several accounts.' })),
    status: Type.Optional(Type.String({ enum: [...DELIVERY_STATUSES] })),
    kind: Type.Optional(Type.String({ maxLength: 40, pattern: '^[a-z_]+$' })),
    call_id: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Deliveries caused by this call.' })),
    subject_id: Type.Optional(Type.String({ maxLength: 64, description: 'Deliveries about this subject (SMS id, request id, call id).' })),
    since: Type.Optional(Type.String({ maxLength: 40, description: 'Created at or after (ISO 8601).' })),
    until: Type.Optional(Type.String({ maxLength: 40, description: 'Created before (ISO 8601).' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'Page size (1–500).' })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'Opaque cursor from a previous page’s `next_cursor`.' })),
  },
  { additionalProperties: false },
);

const ClientQuery = Type.Object({ client_id: ListQuery.properties.client_id }, { additionalProperties: false });
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export function deliveryOut(d: DeliveryRow, attempts: DeliveryAttemptRow[]) {
  return {
    id: d.id,
    kind: d.kind,
    subject_id: d.subject_id,
    method: d.method,
    url: d.url,
    body: d.body,
    status: d.status,
    attempts: Number(d.attempts),
    total_attempts: Number(d.total_attempts),
    next_attempt_at: d.status === 'pending' ? d.next_attempt_at : null,
    last_response: Number(d.total_attempts) > 0 ? { status_code: d.last_status_code, error: d.last_error } : null,
    created_at: d.created_at,
    updated_at: d.updated_at,
    delivered_at: d.delivered_at,
    attempt_log: attempts.map((a) => ({
      attempt: Number(a.attempt_no),
      started_at: a.started_at,
      duration_ms: Number(a.duration_ms),
      outcome: a.outcome,
      status_code: a.status_code,
      error: a.error,
      response_body: a.response_body,
    })),
  };
}

const errors = { 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut };
const security = [{ basicAuth: [] }];
const tags = ['Deliveries'];

/** The part of the app this API uses. */
export type DeliveriesRoutesDeps = Pick<App, 'accounts' | 'deliveryLog'>;

/** The delivery log: every HTTP Callback, SMS Forward, request callback and notification, with attempts; redeliver. */
export async function deliveriesRoutes(fastify: FastifyInstance, opts: { app: DeliveriesRoutesDeps }) {
  const { app } = opts;
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();
  f.addHook('onRequest', authenticateUser(app.accounts));
  f.addHook('preHandler', requireAccount(app.accounts));

  f.get(
    '/deliveries',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'Delivery log',
        description:
          'The account’s outbound deliveries (HTTP Callbacks, SMS Forwards, Telco request callbacks, e-mail and SMS notifications), newest first, each with its attempts and last response. Filter by status, kind, call, subject and creation time; keyset-paged with `cursor`.',
        tags,
        security,
        querystring: ListQuery,
        response: { 200: Type.Object({ deliveries: Type.Array(DeliveryOut), next_cursor: Nullable(Type.String()) }), ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const { items, nextCursor } = await app.deliveryLog.list(request.clientId!, {
        status: q.status,
        kind: q.kind,
        callId: q.call_id,
        subjectId: q.subject_id,
        since: q.since,
        until: q.until,
        limit: q.limit ?? 50,
        cursor: q.cursor,
      });
      return { deliveries: items.map((i) => deliveryOut(i.delivery, i.attempts)), next_cursor: nextCursor };
    },
  );

  f.get(
    '/deliveries/:id',
    {
      config: { permission: 'read' },
      schema: { summary: 'One delivery with its attempts', tags, security, params: IdParams, querystring: ClientQuery, response: { 200: Type.Object({ delivery: DeliveryOut }), ...errors } },
    },
    async (request) => {
      const { delivery, attempts } = await app.deliveryLog.get(request.clientId!, request.params.id);
      return { delivery: deliveryOut(delivery, attempts) };
    },
  );

  f.post(
    '/deliveries/:id/redeliver',
    {
      config: { permission: 'integrations' },
      schema: {
        summary: 'Send a delivery again',
        description:
          'Queues the delivery for an immediate new attempt with the same id (the `webhook-id`, so receivers can deduplicate) and a fresh retry schedule; works on delivered, failed and dead deliveries, and brings a waiting retry forward. 409 while an attempt is in progress.',
        tags,
        security,
        params: IdParams,
        querystring: ClientQuery,
        response: { 202: Type.Object({ delivery: DeliveryOut }), ...errors, 409: ErrorOut },
      },
    },
    async (request, reply) => {
      const { delivery, attempts } = await app.deliveryLog.redeliver(request.clientId!, request.params.id);
      reply.status(202);
      return { delivery: deliveryOut(delivery, attempts) };
    },
  );
}
