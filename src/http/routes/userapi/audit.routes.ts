import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import { authenticateUser, requireAccount } from '../../auth.ts';
import { ClientIdField, errors, Nullable, security, tags } from './userapi.schemas.ts';

export type AuditRoutesDeps = Pick<App, 'accounts' | 'userAdmin'>;

const EntryOut = Type.Object({
  id: Type.String(),
  at: Type.String(),
  actor: Type.Object({
    user_id: Nullable(Type.String()),
    name: Type.String({ description: 'The user name, the API key’s name, `cli` or `system`.' }),
    via: Type.String({ description: 'basic, session, api_key, cli or system.' }),
    via_id: Nullable(Type.String({ description: 'The session or API key id.' })),
    address: Nullable(Type.String()),
  }),
  action: Type.String({ description: '`<area>.<verb>`, e.g. `user.role`, `api_key.create`, `password_policy.update`.' }),
  target: Nullable(Type.String()),
  detail: Nullable(Type.Record(Type.String(), Type.Unknown())),
});

/** The account's audit log (permission `audit`). */
export async function auditRoutes(fastify: FastifyInstance, opts: { app: AuditRoutesDeps }) {
  const { app } = opts;
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();
  f.addHook('onRequest', authenticateUser(app.accounts));
  f.addHook('preHandler', requireAccount(app.accounts));

  f.get(
    '/audit',
    {
      config: { permission: 'audit' },
      schema: {
        tags,
        security,
        summary: 'Audit log',
        description: 'Who changed what in the account, when, and through which session or API key; newest first, keyset-paged with `cursor`.',
        querystring: Type.Object(
          {
            client_id: ClientIdField,
            action: Type.Optional(Type.String({ maxLength: 60, description: 'Only this action, e.g. `user.role`.' })),
            user_id: Type.Optional(Type.String({ maxLength: 64, description: 'Only changes made by this user.' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
            cursor: Type.Optional(Type.String({ maxLength: 300, description: 'From the previous page’s `next_cursor`.' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ entries: Type.Array(EntryOut), next_cursor: Nullable(Type.String()) }), ...errors },
      },
    },
    async (request) => app.userAdmin.listAudit(request.clientId!, { limit: request.query.limit ?? 50, cursor: request.query.cursor, action: request.query.action, userId: request.query.user_id }),
  );
}
