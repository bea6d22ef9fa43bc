import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { App } from '../../../app.ts';
import { basicCredentials } from '../../auth.ts';

/** Call recordings kept in TT_DATA_DIR: HTTP Basic of a user reaching the call's account, and the call's unguessable token. */
export async function recordingsRoutes(fastify: FastifyInstance, opts: { app: App }) {
  const { app } = opts;
  fastify.get(
    '/recordings/:file',
    {
      schema: {
        tags: ['Calls'],
        summary: 'Download a call recording (WAV)',
        description:
          'The `[[audio]]` URL of a call: `/recordings/{audio_token}.wav`. Needs HTTP Basic credentials of a user who reaches the call’s account; a wrong token, or another account’s call, answers 404.',
        security: [{ basicAuth: [] }],
        params: { type: 'object', properties: { file: { type: 'string', maxLength: 80 } }, required: ['file'] },
        response: { 200: { description: 'audio/wav', type: 'string', format: 'binary' } },
      },
    },
    async (request, reply) => {
      const { username, password } = basicCredentials(request);
      const principal = await app.accounts.authenticate(username, password, request.ip);
      const token = (request.params as { file: string }).file.replace(/\.wav$/, '');
      const { file, call } = await app.calls.recordingFile(token, principal.clientIds);
      const stat = await fs.promises.stat(file);
      return reply
        .type('audio/wav')
        .header('content-length', stat.size)
        .header('cache-control', 'private, no-store')
        .header('content-disposition', `inline; filename="${call.unique_id}.wav"`)
        .send(fs.createReadStream(file));
    },
  );
}
