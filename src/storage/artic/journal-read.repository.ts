import { sql, type RawBuilder } from 'kysely';
import type { Dialect, Executor } from '../database.ts';
import { bucketRuns, type Buckets } from '../../domain/artic/buckets.ts';
import { AGENT_EVENTS, CALLER_EVENTS, COMPLETE_EVENTS, journalWindow, type AgentRow, type JournalGroup, type QueueRule } from '../../domain/artic/journal-groups.ts';

/**
 * The journal reads of the ARTIC historical report, the same on SQLite and PostgreSQL (bigint, count and sum columns
 * come back as text there: Number()ed here). One scan of the window through artic_journal_client_at_idx
 * (client_id, at_ms) groups every caller event and completion as JournalGroup (domain/artic/journal-groups.ts) and
 * hands back the agent events one by one; then a few lookups through artic_journal_agent_idx (client_id, agent_id,
 * at_ms): each agent's state before the window and the completions whose wrap-up a PAUSE or AGENTLOGOFF cuts.
 */

type Sql = RawBuilder<unknown>;
const list = (xs: readonly string[]) => sql.join(xs.map((x) => sql.lit(x)));
const lit = (n: number) => {
  if (!Number.isSafeInteger(n)) throw new Error(`not a safe integer: ${n}`);
  return sql.lit(n);
};

/** A text column as a number ('' and text that is not one: 0 on SQLite; '' as 0 on PostgreSQL). */
function num(dialect: Dialect, col: Sql): Sql {
  return dialect === 'postgres' ? sql`coalesce(cast(nullif(${col}, '') as double precision), 0)` : sql`(${col} + 0)`;
}

/** Seconds as text to whole milliseconds. */
function millis(dialect: Dialect, col: Sql): Sql {
  return sql`cast(round(${num(dialect, col)} * 1000) as ${sql.raw(dialect === 'postgres' ? 'bigint' : 'integer')})`;
}

/** The bucket of an instant t (from ≤ t < to) by the runs of equal buckets: integer arithmetic, no lookup. */
function bucketExpr(bk: Buckets, t: Sql): Sql {
  const runs = bucketRuns(bk);
  const value = (r: (typeof runs)[number]) => (r.step === null ? lit(r.index) : sql`${lit(r.index)} + (${t} - ${lit(r.start)}) / ${lit(r.step)}`);
  if (runs.length === 1) return sql`(${value(runs[0])})`;
  return sql`(case ${sql.join(runs.slice(0, -1).map((r) => sql`when ${t} < ${lit(r.end)} then ${value(r)}`), sql` `)} else ${value(runs[runs.length - 1])} end)`;
}

/** A per-queue threshold, inlined (a queue not listed: 0). */
function perQueue(queues: ReadonlyMap<string, QueueRule>, pick: (r: QueueRule) => number): Sql {
  const rules = [...queues].filter(([, r]) => Number.isFinite(pick(r)));
  if (!rules.length) return sql`0`;
  return sql`(case queue_id ${sql.join(rules.map(([id, r]) => sql`when ${id} then ${sql.lit(Number(pick(r)))}`), sql` `)} else 0 end)`;
}

interface GroupRow {
  e: string;
  q: string;
  a: string;
  be: number | string;
  d1: string;
  tb1: number | string;
  tb2: number | string;
  wb1: number | string;
  wb2: number | string;
  atk: number | string;
  n: number | string;
  short: number | string;
  max_wait: number | string | null;
  within: number | string;
  hold: number | string;
  max_hold: number | string | null;
  talk: number | string;
  wrap: number | string;
  tx: number | string;
  ty: number | string;
  wx: number | string;
  wy: number | string;
}

/**
 * The window's rows (journalWindow) in one scan: the caller events of calls entered in [from, to) and every
 * completion, grouped (JournalGroup); and the agent events, each with its at_ms (agentRows, unordered).
 */
