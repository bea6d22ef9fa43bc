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
