import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import type { App } from '../../../app.ts';
import { authenticateUser, requireAccount } from '../../auth.ts';
import { actorOf } from '../../../services/accounts/audit.service.ts';
import { RULE_FIELDS } from '../../../domain/dni/rules.ts';
import { CLIENT_ID_MAX, ErrorOut } from '../telco/telco.schemas.ts';

const ClientQuery = Type.Object({ client_id: Type.Optional(Type.Integer({ minimum: 1, maximum: CLIENT_ID_MAX, description: 'The account to act on; required when the user reaches several accounts.' })) }, { additionalProperties: false });
const CodeParams = Type.Object({ tracking_code: Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'The tracking code (AvanserOptions.trackingCode).' }) });
const Origin = Type.String({ maxLength: 300, description: 'A page origin: `https://shop.example`, or `https://*.example.com` for any subdomain.' });

const When = Type.Object(
  {
    utm_source: Type.Optional(Type.String({ maxLength: 200, description: 'Equal to the landing URL’s utm_source (case-insensitive).' })),
    utm_medium: Type.Optional(Type.String({ maxLength: 200 })),
    utm_campaign: Type.Optional(Type.String({ maxLength: 200 })),
    referrer_domain: Type.Optional(Type.String({ maxLength: 200, description: 'The referrer’s host is this domain or a subdomain of it.' })),
    landing_contains: Type.Optional(Type.String({ maxLength: 200, description: 'The landing URL contains this text (case-insensitive).' })),
    landing_matches: Type.Optional(Type.String({ maxLength: 200, description: 'The whole landing URL matches this pattern, `*` for any characters (at most 8).' })),
    gclid: Type.Optional(Type.Boolean({ description: 'true: the landing URL has a gclid; false: it has none.' })),
    fbclid: Type.Optional(Type.Boolean()),
  },
  { description: `Conditions, all of which must hold: ${RULE_FIELDS.join(', ')}.` },
);
const RuleIn = Type.Object({ when: When, service_id: Type.String({ maxLength: 100, description: 'A live service of the account; its number is shown.' }) });

const BodyClientId = Type.Optional(Type.Integer({ minimum: 1, maximum: CLIENT_ID_MAX, description: 'The account to act on (here or in the query); required when the user reaches several accounts.' }));
const fields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  replace: Type.Array(Type.String({ maxLength: 40 }), { minItems: 1, maxItems: 20, description: 'Business numbers the script swaps: E.164, or national in `country`.' }),
  country: Type.String({ pattern: '^[A-Za-z]{2}$', description: 'Country of national business numbers (default AU).' }),
  origins: Type.Array(Origin, { maxItems: 50, description: 'Pages allowed to use the code. None: any page in sandbox mode, none in production.' }),
  rules: Type.Array(RuleIn, { maxItems: 50, description: 'Source rules in priority order: the first that matches gives its service’s number.' }),
  pool: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 500, description: 'Services whose numbers are leased one per visitor (a service is in at most one pool).' }),
  fallback_service_id: Type.Union([Type.String({ maxLength: 100 }), Type.Null()], { description: 'Shown when no rule matches and the pool is empty or exhausted; null: the business number (`is_default`).' }),
  hold_minutes: Type.Integer({ minimum: 1, maximum: 1440, description: 'A lease lasts this long after the last heartbeat (default 30).' }),
  cooldown_minutes: Type.Integer({ minimum: 0, maximum: 1440, description: 'Rest after a lease ends before the number goes to another visitor (default 5).' }),
  cookie_days: Type.Integer({ minimum: 1, maximum: 730, description: 'Lifetime of the visitor cookie the script sets (default 90).' }),
};
const { name, replace, ...optional } = fields;
const CreateBody = Type.Object({ client_id: BodyClientId, name, replace, ...Object.fromEntries(Object.entries(optional).map(([k, v]) => [k, Type.Optional(v)])) } as typeof fields & { client_id: typeof BodyClientId }, { additionalProperties: false });
const UpdateBody = Type.Object({ client_id: BodyClientId, ...Type.Partial(Type.Object(fields)).properties }, { additionalProperties: false });

