import { callScore, normalizeLabel, normalizeNoteText } from '../../domain/callwork/call-work.ts';
import type { Clock } from '../../domain/clock.ts';
import { AppError, fieldError, type FieldError } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import type { Executor, Storage } from '../../storage/database.ts';
import * as work from '../../storage/callwork/call-work.repository.ts';
import type { CallNoteRow, QuestionRow } from '../../storage/callwork/call-work.repository.ts';
import type { AuditActor, AuditLog } from '../accounts/audit.service.ts';
import type { AccountEvents } from '../events/account-events.ts';
import type { ReportingService } from '../reporting/reporting.service.ts';

/** Who works on a call: the user (notes are theirs) and the audit actor of the request. */
export interface WorkActor {
  userId: string;
  name: string;
  actor: AuditActor;
}

export interface NoteView {
  id: string;
  call_id: number;
  author: { user_id: string; name: string };
  text: string;
  created_at: string;
  updated_at: string;
}

export interface EvaluationView {
  answers: { question_id: number; title: string; answer: 'yes' | 'no'; weight: number; archived: boolean; answered_at: string; answered_by: string | null }[];
  /** weighted share of yes answers, in percent (one decimal); null when nothing weighted is answered */
  score: number | null;
}

export function noteView(n: CallNoteRow): NoteView {
  return { id: n.id, call_id: Number(n.call_id), author: { user_id: n.author_user_id, name: n.author_name }, text: n.text, created_at: n.created_at, updated_at: n.updated_at };
}

const ANSWERS = ['yes', 'no'] as const;

/**
 * The work people do on one call: its label, its notes and its evaluation. Every change is audited and announced
 * (`call.updated`) inside its own transaction; a change that changes nothing is neither.
 */
