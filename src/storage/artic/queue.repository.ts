import type { Selectable } from 'kysely';
import type { Executor } from '../database.ts';
import type { AgentState, ArticAgentTable, ArticJournalTable, ArticMenuTable, ArticQueueCallTable, ArticQueueTable } from './artic.tables.ts';

export type AgentRow = Selectable<ArticAgentTable>;
export type QueueRow = Selectable<ArticQueueTable>;
export type QueueCallRow = Selectable<ArticQueueCallTable>;
export type MenuRow = Selectable<ArticMenuTable>;
export type JournalRow = Selectable<ArticJournalTable>;

/** The queue engine's reads and writes (the admin set-up has its own repository). */
export function findQueue(db: Executor, id: string): Promise<QueueRow | undefined> {
  return db.selectFrom('artic_queues').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function queuesAndMenus(db: Executor, clientId: number): Promise<{ queues: QueueRow[]; menus: MenuRow[] }> {
  const [queues, menus] = await Promise.all([
    db.selectFrom('artic_queues').selectAll().where('client_id', '=', clientId).execute(),
    db.selectFrom('artic_menus').selectAll().where('client_id', '=', clientId).execute(),
  ]);
  return { queues, menus };
}

/** Agents logged in (any state but logged_out) in the teams serving the queue, or in `extraTeamId`. */
export async function loggedInAgentsFor(db: Executor, queueId: string, extraTeamId: string | null): Promise<AgentRow[]> {
  const teams = db.selectFrom('artic_queue_teams').select('team_id').where('queue_id', '=', queueId);
  return db
    .selectFrom('artic_agents')
    .selectAll()
    .where('state', '!=', 'logged_out')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('artic_agent_teams')
        .select('agent_id')
        .where((w) => (extraTeamId ? w.or([w('team_id', 'in', teams), w('team_id', '=', extraTeamId)]) : w('team_id', 'in', teams))),
    )
    .orderBy('id')
    .execute();
}

export function findAgent(db: Executor, id: string): Promise<AgentRow | undefined> {
  return db.selectFrom('artic_agents').selectAll().where('id', '=', id).executeTakeFirst();
}

export function updateAgent(db: Executor, id: string, patch: Partial<Omit<AgentRow, 'id' | 'client_id'>>) {
  return db.updateTable('artic_agents').set(patch).where('id', '=', id).execute();
}

/**
 * Takes an agent for an offer if it is still free at `nowIso` (available, in a wrap-up that has ended, or holding an
 * offer that lapsed): one conditional update, so two offers can never hold the same agent (on PostgreSQL a concurrent
 * update waits for the other's commit and then finds the agent taken).
 */
