import {
  addTally,
  emptyTally,
  normalizeQuestionPart,
  normalizeWeight,
  QUESTION_TEXT_MAX,
  QUESTION_TITLE_MAX,
  tallyFigures,
  type EvaluationTally,
} from '../../domain/callwork/call-work.ts';
import type { Clock } from '../../domain/clock.ts';
import { AppError, fieldError } from '../../domain/errors.ts';
import { localPeriods, type Interval } from '../../domain/report/report-time.ts';
import type { Storage } from '../../storage/database.ts';
import * as work from '../../storage/callwork/call-work.repository.ts';
import type { QuestionRow } from '../../storage/callwork/call-work.repository.ts';
import type { AuditActor, AuditLog } from '../accounts/audit.service.ts';
import { parseFilterNumber, toCallFilter, type ReportingService } from '../reporting/reporting.service.ts';

export interface QuestionView {
  id: number;
  title: string;
  text: string;
  weight: number;
  position: number;
  archived: boolean;
  archived_at: string | null;
  created_at: string;
  updated_at: string;
}

export function questionView(q: QuestionRow): QuestionView {
  return {
    id: Number(q.id),
    title: q.title,
    text: q.text,
    weight: Number(q.weight ?? 1),
    position: Number(q.position),
    archived: !!q.archived_at,
    archived_at: q.archived_at ?? null,
    created_at: q.created_at,
    updated_at: q.updated_at ?? q.created_at,
  };
}

export interface QuestionIn {
  title?: unknown;
  text?: unknown;
  weight?: unknown;
  position?: unknown;
  archived?: unknown;
}

export type ReportGroup = 'question' | 'tracking_number' | 'period';

/** One row of the evaluation report: its group (question, tracking number or period) and its figures. */
export type ReportRow = ReturnType<typeof tallyFigures> &
  Partial<{ question_id: number; title: string; weight: number; archived: boolean; tracking_number: string; period: string; period_start: string }>;

function position(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 1_000_000) throw fieldError('position', 'must be a whole number from 0 to 1000000');
  return v;
}

/**
 * The account's evaluation questions (yes/no, weighted) and the evaluation report. A question that has answers is
 * archived instead of deleted, so past evaluations, the report and the legacy getCDR keep their meaning.
 */
