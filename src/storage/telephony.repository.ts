import { sql, type Insertable, type Selectable } from 'kysely';
import type { Dialect, Executor } from './database.ts';
import type { CallEventTable, CallRecordingTable, CallSessionTable, CallTable, CarrierRequestTable, SmsMessageTable, TestCallTable } from './schema.ts';

export type CarrierRequestRow = CarrierRequestTable;
export type CallEventRow = CallEventTable;
export type CallSessionRow = CallSessionTable;
export type CallRecordingRow = CallRecordingTable;
export type TestCallRow = TestCallTable;
export type CallRow = Selectable<CallTable>;

export function insertCarrierRequest(db: Executor, row: CarrierRequestRow) {
  return db.insertInto('carrier_requests').values(row).execute();
}

/** Inserts the event unless one with the same identity exists; true when it was new. */
export async function insertEvent(db: Executor, row: CallEventRow): Promise<boolean> {
  const r = await db
    .insertInto('call_events')
    .values(row)
    .onConflict((oc) => oc.columns(['carrier', 'carrier_call_id', 'kind', 'dedupe_key']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function hasEvents(db: Executor, carrier: string, carrierCallId: string): Promise<boolean> {
  const r = await db.selectFrom('call_events').select('id').where('carrier', '=', carrier).where('carrier_call_id', '=', carrierCallId).limit(1).executeTakeFirst();
  return !!r;
}

export function eventsOfCall(db: Executor, carrier: string, carrierCallId: string) {
  return db.selectFrom('call_events').select(['kind', 'occurred_at', 'data']).where('carrier', '=', carrier).where('carrier_call_id', '=', carrierCallId).execute();
}

/** The session of a carrier call, locked for this transaction on PostgreSQL so one call's callbacks apply one at a time. */
export function findSession(db: Executor, dialect: Dialect, carrier: string, carrierCallId: string): Promise<CallSessionRow | undefined> {
  return db
    .selectFrom('call_sessions')
    .selectAll()
    .where('carrier', '=', carrier)
    .where('carrier_call_id', '=', carrierCallId)
    .$if(dialect === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
}

export function findSessionByCallId(db: Executor, dialect: Dialect, callId: number): Promise<CallSessionRow | undefined> {
  return db
    .selectFrom('call_sessions')
    .selectAll()
    .where('call_id', '=', callId)
    .$if(dialect === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
}

export function insertSession(db: Executor, row: CallSessionRow) {
  return db.insertInto('call_sessions').values(row).execute();
}

export function updateSession(db: Executor, callId: number, patch: Partial<CallSessionRow>) {
  return db.updateTable('call_sessions').set(patch).where('call_id', '=', callId).execute();
}

/** Marks the session finalized; true for the one transaction that did it (exactly-once finalization). */
export async function claimFinalization(db: Executor, callId: number): Promise<boolean> {
  const r = await db.updateTable('call_sessions').set({ finalized: 1 }).where('call_id', '=', callId).where('finalized', '=', 0).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export function dueSessions(db: Executor, now: string, limit: number) {
  return db.selectFrom('call_sessions').select(['call_id']).where('finalized', '=', 0).where('finalize_after', '<=', now).orderBy('finalize_after').limit(limit).execute();
}

export async function insertCall(db: Executor, row: Insertable<CallTable>): Promise<number> {
  const r = await db.insertInto('calls').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

export function findCall(db: Executor, id: number): Promise<CallRow | undefined> {
  return db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findCallByCarrierId(db: Executor, carrier: string, carrierCallId: string): Promise<CallRow | undefined> {
  return db.selectFrom('calls').selectAll().where('carrier', '=', carrier).where('carrier_call_id', '=', carrierCallId).executeTakeFirst();
}

export function findCallByAudioToken(db: Executor, token: string): Promise<CallRow | undefined> {
  return db.selectFrom('calls').selectAll().where('audio_token', '=', token).executeTakeFirst();
}

export function updateCall(db: Executor, id: number, patch: Partial<Omit<CallRow, 'id'>>) {
  return db.updateTable('calls').set(patch).where('id', '=', id).execute();
}

export function recordingsOfCall(db: Executor, carrier: string, carrierCallId: string) {
  return db.selectFrom('call_recordings').selectAll().where('carrier', '=', carrier).where('carrier_call_id', '=', carrierCallId).execute();
}

/** Records an announced recording once (the first announcement wins; a later `completed` upgrades an `absent`). */
export async function upsertRecording(db: Executor, row: CallRecordingRow): Promise<void> {
  await db
    .insertInto('call_recordings')
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(['carrier', 'carrier_recording_id'])
        .doUpdateSet({ status: sql`excluded.status`, carrier_url: sql`excluded.carrier_url`, duration: sql`excluded.duration`, updated_at: sql`excluded.updated_at` })
        .where('call_recordings.status', 'in', ['absent', 'failed'])
        .where(sql<boolean>`excluded.status = 'pending'`),
    )
    .execute();
}

export function updateRecording(db: Executor, id: string, patch: Partial<CallRecordingRow>) {
  return db.updateTable('call_recordings').set(patch).where('id', '=', id).execute();
}

export function dueRecordings(db: Executor, now: string, limit: number, call?: { carrier: string; carrierCallId: string }) {
  return db
    .selectFrom('call_recordings')
    .selectAll()
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]))
    .$if(!!call, (q) => q.where('carrier', '=', call!.carrier).where('carrier_call_id', '=', call!.carrierCallId))
    .orderBy('created_at')
    .limit(limit)
    .execute();
}

/** Stores an SMS once per carrier message id; true when it was new. */
export async function insertSms(db: Executor, row: Selectable<SmsMessageTable>): Promise<boolean> {
  const r = await db
    .insertInto('sms_messages')
    .values(row)
    .onConflict((oc) => oc.columns(['carrier', 'carrier_message_id']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export function insertTestCall(db: Executor, row: TestCallRow) {
  return db.insertInto('test_calls').values(row).execute();
}

export function findTestCall(db: Executor, id: string) {
  return db.selectFrom('test_calls').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The test call now ringing this number, if any (the inbound leg of a probe call). */
export function runningTestCallFor(db: Executor, number: string, since: string) {
  return db
    .selectFrom('test_calls')
    .selectAll()
    .where('number', '=', number)
    .where('status', '=', 'running')
    .where('started_at', '>=', since)
    .orderBy('started_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Claims due test calls with a lease (SKIP LOCKED on PostgreSQL), marking them running. */
export async function claimTestCalls(db: Executor, dialect: Dialect, now: string, leaseUntil: string, limit: number): Promise<TestCallRow[]> {
  const due = await db
    .selectFrom('test_calls')
    .select('id')
    .where((eb) => eb.or([eb('status', '=', 'pending'), eb.and([eb('status', '=', 'running'), eb('lease_until', '<', now)])]))
    .where('run_after', '<=', now)
    .orderBy('run_after')
    .limit(limit)
    .$if(dialect === 'postgres', (q) => q.forUpdate().skipLocked())
    .execute();
  if (!due.length) return [];
  const ids = due.map((d) => d.id);
  await db
    .updateTable('test_calls')
    .set((eb) => ({ status: 'running', lease_until: leaseUntil, started_at: now, updated_at: now, attempts: eb('attempts', '+', 1) }))
    .where('id', 'in', ids)
    .execute();
  return db.selectFrom('test_calls').selectAll().where('id', 'in', ids).execute();
}

export function updateTestCall(db: Executor, id: string, patch: Partial<TestCallRow>) {
  return db.updateTable('test_calls').set(patch).where('id', '=', id).execute();
}
