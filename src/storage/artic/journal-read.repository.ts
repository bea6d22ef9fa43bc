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
 * Packed UTC days of journals (least recently used out first, within `maxBytes`). A day is kept only once it has
 * closed: the journal is append-only and its rows are written as they happen, so a past day's rows never change.
 * What is kept is rows, not figures: queue thresholds and team membership changing later change no cached byte.
 */
export class PackedDays {
  private readonly days = new Map<string, Buffer | null>();
  private bytes = 0;
  constructor(readonly maxBytes: number) {}

  get(key: string): Buffer | null | undefined {
    const v = this.days.get(key);
    if (v !== undefined) {
      this.days.delete(key);
      this.days.set(key, v);
    }
    return v;
  }

  set(key: string, v: Buffer | null): void {
    const size = v?.length ?? 0;
    if (this.maxBytes <= 0 || size > this.maxBytes) return;
    this.days.set(key, v);
    this.bytes += size;
    for (const [k, old] of this.days) {
      if (this.bytes <= this.maxBytes) break;
      this.days.delete(k);
      this.bytes -= old?.length ?? 0;
    }
  }
}

/**
 * Walks the account's rows written in [lo, hi) in journal order (at_ms, then as written) but ENTERQUEUE and CONNECT
 * (and RINGNOANSWER unless `missed`), handing them to `sink` (journal-pack.ts unpack), a UTC day at a time. With
 * `cache`, the days that closed before `cache.closedBefore` are read whole once and kept (PackedDays); RINGNOANSWER
 * records of such a day come then even outside [lo, hi) (they carry no time: the report counts them by the call's
 * entry, and an offer is made within the call's maximum wait of it). On SQLite the days are read on a read-only
 * connection of its own (one snapshot for the whole report, like the feeds; a memory-mapped one was measured slower:
 * a fresh mapping faults every page in again). Answers how many records were read.
 */
export async function scanJournal(
  storage: Pick<Storage, 'db' | 'dialect' | 'sqliteFile'>,
  clientId: number,
  lo: number,
  hi: number,
  missed: boolean,
  sink: UnpackSink,
  cache?: { days: PackedDays; closedBefore: number },
): Promise<number> {
  const interned = new Interned();
  const inWindow: UnpackSink = { row: (r) => r.at_ms >= lo && r.at_ms < hi && sink.row(r), missed: sink.missed };
  let conn: SQLite.Database | null = null;
  const read = async (start: number, end: number, base: number): Promise<Buffer | null> => {
    const q = packedSql(storage.dialect, clientId, start, end, base, missed);
    if (storage.dialect !== 'sqlite' || !storage.sqliteFile) return (await q.execute(storage.db)).rows[0]?.packed ?? null;
    if (!conn) {
      conn = new SQLite(storage.sqliteFile, { readonly: true, fileMustExist: true });
      conn.pragma('busy_timeout = 10000');
      // One read transaction: every day sees the same snapshot.
      conn.prepare('begin').run();
    }
    const c = q.compile(storage.db);
    return (conn.prepare(c.sql).pluck(true).get(...(c.parameters as unknown[])) as Buffer | null) ?? null;
  };
  let n = 0;
  try {
    for (let start = Math.floor(lo / CHUNK_MS) * CHUNK_MS; start < hi; start += CHUNK_MS) {
      const end = start + CHUNK_MS;
      let packed: Buffer | null;
      if (cache && end <= cache.closedBefore) {
        const key = `${clientId}|${missed ? 'all' : 'no-missed'}|${start}`;
        const kept = cache.days.get(key);
        packed = kept !== undefined ? kept : await read(start, end, start);
        if (kept === undefined) cache.days.set(key, packed);
      } else packed = await read(Math.max(start, lo), Math.min(end, hi), start);
      if (packed) n += unpack(packed, start, inWindow, interned);
    }
  } finally {
    (conn as SQLite.Database | null)?.close();
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
