import SQLite from 'better-sqlite3';
import type { Executor, Storage } from '../database.ts';
import type { JournalRow } from '../../domain/artic/journal.ts';
import { Interned, packedSql, unpack, type UnpackSink } from './journal-pack.ts';

/**
 * The reads of the ARTIC reports, the same on SQLite and PostgreSQL.
 *
 * The historical report walks the journal rows of its window in order: one range scan of
 * artic_journal_client_at_idx (client_id, at_ms), a day at a time, each day packed into one byte string by the
 * database (journal-pack.ts). Each agent's state before the window comes from artic_journal_agent_idx
 * (client_id, agent_id, at_ms), newest first.
 */

const CHUNK_MS = 86_400_000;

/**
 * Walks the account's rows written in [lo, hi) in journal order (at_ms, then as written) but ENTERQUEUE and CONNECT
 * (and RINGNOANSWER unless `missed`), handing each to `sink` (journal-pack.ts unpack). Answers how many. On SQLite the
 * scan runs on a read-only connection of its own (one snapshot for the whole report, like the feeds). A memory-mapped
 * connection was measured slower (a fresh mapping faults every page in again on each report).
 */
export async function scanJournal(storage: Pick<Storage, 'db' | 'dialect' | 'sqliteFile'>, clientId: number, lo: number, hi: number, missed: boolean, sink: UnpackSink): Promise<number> {
  let n = 0;
  const interned = new Interned();
  const chunks: [number, number][] = [];
  for (let start = lo; start < hi; start += CHUNK_MS) chunks.push([start, Math.min(hi, start + CHUNK_MS)]);
  if (storage.dialect === 'sqlite' && storage.sqliteFile) {
    // Its parameters are client_id, then the range's bounds.
    const q = packedSql('sqlite', clientId, lo, hi, lo, missed).compile(storage.db);
    if (q.parameters.length !== 3) throw new Error(`the packed journal query takes 3 parameters, not ${q.parameters.length}`);
    const conn = new SQLite(storage.sqliteFile, { readonly: true, fileMustExist: true });
    try {
      conn.pragma('busy_timeout = 10000');
      const st = conn.prepare(q.sql).pluck(true);
      // One read transaction: every chunk sees the same snapshot.
      conn.prepare('begin').run();
      for (const [start, end] of chunks) {
        const packed = st.get(clientId, start, end) as Buffer | null;
        if (packed) n += unpack(packed, lo, sink, interned);
      }
      conn.prepare('commit').run();
    } finally {
      conn.close();
    }
    return n;
  }
  for (const [start, end] of chunks) {
    const r = await packedSql(storage.dialect, clientId, start, end, lo, missed).execute(storage.db);
    const packed = r.rows[0]?.packed;
    if (packed) n += unpack(packed, lo, sink, interned);
  }
  return n;
}

const AGENT_COLUMNS = ['at_ms', 'entered_ms', 'queue_id', 'agent_id', 'event', 'data1', 'data2', 'data3', 'data4'] as const;

/**
 * What each agent's state was before `beforeMs`: its last AGENTLOGIN or AGENTLOGOFF and, when that is a login, its
 * last PAUSE or UNPAUSE after it (artic_journal_agent_idx (client_id, agent_id, at_ms), newest first), in journal order.
 */
