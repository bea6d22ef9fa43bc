import type { FastifyInstance } from 'fastify';
import type { App } from '../../../app.ts';
import { authenticateUser } from '../../auth.ts';
import { accountsWith } from '../../../services/accounts/principal.ts';

const RecordingStatus = {
  type: 'object',
  properties: {
    call_id: { type: 'integer' },
    has_audio: { type: 'boolean', description: 'True only once a recording’s file is stored.' },
    audio_url: { type: 'string', nullable: true, description: 'The `[[audio]]` URL, once stored.' },
    recordings: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          kind: { type: 'string', description: 'voicemail or call' },
          status: { type: 'string', description: '`pending` (announced, its copy not yet stored: retried on a schedule while `error` says why the last attempt failed), `stored`, `absent` (nothing was recorded) or `failed` (every attempt failed).' },
          duration: { type: 'integer', description: 'Seconds, as the carrier reported.' },
          attempts: { type: 'integer', description: 'Failed copy attempts so far.' },
          error: { type: 'string', nullable: true, description: 'Why the last copy attempt failed (download or write).' },
          next_attempt_at: { type: 'string', nullable: true, description: 'When the next copy attempt is due (UTC).' },
          updated_at: { type: 'string' },
        },
      },
    },
  },
} as const;

/** A single `bytes=a-b`, `bytes=a-` or `bytes=-n` range of a file of `size` bytes; null for none (or several). */
export function byteRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/** The part of the app this API uses. */
export type RecordingsRoutesDeps = Pick<App, 'accounts' | 'recordings'>;

/** Call recordings kept in TT_DATA_DIR: HTTP Basic of a user reaching the call's account, and the call's unguessable token. */
export async function recordingsRoutes(fastify: FastifyInstance, opts: { app: RecordingsRoutesDeps }) {
  const { app } = opts;
  fastify.get(
    '/recordings/:file',
    {
      config: { permission: 'read' },
      onRequest: authenticateUser(app.accounts),
      schema: {
        tags: ['Calls'],
        summary: 'Download a call recording (WAV)',
        description:
          'The `[[audio]]` URL of a call: `/recordings/{audio_token}.wav`. Needs HTTP Basic credentials (or the portal’s session cookie) of a user who reaches the call’s account; a wrong token, another account’s call, or a recording whose file is missing answers 404. Answers one byte range (`Range: bytes=a-b`, `a-` or `-n`) with 206 and `Content-Range`, so players can seek (`Accept-Ranges: bytes`); a range past the end is 416.',
        security: [{ basicAuth: [] }],
        params: { type: 'object', properties: { file: { type: 'string', maxLength: 80 } }, required: ['file'] },
        response: { 200: { description: 'audio/wav', type: 'string', format: 'binary' }, 206: { description: 'audio/wav: the byte range asked for (`Content-Range`)', type: 'string', format: 'binary' }, 416: { description: 'The range lies past the end of the file (`Content-Range: bytes */size`).', type: 'null' } },
      },
    },
    async (request, reply) => {
      const token = (request.params as { file: string }).file.replace(/\.wav$/, '');
      const { handle, size, call } = await app.recordings.recordingFile(token, accountsWith(request.principal!, 'read'));
      reply.type('audio/wav').header('accept-ranges', 'bytes').header('cache-control', 'private, no-store').header('content-disposition', `inline; filename="${call.unique_id}.wav"`);
      // One byte range (RFC 9110 §14): what a browser's <audio> asks for to seek. Anything else gets the whole file.
      const range = byteRange(request.headers.range, size);
      if (range === 'unsatisfiable') {
        await handle.close();
        return reply.status(416).header('content-range', `bytes */${size}`).send();
      }
      if (range) return reply.status(206).header('content-range', `bytes ${range.start}-${range.end}/${size}`).header('content-length', range.end - range.start + 1).send(handle.createReadStream({ start: range.start, end: range.end }));
      return reply.header('content-length', size).send(handle.createReadStream());
    },
  );

  fastify.get(
    '/webapi/v1/calls/:id/recordings',
    {
      config: { permission: 'read' },
      onRequest: authenticateUser(app.accounts),
      schema: {
        tags: ['WebAPI'],
        summary: 'The recordings of a call and their copy status',
        description:
          'Each recording the carrier announced for the call, and whether Telltale has stored its copy: a copy that failed (download, or writing it into TT_DATA_DIR) stays `pending` with the `error`, `attempts` and `next_attempt_at` of its retries. HTTP Basic of a user who reaches the call’s account (404 otherwise).',
        security: [{ basicAuth: [] }],
        params: { type: 'object', properties: { id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } }, required: ['id'] },
        response: { 200: RecordingStatus },
      },
    },
    async (request) => {
      return app.recordings.recordingsOfCall((request.params as { id: number }).id, accountsWith(request.principal!, 'read'));
    },
  );
}
