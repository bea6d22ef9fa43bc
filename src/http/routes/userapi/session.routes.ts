import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import { actorOf } from '../../../services/accounts/audit.service.ts';
import { authenticateUser, SESSION_COOKIE } from '../../auth.ts';
import { CLIENT_ID_MAX } from '../telco/telco.schemas.ts';
import { AccountOut, errors, IdParams, Nullable, security, tags } from './userapi.schemas.ts';

export type SessionRoutesDeps = Pick<App, 'accounts' | 'audit' | 'config'>;

const SessionOut = Type.Object({
  token: Type.String({ description: 'The session token (shown once): send it as `Authorization: Bearer <token>`.' }),
  csrf_token: Type.String({ description: 'Browsers using the cookie send it as `X-CSRF-Token` on POST, PUT, PATCH and DELETE.' }),
  user: Type.Object({ id: Type.String(), username: Type.String(), email: Nullable(Type.String()) }),
  accounts: Type.Array(AccountOut),
  current_client_id: Nullable(Type.Integer({ description: 'The account requests without client_id act on.' })),
  expires_at: Type.String({ description: 'Absolute expiry (TT_SESSION_MAX_HOURS); the session also ends after TT_SESSION_IDLE_MINUTES without a request.' }),
  password_change_required: Type.Boolean({ description: 'The password expired or was reset: only PUT /userapi/v1/me/password (and sign-out) work until it is changed.' }),
});

const MeOut = Type.Object({
  user: Type.Object({ id: Type.String(), username: Type.String() }),
  via: Type.String({ enum: ['basic', 'session', 'api_key'], description: 'How this request signed in.' }),
  session_id: Nullable(Type.String()),
  accounts: Type.Array(AccountOut),
  current_client_id: Nullable(Type.Integer()),
  password_change_required: Type.Boolean(),
  csrf_token: Nullable(
    Type.String({
      description:
        'The session’s CSRF token (the one sign-in gave) when this request signed in with a session (the `tt_session` cookie or `Authorization: Bearer` with a session token), so a reloaded browser page can recover it and send it as `X-CSRF-Token`; null for HTTP Basic and API keys. Only same-origin pages can read it: the UserAPI sends no CORS headers, so a page of another origin cannot read this answer, and the SameSite=Lax cookie is not sent with its requests anyway.',
    }),
  ),
});

const SessionItem = Type.Object({
  id: Type.String(),
  created_at: Type.String(),
  last_seen_at: Type.String({ description: 'Refreshed at most once a minute.' }),
  expires_at: Type.String(),
  address: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  current: Type.Boolean({ description: 'The session of this request.' }),
});

