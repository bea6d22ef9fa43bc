import type { Executor } from '../database.ts';
import type { SandboxSmsOutboxTable } from '../schema.ts';

export type SandboxSmsRow = SandboxSmsOutboxTable;

export function findByReference(db: Executor, reference: string): Promise<SandboxSmsRow | undefined> {
  return db.selectFrom('sandbox_sms_outbox').selectAll().where('reference', '=', reference).executeTakeFirst();
}

export function insertSandboxSms(db: Executor, row: SandboxSmsRow) {
  return db.insertInto('sandbox_sms_outbox').values(row).execute();
}

/** Messages the sandbox carrier "sent", oldest first (optionally to one number). */
export function listSandboxSms(db: Executor, to?: string): Promise<SandboxSmsRow[]> {
  return db.selectFrom('sandbox_sms_outbox').selectAll().$if(!!to, (q) => q.where('to_number', '=', to!)).orderBy('created_at').orderBy('id').execute();
}