export async function agentPrelude(db: Executor, clientId: number, agentIds: readonly string[], beforeMs: number): Promise<JournalRow[]> {
  const last = (agentId: string, events: readonly string[], after: number) =>
    db
      .selectFrom('artic_journal')
      .select(AGENT_COLUMNS)
      .where('client_id', '=', clientId)
      .where('agent_id', '=', agentId)
      .where('at_ms', '<', beforeMs)
      .where('at_ms', '>=', after)
      .where('event', 'in', events)
      .orderBy('at_ms', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  const out: JournalRow[] = [];
  for (const id of agentIds) {
    const login = await last(id, ['AGENTLOGIN', 'AGENTLOGOFF'], Number.MIN_SAFE_INTEGER);
    if (!login || login.event !== 'AGENTLOGIN') continue;
    out.push({ ...login, at_ms: Number(login.at_ms), entered_ms: null });
    const pause = await last(id, ['PAUSE', 'UNPAUSE'], Number(login.at_ms));
    if (pause && pause.event === 'PAUSE') out.push({ ...pause, at_ms: Number(pause.at_ms), entered_ms: null });
  }
  return out.sort((a, b) => a.at_ms - b.at_ms);
}

/** The account's queues, teams, agents and memberships, as the reports name and group them. */
export async function reportSetup(db: Executor, clientId: number) {
  const [queues, teams, agents, agentTeams] = await Promise.all([
    db.selectFrom('artic_queues').select(['id', 'name', 'service_level_sec', 'short_abandon_sec', 'wrapup_sec']).where('client_id', '=', clientId).orderBy('id').execute(),
    db.selectFrom('artic_teams').select(['id', 'name']).where('client_id', '=', clientId).orderBy('id').execute(),
    db.selectFrom('artic_agents').select(['id', 'name']).where('client_id', '=', clientId).orderBy('id').execute(),
    db
      .selectFrom('artic_agent_teams')
      .innerJoin('artic_agents', 'artic_agents.id', 'artic_agent_teams.agent_id')
      .innerJoin('artic_teams', 'artic_teams.id', 'artic_agent_teams.team_id')
      .select(['artic_agent_teams.agent_id', 'artic_agent_teams.team_id'])
      .where('artic_agents.client_id', '=', clientId)
      .where('artic_teams.client_id', '=', clientId)
      .execute(),
  ]);
  return {
    queues: queues.map((q) => ({ ...q, service_level_sec: Number(q.service_level_sec), short_abandon_sec: Number(q.short_abandon_sec), wrapup_sec: Number(q.wrapup_sec) })),
    teams,
    agents,
    agentTeams,
  };
}

/** The live tables the real-time report reads: agents, queues and their teams, the callers not done. */
export async function realtimeRows(db: Executor, clientId: number) {
  const [agents, queues, queueTeams, agentTeams] = await Promise.all([
    db
      .selectFrom('artic_agents')
      .select(['id', 'name', 'skills', 'state', 'state_since', 'pause_reason', 'busy_until', 'queue_call_id'])
      .where('client_id', '=', clientId)
      .orderBy('name')
      .orderBy('id')
      .execute(),
    db.selectFrom('artic_queues').select(['id', 'name', 'skills']).where('client_id', '=', clientId).orderBy('name').orderBy('id').execute(),
    db
      .selectFrom('artic_queue_teams')
      .innerJoin('artic_queues', 'artic_queues.id', 'artic_queue_teams.queue_id')
      .select(['artic_queue_teams.queue_id', 'artic_queue_teams.team_id'])
      .where('artic_queues.client_id', '=', clientId)
      .execute(),
    db
      .selectFrom('artic_agent_teams')
      .innerJoin('artic_agents', 'artic_agents.id', 'artic_agent_teams.agent_id')
      .select(['artic_agent_teams.agent_id', 'artic_agent_teams.team_id'])
      .where('artic_agents.client_id', '=', clientId)
      .execute(),
  ]);
  // Through artic_queue_calls_wait_idx (queue_id, state, entered_at): the callers done are never read.
  const calls = queues.length
    ? await db
        .selectFrom('artic_queue_calls')
        .select(['id', 'queue_id', 'call_id', 'state', 'entered_at', 'agent_id'])
        .where('queue_id', 'in', queues.map((q) => q.id))
        .where('state', 'in', ['waiting', 'ringing', 'connected'])
        .where('client_id', '=', clientId)
        .execute()
    : [];
  return { agents, queues, queueTeams, agentTeams, calls: calls.map((c) => ({ ...c, call_id: Number(c.call_id) })) };
}
