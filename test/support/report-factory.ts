import { randomBytes } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { App } from '../../src/app.ts';
import type { CallTable } from '../../src/storage/schema.ts';
import type { Executor } from '../../src/storage/database.ts';
import { newCallRecord } from '../../src/domain/calls/call-row.ts';

export type ReportCallSeed = Partial<Insertable<CallTable>> & { started_at: string };

let seq = 0;
const STATUS_TEXT: Record<number, [string, string]> = {
  0: ['Answered', 'ANSWERED'],
  1: ['Missed', 'NO ANSWER'],
  2: ['Busy', 'BUSY'],
  3: ['Failed', 'FAILED'],
  4: ['Abandoned', 'NO ANSWER'],
  7: ['Voicemail', 'NO ANSWER'],
  8: ['Prompt/IVR completed', 'IVR'],
};

/**
 * A realistic final call record for reporting tests, every column of `calls` set (as the call path writes them):
 * E.164 numbers, ISO UTC times, the account zone, features/dni/sentiment JSON. Override any column.
 */
export function reportCallRow(clientId: number, seed: ReportCallSeed): Insertable<CallTable> {
  const n = ++seq;
  const start = new Date(seed.started_at);
  const duration = seed.duration ?? 17;
  const code = seed.status_code === undefined ? 1 : seed.status_code;
  const [status, disposition] = code === null ? [null, null] : (STATUS_TEXT[code] ?? ['', '']);
  const answered = code === 0;
  const end = new Date(start.getTime() + duration * 1000);
  const unix = Math.floor(start.getTime() / 1000);
  const arrived = newCallRecord({
    unique_id: `TT1-${unix}.${String(n).padStart(6, '0')}${randomBytes(2).toString('hex')}`,
    client_id: clientId,
    service_id: null,
    carrier: 'sandbox',
    carrier_call_id: `CA${randomBytes(16).toString('hex')}`,
    tracking_number: '+61289996235',
    tracking_name: 'Tracking Service Name',
    target_number: '+61289995916',
    target_name: 'Target Name',
    caller_number: '+61290088888',
    caller_withheld: 0,
    caller_location: 'Sydney',
    caller_state: 'NSW',
    caller_country: 'AU',
    timezone: 'Australia/Sydney',
    started_at: start.toISOString(),
    custom_id: null,
    custom_group: null,
    is_test: 0,
    created_at: start.toISOString(),
  });
  // The call as the call path leaves it once finalized: what it learnt from its events on top of what it arrived with.
  return {
    ...arrived,
    state: 'finalized',
    answered_at: answered ? new Date(start.getTime() + 1000).toISOString() : null,
    ended_at: end.toISOString(),
    duration,
    connection_duration: 1,
    talk_duration: answered ? Math.max(0, duration - 1) : 0,
    status_code: code,
    status,
    disposition,
    private_reference: null,
    finalized_at: new Date(end.getTime() + 2000).toISOString(),
    updated_at: new Date(end.getTime() + 2000).toISOString(),
    ...seed,
    started_at: start.toISOString(),
  };
}

/** Inserts report calls; returns their ids in order. */
export async function insertReportCalls(app: App, clientId: number, seeds: ReportCallSeed[], db: Executor = app.storage.db): Promise<number[]> {
  const ids: number[] = [];
  for (const s of seeds) {
    const r = await db.insertInto('calls').values(reportCallRow(clientId, s)).returning('id').executeTakeFirstOrThrow();
    ids.push(Number(r.id));
  }
  return ids;
}

/** A yes/no evaluation question for an account; returns its id. */
export async function insertEvaluationQuestion(app: App, clientId: number, title: string, text: string): Promise<number> {
  const r = await app.storage.db.insertInto('evaluation_questions').values({ client_id: clientId, title, text, position: 0, created_at: new Date().toISOString() }).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

export async function answerEvaluation(app: App, callId: number, questionId: number, answer: 'yes' | 'no') {
  await app.storage.db.insertInto('call_evaluations').values({ call_id: callId, question_id: questionId, answer, updated_at: new Date().toISOString() }).execute();
}
