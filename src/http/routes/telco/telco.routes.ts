import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import { toAvanserFormat, type NumberClass } from '../../../domain/phone.ts';
import { authenticateUser, requireAccount } from '../../auth.ts';
import type { NumberRow } from '../../../storage/inventory/number.repository.ts';
import type { ServiceRow } from '../../../storage/telco/service.repository.ts';
import type { RequestRow } from '../../../storage/telco/request.repository.ts';
import * as S from './telco.schemas.ts';
import { requestWarnings, type RequestIn } from '../../../domain/telco/service-fields.ts';

export const API_VERSION = '2026-11-01';

export function numberOut(n: NumberRow) {
  return {
    number: n.number,
    number_local: toAvanserFormat(n.number),
    country: n.country,
    class: n.class,
    sms: n.sms === 1,
    voice: n.voice === 1,
    stock: n.owner_client_id === null ? 'public' : 'private',
  };
}

export function serviceOut(s: ServiceRow) {
  return {
    ...s,
    number_local: toAvanserFormat(s.number),
    call_callback_method: s.call_callback_method ?? 'GET',
    notifications: JSON.parse(s.notifications),
    ring_timeout: s.ring_timeout ?? 30,
    record: s.record === 1,
    voicemail_fallback: s.voicemail_fallback === 1,
    ivr_options: s.ivr_options ? (JSON.parse(s.ivr_options) as { digit: string }[]) : null,
    artic_queue_id: s.artic_queue_id ?? null,
    artic_menu_id: s.artic_menu_id ?? null,
  };
}

/** The call-handling fields (migration 003) as the API shows them: booleans and the IVR options as an array. */
function callFieldsOut(s: Partial<ServiceRow>) {
  const out: Record<string, unknown> = {};
  if (s.ring_timeout !== undefined) out.ring_timeout = s.ring_timeout;
  if (s.record !== undefined) out.record = s.record === 1;
  if (s.voicemail_fallback !== undefined) out.voicemail_fallback = s.voicemail_fallback === 1;
  if (s.ivr_options !== undefined) out.ivr_options = s.ivr_options ? JSON.parse(s.ivr_options) : null;
  return out;
}

export function requestOut(r: RequestRow) {
  const changes = JSON.parse(r.changes) as Record<string, unknown>;
  if (typeof changes.notifications === 'string') changes.notifications = JSON.parse(changes.notifications);
  Object.assign(changes, callFieldsOut(changes as Partial<ServiceRow>));
  delete changes.type;
  return {
    id: r.id,
    type: r.type,
    status: r.status,
    number: r.number,
    service_id: r.service_id,
    callback_uri: r.callback_uri,
    error: r.error_code ? { code: r.error_code, text: r.error_text ?? '' } : null,
    service: changes,
    created_at: r.created_at,
    updated_at: r.updated_at,
    completed_at: r.completed_at,
  };
}

const errors = { 400: S.ErrorOut, 401: S.ErrorOut, 403: S.ErrorOut, 404: S.ErrorOut };
const security = [{ basicAuth: [] }];

/** The part of the app this API uses. */
export type TelcoRoutesDeps = Pick<App, 'accounts' | 'clock' | 'inventory' | 'telco'>;

