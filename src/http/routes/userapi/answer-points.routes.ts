import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import { actorOf } from '../../../services/accounts/audit.service.ts';
import type { AnswerPointRow } from '../../../storage/telco/answer-point.repository.ts';
import type { ServiceSettingsIn as ServiceSettingsInput } from '../../../services/telco/answer-point.service.ts';
import { authenticateUser, requireAccount } from '../../auth.ts';
import { requestOut } from '../telco/telco.routes.ts';
import { RequestIn as TelcoRequestIn, RequestOut, serviceFields } from '../telco/telco.schemas.ts';
import { ClientId, ClientQuery, ErrorOut, errors, IdParams, Nullable, security, tags } from './integrations.schemas.ts';

const Name = Type.String({ minLength: 1, maxLength: 100, description: 'Unique in the account, e.g. "Sydney office".' });
const Number_ = Type.String({ maxLength: 40, description: 'The destination, E.164 (e.g. +61290088888).' });
const RingTimeout = Type.Union([Type.Integer({ minimum: 5, maximum: 120 }), Type.Null()], { description: 'Seconds it rings (5–120); null: each service keeps its own ring timeout.' });

const AnswerPointOut = Type.Object({
  id: Type.String({ description: '`ap_…`' }),
  name: Type.String(),
  number: Type.String({ description: 'E.164' }),
  ring_timeout: Nullable(Type.Integer()),
  service_ids: Type.Array(Type.String(), { description: 'The services that ring it now.' }),
  created_at: Type.String(),
  updated_at: Type.String(),
});
const CreateIn = Type.Object({ client_id: ClientId, name: Name, number: Number_, ring_timeout: Type.Optional(RingTimeout) }, { additionalProperties: false });
const PatchIn = Type.Object({ client_id: ClientId, name: Type.Optional(Name), number: Type.Optional(Number_), ring_timeout: Type.Optional(RingTimeout) }, { additionalProperties: false });
const ListQuery = Type.Object(
  {
    client_id: ClientId,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100, description: 'Page size (1–500).' })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'Opaque cursor from a previous page’s `next_cursor`.' })),
  },
  { additionalProperties: false },
);
const ServiceSettingsIn = Type.Object(
  {
    client_id: ClientId,
    answer_point_id: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()], { description: 'A named answer point of the account: the service rings its number (with its name, and its ring timeout when it has one) and follows later changes of it. null unlinks it (give target_number).' })),
    target_number: serviceFields.target_number,
    target_name: serviceFields.target_name,
    ring_timeout: serviceFields.ring_timeout,
    notifications: serviceFields.notifications,
    call_callback_uri: serviceFields.call_callback_uri,
    call_callback_method: serviceFields.call_callback_method,
    sms_forward_uri: serviceFields.sms_forward_uri,
    callback_uri: TelcoRequestIn.properties.callback_uri,
  },
  { additionalProperties: false },
);

function answerPointOut(x: { row: AnswerPointRow; serviceIds: string[] }) {
  const r = x.row;
  return { id: r.id, name: r.name, number: r.number, ring_timeout: r.ring_timeout === null ? null : Number(r.ring_timeout), service_ids: x.serviceIds, created_at: r.created_at, updated_at: r.updated_at };
}

/** The part of the app this API uses. */
export type AnswerPointsRoutesDeps = Pick<App, 'accounts' | 'answerPoints'>;

/** Named answer points and a service's settings under `/userapi/v1`: every change reaches the services as a Telco request. */
export async function answerPointsRoutes(fastify: FastifyInstance, opts: { app: AnswerPointsRoutesDeps }) {
  const { app } = opts;
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();
  f.addHook('onRequest', authenticateUser(app.accounts));
  f.addHook('preHandler', requireAccount(app.accounts));
  const config = { permission: 'numbers' as const };

  f.get(
    '/answer-points',
    { config, schema: { summary: 'List the account’s answer points', tags, security, querystring: ListQuery, response: { 200: Type.Object({ answer_points: Type.Array(AnswerPointOut), next_cursor: Nullable(Type.String()) }), ...errors } } },
    async (request) => {
      const { items, nextCursor } = await app.answerPoints.list(request.clientId!, { limit: request.query.limit ?? 100, cursor: request.query.cursor });
      return { answer_points: items.map(answerPointOut), next_cursor: nextCursor };
    },
  );

  f.get(
    '/answer-points/:id',
    { config, schema: { summary: 'One answer point, with the services that ring it', tags, security, params: IdParams, querystring: ClientQuery, response: { 200: AnswerPointOut, ...errors } } },
    async (request) => answerPointOut(await app.answerPoints.get(request.clientId!, request.params.id)),
  );

  f.post(
    '/answer-points',
    {
      config,
      schema: { summary: 'Create a named answer point', description: 'A name (unique in the account: 409 otherwise) and a destination number several services can ring; point a service at it with `PUT /userapi/v1/services/{id}`.', tags, security, body: CreateIn, response: { 201: AnswerPointOut, ...errors, 409: ErrorOut } },
    },
    async (request, reply) => {
      const { client_id: _c, ...input } = request.body;
      reply.status(201);
      return answerPointOut(await app.answerPoints.create(request.clientId!, actorOf(request.principal!, request.ip), input));
    },
  );

  f.patch(
    '/answer-points/:id',
    {
      config,
      schema: {
        summary: 'Rename an answer point or change its number or ring timeout',
        description: 'Every service that uses it is updated through a Telco `update` request (one per service, queued in the same transaction, carried out by the worker like any Telco request, with its `request.status` events); the answer lists them.',
        tags,
        security,
        params: IdParams,
        body: PatchIn,
        response: { 200: Type.Intersect([AnswerPointOut, Type.Object({ requests: Type.Array(RequestOut) })]), ...errors, 409: ErrorOut },
      },
    },
    async (request) => {
      const { client_id: _c, ...input } = request.body;
      const out = await app.answerPoints.update(request.clientId!, actorOf(request.principal!, request.ip), request.params.id, input);
      return { ...answerPointOut(out), requests: out.requests.map(requestOut) };
    },
  );

  f.delete(
    '/answer-points/:id',
    { config, schema: { summary: 'Delete an answer point', description: '409 while a service uses it.', tags, security, params: IdParams, querystring: ClientQuery, response: { 204: Type.Null(), ...errors, 409: ErrorOut } } },
    async (request, reply) => {
      await app.answerPoints.remove(request.clientId!, actorOf(request.principal!, request.ip), request.params.id);
      return reply.status(204).send(null);
    },
  );

  f.put(
    '/services/:id',
    {
      config,
      schema: {
        summary: 'Change a service’s answer point, notification rules and callback settings',
        description:
          'Makes the same Telco `update` request as `POST /telco/v1/requests` (the same validation, URL policy and worker; one rule set): answers 202 with the request, which the worker carries out (`GET /telco/v1/requests/{id}`). Give `answer_point_id` or `target_number`/`target_name`, not both. Fields left out are not changed.',
        tags,
        security,
        params: IdParams,
        body: ServiceSettingsIn,
        response: { 202: Type.Object({ request: RequestOut }), ...errors, 409: ErrorOut, 422: ErrorOut },
      },
    },
    async (request, reply) => {
      const { client_id: _c, ...input } = request.body;
      const r = await app.answerPoints.changeService(request.clientId!, actorOf(request.principal!, request.ip), request.params.id, input as ServiceSettingsInput);
      reply.status(202);
      return { request: requestOut(r) };
    },
  );
}
