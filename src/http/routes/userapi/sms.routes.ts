import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { App } from '../../../app.ts';
import { authenticateUser, requireAccount } from '../../auth.ts';
import * as S from './callwork.schemas.ts';

/** The part of the app these routes use. */
export type UserapiSmsRoutesDeps = Pick<App, 'accounts' | 'callWork'>;

/** UserAPI received SMS under `/userapi/v1`. */
export async function userapiSmsRoutes(fastify: FastifyInstance, opts: { app: UserapiSmsRoutesDeps }) {
  const { app } = opts;
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();
  f.addHook('onRequest', authenticateUser(app.accounts));
  f.addHook('preHandler', requireAccount(app.accounts));

  f.get(
    '/sms',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'Received SMS',
        description: 'Messages received on the account’s numbers, newest first by default; filters `from`/`to` (account time) and `number`; keyset paging (`next_cursor` → `cursor`).',
        tags: S.tags,
        security: S.security,
        querystring: S.SmsQuery,
        response: { 200: S.SmsListOut, ...S.errors },
      },
    },
    async (request) => {
      const q = request.query;
      return app.callWork.sms.list(request.clientId!, { ...q, order: q.order as 'asc' | 'desc' | undefined });
    },
  );
}
