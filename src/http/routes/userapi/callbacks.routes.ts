import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import { CALLBACK_TAG_INFO } from '../../../domain/delivery/callback-tags.ts';
import { authenticateUser, requireAccount } from '../../auth.ts';
import { ClientIdField, ClientQuery, errors, IdParams, Nullable, security, tags } from './userapi.schemas.ts';

const GROUPS = ['call', 'numbers', 'time', 'features', 'ivr', 'dni', 'google_analytics', 'recording', 'parties', 'sentiment', 'custom'];

const CallbackTagOut = Type.Object({
  tag: Type.String({ description: 'The tag’s name, e.g. `clientid`, `dl:source` (matched case-insensitively in a template).' }),
  placeholder: Type.String({ description: 'The tag as written in a callback URL, e.g. `[[clientid]]`.' }),
  name: Type.String({ description: 'The parameter’s name in the AVANSER HTTP Callback parameter list.' }),
  description: Type.String({ description: 'What the tag is replaced with, in one line (the AVANSER parameter list’s description).' }),
  group: Type.String({ enum: GROUPS, description: 'A group to show it under in a tag picker.' }),
});

const TestCallbackIn = Type.Object(
  {
    client_id: ClientIdField,
    url: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2000,
        description: 'A draft callback URL template (with `[[tag]]`s) to try before saving it; default: the service’s saved `call_callback_uri`. Must be http(s) once its tags are filled (400 naming `url` otherwise, or when neither exists).',
      }),
    ),
  },
  { additionalProperties: false },
);

const TestCallbackOut = Type.Object({
  url: Type.String({ description: 'The URL as sent: the template with every tag replaced (URL-encoded).' }),
  method: Type.String({ enum: ['GET', 'POST'], description: 'The service’s `call_callback_method` (POST also sent the JSON body of every tag’s value).' }),
  sample: Type.String({ enum: ['latest_call', 'synthetic'], description: '`latest_call`: the service’s most recent finalized call filled the tags; `synthetic`: it has none yet, so the documented synthetic call did.' }),
  call_id: Type.Optional(Type.Integer({ description: 'The call that filled the tags (`latest_call` only).' })),
  webhook_id: Type.String({ description: 'The fresh `webhook-id` the request carried (signed like any delivery; not in the delivery log).' }),
  status: Nullable(Type.Integer({ description: 'The receiver’s HTTP status; null when no answer came.' })),
  ok: Type.Boolean({ description: 'The receiver answered 2xx (what the delivery engine counts as delivered).' }),
  latency_ms: Type.Integer({ description: 'From the start of the request to the complete answer (or the failure).' }),
  response_excerpt: Nullable(Type.String({ description: 'The first 2,000 characters of the answer’s body, as text (the delivery log’s excerpt); null when no answer came.' })),
  error: Nullable(
    Type.String({
      description:
        'null when ok; else why: `the receiver answered HTTP <status>`, `timeout: …` (no complete answer within TT_DELIVERY_TIMEOUT_MS), `connection refused: …`, `DNS: the host name does not resolve: …`, `TLS: …`, `connection reset: …`, `refused by the outbound URL policy: …` (production: a non-public address), or the transport’s own message.',
    }),
  ),
});

/** The part of the app this API uses. */
export type CallbacksRoutesDeps = Pick<App, 'accounts' | 'callbackTests'>;

/**
 * HTTP Callback tools under `/userapi/v1`: the tag list for a callback URL's tag picker, and a service's test callback
 * (permission `numbers`, the permission of `PUT /userapi/v1/services/{id}` in answer-points.routes.ts).
 */
export async function callbacksRoutes(fastify: FastifyInstance, opts: { app: CallbacksRoutesDeps }) {
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

  f.post(
    '/services/:id/test-callback',
    {
      config: { permission: 'numbers' },
      schema: {
        tags,
        security,
        summary: 'Try a service’s HTTP Callback now',
        description:
          'Renders the callback URL template — the draft `url` of the body, else the service’s saved `call_callback_uri` — with the values of a sample call and sends it once, now, the way the delivery engine sends an HTTP Callback: the service’s method (GET, or POST with the JSON body of every tag’s value), the same `user-agent` and Standard Webhooks headers signed with the account’s webhook secret (a fresh `webhook-id`; the payload is the full URL of a GET, the body of a POST), the same connect timeout, hard deadline (TT_DELIVERY_TIMEOUT_MS) and outbound URL policy (in production a non-public address is refused). The answer comes when the attempt has ended. It is not retried and writes no delivery (the delivery log does not show it). The sample call is the service’s most recent finalized call, else a synthetic one: the service’s numbers, names and custom id/group, a call-in from +61255501234 (Sydney, NSW, AU) that started a minute ago and lasted 42 s (Answered, code 0), call id 0, unique id `TEST-<unix>.000000`, label `test callback`, IVR `1`, feature `Product` = `Test`, a DNI visit (google / cpc / `test-callback`, page https://www.example.com/, GA codes 1234567890.1700000000, gclid `test-gclid`), no recording, no sentiment. 404 for a service of another account.',
        params: IdParams,
        body: TestCallbackIn,
        response: { 200: TestCallbackOut, ...errors },
      },
    },
    async (request) => app.callbackTests.send(request.clientId!, request.params.id, request.body.url),
  );
}