export class EvaluationService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly reports: ReportingService,
  ) {}

  async list(clientId: number, includeArchived: boolean): Promise<QuestionView[]> {
    return (await work.listQuestions(this.storage.db, clientId, includeArchived)).map(questionView);
  }

  async get(clientId: number, id: number): Promise<QuestionView> {
    const q = await work.findQuestion(this.storage.db, clientId, id);
    if (!q) throw new AppError('not_found', `evaluation question ${id} does not exist`);
    return questionView(q);
  }

  async create(clientId: number, input: QuestionIn, actor: AuditActor): Promise<QuestionView> {
    const title = normalizeQuestionPart(input.title, 'title', QUESTION_TITLE_MAX, true);
    const text = input.text === undefined ? title : normalizeQuestionPart(input.text, 'text', QUESTION_TEXT_MAX, false);
    const weight = input.weight === undefined ? 1 : normalizeWeight(input.weight);
    return this.storage.tx(async (tx) => {
      const existing = await work.listQuestions(tx, clientId, true);
      const pos = input.position === undefined ? existing.reduce((m, q) => Math.max(m, Number(q.position) + 1), 0) : position(input.position);
      const now = this.clock.now().toISOString();
      const row = { client_id: clientId, title, text, weight, position: pos, archived_at: null, created_at: now, updated_at: now };
      const id = await work.insertQuestion(tx, row);
      await this.audit.record(tx, { clientId, actor, action: 'evaluation_question.create', target: `evaluation_question:${id}`, detail: { title, text, weight, position: pos } });
      return questionView({ id, ...row });
    });
  }

  /** Changes a question's title, text, weight or position, or archives (`archived: true`) or restores it. */
  async update(clientId: number, id: number, input: QuestionIn, actor: AuditActor): Promise<QuestionView> {
    const patch: Partial<QuestionRow> = {};
    if (input.title !== undefined) patch.title = normalizeQuestionPart(input.title, 'title', QUESTION_TITLE_MAX, true);
    if (input.text !== undefined) patch.text = normalizeQuestionPart(input.text, 'text', QUESTION_TEXT_MAX, false);
    if (input.weight !== undefined) patch.weight = normalizeWeight(input.weight);
    if (input.position !== undefined) patch.position = position(input.position);
    if (input.archived !== undefined && typeof input.archived !== 'boolean') throw fieldError('archived', 'must be true or false');
    return this.storage.tx(async (tx) => {
      const q = await work.findQuestion(tx, clientId, id);
      if (!q) throw new AppError('not_found', `evaluation question ${id} does not exist`);
      const now = this.clock.now().toISOString();
      if (input.archived === true && !q.archived_at) patch.archived_at = now;
      if (input.archived === false && q.archived_at) patch.archived_at = null;
      const changed = Object.fromEntries(Object.entries(patch).filter(([k, v]) => (q as Record<string, unknown>)[k] !== v));
      if (!Object.keys(changed).length) return questionView(q);
      await work.updateQuestion(tx, id, { ...changed, updated_at: now });
      await this.audit.record(tx, { clientId, actor, action: 'evaluation_question.update', target: `evaluation_question:${id}`, detail: changed });
      return questionView({ ...q, ...changed, updated_at: now });
    });
  }

  /** Deletes a question nobody answered yet; one with answers is archived instead (its answers stay). */
  async remove(clientId: number, id: number, actor: AuditActor): Promise<{ outcome: 'deleted' | 'archived'; question: QuestionView }> {
    return this.storage.tx(async (tx) => {
      const q = await work.findQuestion(tx, clientId, id);
      if (!q) throw new AppError('not_found', `evaluation question ${id} does not exist`);
      if (await work.questionHasAnswers(tx, id)) {
        const now = this.clock.now().toISOString();
        const archivedAt = q.archived_at ?? now;
        if (!q.archived_at) {
          await work.updateQuestion(tx, id, { archived_at: archivedAt, updated_at: now });
          await this.audit.record(tx, { clientId, actor, action: 'evaluation_question.archive', target: `evaluation_question:${id}`, detail: { title: q.title, reason: 'answered' } });
        }
        return { outcome: 'archived', question: questionView({ ...q, archived_at: archivedAt, updated_at: q.archived_at ? q.updated_at : now }) };
      }
      await work.deleteQuestion(tx, id);
      await this.audit.record(tx, { clientId, actor, action: 'evaluation_question.delete', target: `evaluation_question:${id}`, detail: { title: q.title } });
      return { outcome: 'deleted', question: questionView(q) };
    });
  }

  /**
   * The evaluation report over calls that started in [from, to) (account time; default: this month so far): answers,
   * % yes and the weighted score per question, per tracking number or per local day/week/month.
   */
  async report(clientId: number, q: { from?: string; to?: string; group_by?: ReportGroup; interval?: Interval; tracking_number?: string }) {
    const zone = await this.reports.zoneOf(clientId);
    const groupBy = q.group_by ?? 'question';
    const interval = q.interval ?? 'day';
    const now = this.clock.now();
    const filter = toCallFilter({ from: q.from ?? localPeriods(zone, now, new Date(now.getTime() + 1), 'month')[0].label + '-01', to: q.to }, zone);
    const from = new Date(filter.from!);
    const to = filter.to ? new Date(filter.to) : now;
    if (to <= from) throw fieldError('to', 'must be after from');
    if (to.getTime() - from.getTime() > 370 * 86_400_000 * (groupBy === 'period' && interval === 'day' ? 1 : 5)) throw fieldError('to', 'the range is too long (at most a year by day, five years otherwise)');
    const trackingNumber = q.tracking_number === undefined ? undefined : parseFilterNumber(q.tracking_number, 'tracking_number', false);
    const periods = groupBy === 'period' ? localPeriods(zone, from, to, interval) : [];
    const quarters = periods.some((p) => p.start % 3_600_000 !== 0);
    const buckets = await work.evaluationBuckets(this.storage.db, clientId, { from: from.toISOString(), to: to.toISOString(), trackingNumber }, quarters);
    const questions = new Map((await work.listQuestions(this.storage.db, clientId, true)).map((x) => [Number(x.id), questionView(x)]));

    const groups = new Map<string, { key: string | number; tally: EvaluationTally }>();
    const total = emptyTally();
    for (const b of buckets) {
      const question = questions.get(b.question_id);
      if (!question) continue;
      let key: string | number;
      if (groupBy === 'question') key = b.question_id;
      else if (groupBy === 'tracking_number') key = b.tracking_number;
      else {
        const t = Date.parse(`${b.hour}:00:00.000Z`) + b.quarter * 900_000;
        const p = periods.find((x) => t >= x.start && t < x.end);
        if (!p) continue;
        key = p.label;
      }
      const g = groups.get(String(key)) ?? { key, tally: emptyTally() };
      addTally(g.tally, b.answers, b.yes, question.weight);
      groups.set(String(key), g);
      addTally(total, b.answers, b.yes, question.weight);
    }

    let rows: ReportRow[];
    if (groupBy === 'question') {
      rows = [...questions.values()]
        .filter((x) => groups.has(String(x.id)) || !x.archived)
        .map((x) => ({ question_id: x.id, title: x.title, weight: x.weight, archived: x.archived, ...tallyFigures(groups.get(String(x.id))?.tally ?? emptyTally()) }));
    } else if (groupBy === 'tracking_number') {
      rows = [...groups.values()].sort((a, b) => String(a.key).localeCompare(String(b.key))).map((g) => ({ tracking_number: String(g.key), ...tallyFigures(g.tally) }));
    } else {
      rows = periods.map((p) => ({ period: p.label, period_start: new Date(p.start).toISOString(), ...tallyFigures(groups.get(p.label)?.tally ?? emptyTally()) }));
    }
    return { timezone: zone, from: from.toISOString(), to: to.toISOString(), group_by: groupBy, ...(groupBy === 'period' ? { interval } : {}), rows, totals: tallyFigures(total) };
  }
}
