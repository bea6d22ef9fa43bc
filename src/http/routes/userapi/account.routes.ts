import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import { actorOf } from '../../../services/accounts/audit.service.ts';
import { authenticateUser, requireAccount } from '../../auth.ts';
import { ClientIdField, ClientQuery, errors, security, tags } from './userapi.schemas.ts';

const AccountSettingsOut = Type.Object({
  client_id: Type.Integer({ description: 'The account number (`[[clientid]]` of HTTP Callbacks).' }),
  name: Type.String({ description: 'The account’s name, as the UserAPI’s account lists show it.' }),
  timezone: Type.String({ description: 'IANA time zone of the account: local times of reports, feeds, exports and `[[tzdate]]` are in it.' }),
  auto_test_call: Type.Boolean({ description: 'Whether a test call is placed automatically when a service of the account goes live.' }),
  created_at: Type.String({ description: 'When the account was created (UTC, ISO 8601).' }),
});

const AccountSettingsIn = Type.Object(
  {
    client_id: ClientIdField,
    name: Type.Optional(Type.String({ maxLength: 200, description: '1–200 characters (spaces around it are dropped).' })),
    timezone: Type.Optional(Type.String({ maxLength: 64, description: 'An IANA time zone such as `Australia/Perth`, `Europe/London` or `UTC` (400 naming `timezone` otherwise).' })),
    auto_test_call: Type.Optional(Type.Boolean({ description: 'Place a test call when a service goes live.' })),
  },
  { additionalProperties: false },
);

const SECRET_SIGNS =
  'It signs every HTTP delivery of the account’s own settings: HTTP Callbacks of finalized calls (`call_callback_uri`), SMS Forwards and the Telco API’s request-status callbacks, with Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature` = `v1,` HMAC-SHA256 over `id.timestamp.payload`, where the payload is the body of a POST and the full URL of a GET). Event subscriptions have secrets of their own.';

const WebhookSecretOut = Type.Object({
  webhook_secret: Type.String({ description: 'The account’s Standard Webhooks secret, `whsec_` and base64: give it to `new Webhook(secret)` of any Standard Webhooks library to verify deliveries.' }),
});

/** The part of the app this API uses. */
export type AccountRoutesDeps = Pick<App, 'accounts' | 'accountSettings'>;

/** The current account's settings under `/userapi/v1/account`: name, time zone, automatic test calls; the webhook secret. */
export async function accountRoutes(fastify: FastifyInstance, opts: { app: AccountRoutesDeps }) {
  const { app } = opts;
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();
  f.addHook('onRequest', authenticateUser(app.accounts));
  f.addHook('preHandler', requireAccount(app.accounts));

  f.get(
    '/account',
    {
      config: { permission: 'read' },
      schema: {
        tags,
        security,
        summary: 'The account’s settings',
        description: 'The account the request acts on (`client_id`, else the session’s current account, else the only one): its number, name, time zone, automatic test calls and creation time. The webhook secret is not shown here (`GET /userapi/v1/account/webhook-secret`).',
        querystring: ClientQuery,
        response: { 200: AccountSettingsOut, ...errors },
      },
    },
    async (request) => app.accountSettings.get(request.clientId!),
  );

  f.patch(
    '/account',
    {
      config: { permission: 'account' },
      schema: {
        tags,
        security,
        summary: 'Change the account’s settings',
        description:
          'Changes the settings given; those left out keep their value. A new time zone applies from now on to reports, feeds, exports and the local times of HTTP Callbacks (`[[tzdate]]`); calls recorded earlier keep the zone they were recorded in. Audited as `account.update` with each change (from, to); a request that changes nothing writes no entry. A bad value is a 400 naming the field.',
        querystring: ClientQuery,
        body: AccountSettingsIn,
        response: { 200: AccountSettingsOut, ...errors },
      },
    },
    async (request) => {
      const { client_id: _c, ...patch } = request.body;
      return app.accountSettings.update(request.clientId!, actorOf(request.principal!, request.ip), patch);
    },
  );

  f.get(
    '/account/webhook-secret',
    {
      config: { permission: 'integrations' },
      schema: {
        tags,
        security,
        summary: 'The webhook signing secret',
        description: `The secret the account’s HTTP deliveries are signed with now. ${SECRET_SIGNS}`,
        querystring: ClientQuery,
        response: { 200: WebhookSecretOut, ...errors },
      },
    },
    async (request) => ({ webhook_secret: await app.accountSettings.webhookSecret(request.clientId!) }),
  );

  f.post(
    '/account/webhook-secret',
    {
      config: { permission: 'integrations' },
      schema: {
        tags,
        security,
        summary: 'Rotate the webhook signing secret',
        description: `Replaces the secret with a new one and answers it. ${SECRET_SIGNS} The old secret stops working at once: every delivery attempt from now on (retries and redeliveries of earlier deliveries too) is signed with the new one, so a receiver still verifying with the old secret rejects them until it is given the new one (a worker batch already under way may still sign its last attempts with the old secret). Audited as \`account.webhook_secret_rotate\`, without the secret.`,
        querystring: ClientQuery,
        response: { 200: WebhookSecretOut, ...errors },
      },
    },
    async (request) => ({ webhook_secret: await app.accountSettings.rotateWebhookSecret(request.clientId!, actorOf(request.principal!, request.ip)) }),
  );
}
