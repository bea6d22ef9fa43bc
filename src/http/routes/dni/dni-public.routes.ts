import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import type { App } from '../../../app.ts';
import { AppError, fieldError } from '../../../domain/errors.ts';
import { VISITOR_ID } from '../../../services/dni/visits.service.ts';

/** The largest body a visit or heartbeat may have: URLs are capped at 2,048 characters each. */
export const DNI_BODY_LIMIT = 8 * 1024;
const MAX_URL = 2048;
const MAX_USER_AGENT = 512;

const Id = (what: string) =>
  Type.Union([Type.Integer({ minimum: 1, maximum: 999_999_999_999 }), Type.String({ pattern: '^[0-9]{1,12}$' })], { description: `${what}: a number, or the same digits as a string.` });
const NullableText = (max: number, description: string) => Type.Union([Type.String({ maxLength: max }), Type.Null()], { description });

const VisitBody = Type.Object(
  {
    client_id: Id('The account (AvanserOptions.clientId)'),
    tracking_code: Id('The tracking code (AvanserOptions.trackingCode)'),
    visitor_id: Type.Optional(Type.Union([Type.String({ maxLength: 80 }), Type.Null()], { description: 'The visitor id Telltale gave earlier (first-party cookie tt_dni_vid); null on a first visit.' })),
    page_url: Type.String({ minLength: 1, maxLength: MAX_URL, description: 'location.href now.' }),
    landing_url: Type.Optional(NullableText(MAX_URL, 'The first page of this visit (utm_*, gclid and fbclid are read from it); null: page_url.')),
    referrer: Type.Optional(NullableText(MAX_URL, 'document.referrer of the landing page.')),
    ga_client_id: Type.Optional(NullableText(100, 'The GA client id from the _ga cookie (GA1.2.<usercode>.<sessioncode> or <usercode>.<sessioncode>).')),
    numbers: Type.Optional(Type.Union([Type.Array(Type.String({ maxLength: 40 }), { maxItems: 20 }), Type.Null()], { description: 'Numbers named by $AA.getNumber(pageNumber); informational.' })),
  },
  { description: 'Sent as text/plain (a CORS simple request) or application/json.' },
);
const HeartbeatBody = Type.Object({
  client_id: Id('The account'),
  tracking_code: Id('The tracking code'),
  visitor_id: Type.String({ minLength: 1, maxLength: 80, description: 'The visitor id the visit answered.' }),
});

const Shown = {
  is_default: Type.Boolean({ description: 'true: the business number itself (no rule matched and no pool number free, and no fallback service).' }),
  number: Type.String({ description: 'What to dial: national digits, e.g. 0299998888.' }),
  e164: Type.String({ description: 'The same number in E.164.' }),
  text: Type.String({ description: 'National display format, e.g. 02 9999 8888.' }),
  lease_expires_at: Type.Union([Type.String(), Type.Null()], { description: 'When the pool lease ends without a heartbeat; null for a shared (rule, fallback or business) number.' }),
};
const VisitOut = Type.Object({
  visitor_id: Type.String(),
  tracking_code: Type.Integer(),
  ...Shown,
  replace: Type.Array(Type.String(), { description: 'The business numbers (E.164) the page swaps.' }),
  heartbeat_seconds: Type.Integer(),
  cookie_days: Type.Integer(),
});
const ErrorOut = Type.Object({ code: Type.String(), detail: Type.String(), requestId: Type.String(), errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))) });
const errors = { 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 413: ErrorOut };

export type DniPublicDeps = Pick<App, 'dniVisits'>;

function httpUrl(v: string | null | undefined, path: string): string | null {
  if (v === null || v === undefined || v === '') return null;
  try {
    const u = new URL(v);
    if (u.protocol === 'http:' || u.protocol === 'https:') return v;
  } catch {
    /* below */
  }
  throw fieldError(path, 'must be an http(s) URL');
}

/** The CORS headers of an allowed page origin. */
function allow(reply: FastifyReply, origin: string | null) {
  if (!origin) return;
  reply.header('access-control-allow-origin', origin);
  reply.header('vary', 'origin');
}

/**
 * The website script's endpoints (no credentials): `POST /dni/v1/visit` and `POST /dni/v1/heartbeat`, CORS per
 * tracking code. Bodies come as text/plain (a CORS simple request, no preflight) or application/json, at most 8 KiB.
 */