export async function reserveAgent(db: Executor, id: string, nowIso: string, patch: Partial<AgentRow>): Promise<boolean> {
  const r = await db
    .updateTable('artic_agents')
    .set(patch)
    .where('id', '=', id)
    .where((w) => w.or([w('state', '=', 'available'), w.and([w('state', 'in', ['wrapup', 'ringing'] as AgentState[]), w('busy_until', '<=', nowIso)])]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export function insertQueueCall(db: Executor, row: QueueCallRow) {
  return db.insertInto('artic_queue_calls').values(row).execute();
}

export function findQueueCall(db: Executor, id: string): Promise<QueueCallRow | undefined> {
  return db.selectFrom('artic_queue_calls').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The queue calls of a carrier call not yet ended (at most one in practice). */
export function openQueueCallsOf(db: Executor, carrier: string, carrierCallId: string): Promise<QueueCallRow[]> {
  return db.selectFrom('artic_queue_calls').selectAll().where('carrier', '=', carrier).where('carrier_call_id', '=', carrierCallId).where('state', '!=', 'done').execute();
}

/** Moves a queue call on only from the state it was read in; says whether it did (a concurrent request may have). */
export async function moveQueueCall(db: Executor, id: string, from: QueueCallRow['state'], patch: Partial<Omit<QueueCallRow, 'id'>>): Promise<boolean> {
  const r = await db.updateTable('artic_queue_calls').set(patch).where('id', '=', id).where('state', '=', from).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Callers waiting in a queue, first come first. */
export function waitingIn(db: Executor, queueId: string): Promise<Pick<QueueCallRow, 'id' | 'entered_at'>[]> {
  return db.selectFrom('artic_queue_calls').select(['id', 'entered_at']).where('queue_id', '=', queueId).where('state', '=', 'waiting').orderBy('entered_at').orderBy('id').execute();
}

/** Callers in a queue not yet ended (waiting, ringing an agent or connected): a new caller's position counts those waiting. */
export async function countWaiting(db: Executor, queueId: string): Promise<number> {
  const r = await db.selectFrom('artic_queue_calls').select((eb) => eb.fn.countAll<number>().as('n')).where('queue_id', '=', queueId).where('state', 'in', ['waiting', 'ringing']).executeTakeFirst();
  return Number(r?.n ?? 0);
}

export async function appendJournal(db: Executor, rows: JournalRow[]): Promise<void> {
  if (rows.length) await db.insertInto('artic_journal').values(rows).execute();
}

/** What a call's record says of its time in the call centre: the last queue it was in, its agent and outcome. */
export interface ArticCallSummary {
  queue_id: string;
  queue: string;
  agent_id: string | null;
  agent: string | null;
  outcome: string | null;
  wait_sec: number;
  queues: number;
}

export async function articSummaryOf(db: Executor, carrier: string, carrierCallId: string): Promise<ArticCallSummary | null> {
  const rows = await db
    .selectFrom('artic_queue_calls as qc')
    .leftJoin('artic_queues as q', 'q.id', 'qc.queue_id')
    .leftJoin('artic_agents as a', 'a.id', 'qc.agent_id')
    .select(['qc.queue_id', 'q.name as queue', 'qc.agent_id', 'a.name as agent', 'qc.outcome', 'qc.entered_at', 'qc.connected_at', 'qc.ended_at'])
    .where('qc.carrier', '=', carrier)
    .where('qc.carrier_call_id', '=', carrierCallId)
    .orderBy('qc.entered_at')
    .orderBy('qc.id')
    .execute();
  const last = rows[rows.length - 1];
  if (!last) return null;
  const until = last.connected_at ?? last.ended_at;
  return {
    queue_id: last.queue_id,
    queue: last.queue ?? '',
    agent_id: last.agent_id,
    agent: last.agent ?? null,
    outcome: last.outcome,
    wait_sec: until ? Math.max(0, Math.round((Date.parse(until) - Date.parse(last.entered_at)) / 1000)) : 0,
    queues: rows.length,
  };
}

/** Whether a queue (or menu) with this id is the account's: a queue service may name only its own. */
export async function articTargetExists(db: Executor, table: 'artic_queues' | 'artic_menus', clientId: number, id: string): Promise<boolean> {
  return !!(await db.selectFrom(table).select('id').where('id', '=', id).where('client_id', '=', clientId).executeTakeFirst());
}

/** The agents of an account linked to a user (at most one; an empty list when none). */
export function agentsOfUser(db: Executor, clientId: number, userId: string): Promise<AgentRow[]> {
  return db.selectFrom('artic_agents').selectAll().where('client_id', '=', clientId).where('user_id', '=', userId).execute();
}

/** Whether `agentId` is in a team of one of the supervisors `supervisorIds`. */
export async function sharesTeam(db: Executor, supervisorIds: string[], agentId: string): Promise<boolean> {
  if (!supervisorIds.length) return false;
  const row = await db
    .selectFrom('artic_agent_teams as mine')
    .innerJoin('artic_agent_teams as theirs', 'theirs.team_id', 'mine.team_id')
    .select('theirs.agent_id')
    .where('mine.agent_id', 'in', supervisorIds)
    .where('theirs.agent_id', '=', agentId)
    .executeTakeFirst();
  return !!row;
}
