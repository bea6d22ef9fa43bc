import { sql } from 'kysely';
import type { Dialect, Executor } from '../database.ts';
import { REPORT_EVENTS, type JournalRow } from '../../domain/artic/journal.ts';
import { TEXT1_EVENTS, type ParsedRow } from '../../domain/artic/metrics.ts';

/**
 * The reads of the ARTIC reports, the same on SQLite and PostgreSQL.
 *
 * The historical report walks the journal rows of its window in order (artic_journal_client_at_idx (client_id, at_ms):
 * one range scan). Reading rows one by one costs more than the walk (a row object per row, ~1 µs each on SQLite), so
 * each day of the window comes back as one text: one record per row (separated by U+001E), its fields separated by
 * U+001F (the journal's fields are numbers, ids, reason codes and answer points: neither character can occur in
 * them). A RINGNOANSWER record carries only what the report reads of it: `R`, entered_ms, agent_id.
 */

const RS = 0x1e;
const US = 0x1f;
const CHUNK_MS = 86_400_000;

function packedSql(dialect: Dialect, clientId: number, lo: number, hi: number) {
  const events = sql.join(REPORT_EVENTS.map((e) => sql.lit(e)));
  const ch = (n: number) => sql.raw(dialect === 'postgres' ? `chr(${n})` : `char(${n})`);
  // concat_ws skips NULLs: an agent event's entered_ms is written as ''.
  const entered = dialect === 'postgres' ? sql`coalesce(cast(entered_ms as text), '')` : sql`ifnull(entered_ms, '')`;
  const record = sql`case event when 'RINGNOANSWER' then concat_ws(${ch(US)}, 'R', ${entered}, agent_id)
    else concat_ws(${ch(US)}, event, at_ms, ${entered}, queue_id, agent_id, data1, data2, data3, data4) end`;
  const where = sql`client_id = ${clientId} and at_ms >= ${lo} and at_ms < ${hi} and event in (${events})`;
  // SQLite: the index gives (at_ms, rowid) order, i.e. the order rows were written; group_concat keeps the
  // sub-query's order. PostgreSQL: the ids sort by creation within a millisecond.
  if (dialect === 'postgres') return sql<{ packed: string | null }>`select string_agg(${record}, ${ch(RS)} order by at_ms, id) as packed from artic_journal where ${where}`;
  return sql<{ packed: string | null }>`select group_concat(r, ${ch(RS)}) as packed from (select ${record} as r from artic_journal where ${where} order by at_ms limit -1)`;
}

/** Strings met again and again (ids, event names), kept once: looked up in place by a hash of their characters. */
class Interned {
  private readonly byHash = new Map<number, string[]>();
  get(text: string, start: number, end: number): string {
    let h = end - start;
    for (let k = start; k < end; k++) h = (Math.imul(h, 31) + text.charCodeAt(k)) | 0;
    let list = this.byHash.get(h);
    if (list) {
      for (const s of list) if (s.length === end - start && text.startsWith(s, start)) return s;
    } else this.byHash.set(h, (list = []));
    const s = text.slice(start, end);
    list.push(s);
    return s;
  }
}

/** Where the field starting at i ends (at a separator or the end of the text). */
function fieldEnd(text: string, i: number, L: number): number {
  let c = text.charCodeAt(i);
  while (i < L && c !== US && c !== RS) c = text.charCodeAt(++i);
  return i;
}

/** The field [i, j) as a number (journal.ts num: anything else is 0); plain digits are read in place. */
function numberAt(text: string, i: number, j: number): number {
  let v = 0;
  let k = i;
  while (k < j) {
    const c = text.charCodeAt(k);
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
    k++;
  }
  if (k === j) return v;
  const x = Number(text.slice(i, j));
  return Number.isFinite(x) ? x : 0;
}

/**
 * Parses packed records into one reused ParsedRow handed to `sink` (which must copy what it keeps): numbers are read
 * in place, ids and event names interned, data1 kept as text only for the events that read it (TEXT1_EVENTS).
 */
export function unpack(text: string, sink: (r: ParsedRow) => void, interned = new Interned()): number {
  const row: ParsedRow = { event: '', at_ms: 0, entered_ms: -1, queue_id: 'NONE', agent_id: 'NONE', text1: '', d1: 0, d2: 0, d3: 0, d4: 0 };
  const textual = new Set(TEXT1_EVENTS);
  const L = text.length;
  let i = 0;
  let n = 0;
  let j = 0;
  while (i < L) {
    if (text.charCodeAt(i) === 82 && text.charCodeAt(i + 1) === US) {
      // R, entered_ms, agent_id
      i += 2;
      j = fieldEnd(text, i, L);
      row.entered_ms = j > i ? numberAt(text, i, j) : -1;
      i = j + 1;
      j = fieldEnd(text, i, L);
      row.agent_id = interned.get(text, i, j);
      i = j;
      row.event = 'RINGNOANSWER';
      row.at_ms = 0;
      row.queue_id = 'NONE';
      row.text1 = '';
      row.d1 = row.d2 = row.d3 = row.d4 = 0;
    } else {
      // event, at_ms, entered_ms, queue_id, agent_id, data1, data2, data3, data4
      j = fieldEnd(text, i, L);
      row.event = interned.get(text, i, j);
      i = j + 1;
      j = fieldEnd(text, i, L);
      row.at_ms = numberAt(text, i, j);
      i = j + 1;
      j = fieldEnd(text, i, L);
      row.entered_ms = j > i ? numberAt(text, i, j) : -1;
      i = j + 1;
      j = fieldEnd(text, i, L);
      row.queue_id = interned.get(text, i, j);
      i = j + 1;
      j = fieldEnd(text, i, L);
      row.agent_id = interned.get(text, i, j);
      i = j + 1;
      j = fieldEnd(text, i, L);
      row.text1 = textual.has(row.event) ? text.slice(i, j) : '';
      row.d1 = numberAt(text, i, j);
      i = j + 1;
      j = fieldEnd(text, i, L);
      row.d2 = numberAt(text, i, j);
      i = j + 1;
      j = fieldEnd(text, i, L);
      row.d3 = numberAt(text, i, j);
      i = j + 1;
      j = fieldEnd(text, i, L);
      row.d4 = numberAt(text, i, j);
      i = j;
    }
    // Past anything unexpected to the record's end.
    while (i < L && text.charCodeAt(i) !== RS) i++;
    i++;
    n++;
    sink(row);
  }
  return n;
}

/** Walks the account's report rows written in [lo, hi) in journal order (at_ms, then as written). */
export async function scanJournal(db: Executor, dialect: Dialect, clientId: number, lo: number, hi: number, sink: (r: ParsedRow) => void): Promise<number> {
  let n = 0;
  const interned = new Interned();
  for (let start = lo; start < hi; start += CHUNK_MS) {
    const r = await packedSql(dialect, clientId, start, Math.min(hi, start + CHUNK_MS)).execute(db);
    const packed = r.rows[0]?.packed;
    if (packed) n += unpack(packed, sink, interned);
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
