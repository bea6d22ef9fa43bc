import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { App } from '../../../app.ts';
import { authenticateUser, requireAccount } from '../../auth.ts';
import { ClientQuery, errors, PolicyIn, PolicyOut, security, tags } from './userapi.schemas.ts';

export type PasswordPolicyRoutesDeps = Pick<App, 'accounts' | 'userAdmin'>;

/** The account's password policy (permission `account`). */
export async function passwordPolicyRoutes(fastify: FastifyInstance, opts: { app: PasswordPolicyRoutesDeps }) {
  const { app } = opts;
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();
  f.addHook('onRequest', authenticateUser(app.accounts));
  f.addHook('preHandler', requireAccount(app.accounts));
  const config = { permission: 'account' as const };

  f.get(
    '/password-policy',
    { config, schema: { tags, security, summary: 'The account’s password policy', description: 'A user in several accounts is held to the strictest of their policies.', querystring: ClientQuery, response: { 200: PolicyOut, ...errors } } },
    async (request) => app.userAdmin.getPolicy(request.clientId!),
  );

  f.put(
    '/password-policy',
    { config, schema: { tags, security, summary: 'Change the password policy', description: 'Settings left out keep their value. Length, classes and history apply to passwords set from now on; expiry, lockout and inactivity at the next sign-in.', querystring: ClientQuery, body: PolicyIn, response: { 200: PolicyOut, ...errors } } },
    async (request) => {
      const { client_id: _c, ...patch } = request.body;
      return app.userAdmin.savePolicy({ principal: request.principal!, address: request.ip }, request.clientId!, patch);
    },
  );
}
