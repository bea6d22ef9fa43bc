import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import { actorOf } from '../../../services/accounts/audit.service.ts';
import type { ReportGroup } from '../../../services/callwork/evaluations.service.ts';
import type { Interval } from '../../../domain/report/report-time.ts';
import { authenticateUser, requireAccount } from '../../auth.ts';
import * as S from './callwork.schemas.ts';

/** The part of the app these routes use. */
export type UserapiEvaluationsRoutesDeps = Pick<App, 'accounts' | 'callWork'>;

const { errors, security, tags } = S;

/** UserAPI evaluation questions (per account, yes/no with a weight) and the evaluation report, under `/userapi/v1`. */
export async function userapiEvaluationsRoutes(fastify: FastifyInstance, opts: { app: UserapiEvaluationsRoutesDeps }) {
  const { app } = opts;
  const f = fastify.withTypeProvider<TypeBoxTypeProvider>();
  f.addHook('onRequest', authenticateUser(app.accounts));
  f.addHook('preHandler', requireAccount(app.accounts));
  const evaluations = app.callWork.evaluations;

  f.get(
    '/evaluation-questions',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'Evaluation questions',
        description: 'The account’s yes/no questions in order (`position`, then id); archived ones with `include_archived=true`. The same questions are the legacy `evaluationDetails`.',
        tags,
        security,
        querystring: S.QuestionsQuery,
        response: { 200: Type.Object({ questions: Type.Array(S.QuestionOut) }), ...errors },
      },
    },
    async (request) => ({ questions: await evaluations.list(request.clientId!, request.query.include_archived ?? false) }),
  );

  f.post(
    '/evaluation-questions',
    {
      config: { permission: 'settings' },
      schema: {
        summary: 'Add an evaluation question',
        description: 'A yes/no question calls are evaluated on, with an optional weight (default 1) in the weighted score. Audited.',
        tags,
        security,
        body: S.QuestionIn,
        response: { 201: Type.Object({ question: S.QuestionOut }), ...errors },
      },
    },
    async (request, reply) => reply.status(201).send({ question: await evaluations.create(request.clientId!, request.body, actorOf(request.principal!, request.ip)) }),
  );

  f.get(
    '/evaluation-questions/:id',
    {
      config: { permission: 'read' },
      schema: { summary: 'One evaluation question', description: 'The question, archived or not (404 when it is not this account’s).', tags, security, params: S.QuestionParams, querystring: S.ClientQuery, response: { 200: Type.Object({ question: S.QuestionOut }), ...errors } },
    },
    async (request) => ({ question: await evaluations.get(request.clientId!, request.params.id) }),
  );

  f.patch(
    '/evaluation-questions/:id',
    {
      config: { permission: 'settings' },
      schema: {
        summary: 'Change an evaluation question',
        description: 'Title, text, weight, position; `archived: true` archives it (no longer asked, its answers kept), `false` restores it. A new weight applies to the report and scores of past answers too. Audited.',
        tags,
        security,
        params: S.QuestionParams,
        body: S.QuestionPatch,
        response: { 200: Type.Object({ question: S.QuestionOut }), ...errors },
      },
    },
    async (request) => ({ question: await evaluations.update(request.clientId!, request.params.id, request.body, actorOf(request.principal!, request.ip)) }),
  );

  f.delete(
    '/evaluation-questions/:id',
    {
      config: { permission: 'settings' },
      schema: {
        summary: 'Delete (or archive) an evaluation question',
        description: 'A question no call has an answer to is deleted (`outcome: "deleted"`); one that has answers is archived instead (`outcome: "archived"`), so past evaluations, the report and the legacy `getCDR` keep them. Audited.',
        tags,
        security,
        params: S.QuestionParams,
        querystring: S.ClientQuery,
        response: { 200: Type.Object({ outcome: Type.String({ enum: ['deleted', 'archived'] }), question: S.QuestionOut }), ...errors },
      },
    },
    async (request) => evaluations.remove(request.clientId!, request.params.id, actorOf(request.principal!, request.ip)),
  );

  f.get(
    '/reports/evaluations',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'Evaluation report',
        description:
          'Answers to the account’s questions on calls started in [from, to) (account time): per question, per tracking number or per local day/week/month, the number of answers, yes and no, `yes_percent` and the `weighted_score` (Σ weight of yes answers ÷ Σ weight of answers, in percent). Questions’ current weights apply.',
        tags,
        security,
        querystring: S.EvaluationReportQuery,
        response: { 200: S.EvaluationReportOut, ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      return evaluations.report(request.clientId!, { ...q, group_by: q.group_by as ReportGroup | undefined, interval: q.interval as Interval | undefined });
    },
  );
}
