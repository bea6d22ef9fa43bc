import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { stringify } from 'csv-stringify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { App } from '../../../app.ts';
import { negotiated } from '../../formats/negotiate.ts';
import * as S from './webapi.schemas.ts';

/** The export's documented row cap (ReportingService.exportLimits.maxRows). */
const EXPORT_MAX_ROWS_TEXT = '100,000';

/** The part of the app this API uses. */
export type WebapiCallsRoutesDeps = Pick<App, 'reporting'>;

/** WebAPI calls: a filtered, keyset-paged list and one call. */
export async function webapiCallsRoutes(fastify: FastifyInstance, opts: { app: WebapiCallsRoutesDeps }) {
  const { app } = opts;
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();

  f.get(
    '/calls',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'List calls',
        description:
          'The account’s calls (ended or finalized), newest first by default. Filters: time range in the account’s time zone (`from`, `to`), tracking number, status (names or codes), caller (or `Private`), `custom_id`, `custom_group`, direction, has audio, test. Keyset pagination: pass `next_cursor` back as `cursor`; calls arriving meanwhile never shift or repeat rows. `fields` picks fields. JSON, or XML with `Accept: application/xml` or `format=xml`. Rate-limited per user (`RateLimit-*` headers; 429 with `Retry-After`).',
        tags: ['WebAPI'],
        security: S.security,
        querystring: S.CallsQuery,
        response: { 200: S.CallsOut, ...S.errors },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const body = await app.reporting.reports.listCalls(request.clientId!, { ...q, order: q.order as 'asc' | 'desc' | undefined });
      return negotiated(request, reply as never, 'response', body);
    },
  );

  f.get(
    '/calls/export',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'Export calls as CSV',
        description: `Every call matching the filters of \`GET /webapi/v1/calls\` (not one page: the export walks the keyset itself), newest first by default (\`order=asc\` for oldest first), as one CSV download: UTF-8 with a byte-order mark (so spreadsheets read it as UTF-8), RFC 4180 (CRLF, fields quoted when needed), a header row of the column names. Columns: the WebAPI call fields (\`fields\` picks them); times (\`started_at\`, \`answered_at\`, \`ended_at\`, \`finalized_at\`, \`created_at\`, \`updated_at\`) are local wall times \`YYYY-MM-DD HH:MM:SS\` in the account's time zone, named in the \`timezone\` column (\`started_at_unix\` and \`ended_at_unix\` stay unambiguous across a DST change); booleans \`true\`/\`false\`; features, DNI and sentiment as JSON text (empty when none). Text that a spreadsheet would run as a formula (beginning with \`=\`, \`+\`, \`-\`, \`@\`, a tab or CR, e.g. \`+61-0290088888\`) gets a leading \`'\`; plain and E.164 numbers are kept. At most ${EXPORT_MAX_ROWS_TEXT} rows: the \`X-Export-Truncated\` header says \`true\` when more calls matched when the export started (narrow the range and export again), \`X-Export-Limit\` gives the cap. \`Content-Disposition: attachment; filename="calls-<client_id>-<YYYY-MM-DD>.csv"\` (today in the account's zone). Streamed from the database (constant memory). Counts once against the WebAPI rate limit.`,
        tags: ['WebAPI'],
        security: S.security,
        querystring: S.ExportQuery,
        response: {
          200: {
            description: 'The CSV file (headers X-Export-Truncated: true|false, X-Export-Limit: the row cap).',
            content: { 'text/csv': { schema: { type: 'string' } } },
          },
          ...S.errors,
        },
      },
    },
    async (request, reply) => {
      const clientId = request.clientId!;
      const q = request.query;
      const exp = await app.reporting.reports.exportCalls(clientId, { ...q, order: q.order as 'asc' | 'desc' | undefined });
      const csv = stringify({ header: true, columns: exp.columns, bom: true, record_delimiter: 'windows' });
      pipeline(Readable.from(exp.records), csv).catch((err: unknown) => {
        // The status and headers are out: a failure mid-way (or a client that leaves) can only cut the download short.
        request.log.warn({ err }, 'CSV export ended early (the client went away, or the database failed)');
        csv.destroy(err as Error);
      });
      return reply
        .type('text/csv; charset=utf-8; header=present')
        .header('content-disposition', `attachment; filename="calls-${clientId}-${exp.fileDate}.csv"`)
        .header('x-export-truncated', String(exp.truncated))
        .header('x-export-limit', String(exp.maxRows))
        .send(csv as unknown as string);
    },
  );

  f.get(
    '/calls/:id',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'One call',
        description: 'Every field of one call record: numbers in E.164 and `+CC-LOCAL`, times in UTC and in the account’s local time, features, DNI attribution, sentiment, audio URL.',
        tags: ['WebAPI'],
        security: S.security,
        params: S.CallParams,
        querystring: S.CallQuery,
        response: { 200: S.CallEnvelope, ...S.errors },
      },
    },
    async (request, reply) => {
      const call = await app.reporting.reports.getCall(request.clientId!, request.params.id, request.query.fields);
      return negotiated(request, reply as never, 'response', { call });
    },
  );
}
