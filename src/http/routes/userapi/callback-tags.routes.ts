import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import { CALLBACK_TAG_INFO } from '../../../domain/delivery/callback-tags.ts';
import { authenticateUser, requireAccount } from '../../auth.ts';
import { ClientQuery, errors, security, tags } from './userapi.schemas.ts';

const GROUPS = ['call', 'numbers', 'time', 'features', 'ivr', 'dni', 'google_analytics', 'recording', 'parties', 'sentiment', 'custom'];

const CallbackTagOut = Type.Object({
  tag: Type.String({ description: 'The tag’s name, e.g. `clientid`, `dl:source` (matched case-insensitively in a template).' }),
  placeholder: Type.String({ description: 'The tag as written in a callback URL, e.g. `[[clientid]]`.' }),
  name: Type.String({ description: 'The parameter’s name in the AVANSER HTTP Callback parameter list.' }),
  description: Type.String({ description: 'What the tag is replaced with, in one line (the AVANSER parameter list’s description).' }),
  group: Type.String({ enum: GROUPS, description: 'A group to show it under in a tag picker.' }),
});

/** The part of the app this API uses. */
export type CallbackTagsRoutesDeps = Pick<App, 'accounts'>;

/** The HTTP Callback tag list under `/userapi/v1/callback-tags`, for a callback URL's tag picker. */
export async function callbackTagsRoutes(fastify: FastifyInstance, opts: { app: CallbackTagsRoutesDeps }) {
  const { app } = opts;
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();
  f.addHook('onRequest', authenticateUser(app.accounts));
  f.addHook('preHandler', requireAccount(app.accounts));

  f.get(
    '/callback-tags',
    {
      config: { permission: 'read' },
      schema: {
        tags,
        security,
        summary: 'The HTTP Callback tags',
        description:
          'Every `[[tag]]` a service’s `call_callback_uri` may hold, in the order of the AVANSER parameter list, each with its name, a one-line meaning and a group. When a call is finalized each tag is replaced by its value, URL-encoded; unknown tags are sent empty. Conventions: numbers in `[[bnum]]`, `[[ani]]`, `[[target]]` are `+CC-LOCAL` (`Private` for a withheld caller), `*:e164` tags are E.164, `[[tzdate]]` is ISO 8601 in the account’s time zone, `[[call:utcdate]]` ISO 8601 UTC, `[[calldate]]` `dd/mm/yyyy`, `[[ucalldate]]` the call’s start and `[[unixtime]]` its finalization in unix seconds, sentiment flags `1`/`0`. The list is the same for every account.',
        querystring: ClientQuery,
        response: { 200: Type.Object({ tags: Type.Array(CallbackTagOut) }), ...errors },
      },
    },
    async () => ({ tags: [...CALLBACK_TAG_INFO] }),
  );
}
