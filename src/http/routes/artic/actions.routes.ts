import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import { authenticateUser, requireAccount } from '../../auth.ts';
import type { AgentAction } from '../../../services/artic/agent-actions.service.ts';
import { ClientId } from '../userapi/integrations.schemas.ts';
import { ClientQuery, errors, IdParams, security, tags } from './config.schemas.ts';

export type ArticActionsDeps = Pick<App, 'accounts' | 'agentActions'>;

const StateOut = Type.Object({
  id: Type.String(),
  name: Type.String(),
  answer_point: Type.String({ description: 'E.164 or a sip: URI: where offers ring.' }),
  state: Type.String({ enum: ['logged_out', 'available', 'ringing', 'on_call', 'wrapup', 'paused'] }),
  state_since: Type.Union([Type.String(), Type.Null()]),
  pause_reason: Type.Union([Type.String(), Type.Null()]),
  pending_action: Type.Union([Type.String(), Type.Null()], { description: 'A pause (`pause:<reason>`) or `logoff` asked for during a call: carried out when the call ends.' }),
  logged_in_at: Type.Union([Type.String(), Type.Null()]),
});
const Body = (props: Record<string, ReturnType<typeof Type.String>>, required: boolean) =>
  Type.Object({ client_id: Type.Optional(ClientId), ...Object.fromEntries(Object.entries(props).map(([k, v]) => [k, required ? v : Type.Optional(v)])) }, { additionalProperties: false });
const AnswerPoint = Type.String({ minLength: 1, maxLength: 200, description: 'E.164 (national Australian forms accepted) or `sip:user@host`.' });
const Reason = Type.String({ minLength: 1, maxLength: 40, description: 'The pause reason code (letters, digits, spaces, `.`, `-`, `_`), e.g. `lunch`, `training`.' });

const WHO = 'An agent acts for themselves (the user linked to the agent, by session or API key); a supervisor agent also for the agents of their teams; a user whose role has `settings` for every agent of the account. Another agent: 403; another account’s: 404.';

/**
 * The ARTIC actions API under `/artic/v1`: log in and out, pause (with a reason) and unpause, set the answer point,
 * and the signed-in user's own agent. Each change writes its queue journal event (AGENTLOGIN, AGENTLOGOFF, PAUSE,
 * UNPAUSE) in the same transaction.
 */
export async function articActionsRoutes(fastify: FastifyInstance, opts: { app: ArticActionsDeps }) {
  const { app } = opts;
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();
  f.addHook('onRequest', authenticateUser(app.accounts));
  f.addHook('preHandler', requireAccount(app.accounts));
  const response = { 200: StateOut, ...errors };

  f.get('/me', { config: { permission: 'self' }, schema: { tags, security, summary: 'My agent', description: 'The agent linked to the signed-in user, with its live state (404 when none is).', querystring: ClientQuery, response } }, async (request) =>
    app.agentActions.myAgent(request.principal!, request.clientId!),
  );

  const act = (path: string, summary: string, description: string, body: ReturnType<typeof Body>, toAction: (b: Record<string, string>) => AgentAction) =>
    f.post(
      `/agents/:id/${path}`,
      { config: { permission: 'self' }, schema: { tags, security, summary, description: `${description} ${WHO}`, params: IdParams, body, response } },
      async (request) => app.agentActions.act(request.principal!, request.clientId!, request.params.id, toAction(request.body as Record<string, string>)),
    );
  act('login', 'Log an agent in', 'The agent becomes available for offers (AGENTLOGIN), at `answer_point` when given. 409 when already logged in.', Body({ answer_point: AnswerPoint }, false), (b) => ({ kind: 'login', answerPoint: b.answer_point }));
  act('logout', 'Log an agent off', 'An open pause ends first (UNPAUSE, then AGENTLOGOFF). During a call the log-off waits for its end (`pending_action`). 409 when not logged in.', Body({}, false), () => ({ kind: 'logout' }));
  act('pause', 'Pause an agent', 'No offers until unpaused (PAUSE with the reason; a pause with another reason ends the first). During a call it takes effect at the call’s end. 409 when not logged in.', Body({ reason: Reason }, true), (b) => ({ kind: 'pause', reason: b.reason }));
  act('unpause', 'Unpause an agent', 'Available again (UNPAUSE with the paused time); a pause still pending is withdrawn. 409 when not paused.', Body({}, false), () => ({ kind: 'unpause' }));
  act('answer-point', 'Set an agent’s answer point', 'Where the next offers ring: a phone number or a sip: URI.', Body({ answer_point: AnswerPoint }, true), (b) => ({ kind: 'answer_point', answerPoint: b.answer_point }));
}