export async function dniPublicRoutes(fastify: FastifyInstance, opts: { app: DniPublicDeps }) {
  const { dniVisits } = opts.app;
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // Only here: the script posts JSON as text/plain so the browser sends no preflight (the server removes the parser elsewhere).
  fastify.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: DNI_BODY_LIMIT }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new AppError('validation_failed', 'the body is not JSON', [{ path: '(body)', message: 'must be a JSON object' }]), undefined);
    }
  });

  const origin = (request: FastifyRequest) => (typeof request.headers.origin === 'string' && request.headers.origin !== 'null' ? request.headers.origin : request.headers.origin === 'null' ? 'null' : null);

  // Preflights carry no body, so no tracking code: they are answered for any origin, and the request itself is then
  // checked against the tracking code's origins (a refused origin gets no allow-origin header and cannot read the answer).
  for (const path of ['/visit', '/heartbeat']) {
    fastify.options(path, { schema: { hide: true } }, async (request, reply) => {
      const o = origin(request);
      if (o) {
        allow(reply, o);
        reply.header('access-control-allow-methods', 'POST, OPTIONS');
        reply.header('access-control-allow-headers', 'content-type');
        reply.header('access-control-max-age', '86400');
      }
      return reply.status(204).send();
    });
  }

  f.post(
    '/visit',
    {
      bodyLimit: DNI_BODY_LIMIT,
      schema: {
        tags: ['DNI'],
        summary: 'A page view: which number this visitor sees',
        description:
          'Called by the website script (`/aa.js`) on each page view. Records the visit (page, landing URL, referrer, utm_*, gclid, fbclid, GA client id, user agent, IP) and answers the number to show: the first matching source rule’s number, else a number of the session pool leased to this visitor (a returning visitor keeps its number while nobody else took it), else the fallback. No credentials; the `Origin` must be one of the tracking code’s allowed origins (any in sandbox mode when none are set). 404 `not_found` for an unknown tracking code or one the client_id does not own; 403 `forbidden` for a refused origin; 400 naming the field for a malformed body; 413 over 8 KiB.',
        body: VisitBody,
        response: { 200: VisitOut, ...errors },
      },
    },
    async (request, reply) => {
      const b = request.body as Static<typeof VisitBody>;
      const o = origin(request);
      const clientId = Number(b.client_id);
      const trackingCode = Number(b.tracking_code);
      // (Ajv's type coercion may turn a JSON null into "" before the union's null branch is tried.)
      const visitorId = b.visitor_id || null;
      if (visitorId !== null && !VISITOR_ID.test(visitorId)) throw fieldError('visitor_id', 'must be a visitor id Telltale gave (v_…), or null');
      const pageUrl = httpUrl(b.page_url, 'page_url')!;
      const landingUrl = httpUrl(b.landing_url, 'landing_url');
      const referrer = httpUrl(b.referrer, 'referrer');
      const code = await dniVisits.trackingCodeFor(clientId, trackingCode, o);
      allow(reply, o);
      const ua = request.headers['user-agent'];
      return dniVisits.visit(code, { visitorId, pageUrl, landingUrl, referrer, gaClientId: b.ga_client_id?.trim() || null, userAgent: typeof ua === 'string' ? ua.slice(0, MAX_USER_AGENT) : null, ip: request.ip ?? null });
    },
  );

  f.post(
    '/heartbeat',
    {
      bodyLimit: DNI_BODY_LIMIT,
      schema: {
        tags: ['DNI'],
        summary: 'Keep this visitor’s number',
        description: 'Sent by the script every `heartbeat_seconds` while the page is open: extends the pool lease to the hold time from now. 404 `not_found` when the visitor is unknown or its lease has gone to someone else (the script then sends a visit again).',
        body: HeartbeatBody,
        response: { 200: Type.Object(Shown), ...errors },
      },
    },
    async (request, reply) => {
      const b = request.body as Static<typeof HeartbeatBody>;
      if (!VISITOR_ID.test(b.visitor_id)) throw fieldError('visitor_id', 'must be a visitor id Telltale gave (v_…)');
      const o = origin(request);
      const code = await dniVisits.trackingCodeFor(Number(b.client_id), Number(b.tracking_code), o);
      allow(reply, o);
      return dniVisits.heartbeat(code, b.visitor_id);
    },
  );
}
