import { sql, type Selectable } from 'kysely';
import type { Executor } from '../database.ts';
import type { CallNoteTable } from './callwork.tables.ts';
import type { EvaluationQuestionTable, SmsMessageTable } from '../calls/calls.tables.ts';

/** Calls that people work on are the calls reports show: not while in progress. */
const IN_PROGRESS = 'in_progress';

export type CallNoteRow = Selectable<CallNoteTable>;
export type QuestionRow = Selectable<EvaluationQuestionTable>;
export type SmsMessageRow = Selectable<SmsMessageTable>;

/** The call's id and label when it is the account's and reportable (ended or finalized). */
export async function callForWork(db: Executor, clientId: number, id: number): Promise<{ id: number; label: string | null } | undefined> {
  const r = await db
    .selectFrom('calls')
    .select(['id', 'label'])
    .where('client_id', '=', clientId)
    .where('id', '=', id)
    .where('state', '<>', IN_PROGRESS)
    .executeTakeFirst();
  return r ? { id: Number(r.id), label: r.label } : undefined;
}

export async function setLabel(db: Executor, id: number, label: string | null, now: string): Promise<void> {
  await db.updateTable('calls').set({ label, updated_at: now }).where('id', '=', id).execute();
}

// Notes

export async function insertNote(db: Executor, row: CallNoteRow): Promise<void> {
  await db.insertInto('call_notes').values(row).execute();
}

export async function listNotes(db: Executor, callId: number): Promise<CallNoteRow[]> {
  return db.selectFrom('call_notes').selectAll().where('call_id', '=', callId).orderBy('created_at').orderBy('id').execute();
}

export async function findNote(db: Executor, clientId: number, callId: number, noteId: string): Promise<CallNoteRow | undefined> {
  return db.selectFrom('call_notes').selectAll().where('id', '=', noteId).where('call_id', '=', callId).where('client_id', '=', clientId).executeTakeFirst();
}

export async function updateNote(db: Executor, id: string, text: string, now: string): Promise<void> {
  await db.updateTable('call_notes').set({ text, updated_at: now }).where('id', '=', id).execute();
}

export async function deleteNote(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('call_notes').where('id', '=', id).execute();
}

// Evaluation questions

