import fs from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import { AppError } from '../../../domain/errors.ts';
import { useErrorStyle } from '../../error-handler.ts';

const LegacyQuery = Type.Object(
  {
    action: Type.Optional(Type.String({ description: 'getTokenKey | signIn | getCDR | getAudio | evaluationDetails' })),
    account_id: Type.Optional(Type.String({ description: 'Legacy login (getTokenKey, signIn, and with token on later calls).' })),
    api_key: Type.Optional(Type.String()),
    signature: Type.Optional(Type.String({ description: 'md5(secret + tokenKey), lowercase hex.' })),
    token: Type.Optional(Type.String({ description: 'Session token from signIn.' })),
    client_id: Type.Optional(Type.String({ description: 'With HTTP Basic: the account to act on.' })),
    date_from: Type.Optional(Type.String({ description: 'getCDR: YYYY-MM-DD or YYYY-MM-DD HH:MM:SS (default today).' })),
    date_to: Type.Optional(Type.String({ description: 'getCDR: exclusive end, same forms (default tomorrow).' })),
    last_id: Type.Optional(Type.String({ description: 'getCDR: calls with a higher id (default 0).' })),
    limit: Type.Optional(Type.String({ description: 'getCDR: page size (default 30, at most 10000).' })),
    evaluations: Type.Optional(Type.String({ description: 'getCDR yes/no (default no): add eval_<questionId>.' })),
    features: Type.Optional(Type.String({ description: 'getCDR yes/no (default no): add ivr, feat01…10, cd_cp01…10.' })),
    wav: Type.Optional(Type.String({ description: 'getCDR yes/no (default yes): add the recording URL (audio).' })),
    web: Type.Optional(Type.String({ description: 'getCDR yes/no (default yes): add web* DNI fields, IP, IPlocation.' })),
    detailed: Type.Optional(Type.String({ description: 'getCDR yes/no (default yes): full rather than summary rows.' })),
    localtime: Type.Optional(Type.String({ description: 'getCDR yes/no (default yes): dates in the account’s time zone rather than UTC.' })),
    call_id: Type.Optional(Type.String({ description: 'getAudio: the call id.' })),
  },
  { additionalProperties: true },
);

type Q = Record<string, string | undefined>;

function basic(request: FastifyRequest): { username: string; password: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i < 0 ? null : { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

/** The part of the app this API uses. */
export type LegacyJsonRoutesDeps = Pick<App, 'reporting'>;

/**
 * The legacy JSON reporting API at `/JSON?action=…`, wire-compatible with existing integrators' scripts: parameters
 * in the query string (POST bodies are ignored), answers and errors as JSON (`{"error": "…"}`).
 */
export async function legacyJsonRoutes(fastify: FastifyInstance, opts: { app: LegacyJsonRoutesDeps }) {
  const { app } = opts;
  const svc = app.reporting.legacy;
  // Integrators POST a dummy body: accept and ignore whatever comes.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, (_req, _body, done) => done(null, undefined));

  useErrorStyle(fastify, 'legacy');

  const handler = async (request: FastifyRequest, reply: import('fastify').FastifyReply) => {
    const q = request.query as Q;
    switch (q.action) {
      case 'getTokenKey':
        return { tokenKey: await svc.getTokenKey(q.account_id, q.api_key, request.ip) };
      case 'signIn':
        return { token: await svc.signIn(q.account_id, q.signature, request.ip) };
      case 'getCDR': {
        const clientId = await svc.authenticate(q, basic(request), request.ip);
        return svc.getCdr(clientId, q);
      }
      case 'getAudio': {
        const clientId = await svc.authenticate(q, basic(request), request.ip);
        const a = await svc.audio(clientId, q.call_id);
        const ext = a.contentType === 'audio/mpeg' ? 'mp3' : a.contentType === 'audio/ogg' ? 'ogg' : 'wav';
        reply.type(a.contentType).header('content-length', String(a.size)).header('content-disposition', `attachment; filename="${q.call_id}.${ext}"`);
        return reply.send(fs.createReadStream(a.file));
      }
      case 'evaluationDetails': {
        const clientId = await svc.authenticate(q, basic(request), request.ip);
        return svc.evaluationDetails(clientId);
      }
      default:
        throw new AppError('validation_failed', q.action ? `unknown action "${q.action}"; use getTokenKey, signIn, getCDR, getAudio or evaluationDetails` : 'action is required');
    }
  };

  const schema = {
    summary: 'Legacy JSON API',
    description:
      'AVANSER’s query-string reporting API. `action=getTokenKey&account_id&api_key` → `{tokenKey}`; `action=signIn&account_id&signature=md5(secret+tokenKey)` → `{token}`; then `account_id&token` (or HTTP Basic with `client_id`) on `getCDR` (→ `{calls:[…]}` with the original field names, `webCampagin`/`webLandning` included), `getAudio&call_id` (the recording) and `evaluationDetails` (→ `{questions}`). Errors are `{"error": "…"}`. Failed sign-ins (api_key, signature, token, Basic) are throttled per account_id or user and per source address: 429 with Retry-After.',
    tags: ['Legacy JSON API'],
    querystring: LegacyQuery,
  };
  for (const url of ['/JSON', '/JSON/']) {
    fastify.get(url, { schema: url === '/JSON' ? schema : { ...schema, hide: true } }, handler);
    fastify.post(url, { schema: { ...schema, hide: true } }, handler);
  }
}
