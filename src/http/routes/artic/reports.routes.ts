import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { App } from '../../../app.ts';
import { authenticateUser, requireAccount } from '../../auth.ts';
import { negotiated, wantsXml } from '../../formats/negotiate.ts';
import { realtimeKey } from '../../../domain/artic/realtime.ts';
import { errors, HistoricalOut, HistoricalQuery, RealtimeOut, RealtimeQuery, security, StreamQuery, tags } from './reports.schemas.ts';

export type ArticReportsDeps = Pick<App, 'accounts' | 'articReports'>;

/** How often a stream reads the live tables, and how often it sends a comment to keep idle connections open. */
export const STREAM_POLL_MS = 1000;
export const STREAM_KEEPALIVE_MS = 15_000;

const DEFINITIONS =
  'Calls are bucketed by their ENTERQUEUE time; agent time (login, pause, talk, wrap-up) is sliced by overlap with each bucket. offered = answered + abandoned + overflowed (queue calls entered that ended); answered = COMPLETECALLER + COMPLETEAGENT; answered_within_sl = answered with hold ≤ the queue’s service_level_sec; abandoned = ABANDON, abandoned_short = ABANDON with wait < short_abandon_sec, abandoned_long = abandoned − abandoned_short; overflowed = EXITWITHTIMEOUT + EXITEMPTY; overflowed_to_team = calls with an OVERFLOW event; service_level = answered_within_sl ÷ (offered − abandoned_short); service_level_completed = answered_within_sl ÷ answered; abandon_rate = abandoned_long ÷ (offered − abandoned_short) (ratios are null when the divisor is 0); asa = Σ hold ÷ answered; longest_wait = the longest hold or wait; avg_talk = Σ talk ÷ answered; avg_wrapup = Σ wrap-up actually taken ÷ answered (data4 of the COMPLETE, cut short by the agent’s next PAUSE or AGENTLOGOFF); avg_handle = avg_talk + avg_wrapup. Per agent (summed per team over its current agents): answered, missed_offers (RINGNOANSWER), login_sec, pause_sec and pauses by reason, talk_sec, wrapup_sec, occupancy = (talk_sec + wrapup_sec) ÷ (login_sec − pause_sec); a team’s call figures are the calls its agents answered, its overflowed_to_team the calls overflowed to it.';

/**
 * The ARTIC reports under `/artic/v1/reports`: the real-time state (JSON or XML, and as Server-Sent Events) and the
 * historical metrics from the queue journal. Permission `read`; the account is chosen like the UserAPI (`client_id`).
 */
export async function articReportsRoutes(fastify: FastifyInstance, opts: { app: ArticReportsDeps; pollMs?: number; keepAliveMs?: number }) {
  const { app } = opts;
  const pollMs = opts.pollMs ?? STREAM_POLL_MS;
  const keepAliveMs = opts.keepAliveMs ?? STREAM_KEEPALIVE_MS;
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();
  f.addHook('onRequest', authenticateUser(app.accounts));
  f.addHook('preHandler', requireAccount(app.accounts));

  f.get(
    '/reports/realtime',
    {
      config: { permission: 'read' },
      schema: {
        tags,
        security,
        summary: 'Real-time call centre state',
        description: 'Agents by state (an agent whose wrap-up has ended is `available`; paused ones with their reason; the queue call an agent rings for or is on) and per queue the callers waiting, the longest current wait and the agents available. JSON, or XML with `format=xml` or `Accept: application/xml`.',
        querystring: RealtimeQuery,
        response: { 200: RealtimeOut, ...errors },
      },
    },
    async (request, reply) => negotiated(request, reply as never, 'realtime', await app.articReports.realtime(request.clientId!)),
  );

  f.get(
    '/reports/historical',
    {
      config: { permission: 'read' },
      schema: {
        tags,
        security,
        summary: 'Historical call centre metrics',
        description: `Per queue, team or agent and per local quarter hour, hour or day of [from, to) (at most 93 days), with totals per entity (\`totals\`) and over all (\`all\`); derived from the queue event journal alone. ${DEFINITIONS} Seconds have up to 3 decimals. JSON, or XML with \`format=xml\` or \`Accept: application/xml\`.`,
        querystring: HistoricalQuery,
        response: { 200: HistoricalOut, ...errors },
      },
    },
    async (request, reply) => {
      const body = await app.articReports.historical(request.clientId!, request.query);
      if (wantsXml(request)) return negotiated(request, reply as never, 'historical', body);
      // Serialized here: the schema-compiled serializer takes ~10× JSON.stringify's time on a report's thousands of rows.
      return (reply as unknown as FastifyReply).type('application/json; charset=utf-8').send(JSON.stringify(body));
    },
  );

  // Open streams, ended when the server closes (an open response would hold the close up).
  const open = new Set<() => void>();
  fastify.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  f.get(
    '/reports/stream',
    {
      config: { permission: 'read' },
      schema: {
        tags,
        security,
        summary: 'Real-time state as Server-Sent Events',
        description: `\`text/event-stream\`: one \`event: realtime\` at once (its data the JSON of GET /reports/realtime), then one whenever the state changes (the live tables are read every ${pollMs / 1000} s; the waits counting up are no change: they follow from \`oldest_entered_at\`), and a \`: keep-alive\` comment every ${keepAliveMs / 1000} s. Browsers: EventSource with the session cookie.`,
        querystring: StreamQuery,
        response: { 200: { description: 'The event stream.', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...errors },
      },
    },
    async (request, reply) => {
      const clientId = request.clientId!;
      // The first read fails (and answers) like any request; after it the response is the stream's.
      const first = await app.articReports.realtime(clientId);
      reply.hijack();
      const res: ServerResponse = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'x-accel-buffering': 'no', connection: 'keep-alive' });
      const gone = () => res.writableEnded || res.destroyed;
      const send = (r: typeof first) => !gone() && res.write(`event: realtime\ndata: ${JSON.stringify(r)}\n\n`);
      let last = realtimeKey(first);
      send(first);
      let reading = false;
      const poll = setInterval(async () => {
        if (reading) return;
        reading = true;
        try {
          const r = await app.articReports.realtime(clientId);
          const key = realtimeKey(r);
          if (key !== last && !gone()) {
            last = key;
            send(r);
          }
        } catch (err) {
          request.log.warn({ err }, 'ARTIC report stream: reading the live tables failed; trying again');
        } finally {
          reading = false;
        }
      }, pollMs);
      const keepAlive = setInterval(() => !gone() && res.write(': keep-alive\n\n'), keepAliveMs);
      const end = () => {
        clearInterval(poll);
        clearInterval(keepAlive);
        open.delete(end);
        if (!gone()) res.end();
      };
      open.add(end);
      request.raw.on('close', end);
      res.on('close', end);
      // A write racing the client's disconnect fails on the socket: the stream just ends.
      res.on('error', end);
    },
  );
}
