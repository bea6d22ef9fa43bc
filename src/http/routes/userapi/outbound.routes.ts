import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import { actorOf } from '../../../services/accounts/audit.service.ts';
import { outboundOut } from '../../../services/calls/outbound-call.service.ts';
import { OUTBOUND_STATUSES } from '../../../domain/calls/outbound-status.ts';
import { authenticateUser, requireAccount } from '../../auth.ts';
import { ClientId, ClientQuery, ErrorOut, errors, IdParams, Nullable, security, tags } from './integrations.schemas.ts';

const OutboundIn = Type.Object(
  {
    client_id: ClientId,
    service_id: Type.String({ maxLength: 64, description: 'A live service of the account: its number is the caller id both parties see, and the call is tracked on it.' }),
    customer_number: Type.String({ maxLength: 40, description: 'Who to call, E.164.' }),
    agent_number: Type.Optional(Type.String({ maxLength: 40, description: 'The agent rung first, E.164. Default: the service’s answer point.' })),
    answer_point_id: Type.Optional(Type.String({ maxLength: 64, description: 'A named answer point to ring first instead (not with agent_number).' })),
  },
  { additionalProperties: false },
);

const OutboundOut = Type.Object({
  id: Type.String({ description: '`oc_…`' }),
  status: Type.String({
    enum: [...OUTBOUND_STATUSES],
    description:
      'dialling_agent: the carrier rings the agent; connected: the agent answered and the customer is dialled, the call is tracked as `call_id` (its record tells how it went: answered, busy, no answer…). Final without a call record (the agent never answered; `ended_at` is set): agent_no_answer, agent_busy (the carrier’s status callback for the agent leg said so), failed (the agent leg failed, or the service stopped being live), cancelled (the agent hung up while it rang, before the customer was dialled), expired (no word from the carrier within the ring timeout plus a margin: the answer point’s ring timeout or 60 s, plus 60 s; ended by the worker’s periodic sweep).',
  }),
  service_id: Type.String(),
  tracking_number: Type.String({ description: 'The caller id shown (the service’s number).' }),
  agent_number: Type.String(),
  customer_number: Type.String(),
  answer_point_id: Nullable(Type.String()),
  call_id: Nullable(Type.Integer({ description: 'The call (`direction: call-out`) once the agent answered; see /webapi/v1/calls/{id}.' })),
  created_at: Type.String(),
  updated_at: Type.String(),
  ended_at: Nullable(Type.String({ description: 'When an attempt whose agent never answered ended (agent_no_answer, agent_busy, failed, cancelled, expired); null otherwise (a connected call’s end is on its call record).' })),
});

/** The part of the app this API uses. */
export type OutboundRoutesDeps = Pick<App, 'accounts' | 'outboundCalls'>;

/** Click-to-call under `/userapi/v1/calls/outbound`. */
export async function outboundRoutes(fastify: FastifyInstance, opts: { app: OutboundRoutesDeps }) {
  const { app } = opts;
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();
  f.addHook('onRequest', authenticateUser(app.accounts));
  f.addHook('preHandler', requireAccount(app.accounts));

  f.post(
    '/calls/outbound',
    {
      config: { permission: 'dial' },
      schema: {
        summary: 'Click-to-call: ring the agent, then the customer',
        description:
          'The carrier rings the agent (`agent_number`, the named `answer_point_id`, or by default the service’s answer point) from the service’s number; when the agent answers it dials the customer with the service’s number as the caller id. The call is tracked as a call with `direction: call-out` (`[[call:direction]]`): its caller is the agent, its target the customer, and it is finalized, called back, notified and published (`call.finalized`) like any call. Answers 202 with the attempt. The sandbox carrier supports it: play the agent answering (or not answering, being busy, failing, hanging up) with `POST /sandbox/v1/outbound/{id}`. If the agent never answers there is no call record: the attempt ends as agent_no_answer, agent_busy, failed, cancelled or expired (see `status`), and `GET /userapi/v1/calls/outbound/{id}` shows it. In production mode Telltale has no carrier REST client to start the agent leg yet (it comes with the carrier integration): 422 says so.',
        tags,
        security,
        body: OutboundIn,
        response: { 202: OutboundOut, ...errors, 409: ErrorOut, 422: ErrorOut },
      },
    },
    async (request, reply) => {
      const { client_id: _c, ...input } = request.body;
      const row = await app.outboundCalls.start(request.clientId!, actorOf(request.principal!, request.ip), input);
      reply.status(202);
      return outboundOut(row);
    },
  );

  f.get(
    '/calls/outbound/:id',
    {
      config: { permission: 'read' },
      schema: { summary: 'One click-to-call attempt (its status and call)', description: 'The attempt as it stands: still ringing its agent, connected (with its `call_id`), or ended without a call record (`status` and `ended_at`).', tags, security, params: IdParams, querystring: ClientQuery, response: { 200: OutboundOut, ...errors } },
    },
    async (request) => outboundOut(await app.outboundCalls.get([request.clientId!], request.params.id)),
  );
}
