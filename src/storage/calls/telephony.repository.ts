import { sql, type Insertable, type Selectable } from 'kysely';
import type SQLite from 'better-sqlite3';
import { type Dialect, type Executor } from '../database.ts';
import { sqliteCallStore } from '../sqlite/call-store.sqlite.ts';
import type { CallEventTable, CallRecordingTable, CallSessionTable, CallTable, CarrierRequestTable, ServiceTable, SmsMessageTable, TestCallTable } from '../schema.ts';
import { findNumber } from '../inventory/number.repository.ts';
import { findServiceById } from '../telco/service.repository.ts';
import { findAccount } from '../accounts/account.repository.ts';

export type CarrierRequestRow = CarrierRequestTable;
export type CallEventRow = CallEventTable;
export type CallSessionRow = CallSessionTable;
export type CallRecordingRow = CallRecordingTable;
export type TestCallRow = TestCallTable;
export type CallRow = Selectable<CallTable>;
export type SmsRow = Selectable<SmsMessageTable>;

/**
 * Stores a carrier request raw; a replay of one already stored (same `dedupe_key`) only counts in `replays` (and keeps
 * the newest error). Returns the id of the stored row, the first one's for a replay.
 */
export async function insertCarrierRequest(db: Executor, row: CarrierRequestRow): Promise<string> {
  const r = await db
    .insertInto('carrier_requests')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['carrier', 'dedupe_key']).doUpdateSet({
        replays: sql`carrier_requests.replays + 1`,
        last_received_at: sql`excluded.received_at`,
        error: sql`coalesce(excluded.error, carrier_requests.error)`,
      }),
    )
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
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

/** The service's most recent finalized call, if any (read through the tracking-number index, newest first). */
export function latestFinalizedCallOfService(db: Executor, clientId: number, svc: { id: string; number: string }): Promise<CallRow | undefined> {
  return db
    .selectFrom('calls')
    .selectAll()
    .where('client_id', '=', clientId)
    .where('tracking_number', '=', svc.number)
    .where('service_id', '=', svc.id)
    .where('state', '=', 'finalized')
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
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

/** Where an incoming call to a number goes: the number's state, its service (if any) and that account's time zone. */
export interface InboundRoute {
  numberState: string;
  service: ServiceTable | undefined;
  timezone: string | null;
}

/**
 * The queries every carrier request runs, behind one interface so the hot path can use committed SQL on SQLite
 * (prepared once, run synchronously on the transaction's connection) and the Kysely queries above on PostgreSQL.
 * Only use a store inside the transaction (or write batch) it was made for.
 */
export interface CallStore {
  /** Stores the request (a replay only counts); the stored row's id. */
  insertCarrierRequest(row: CarrierRequestRow): Promise<string> | string;
  findSession(carrier: string, carrierCallId: string): Promise<CallSessionRow | undefined> | CallSessionRow | undefined;
  findSessionByCallId(callId: number): Promise<CallSessionRow | undefined> | CallSessionRow | undefined;
  insertEvent(row: CallEventRow): Promise<boolean> | boolean;
  hasEvents(carrier: string, carrierCallId: string): Promise<boolean> | boolean;
  eventsOfCall(carrier: string, carrierCallId: string): Promise<Pick<CallEventRow, 'kind' | 'occurred_at' | 'data'>[]> | Pick<CallEventRow, 'kind' | 'occurred_at' | 'data'>[];
  recordingsOfCall(carrier: string, carrierCallId: string): Promise<CallRecordingRow[]> | CallRecordingRow[];
  inboundRoute(number: string): Promise<InboundRoute | undefined> | InboundRoute | undefined;
  /**
   * Inserts a call; its id. With `nextUniqueId`, a `unique_id` another process took in the same second is drawn again
   * (SQLite; on PostgreSQL the violation aborts the transaction, so it is thrown and the carrier's retry runs anew).
   */
  insertCall(row: Insertable<CallTable>, nextUniqueId?: () => string): Promise<number> | number;
  findCall(id: number): Promise<CallRow | undefined> | CallRow | undefined;
  updateCall(id: number, patch: Partial<Omit<CallRow, 'id'>>): Promise<unknown> | void;
  insertSession(row: CallSessionRow): Promise<unknown> | void;
  updateSession(callId: number, patch: Partial<CallSessionRow>): Promise<unknown> | void;
  claimFinalization(callId: number): Promise<boolean> | boolean;
}

/** The call store for this transaction: committed SQL on SQLite (when the connection is given), else Kysely. */
export function callStore(tx: Executor, dialect: Dialect, sqlite?: SQLite.Database): CallStore {
  if (dialect === 'sqlite' && sqlite) return sqliteCallStore(sqlite);
  return {
    insertCarrierRequest: (row) => insertCarrierRequest(tx, row),
    findSession: (carrier, id) => findSession(tx, dialect, carrier, id),
    findSessionByCallId: (callId) => findSessionByCallId(tx, dialect, callId),
    insertEvent: (row) => insertEvent(tx, row),
    hasEvents: (carrier, id) => hasEvents(tx, carrier, id),
    eventsOfCall: (carrier, id) => eventsOfCall(tx, carrier, id),
    recordingsOfCall: (carrier, id) => recordingsOfCall(tx, carrier, id),
    inboundRoute: async (number) => {
      const num = await findNumber(tx, number);
      if (!num) return undefined;
      const service = num.service_id ? await findServiceById(tx, num.service_id) : undefined;
      const account = service ? await findAccount(tx, Number(service.client_id)) : undefined;
      return { numberState: num.state, service, timezone: account?.timezone ?? null };
    },
    insertCall: (row) => insertCall(tx, row),
    findCall: (id) => findCall(tx, id),
    updateCall: (id, patch) => updateCall(tx, id, patch),
    insertSession: (row) => insertSession(tx, row),
    updateSession: (callId, patch) => updateSession(tx, callId, patch),
    claimFinalization: (callId) => claimFinalization(tx, callId),
  };
}

export function listTestCallsOfService(db: Executor, serviceId: string): Promise<TestCallRow[]> {
  return db.selectFrom('test_calls').selectAll().where('service_id', '=', serviceId).orderBy('created_at').execute();
}

export function findSmsByCarrierId(db: Executor, carrier: string, messageId: string) {
  return db.selectFrom('sms_messages').selectAll().where('carrier', '=', carrier).where('carrier_message_id', '=', messageId).executeTakeFirst();
}
