import type { Selectable } from 'kysely';
import type { Executor } from '../database.ts';
import type { OutboundCallTable } from './outbound.tables.ts';

export type OutboundCallRow = Selectable<OutboundCallTable>;

export function insertOutboundCall(db: Executor, row: OutboundCallRow) {
  return db.insertInto('outbound_calls').values(row).execute();
}

export function findOutboundCall(db: Executor, id: string): Promise<OutboundCallRow | undefined> {
  return db.selectFrom('outbound_calls').selectAll().where('id', '=', id).executeTakeFirst();
}

export function updateOutboundCall(db: Executor, id: string, patch: Partial<Omit<OutboundCallRow, 'id' | 'client_id'>>) {
  return db.updateTable('outbound_calls').set(patch).where('id', '=', id).execute();
}

/** Ends an attempt still ringing its agent (no-op for one that moved on meanwhile); says whether it did. */
export async function endPendingOutboundCall(db: Executor, id: string, patch: { status: string; ended_at: string; carrier?: string; carrier_call_id?: string | null }): Promise<boolean> {
  const r = await db
    .updateTable('outbound_calls')
    .set({ ...patch, updated_at: patch.ended_at })
    .where('id', '=', id)
    .where('status', '=', 'dialling_agent')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Attempts still ringing their agent that were created at or before `createdBefore`, with their answer point's ring timeout. */
export function pendingOutboundCalls(db: Executor, createdBefore: string, limit: number) {
  return db
    .selectFrom('outbound_calls as o')
    .leftJoin('answer_points as ap', 'ap.id', 'o.answer_point_id')
    .select(['o.id', 'o.client_id', 'o.created_at', 'ap.ring_timeout'])
    .where('o.status', '=', 'dialling_agent')
    .where('o.created_at', '<=', createdBefore)
    .orderBy('o.created_at')
    .limit(limit)
    .execute();
}
