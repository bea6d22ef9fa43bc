import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import { authenticateUser, requireAccount } from '../../auth.ts';
import { ApiKeyOut, ClientIdField, ClientQuery, errors, IdParams, RoleIn, security, tags } from './userapi.schemas.ts';

export type ApiKeysRoutesDeps = Pick<App, 'accounts' | 'userAdmin'>;

/** API keys for integrations (permission `integrations`): one account, one role, shown once. */
export async function apiKeysRoutes(fastify: FastifyInstance, opts: { app: ApiKeysRoutesDeps }) {
  const { app } = opts;
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();
  f.addHook('onRequest', authenticateUser(app.accounts));
  f.addHook('preHandler', requireAccount(app.accounts));
  const config = { permission: 'integrations' as const };

  f.get(
    '/api-keys',
    { config, schema: { tags, security, summary: 'API keys of the account', description: 'Without their secret.', querystring: ClientQuery, response: { 200: Type.Object({ api_keys: Type.Array(ApiKeyOut) }), ...errors } } },
    async (request) => ({ api_keys: await app.userAdmin.listApiKeys(request.clientId!) }),
  );

  f.post(
    '/api-keys',
    {
      config,
      schema: {
        tags,
        security,
        summary: 'Create an API key',
        description: 'The key (`ttk_…`, shown once, stored hashed) acts on this account alone with the given role (not above the creator’s own): send it as `Authorization: Bearer <key>` on any API.',
        querystring: ClientQuery,
        body: Type.Object({ client_id: ClientIdField, name: Type.String({ minLength: 1, maxLength: 100 }), role: RoleIn }, { additionalProperties: false }),
        response: { 201: Type.Object({ ...ApiKeyOut.properties, key: Type.String({ description: 'The key itself, shown once.' }) }), ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await app.userAdmin.createApiKey({ principal: request.principal!, address: request.ip }, request.clientId!, request.body)),
  );

  f.delete(
    '/api-keys/:id',
    { config, schema: { tags, security, summary: 'Revoke an API key', description: 'Refused from then on (401).', params: IdParams, querystring: ClientQuery, response: { 200: ApiKeyOut, ...errors } } },
    async (request) => app.userAdmin.revokeApiKey({ principal: request.principal!, address: request.ip }, request.clientId!, request.params.id),
  );
}
