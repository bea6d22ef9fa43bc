import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import { actorOf } from '../../../services/accounts/audit.service.ts';
import type { WorkActor } from '../../../services/callwork/call-work.service.ts';
import { authenticateUser, requireAccount } from '../../auth.ts';
import * as S from './callwork.schemas.ts';

/** The part of the app these routes use. */
export type UserapiCallsRoutesDeps = Pick<App, 'accounts' | 'reporting' | 'callWork'>;

/** The signed-in user as the author of call work, and the audit actor of the request. */
export function workActor(request: FastifyRequest): WorkActor {
  const p = request.principal!;
  return { userId: p.userId, name: p.username, actor: actorOf(p, request.ip) };
}

const { errors, security, tags } = S;

/**
 * UserAPI call work under `/userapi/v1`: the call log (the WebAPI's filters and paging plus search), one call with
 * its notes and evaluation, the label, notes and evaluation answers.
 */
export async function userapiCallsRoutes(fastify: FastifyInstance, opts: { app: UserapiCallsRoutesDeps }) {
  const { app } = opts;
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();
  f.addHook('onRequest', authenticateUser(app.accounts));
  f.addHook('preHandler', requireAccount(app.accounts));
  const calls = app.callWork.calls;

  f.get(
    '/calls',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'Call log',
        description:
          'The account’s calls (ended or finalized), newest first by default, with the WebAPI’s filters (time range in the account’s time zone, tracking number, status, caller, custom id and group, direction, audio, test) and keyset paging (`next_cursor` → `cursor`), plus `q`: a search over the caller number, the tracking name, the label and the notes. Each call has every WebAPI field, `label` included.',
        tags,
        security,
        querystring: S.CallLogQuery,
        response: { 200: S.CallsOut, ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      // The WebAPI's call shape (its schema lists a few fields and lets the others through).
      return (await app.reporting.reports.listCalls(request.clientId!, { ...q, order: q.order as 'asc' | 'desc' | undefined })) as never;
    },
  );

  f.get(
    '/calls/:id',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'One call with its label, notes and evaluation',
        description: 'Every WebAPI field of the call (`label` included), its notes oldest first, and its evaluation answers with the weighted score.',
        tags,
        security,
        params: S.CallParams,
        querystring: S.ClientQuery,
        response: { 200: S.CallDetailOut, ...errors },
      },
    },
    async (request) => (await calls.getCall(request.clientId!, request.params.id)) as never,
  );

  f.patch(
    '/calls/:id',
    {
      config: { permission: 'call_work' },
      schema: {
        summary: 'Set or clear the call’s label',
        description:
          'Sets `label` (one line, at most 100 characters, trimmed; null or empty clears it). The label is the WebAPI `label`, the legacy `getCDR` `label` and the HTTP Callback tag `[[label]]` of a callback made after the change (a callback is made when the call is finalized, which can follow its end by the grace window while a recording is awaited; callbacks already made keep the URL they were made with, redeliveries included). Audited; announces `call.updated` with `changed: ["label"]`.',
        tags,
        security,
        params: S.CallParams,
        body: S.LabelIn,
        response: { 200: Type.Object({ call: S.CallOut }), ...errors },
      },
    },
    async (request) => ({ call: await calls.setLabel(request.clientId!, request.params.id, request.body.label, workActor(request)) }) as never,
  );

  f.get(
    '/calls/:id/notes',
    {
      config: { permission: 'read' },
      schema: { summary: 'The call’s notes', description: 'Oldest first, each with its author and times.', tags, security, params: S.CallParams, querystring: S.ClientQuery, response: { 200: Type.Object({ notes: Type.Array(S.NoteOut) }), ...errors } },
    },
    async (request) => ({ notes: await calls.listNotes(request.clientId!, request.params.id) }),
  );

  f.post(
    '/calls/:id/notes',
    {
      config: { permission: 'call_work' },
      schema: {
        summary: 'Add a note to the call',
        description: 'The signed-in user is its author; only they may edit or delete it. Notes are searched by the call log’s `q`. Audited; announces `call.updated` with `changed: ["notes"]`.',
        tags,
        security,
        params: S.CallParams,
        body: S.NoteIn,
        response: { 201: Type.Object({ note: S.NoteOut }), ...errors },
      },
    },
    async (request, reply) => {
      const note = await calls.addNote(request.clientId!, request.params.id, request.body.text, workActor(request));
      return reply.status(201).send({ note });
    },
  );

  f.patch(
    '/calls/:id/notes/:note_id',
    {
      config: { permission: 'call_work' },
      schema: {
        summary: 'Edit your note',
        description: 'Only the note’s author may change it (403 otherwise). Audited; announces `call.updated` with `changed: ["notes"]`.',
        tags,
        security,
        params: S.NoteParams,
        body: S.NoteIn,
        response: { 200: Type.Object({ note: S.NoteOut }), ...errors },
      },
    },
    async (request) => ({ note: await calls.editNote(request.clientId!, request.params.id, request.params.note_id, request.body.text, workActor(request)) }),
  );

  f.delete(
    '/calls/:id/notes/:note_id',
    {
      config: { permission: 'call_work' },
      schema: {
        summary: 'Delete your note',
        description: 'Only the note’s author may delete it (403 otherwise). Audited; announces `call.updated` with `changed: ["notes"]`.',
        tags,
        security,
        params: S.NoteParams,
        querystring: S.ClientQuery,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await calls.deleteNote(request.clientId!, request.params.id, request.params.note_id, workActor(request));
      return reply.status(204).send(null);
    },
  );

  f.get(
    '/calls/:id/evaluation',
    {
      config: { permission: 'read' },
      schema: { summary: 'The call’s evaluation', description: 'Its answers (archived questions’ included) and the weighted score.', tags, security, params: S.CallParams, querystring: S.ClientQuery, response: { 200: Type.Object({ evaluation: S.EvaluationOut }), ...errors } },
    },
    async (request) => ({ evaluation: await calls.getEvaluation(request.clientId!, request.params.id) }),
  );

  f.put(
    '/calls/:id/evaluation',
    {
      config: { permission: 'call_work' },
      schema: {
        summary: 'Evaluate the call',
        description:
          'Replaces the call’s answers to the account’s active questions: `{answers: [{question_id, answer: "yes"|"no"}]}`; an active question left out loses its answer, answers to archived questions are kept. A question that is not this account’s, or is archived, is a 400 naming `answers[i].question_id`. The answers are the legacy `getCDR` `eval_<question_id>` fields. Audited; announces `call.updated` with `changed: ["evaluation"]` when an answer changed.',
        tags,
        security,
        params: S.CallParams,
        body: S.EvaluationIn,
        response: { 200: Type.Object({ evaluation: S.EvaluationOut }), ...errors },
      },
    },
    async (request) => ({ evaluation: await calls.putEvaluation(request.clientId!, request.params.id, request.body.answers, workActor(request)) }),
  );
}