export class CallWorkService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly events: AccountEvents,
    private readonly reports: ReportingService,
  ) {}

  /** One call as the WebAPI shows it, with its notes and evaluation. */
  async getCall(clientId: number, id: number) {
    const call = await this.reports.getCall(clientId, id);
    const db = this.storage.db;
    return { call, notes: (await work.listNotes(db, id)).map(noteView), evaluation: await this.evaluationOf(db, clientId, id) };
  }

  /** Sets (or, with null or empty text, clears) the call's label: `[[label]]`, the WebAPI `label`, getCDR `label`. */
  async setLabel(clientId: number, id: number, labelIn: unknown, who: WorkActor) {
    const label = normalizeLabel(labelIn);
    await this.storage.tx(async (tx) => {
      const call = await this.mustFind(tx, clientId, id);
      if (call.label === label) return;
      const now = this.clock.now().toISOString();
      await work.setLabel(tx, id, label, now);
      await this.audit.record(tx, { clientId, actor: who.actor, action: 'call.label', target: `call:${id}`, detail: { from: call.label, to: label } });
      await this.events.publish(tx, { clientId, type: 'call.updated', data: { call_id: id, changed: ['label'], label } });
    });
    return this.reports.getCall(clientId, id);
  }

  async listNotes(clientId: number, callId: number): Promise<NoteView[]> {
    await this.mustFind(this.storage.db, clientId, callId);
    return (await work.listNotes(this.storage.db, callId)).map(noteView);
  }

  async addNote(clientId: number, callId: number, textIn: unknown, who: WorkActor): Promise<NoteView> {
    const text = normalizeNoteText(textIn);
    return this.storage.tx(async (tx) => {
      await this.mustFind(tx, clientId, callId);
      const now = this.clock.now();
      const row: CallNoteRow = { id: newId('note', now.getTime()), client_id: clientId, call_id: callId, author_user_id: who.userId, author_name: who.name, text, created_at: now.toISOString(), updated_at: now.toISOString() };
      await work.insertNote(tx, row);
      await this.audit.record(tx, { clientId, actor: who.actor, action: 'call.note_add', target: `call:${callId}`, detail: { note_id: row.id, text } });
      await this.events.publish(tx, { clientId, type: 'call.updated', data: { call_id: callId, changed: ['notes'], note: { id: row.id, action: 'created' } } });
      return noteView(row);
    });
  }

  /** Changes a note's text; only its author may. */
  async editNote(clientId: number, callId: number, noteId: string, textIn: unknown, who: WorkActor): Promise<NoteView> {
    const text = normalizeNoteText(textIn);
    return this.storage.tx(async (tx) => {
      const note = await this.mustOwnNote(tx, clientId, callId, noteId, who, 'edit');
      if (note.text === text) return noteView(note);
      const now = this.clock.now().toISOString();
      await work.updateNote(tx, noteId, text, now);
      await this.audit.record(tx, { clientId, actor: who.actor, action: 'call.note_edit', target: `call:${callId}`, detail: { note_id: noteId, from: note.text, to: text } });
      await this.events.publish(tx, { clientId, type: 'call.updated', data: { call_id: callId, changed: ['notes'], note: { id: noteId, action: 'updated' } } });
      return noteView({ ...note, text, updated_at: now });
    });
  }

  /** Deletes a note; only its author may. */
  async deleteNote(clientId: number, callId: number, noteId: string, who: WorkActor): Promise<void> {
    await this.storage.tx(async (tx) => {
      const note = await this.mustOwnNote(tx, clientId, callId, noteId, who, 'delete');
      await work.deleteNote(tx, noteId);
      await this.audit.record(tx, { clientId, actor: who.actor, action: 'call.note_delete', target: `call:${callId}`, detail: { note_id: noteId, text: note.text } });
      await this.events.publish(tx, { clientId, type: 'call.updated', data: { call_id: callId, changed: ['notes'], note: { id: noteId, action: 'deleted' } } });
    });
  }

  /**
   * Replaces the call's answers to the account's active questions with `answers` (an active question left out loses
   * its answer). Answers to archived questions are kept and cannot be given any more; a question of another account
   * is unknown here. Errors name `answers[i].question_id` / `answers[i].answer`.
   */
  async putEvaluation(clientId: number, callId: number, answersIn: unknown, who: WorkActor): Promise<EvaluationView> {
    if (!Array.isArray(answersIn)) throw fieldError('answers', 'must be an array of {question_id, answer}');
    const given = answersIn.map((a, i) => {
      const o = (a ?? {}) as { question_id?: unknown; answer?: unknown };
      const errors: FieldError[] = [];
      if (typeof o.question_id !== 'number' || !Number.isInteger(o.question_id) || o.question_id < 1) errors.push({ path: `answers[${i}].question_id`, message: 'must be a question id' });
      if (!(ANSWERS as readonly unknown[]).includes(o.answer)) errors.push({ path: `answers[${i}].answer`, message: 'must be "yes" or "no"' });
      if (errors.length) throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
      return { questionId: o.question_id as number, answer: o.answer as 'yes' | 'no' };
    });
    const seen = new Map<number, number>();
    given.forEach((g, i) => {
      if (seen.has(g.questionId)) throw fieldError(`answers[${i}].question_id`, `question ${g.questionId} is answered twice (also answers[${seen.get(g.questionId)}])`);
      seen.set(g.questionId, i);
    });
    return this.storage.tx(async (tx) => {
      await this.mustFind(tx, clientId, callId);
      const questions = new Map((await work.questionsByIds(tx, clientId, given.map((g) => g.questionId))).map((q) => [Number(q.id), q]));
      given.forEach((g, i) => {
        const q = questions.get(g.questionId);
        if (!q) throw fieldError(`answers[${i}].question_id`, `question ${g.questionId} is not one of this account’s evaluation questions`);
        if (q.archived_at) throw fieldError(`answers[${i}].question_id`, `question ${g.questionId} is archived and can no longer be answered`);
      });
      const active = await work.listQuestions(tx, clientId, false);
      const before = new Map((await work.answersOfCall(tx, callId)).map((a) => [a.question_id, a.answer]));
      const wanted = new Map(given.map((g) => [g.questionId, g.answer]));
      const cleared = active.map((q) => Number(q.id)).filter((qid) => before.has(qid) && !wanted.has(qid));
      const set = given.filter((g) => before.get(g.questionId) !== g.answer);
      if (cleared.length || set.length) {
        const now = this.clock.now().toISOString();
        await work.deleteAnswers(tx, callId, cleared);
        for (const g of set) await work.upsertAnswer(tx, { call_id: callId, question_id: g.questionId, answer: g.answer, updated_at: now, answered_by: who.userId });
        const changes = [...set.map((g) => ({ question_id: g.questionId, from: before.get(g.questionId) ?? null, to: g.answer })), ...cleared.map((qid) => ({ question_id: qid, from: before.get(qid) ?? null, to: null }))];
        await this.audit.record(tx, { clientId, actor: who.actor, action: 'call.evaluate', target: `call:${callId}`, detail: { changes } });
        const view = await this.evaluationOf(tx, clientId, callId);
        await this.events.publish(tx, { clientId, type: 'call.updated', data: { call_id: callId, changed: ['evaluation'], evaluation: { answers: view.answers.map((a) => ({ question_id: a.question_id, answer: a.answer })), score: view.score } } });
        return view;
      }
      return this.evaluationOf(tx, clientId, callId);
    });
  }

  async getEvaluation(clientId: number, callId: number): Promise<EvaluationView> {
    await this.mustFind(this.storage.db, clientId, callId);
    return this.evaluationOf(this.storage.db, clientId, callId);
  }

  private async evaluationOf(db: Executor, clientId: number, callId: number): Promise<EvaluationView> {
    const answers = await work.answersOfCall(db, callId);
    const questions = new Map((await work.questionsByIds(db, clientId, answers.map((a) => a.question_id))).map((q) => [Number(q.id), q] as [number, QuestionRow]));
    const list = answers
      .filter((a) => questions.has(a.question_id))
      .map((a) => {
        const q = questions.get(a.question_id)!;
        return { question_id: a.question_id, title: q.title, answer: a.answer as 'yes' | 'no', weight: Number(q.weight ?? 1), archived: !!q.archived_at, answered_at: a.updated_at, answered_by: a.answered_by, position: Number(q.position) };
      })
      .sort((x, y) => x.position - y.position || x.question_id - y.question_id)
      .map(({ position: _p, ...rest }) => rest);
    return { answers: list, score: callScore(list) };
  }

  private async mustFind(db: Executor, clientId: number, id: number) {
    const call = await work.callForWork(db, clientId, id);
    if (!call) throw new AppError('not_found', `call ${id} does not exist`);
    return call;
  }

  private async mustOwnNote(db: Executor, clientId: number, callId: number, noteId: string, who: WorkActor, verb: 'edit' | 'delete') {
    await this.mustFind(db, clientId, callId);
    const note = await work.findNote(db, clientId, callId, noteId);
    if (!note) throw new AppError('not_found', `note ${noteId} of call ${callId} does not exist`);
    if (note.author_user_id !== who.userId) throw new AppError('forbidden', `only the note’s author (${note.author_name}) may ${verb} it`);
    return note;
  }
}
