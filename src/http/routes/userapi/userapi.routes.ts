import type { FastifyInstance } from 'fastify';
import type { App } from '../../../app.ts';
import { apiKeysRoutes } from './api-keys.routes.ts';
import { auditRoutes } from './audit.routes.ts';
import { passwordPolicyRoutes } from './password-policy.routes.ts';
import { sessionRoutes } from './session.routes.ts';
import { usersRoutes } from './users.routes.ts';

/** The part of the app the UserAPI's identity routes use. */
export type UserapiRoutesDeps = Pick<App, 'accounts' | 'userAdmin' | 'audit' | 'config'>;

/** UserAPI identity under `/userapi/v1`: sign-in and sessions, accounts, users and roles, API keys, password policy, audit. */
export async function userapiRoutes(fastify: FastifyInstance, opts: { app: UserapiRoutesDeps }) {
  const { app } = opts;
  await fastify.register(sessionRoutes, { app });
  await fastify.register(usersRoutes, { app });
  await fastify.register(apiKeysRoutes, { app });
  await fastify.register(passwordPolicyRoutes, { app });
  await fastify.register(auditRoutes, { app });
}
