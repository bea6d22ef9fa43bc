import type { Executor } from '../database.ts';
import type { AuditLogTable } from './accounts.tables.ts';

export async function insertAuditEntry(db: Executor, row: AuditLogTable): Promise<void> {
  await db.insertInto('audit_log').values(row).execute();
}

/** An account's entries newest first, after the (at, id) of the last entry of the previous page. */
export async function listAuditEntries(db: Executor, clientId: number, opts: { limit: number; before?: { at: string; id: string }; action?: string; actorUserId?: string }): Promise<AuditLogTable[]> {
  let q = db.selectFrom('audit_log').selectAll().where('client_id', '=', clientId);
  if (opts.action) q = q.where('action', '=', opts.action);
  if (opts.actorUserId) q = q.where('actor_user_id', '=', opts.actorUserId);
  if (opts.before) {
    const b = opts.before;
    q = q.where((eb) => eb.or([eb('at', '<', b.at), eb.and([eb('at', '=', b.at), eb('id', '<', b.id)])]));
  }
  return q.orderBy('at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
}