/** Sign-in and sessions: `POST /session` is open; the rest need a signed-in caller (permission `self`). */
export async function sessionRoutes(fastify: FastifyInstance, opts: { app: SessionRoutesDeps }) {
  const { app } = opts;
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const secure = app.config.publicUrl.startsWith('https:');
  const setCookie = (reply: FastifyReply, value: string, maxAge: number) =>
    reply.header('set-cookie', `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${maxAge}${secure ? '; Secure' : ''}`);

  f.post(
    '/session',
    {
      schema: {
        tags,
        summary: 'Sign in',
        description:
          'Checks the username and password under the password policy (423 `locked` after too many failures in a row or after a long inactivity, the right password too; 429 while throttled) and starts a session: the token for `Authorization: Bearer`, and an HttpOnly SameSite=Lax cookie for browsers (Secure when TT_PUBLIC_URL is https). Cookie requests that change something also send `X-CSRF-Token: <csrf_token>`.',
        body: Type.Object({ username: Type.String({ minLength: 1, maxLength: 200 }), password: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false }),
        response: { 200: SessionOut, ...errors },
      },
    },
    async (request, reply) => {
      const s = await app.accounts.signIn(request.body.username, request.body.password, { address: request.ip, userAgent: request.headers['user-agent'] });
      setCookie(reply, s.token, app.accounts.sessionOptions.maxHours * 3600);
      return {
        token: s.token,
        csrf_token: s.csrfToken,
        user: s.user,
        accounts: s.accounts,
        current_client_id: s.principal.currentClientId ?? null,
        expires_at: s.expiresAt,
        password_change_required: !!s.principal.passwordChangeRequired,
      };
    },
  );

  await fastify.register(async (g) => {
    const a = g.withTypeProvider<TypeBoxTypeProvider>();
    a.addHook('onRequest', authenticateUser(app.accounts));

    a.get(
      '/session',
      {
        config: { permission: 'self' },
        schema: {
          tags,
          security,
          summary: 'Who I am',
          description:
            'The caller, how they signed in, the accounts they reach with their role in each, the current account and, for a session, its CSRF token (`csrf_token`: a browser tab that was reloaded reads it here instead of signing in again). The UserAPI answers no cross-origin request with CORS headers, so only pages of Telltale’s own origin can read this answer.',
          response: { 200: MeOut, ...errors },
        },
      },
      async (request) => {
        const p = request.principal!;
        const names = await app.accounts.accountNames(p.clientIds);
        return {
          user: { id: p.userId, username: p.username },
          via: p.via ?? 'basic',
          session_id: p.via === 'session' ? (p.viaId ?? null) : null,
          accounts: p.clientIds.map((c) => ({ client_id: c, name: names.get(c) ?? '', role: p.roles[c] })),
          current_client_id: p.currentClientId ?? (p.clientIds.length === 1 ? p.clientIds[0] : null),
          password_change_required: !!p.passwordChangeRequired,
          csrf_token: p.via === 'session' ? (request.sessionCsrfToken ?? null) : null,
        };
      },
    );

    a.delete(
      '/session',
      { config: { permission: 'self' }, schema: { tags, security, summary: 'Sign out', description: 'Ends the session of this request (Bearer token or cookie) and clears the cookie.', response: { 204: Type.Null(), ...errors } } },
      async (request, reply) => {
        await app.accounts.signOut(request.principal!);
        setCookie(reply, '', 0);
        return reply.status(204).send(null);
      },
    );

    a.put(
      '/session/account',
      {
        config: { permission: 'self' },
        schema: {
          tags,
          security,
          summary: 'Switch the current account',
          description: 'Requests of this session that name no client_id act on this account from now on (agency users).',
          body: Type.Object({ client_id: Type.Integer({ minimum: 1, maximum: CLIENT_ID_MAX, description: 'One of the accounts the caller reaches.' }) }, { additionalProperties: false }),
          response: { 200: Type.Object({ current_client_id: Type.Integer() }), ...errors },
        },
      },
      async (request) => {
        await app.accounts.switchAccount(request.principal!, request.body.client_id);
        return { current_client_id: request.body.client_id };
      },
    );

    a.get(
      '/sessions',
      { config: { permission: 'self' }, schema: { tags, security, summary: 'My sessions', description: 'The caller’s live sessions (tokens are never shown again).', response: { 200: Type.Object({ sessions: Type.Array(SessionItem) }), ...errors } } },
      async (request) => ({ sessions: await app.accounts.listSessions(request.principal!) }),
    );

    a.delete(
      '/sessions/:id',
      { config: { permission: 'self' }, schema: { tags, security, summary: 'Revoke one of my sessions', description: 'Ends that session at once (audited as `session.revoke`); 404 for anyone else’s.', params: IdParams, response: { 204: Type.Null(), ...errors } } },
      async (request, reply) => {
        const p = request.principal!;
        await app.accounts.revokeSession(p, request.params.id, (tx, clientId) => app.audit.record(tx, { clientId, actor: actorOf(p, request.ip), action: 'session.revoke', target: `session:${request.params.id}` }));
        return reply.status(204).send(null);
      },
    );

    a.put(
      '/me/password',
      {
        config: { permission: 'self' },
        schema: {
          tags,
          security,
          summary: 'Change my password',
          description: 'Needs the current password; the new one must meet the password policy (the strictest of the caller’s accounts) and not be one of the last N. A 400 names `new_password` with each rule broken. The caller’s other sessions end.',
          body: Type.Object({ current_password: Type.String({ maxLength: 1024 }), new_password: Type.String({ maxLength: 1024 }) }, { additionalProperties: false }),
          response: { 204: Type.Null(), ...errors },
        },
      },
      async (request, reply) => {
        const p = request.principal!;
        await app.accounts.changePassword(p, request.body.current_password, request.body.new_password, request.ip, (tx, clientId) =>
          app.audit.record(tx, { clientId, actor: actorOf(p, request.ip), action: 'user.password_change', target: `user:${p.userId}` }),
        );
        return reply.status(204).send(null);
      },
    );

    a.get(
      '/accounts',
      { config: { permission: 'self' }, schema: { tags, security, summary: 'The accounts I reach', description: 'Every account the caller reaches, with their role there (an API key: its one account).', response: { 200: Type.Object({ accounts: Type.Array(AccountOut) }), ...errors } } },
      async (request) => {
        const p = request.principal!;
        const names = await app.accounts.accountNames(p.clientIds);
        return { accounts: p.clientIds.map((c) => ({ client_id: c, name: names.get(c) ?? '', role: p.roles[c] })) };
      },
    );
  });
}