/** The Telco API: number stock, services and provisioning requests, under `/telco/v1`. */
export async function telcoRoutes(fastify: FastifyInstance, opts: { app: TelcoRoutesDeps }) {
  const { app } = opts;
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // The Telco API takes JSON only: a text/plain body would otherwise reach validation as a string ("must be object").
  fastify.removeContentTypeParser('text/plain');
  f.addHook('onRequest', authenticateUser(app.accounts));
  f.addHook('preHandler', requireAccount(app.accounts));

  const transaction = async (request: FastifyRequest) => {
    const account = await app.accounts.accountOf(request.clientId!);
    return {
      account: { client_id: Number(account.client_id), name: account.name, timezone: account.timezone },
      user: request.principal!.username,
      api_version: API_VERSION,
      request_id: request.id,
      server_time: app.clock.now().toISOString(),
    };
  };

  f.get(
    '/numbers',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'Numbers this account may order now',
        description: 'Available stock the account may order under its stock policies, its private stock first. Filter by country, class, area prefix, digits contained and SMS capability.',
        tags: ['Telco API'],
        security,
        querystring: S.NumbersQuery,
        response: { 200: Type.Object({ '@transaction': S.Transaction, numbers: Type.Array(S.NumberOut), next_cursor: Type.Union([Type.String(), Type.Null()]) }), ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const { numbers, nextCursor } = await app.inventory.listOrderable(
        request.clientId!,
        { country: q.country, class: q.class as NumberClass | undefined, area: q.area, contains: q.contains, sms: q.sms },
        q.limit ?? 100,
        q.cursor,
      );
      return { '@transaction': await transaction(request), numbers: numbers.map(numberOut), next_cursor: nextCursor };
    },
  );

  f.post(
    '/numbers/:number/recycle',
    {
      config: { permission: 'numbers' },
      schema: {
        summary: 'Recycle a quarantined private number now',
        description: 'Releases one of the account’s quarantined private numbers back to its private stock at once, when its inventory rules allow recycle on request.',
        tags: ['Telco API'],
        security,
        params: S.NumberParams,
        querystring: S.ClientQuery,
        response: { 200: Type.Object({ '@transaction': S.Transaction, number: S.NumberOut }), ...errors, 409: S.ErrorOut },
      },
    },
    async (request) => {
      const row = await app.inventory.recycle(request.clientId!, request.params.number);
      return { '@transaction': await transaction(request), number: numberOut(row) };
    },
  );

  f.get(
    '/inventory',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'Private inventory report',
        description: 'Size, use, quarantine and noise of the account’s private inventory, and its recycling rules.',
        tags: ['Telco API'],
        security,
        querystring: S.ClientQuery,
      },
    },
    async (request) => ({ '@transaction': await transaction(request), inventory: await app.inventory.report(request.clientId!) }),
  );

  f.get(
    '/services',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'List services',
        tags: ['Telco API'],
        security,
        querystring: S.ServicesQuery,
        response: { 200: Type.Object({ '@transaction': S.Transaction, services: Type.Array(S.ServiceOut), next_cursor: Type.Union([Type.String(), Type.Null()]) }), ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const { items, nextCursor } = await app.telco.listServices(request.clientId!, {
        status: q.status,
        number: q.number,
        customId: q.custom_id,
        customGroup: q.custom_group,
        limit: q.limit ?? 100,
        cursor: q.cursor,
      });
      return { '@transaction': await transaction(request), services: items.map(serviceOut), next_cursor: nextCursor };
    },
  );

  f.get(
    '/services/:id',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'One service',
        tags: ['Telco API'],
        security,
        params: S.IdParams,
        querystring: S.ClientQuery,
        response: { 200: Type.Object({ '@transaction': S.Transaction, service: S.ServiceOut }), ...errors },
      },
    },
    async (request) => ({ '@transaction': await transaction(request), service: serviceOut(await app.telco.getService(request.clientId!, request.params.id)) }),
  );

  f.post(
    '/requests',
    {
      config: { permission: 'numbers' },
      schema: {
        summary: 'Order a new service, or update or decommission one',
        description:
          'Answers 202 at once. For `new` the number is chosen (by `number` or by `criteria`) and reserved before the answer; when nothing matches the request is recorded as `failed` with `no_stock` (or `number_unavailable` for a named number). The work then runs asynchronously: `queued → processing → completed | failed`, each change reported by a GET to `callback_uri` with `request_id, type, status, service_id, number, custom_id, custom_group, error` (signed with Standard Webhooks headers, retried on the delivery schedule). Unknown `[[tags]]` in `service.call_callback_uri` are accepted, sent empty and listed in `warnings`. A URL that resolves to a private, loopback or link-local address is refused with 422 in production mode (or when TT_ALLOW_PRIVATE_URLS=false).',
        tags: ['Telco API'],
        security,
        body: S.RequestIn,
        response: { 202: Type.Object({ '@transaction': S.Transaction, request: S.RequestOut, warnings: Type.Optional(Type.Array(S.Warning)) }), ...errors, 409: S.ErrorOut, 422: S.ErrorOut },
      },
    },
    async (request, reply) => {
      const { client_id: _ignored, ...input } = request.body;
      const row = await app.telco.createRequest({ userId: request.principal!.userId, clientId: request.clientId! }, input as RequestIn);
      reply.status(202);
      const warnings = requestWarnings(input as RequestIn);
      return { '@transaction': await transaction(request), request: requestOut(row), ...(warnings.length ? { warnings } : {}) };
    },
  );

  f.get(
    '/requests',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'List requests, newest first',
        tags: ['Telco API'],
        security,
        querystring: S.RequestsQuery,
        response: { 200: Type.Object({ '@transaction': S.Transaction, requests: Type.Array(S.RequestOut), next_cursor: Type.Union([Type.String(), Type.Null()]) }), ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const { items, nextCursor } = await app.telco.listRequests(request.clientId!, { status: q.status, type: q.type, serviceId: q.service_id, limit: q.limit ?? 100, cursor: q.cursor });
      return { '@transaction': await transaction(request), requests: items.map(requestOut), next_cursor: nextCursor };
    },
  );

  f.get(
    '/requests/:id',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'One request (poll its status)',
        tags: ['Telco API'],
        security,
        params: S.IdParams,
        querystring: S.ClientQuery,
        response: { 200: Type.Object({ '@transaction': S.Transaction, request: S.RequestOut }), ...errors },
      },
    },
    async (request) => ({ '@transaction': await transaction(request), request: requestOut(await app.telco.getRequest(request.clientId!, request.params.id)) }),
  );
}
