import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import { authenticateUser, requireAccount } from '../../auth.ts';
import { ClientIdField, ClientQuery, errors, IdParams, Nullable, RoleIn, security, tags, UserOut } from './userapi.schemas.ts';

export type UsersRoutesDeps = Pick<App, 'accounts' | 'userAdmin'>;

const ctx = (request: FastifyRequest) => ({ principal: request.principal!, address: request.ip });

/** Users and roles of an account (permission `users`), and the open invitation acceptance. */
export async function usersRoutes(fastify: FastifyInstance, opts: { app: UsersRoutesDeps }) {
  const { app } = opts;
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();

  f.post(
    '/invitations/accept',
    {
      schema: {
        tags,
        summary: 'Accept an invitation',
        description: 'Sets the invited user’s password (the account’s password policy applies; 400 names `password`). The token works once and for 7 days; then sign in with POST /userapi/v1/session.',
        body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }), password: Type.String({ maxLength: 1024 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ username: Type.String() }), ...errors },
      },
    },
    async (request) => app.userAdmin.acceptInvitation(request.body.token, request.body.password, request.ip),
  );

  await fastify.register(async (g) => {
    const a = g.withTypeProvider<TypeBoxTypeProvider>();
    a.addHook('onRequest', authenticateUser(app.accounts));
    a.addHook('preHandler', requireAccount(app.accounts));
    const config = { permission: 'users' as const };

    a.get(
      '/users',
      { config, schema: { tags, security, summary: 'Users of the account', description: 'Every user of the account with their role and status.', querystring: ClientQuery, response: { 200: Type.Object({ users: Type.Array(UserOut) }), ...errors } } },
      async (request) => ({ users: await app.userAdmin.listUsers(request.clientId!) }),
    );

    a.post(
      '/users',
      {
        config,
        schema: {
          tags,
          security,
          summary: 'Create or invite a user',
          description:
            'With `password` (checked against the account’s password policy) the user can sign in at once. Without, the answer carries an invitation token (shown once, valid 7 days) the user redeems with POST /userapi/v1/invitations/accept. Only owners create owners; roles up to the caller’s own.',
          querystring: ClientQuery,
          body: Type.Object(
            {
              client_id: ClientIdField,
              username: Type.String({ minLength: 1, maxLength: 100, description: 'Letters, digits and . _ @ + -' }),
              email: Type.Optional(Nullable(Type.String({ maxLength: 254 }))),
              role: RoleIn,
              password: Type.Optional(Type.String({ maxLength: 1024 })),
            },
            { additionalProperties: false },
          ),
          response: { 201: Type.Object({ user: UserOut, invitation: Nullable(Type.Object({ token: Type.String({ description: 'Shown once.' }), expires_at: Type.String() })) }), ...errors },
        },
      },
      async (request, reply) => reply.status(201).send(await app.userAdmin.createUser(ctx(request), request.clientId!, request.body)),
    );

    a.get(
      '/users/:id',
      { config, schema: { tags, security, summary: 'One user of the account', params: IdParams, querystring: ClientQuery, response: { 200: UserOut, ...errors } } },
      async (request) => app.userAdmin.getUser(request.clientId!, request.params.id),
    );

    a.put(
      '/users/:id/role',
      {
        config,
        schema: {
          tags,
          security,
          summary: 'Change a user’s role',
          description: 'Only owners grant or revoke owner; nobody changes their own role; the account keeps at least one enabled owner (409).',
          params: IdParams,
          querystring: ClientQuery,
          body: Type.Object({ client_id: ClientIdField, role: RoleIn }, { additionalProperties: false }),
          response: { 200: UserOut, ...errors },
        },
      },
      async (request) => app.userAdmin.changeRole(ctx(request), request.clientId!, request.params.id, request.body.role),
    );

    for (const [verb, disabled] of [['disable', true], ['enable', false]] as const) {
      a.post(
        `/users/:id/${verb}`,
        {
          config,
          schema: {
            tags,
            security,
            summary: disabled ? 'Disable a user in the account' : 'Enable a user again',
            description: disabled
              ? 'The user keeps their other accounts but no longer reaches this one (their requests are refused at once). The last enabled owner cannot be disabled.'
              : 'Reaches the account again; also ends a lockout (failed sign-ins or inactivity).',
            params: IdParams,
            querystring: ClientQuery,
            response: { 200: UserOut, ...errors },
          },
        },
        async (request) => app.userAdmin.setDisabled(ctx(request), request.clientId!, request.params.id, disabled),
      );
    }

    a.delete(
      '/users/:id',
      { config, schema: { tags, security, summary: 'Remove a user from the account', description: 'A user left without any account is deleted. The last enabled owner cannot be removed.', params: IdParams, querystring: ClientQuery, response: { 204: Type.Null(), ...errors } } },
      async (request, reply) => {
        await app.userAdmin.removeUser(ctx(request), request.clientId!, request.params.id);
        return reply.status(204).send(null);
      },
    );

    a.post(
      '/users/:id/password-reset',
      {
        config,
        schema: {
          tags,
          security,
          summary: 'Reset a user’s password',
          description: 'Sets a temporary password (shown once) that must be changed at the next sign-in; the user’s sessions end and any lockout is lifted. Refused for a user who also reaches accounts where the caller may not manage users.',
          params: IdParams,
          querystring: ClientQuery,
          response: { 200: Type.Object({ temporary_password: Type.String() }), ...errors },
        },
      },
      async (request) => app.userAdmin.resetPassword(ctx(request), request.clientId!, request.params.id),
    );
  });
}