export async function journalGroups(db: Executor, dialect: Dialect, clientId: number, bk: Buckets, lookback: number, queues: ReadonlyMap<string, QueueRule>): Promise<{ groups: JournalGroup[]; agentRows: AgentRow[] }> {
  const { lo, hi } = journalWindow(bk.from, bk.to, lookback);
  const F = lit(bk.from);
  const T = lit(bk.to);
  const complete = sql`event in (${list(COMPLETE_EVENTS)})`;
  const isComplete = sql`e in (${list(COMPLETE_EVENTS)})`;
  const waits = list(['ABANDON', 'EXITWITHTIMEOUT', 'EXITEMPTY']);
  // The inner query reads each row once (a co-routine on SQLite, a fence on PostgreSQL); the outer one clips and buckets.
  const inner = sql`
    select event as e, queue_id as q, agent_id as a, entered_ms as en, at_ms as at,
      case when event = 'OVERFLOW' or event in (${list(AGENT_EVENTS)}) then data1 else '' end as d1,
      case when ${complete} then ${millis(dialect, sql`data2`)} else 0 end as tm,
      case when ${complete} then ${millis(dialect, sql`data4`)} else 0 end as wm,
      case when ${complete} then ${num(dialect, sql`data1`)} else 0 end as hold,
      case when ${complete} then ${num(dialect, sql`data2`)} else 0 end as talk,
      case when ${complete} then ${num(dialect, sql`data4`)} else 0 end as wrap,
      case when event in (${waits}) then ${num(dialect, sql`data3`)} end as wait,
      case when ${complete} and ${num(dialect, sql`data1`)} <= ${perQueue(queues, (r) => r.service_level_sec)} then 1 else 0 end as within,
      case when event = 'ABANDON' and ${num(dialect, sql`data3`)} < ${perQueue(queues, (r) => r.short_abandon_sec)} then 1 else 0 end as short
    from artic_journal
    where client_id = ${clientId} and at_ms >= ${lit(lo)} and at_ms < ${lit(hi)}
      and event in (${list([...CALLER_EVENTS, ...COMPLETE_EVENTS, ...AGENT_EVENTS])})
      and (event not in (${list(CALLER_EVENTS)}) or (entered_ms >= ${F} and entered_ms < ${T}))
    ${sql.raw(dialect === 'postgres' ? 'offset 0' : 'limit -1')}`;
  const span = (a: Sql, b: Sql) => {
    const x = sql`(case when ${a} < ${F} then ${F} else ${a} end)`;
    const y = sql`(case when ${b} > ${T} then ${T} else ${b} end)`;
    const on = sql`${isComplete} and ${x} < ${y}`;
    return {
      b1: sql`case when ${on} then ${bucketExpr(bk, x)} else -1 end`,
      b2: sql`case when ${on} then ${bucketExpr(bk, sql`(${y} - 1)`)} else -1 end`,
      sx: sql`sum(case when ${on} then ${x} - ${F} else 0 end)`,
      sy: sql`sum(case when ${on} then ${y} - ${F} else 0 end)`,
    };
  };
  const talk = span(sql`(at - tm)`, sql`at`);
  const wrap = span(sql`at`, sql`(at + wm)`);
  const r = await sql<GroupRow>`
    select e, q, a,
      case when en >= ${F} and en < ${T} then ${bucketExpr(bk, sql`en`)} else -1 end as be,
      d1, ${talk.b1} as tb1, ${talk.b2} as tb2, ${wrap.b1} as wb1, ${wrap.b2} as wb2,
      case when e in (${list(AGENT_EVENTS)}) then at else -1 end as atk,
      count(*) as n, sum(short) as short, max(wait) as max_wait, sum(within) as within, sum(hold) as hold,
      max(case when ${isComplete} then hold end) as max_hold, sum(talk) as talk, sum(wrap) as wrap,
      ${talk.sx} as tx, ${talk.sy} as ty, ${wrap.sx} as wx, ${wrap.sy} as wy
    from (${inner}) j
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`.execute(db);
  const groups: JournalGroup[] = [];
  const agentRows: AgentRow[] = [];
  const agentEvents = new Set<string>(AGENT_EVENTS);
  const orNull = (v: number | string | null) => (v === null ? null : Number(v));
  for (const g of r.rows) {
    if (agentEvents.has(g.e)) {
      for (let i = 0; i < Number(g.n); i++) agentRows.push({ at_ms: Number(g.atk), entered_ms: null, queue_id: g.q, agent_id: g.a, event: g.e, data1: g.d1, data2: '', data4: '' });
      continue;
    }
    groups.push({
      event: g.e,
      queue_id: g.q,
      agent_id: g.a,
      be: Number(g.be),
      target: g.d1,
      tb1: Number(g.tb1),
      tb2: Number(g.tb2),
      wb1: Number(g.wb1),
      wb2: Number(g.wb2),
      n: Number(g.n),
      short: Number(g.short),
      max_wait: orNull(g.max_wait),
      within: Number(g.within),
      hold: Number(g.hold),
      max_hold: orNull(g.max_hold),
      talk: Number(g.talk),
      wrap: Number(g.wrap),
      tx: Number(g.tx),
      ty: Number(g.ty),
      wx: Number(g.wx),
      wy: Number(g.wy),
    });
  }
  return { groups, agentRows };
}

