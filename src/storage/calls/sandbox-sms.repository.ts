import { newId } from '../../domain/ids.ts';
import type { Clock } from '../../domain/clock.ts';
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

/**
 * The sandbox carrier's SMS port: nothing leaves the machine; each message is recorded in `sandbox_sms_outbox` where
 * tests, the demo and the portal can read it. A resend of the same reference is recorded once.
 */
export function sandboxSmsOutbox(db: Executor, clock: Clock) {
  return {
    async send(sms: { clientId: number | null; from: string | null; to: string; body: string; reference: string }) {
      const existing = await findByReference(db, sms.reference);
      const id = existing?.id ?? newId('sms', clock.now().getTime());
      if (!existing) {
        await insertSandboxSms(db, { id, client_id: sms.clientId, from_number: sms.from, to_number: sms.to, body: sms.body, reference: sms.reference, created_at: clock.now().toISOString() });
      }
      return { kind: 'response' as const, status: 200, body: `sandbox accepted ${id}` };
    },
  };
}