export async function insertQuestion(db: Executor, row: Omit<QuestionRow, 'id'>): Promise<number> {
  const r = await db.insertInto('evaluation_questions').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

export async function listQuestions(db: Executor, clientId: number, includeArchived: boolean): Promise<QuestionRow[]> {
  return db
    .selectFrom('evaluation_questions')
    .selectAll()
    .where('client_id', '=', clientId)
    .$if(!includeArchived, (q) => q.where('archived_at', 'is', null))
    .orderBy('position')
    .orderBy('id')
    .execute();
}

export async function findQuestion(db: Executor, clientId: number, id: number): Promise<QuestionRow | undefined> {
  return db.selectFrom('evaluation_questions').selectAll().where('client_id', '=', clientId).where('id', '=', id).executeTakeFirst();
}

export async function questionsByIds(db: Executor, clientId: number, ids: number[]): Promise<QuestionRow[]> {
  if (!ids.length) return [];
  return db.selectFrom('evaluation_questions').selectAll().where('client_id', '=', clientId).where('id', 'in', ids).execute();
}

export async function updateQuestion(db: Executor, id: number, patch: Partial<Omit<QuestionRow, 'id' | 'client_id' | 'created_at'>>): Promise<void> {
  await db.updateTable('evaluation_questions').set(patch).where('id', '=', id).execute();
}

export async function deleteQuestion(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('evaluation_questions').where('id', '=', id).execute();
}

export async function questionHasAnswers(db: Executor, id: number): Promise<boolean> {
  const r = await db.selectFrom('call_evaluations').select('call_id').where('question_id', '=', id).limit(1).executeTakeFirst();
  return r !== undefined;
}

// Evaluation answers

export interface AnswerRow {
  question_id: number;
  answer: string;
  updated_at: string;
  answered_by: string | null;
}

export async function answersOfCall(db: Executor, callId: number): Promise<AnswerRow[]> {
  const r = await db.selectFrom('call_evaluations').select(['question_id', 'answer', 'updated_at', 'answered_by']).where('call_id', '=', callId).execute();
  return r.map((a) => ({ question_id: Number(a.question_id), answer: a.answer, updated_at: a.updated_at, answered_by: a.answered_by ?? null }));
}

export async function upsertAnswer(db: Executor, row: { call_id: number; question_id: number; answer: string; updated_at: string; answered_by: string }): Promise<void> {
  await db
    .insertInto('call_evaluations')
    .values(row)
    .onConflict((oc) => oc.columns(['call_id', 'question_id']).doUpdateSet({ answer: row.answer, updated_at: row.updated_at, answered_by: row.answered_by }))
    .execute();
}

export async function deleteAnswers(db: Executor, callId: number, questionIds: number[]): Promise<void> {
  if (!questionIds.length) return;
  await db.deleteFrom('call_evaluations').where('call_id', '=', callId).where('question_id', 'in', questionIds).execute();
}

/** Answers per question, tracking number and UTC hour (or quarter hour) of the call's start: the report's raw counts. */
export interface EvaluationBucket {
  question_id: number;
  tracking_number: string;
  hour: string;
  quarter: number;
  answers: number;
  yes: number;
}

/** The account's answers to its questions on reportable calls that started in [from, to), counted by bucket. */
export async function evaluationBuckets(db: Executor, clientId: number, f: { from: string; to: string; trackingNumber?: string }, quarters: boolean): Promise<EvaluationBucket[]> {
  const quarter = quarters ? sql<number>`cast(substr(c.started_at, 15, 2) as integer) / 15` : sql<number>`0`;
  const r = await db
    .selectFrom('call_evaluations as e')
    .innerJoin('calls as c', 'c.id', 'e.call_id')
    .innerJoin('evaluation_questions as q', 'q.id', 'e.question_id')
    .where('q.client_id', '=', clientId)
    .where('c.client_id', '=', clientId)
    .where('c.state', '<>', IN_PROGRESS)
    .where('c.started_at', '>=', f.from)
    .where('c.started_at', '<', f.to)
    .$if(f.trackingNumber !== undefined, (q) => q.where('c.tracking_number', '=', f.trackingNumber!))
    .select([
      'e.question_id as question_id',
      'c.tracking_number as tracking_number',
      sql<string>`substr(c.started_at, 1, 13)`.as('hour'),
      quarter.as('quarter'),
      sql<number>`count(*)`.as('answers'),
      sql<number>`sum(case when e.answer = 'yes' then 1 else 0 end)`.as('yes'),
    ])
    .groupBy([sql`1`, sql`2`, sql`3`, sql`4`])
    .execute();
  return r.map((b) => ({ question_id: Number(b.question_id), tracking_number: b.tracking_number, hour: b.hour, quarter: Number(b.quarter), answers: Number(b.answers), yes: Number(b.yes) }));
}

// Received SMS

export interface SmsKeyset {
  receivedAt: string;
  id: string;
}

/** One page of the account's received SMS in (received_at, id) order after (or before, newest first) the keyset. */
export async function listSms(
  db: Executor,
  clientId: number,
  f: { from?: string; to?: string; number?: string },
  opts: { after?: SmsKeyset; order: 'asc' | 'desc'; limit: number },
): Promise<SmsMessageRow[]> {
  const k = opts.after;
  return db
    .selectFrom('sms_messages')
    .selectAll()
    .where('client_id', '=', clientId)
    .$if(f.from !== undefined, (q) => q.where('received_at', '>=', f.from!))
    .$if(f.to !== undefined, (q) => q.where('received_at', '<', f.to!))
    .$if(f.number !== undefined, (q) => q.where('to_number', '=', f.number!))
    .$if(k !== undefined, (q) =>
      q.where(opts.order === 'desc' ? sql<boolean>`(received_at, id) < (${k!.receivedAt}, ${k!.id})` : sql<boolean>`(received_at, id) > (${k!.receivedAt}, ${k!.id})`),
    )
    .orderBy('received_at', opts.order)
    .orderBy('id', opts.order)
    .limit(opts.limit)
    .execute();
}
