import type { Clock } from '../../domain/clock.ts';
import { newId } from '../../domain/ids.ts';
import type { Executor } from '../../storage/database.ts';
import { insertAuditEntry, listAuditEntries } from '../../storage/accounts/audit.repository.ts';
import type { Principal } from './principal.ts';

/** Who made a change: a signed-in user (by password, session or API key), the CLI, or Telltale itself. */
export interface AuditActor {
  userId: string | null;
  name: string;
  via: 'basic' | 'session' | 'api_key' | 'invitation' | 'cli' | 'system';
  viaId: string | null;
  address: string | null;
}

export interface AuditEntryInput {
  clientId: number;
  actor: AuditActor;
  /** `<area>.<verb>`, e.g. `call.label` */
  action: string;
  target?: string | null;
  /** the change; never a secret or a password */
  detail?: Record<string, unknown> | null;
}

export interface AuditEntryView {
  id: string;
  at: string;
  actor: { user_id: string | null; name: string; via: string; via_id: string | null; address: string | null };
  action: string;
  target: string | null;
  detail: Record<string, unknown> | null;
}

/** The actor of an HTTP request made by `principal` from `address`. */
export function actorOf(principal: Principal, address: string | null | undefined): AuditActor {
  return { userId: principal.userId, name: principal.username, via: principal.via ?? 'basic', viaId: principal.viaId ?? null, address: address ?? null };
}

export const CLI_ACTOR: AuditActor = { userId: null, name: 'cli', via: 'cli', viaId: null, address: null };
export const SYSTEM_ACTOR: AuditActor = { userId: null, name: 'system', via: 'system', viaId: null, address: null };

/** The audit log: changes are recorded inside the transaction that makes them, so a change and its entry land together. */
export class AuditLog {
  constructor(private readonly clock: Clock) {}

  async record(tx: Executor, entry: AuditEntryInput): Promise<void> {
    const now = this.clock.now();
    await insertAuditEntry(tx, {
      id: newId('au', now.getTime()),
      client_id: entry.clientId,
      at: now.toISOString(),
      actor_user_id: entry.actor.userId,
      actor_name: entry.actor.name,
      via: entry.actor.via,
      via_id: entry.actor.viaId,
      address: entry.actor.address,
      action: entry.action,
      target: entry.target ?? null,
      detail: entry.detail ? JSON.stringify(entry.detail) : null,
    });
  }

  async list(db: Executor, clientId: number, opts: { limit: number; before?: { at: string; id: string }; action?: string; actorUserId?: string }): Promise<AuditEntryView[]> {
    const rows = await listAuditEntries(db, clientId, opts);
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      actor: { user_id: r.actor_user_id, name: r.actor_name, via: r.via, via_id: r.via_id, address: r.address },
      action: r.action,
      target: r.target,
      detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
    }));
  }
}