const AGENT_COLUMNS = ['at_ms', 'entered_ms', 'queue_id', 'agent_id', 'event', 'data1', 'data2', 'data4'] as const;
const agentRow = (r: AgentRow): AgentRow => ({ ...r, at_ms: Number(r.at_ms), entered_ms: r.entered_ms === null ? null : Number(r.entered_ms) });

/**
 * What each agent's state was before `beforeMs`: its last AGENTLOGIN or AGENTLOGOFF, and (when that is a login) its
 * last PAUSE or UNPAUSE after it, written before then (artic_journal_agent_idx, newest first).
 */
export async function agentPrelude(db: Executor, clientId: number, agentIds: readonly string[], beforeMs: number): Promise<AgentRow[]> {
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
      .limit(1)
      .executeTakeFirst();
  const out: AgentRow[] = [];
  for (const id of agentIds) {
    const login = await last(id, ['AGENTLOGIN', 'AGENTLOGOFF'], Number.MIN_SAFE_INTEGER);
    if (!login || login.event !== 'AGENTLOGIN') continue;
    out.push(agentRow(login));
    const pause = await last(id, ['PAUSE', 'UNPAUSE'], Number(login.at_ms));
    if (pause && pause.event === 'PAUSE') out.push(agentRow(pause));
  }
  return out;
}

/**
 * Each agent's last completion at or before each of these instants (its PAUSE and AGENTLOGOFF events) and no more
 * than `lookback` before: the only completions whose wrap-up those events can cut. Deduplicated.
 */
export async function completionsBefore(db: Executor, dialect: Dialect, clientId: number, cuts: readonly { agent_id: string; at_ms: number }[], lookback: number): Promise<AgentRow[]> {
  const out: AgentRow[] = [];
  const int = sql.raw(dialect === 'postgres' ? 'bigint' : 'integer');
  for (let i = 0; i < cuts.length; i += 500) {
    const chunk = cuts.slice(i, i + 500);
    const values = sql.join(chunk.map((c) => sql`(cast(${c.agent_id} as text), cast(${c.at_ms} as ${int}))`));
    const r = await sql<AgentRow>`
      select c.at_ms, c.entered_ms, c.queue_id, c.agent_id, c.event, c.data1, c.data2, c.data4 from artic_journal c
      where c.id in (
        select (select c2.id from artic_journal c2
                where c2.client_id = ${clientId} and c2.agent_id = v.column1 and c2.at_ms <= v.column2 and c2.at_ms >= v.column2 - ${lit(lookback)}
                  and c2.event in (${list(COMPLETE_EVENTS)})
                order by c2.at_ms desc limit 1)
        from (values ${values}) as v)`.execute(db);
    for (const row of r.rows) out.push(agentRow(row));
  }
  return out;
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