const CodeOut = Type.Object({
  tracking_code: Type.Integer(),
  client_id: Type.Integer(),
  name: Type.String(),
  country: Type.String(),
  replace: Type.Array(Type.String(), { description: 'E.164' }),
  origins: Type.Array(Type.String()),
  any_origin: Type.Boolean({ description: 'true: no origin listed and sandbox mode, so any page may use the code.' }),
  rules: Type.Array(Type.Object({ when: When, service_id: Type.String(), number: Type.String() })),
  pool: Type.Array(Type.Object({ service_id: Type.String(), number: Type.String() })),
  fallback_service_id: Type.Union([Type.String(), Type.Null()]),
  fallback_number: Type.String({ description: 'E.164 of what the fallback shows (the business number when no fallback service).' }),
  hold_minutes: Type.Integer(),
  cooldown_minutes: Type.Integer(),
  cookie_days: Type.Integer(),
  snippet: Type.String({ description: 'HTML to paste before </body>: AvanserOptions and the /aa.js loader.' }),
  created_at: Type.String(),
  updated_at: Type.String(),
});
const HourOut = Type.Object({
  hour: Type.String(),
  peak_leases: Type.Integer({ description: 'Most pool numbers leased at once in the hour.' }),
  pool_size: Type.Integer(),
  utilisation: Type.Number({ description: 'peak_leases / pool_size' }),
  peak_visitors: Type.Integer({ description: 'Most visitors wanting a pool number at once (leased or fallen back).' }),
  fell_back: Type.Integer({ description: 'Visits that found the pool exhausted.' }),
  calls_attributed: Type.Integer(),
  calls_unattributed: Type.Integer(),
});
const ReportOut = Type.Object({
  tracking_code: Type.Integer(),
  from: Type.String(),
  to: Type.String(),
  pool_size: Type.Integer(),
  peak_leases: Type.Integer(),
  peak_visitors: Type.Integer(),
  fell_back: Type.Integer(),
  calls_attributed: Type.Integer(),
  calls_unattributed: Type.Integer(),
  suggested_pool_size: Type.Integer({ description: 'The smallest pool the peak of concurrent visitors uses under 75 %.' }),
  hours: Type.Array(HourOut),
});
const ReportQuery = Type.Object(
  {
    client_id: ClientQuery.properties.client_id,
    from: Type.Optional(Type.String({ maxLength: 40, description: 'Start (ISO 8601, UTC); default: 24 hours before `to`.' })),
    to: Type.Optional(Type.String({ maxLength: 40, description: 'End, exclusive; default: the end of the current hour. At most 93 days after `from`.' })),
  },
  { additionalProperties: false },
);

const errors = { 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut };
const security = [{ basicAuth: [] }];
const tags = ['DNI'];

export type DniUserapiDeps = Pick<App, 'accounts' | 'dniCodes'>;

/** Tracking-code set-up and the pool report, under `/userapi/v1/dni`. */
export async function dniUserapiRoutes(fastify: FastifyInstance, opts: { app: DniUserapiDeps }) {
  const { app } = opts;
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();
  f.addHook('onRequest', authenticateUser(app.accounts));
  f.addHook('preHandler', requireAccount(app.accounts));

  f.post(
    '',
    {
      config: { permission: 'numbers' },
      schema: { tags, security, summary: 'Create a tracking code', description: 'The next free tracking code of the account. Services named in rules, the pool and the fallback must be the account’s and live (400 naming the field otherwise); a pool service may be in no other pool.', body: CreateBody, response: { 201: CodeOut, ...errors } },
    },
    async (request, reply) => {
      const { client_id: _c, ...body } = request.body as Static<typeof UpdateBody>;
      const view = await app.dniCodes.create(request.clientId!, body, actorOf(request.principal!, request.ip));
      return reply.status(201).send(view);
    },
  );

  f.get('', { config: { permission: 'read' }, schema: { tags, security, summary: 'List tracking codes', querystring: ClientQuery, response: { 200: Type.Object({ tracking_codes: Type.Array(CodeOut) }), ...errors } } }, async (request) => ({
    tracking_codes: await app.dniCodes.list(request.clientId!),
  }));

  f.get('/:tracking_code', { config: { permission: 'read' }, schema: { tags, security, summary: 'One tracking code', params: CodeParams, querystring: ClientQuery, response: { 200: CodeOut, ...errors } } }, async (request) =>
    app.dniCodes.get(request.clientId!, request.params.tracking_code),
  );

  f.patch(
    '/:tracking_code',
    {
      config: { permission: 'numbers' },
      schema: { tags, security, summary: 'Change a tracking code', description: 'Only the given fields change. Removing a number from the pool ends its lease.', params: CodeParams, body: UpdateBody, response: { 200: CodeOut, ...errors } },
    },
    async (request) => {
      const { client_id: _c, ...body } = request.body;
      return app.dniCodes.update(request.clientId!, request.params.tracking_code, body, actorOf(request.principal!, request.ip));
    },
  );

  f.delete(
    '/:tracking_code',
    { config: { permission: 'numbers' }, schema: { tags, security, summary: 'Delete a tracking code', description: 'Its pages get 404 from then on; visits and attributions already made stay.', params: CodeParams, querystring: ClientQuery, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      await app.dniCodes.remove(request.clientId!, request.params.tracking_code, actorOf(request.principal!, request.ip));
      return reply.status(204).send(null);
    },
  );

  f.get(
    '/:tracking_code/report',
    {
      config: { permission: 'read' },
      schema: { tags, security, summary: 'Pool report', description: 'Per hour: peak concurrent leases against the pool size, visits that fell back, calls attributed and unattributed; and a suggested pool size (peak concurrent visitors with headroom so utilisation stays under 75 %).', params: CodeParams, querystring: ReportQuery, response: { 200: ReportOut, ...errors } },
    },
    async (request) => app.dniCodes.report(request.clientId!, request.params.tracking_code, { from: request.query.from, to: request.query.to }),
  );
}
