import { bucketOf, makeBuckets, sliceByBucket, type ArticInterval, type Buckets } from './buckets.ts';
import { addPause, agentFigures, Board, queueFigures, teamFigures, type Acc, type AgentFigures, type QueueFigures, type TeamFigures } from './metric-board.ts';
import { AGENT_EVENTS, COMPLETE_EVENTS, groupJournal, isComplete, journalWindow, ms, walkOrder, type AgentRow, type JournalGroup, type JournalRow, type QueueRule } from './journal-groups.ts';

export type { AgentFigures, QueueFigures, TeamFigures } from './metric-board.ts';
export type { ArticInterval } from './buckets.ts';
export type { AgentRow, JournalGroup, JournalRow, QueueRule } from './journal-groups.ts';

/**
 * The ARTIC historical report, derived from the journal alone (docs: README "ARTIC reports"). Pure: no I/O.
 *
 * Calls are bucketed by their ENTERQUEUE time (`entered_ms`, on every caller event); only calls entered in
 * [from, to) count, each once it ended:
 * - offered = answered + abandoned + overflowed;
 * - answered = COMPLETECALLER + COMPLETEAGENT; answered_within_sl = those with hold (data1) ≤ the queue's
 *   service_level_sec;
 * - abandoned = ABANDON; abandoned_short = ABANDON with wait (data3) < short_abandon_sec; abandoned_long = the rest;
 * - overflowed = EXITWITHTIMEOUT + EXITEMPTY; overflowed_to_team = calls with an OVERFLOW event (per team: the calls
 *   overflowed to that team, data1 `team:<id>`);
 * - service_level = answered_within_sl ÷ (offered − abandoned_short); service_level_completed = answered_within_sl ÷
 *   answered; abandon_rate = abandoned_long ÷ (offered − abandoned_short) (null when the divisor is 0);
 * - asa = Σ hold ÷ answered; longest_wait = the longest hold (answered) or wait (abandoned, overflowed);
 * - avg_talk = Σ talk (data2) ÷ answered; avg_wrapup = Σ wrap-up actually taken ÷ answered; avg_handle = their sum;
 *   the wrap-up actually taken is data4 of the COMPLETE, cut short by the agent's next PAUSE or AGENTLOGOFF;
 * - missed_offers = RINGNOANSWER (per agent, team and queue; bucketed by the call's entry like every caller event).
 * Agent time is sliced by overlap with each bucket and with [from, to): login_sec from AGENTLOGIN to AGENTLOGOFF (an
 * agent still logged in at `to` counts up to `to`), pause_sec from PAUSE to UNPAUSE (or AGENTLOGOFF, or a PAUSE with
 * another reason) by reason (data1), talk_sec over [COMPLETE − talk, COMPLETE), wrapup_sec over the wrap-up actually
 * taken; occupancy = (talk_sec + wrapup_sec) ÷ (login_sec − pause_sec). A team's figures are those of its current
 * agents (summed; its call figures are the calls they answered) plus the calls overflowed to it.
 */

export interface MetricsInput {
  /** Queue id → its thresholds (a queue not listed has 0 and 0). Every queue listed appears in the totals. */
  queues: ReadonlyMap<string, QueueRule>;
  /** Agent id → the ids of its teams now. Every agent listed appears in the totals. */
  agentTeams: ReadonlyMap<string, readonly string[]>;
  /** Team ids that appear in the totals even without activity. */
  teams?: readonly string[];
  from_ms: number;
  to_ms: number;
  interval: ArticInterval;
  /** IANA zone: quarter hours, hours and days are local (a day starts at local midnight). */
  zone: string;
  /** How far before `from` the rows were read (journal-groups.ts lookbackMs()): completions before it are not walked. */
  lookback_ms: number;
}

export interface Group<F> {
  /** One row per entity and bucket with any activity, by bucket then id. */
  rows: { bucket: number; id: string; figures: F }[];
  /** Per entity over the whole period (every known entity, by id). */
  totals: { id: string; figures: F }[];
  /** Over every entity of the group (an agent in two teams counts once). */
  all: F;
}

export interface ArticMetrics {
  /** start_ms/end_ms: the bucket within [from, to); local_start_ms: its local start unclipped (its label). */
  buckets: { start_ms: number; end_ms: number; local_start_ms: number }[];
  queues: Group<QueueFigures>;
  teams: Group<TeamFigures>;
  agents: Group<AgentFigures>;
}

/**
 * The report from journal rows alone. `rows` must hold the rows written in [from − lookback_ms, to + LATE_MS) (see
 * journalWindow) and, per agent, its last AGENTLOGIN/AGENTLOGOFF and its last PAUSE/UNPAUSE written before that
 * window (they set its state at the window's start; rows outside [from, to) add no time). More rows are harmless.
 */
export function articMetrics(rows: readonly JournalRow[], input: MetricsInput): ArticMetrics {
  const bk = makeBuckets(input.from_ms, input.to_ms, input.interval, input.zone);
  const walked = new Set<string>([...AGENT_EVENTS, ...COMPLETE_EVENTS]);
  return assemble(bk, groupJournal(rows, bk, input.queues, input.lookback_ms), rows.filter((r) => walked.has(r.event) && r.agent_id !== 'NONE'), input);
}

/**
 * The report from the journal's groups (JournalGroup, as the repository's GROUP BY gives them) and the agent rows:
 * every agent event in the window plus each agent's state before it (see articMetrics), and at least the completions
 * whose wrap-up an agent event may cut (the last completion before each PAUSE and AGENTLOGOFF); any order.
 */
export function articMetricsFrom(groups: Iterable<JournalGroup>, agentRows: readonly AgentRow[], input: MetricsInput): ArticMetrics {
  return assemble(makeBuckets(input.from_ms, input.to_ms, input.interval, input.zone), groups, agentRows, input);
}

interface Boards {
  queues: Board;
  teams: Board;
  agents: Board;
}

function assemble(bk: Buckets, groups: Iterable<JournalGroup>, agentRows: readonly AgentRow[], input: MetricsInput): ArticMetrics {
  const boards: Boards = { queues: new Board(), teams: new Board(), agents: new Board() };
  for (const id of input.queues.keys()) boards.queues.know(id);
  for (const [id, ts] of input.agentTeams) {
    boards.agents.know(id);
    for (const t of ts) boards.teams.know(t);
  }
  for (const t of input.teams ?? []) boards.teams.know(t);
  const people = peopleTargets(boards, input);
  for (const g of groups) addGroup(bk, boards, people, g);

  const byAgent = new Map<string, AgentRow[]>();
  for (const r of agentRows) {
    if (r.agent_id === 'NONE') continue;
    let list = byAgent.get(r.agent_id);
    if (!list) byAgent.set(r.agent_id, (list = []));
    list.push(r);
  }
  for (const [agent, list] of byAgent) walkAgent(agent, walkOrder(list), bk, input, boards, people);

  return {
    buckets: bk.nominal.map((local, i) => ({ start_ms: bk.bounds[i], end_ms: bk.bounds[i + 1], local_start_ms: local })),
    queues: group(boards.queues, queueFigures),
    teams: group(boards.teams, teamFigures),
    agents: group(boards.agents, agentFigures),
  };
}

/** The sums a fact about an agent in a bucket goes to: the agent's and its teams' (memoized). */
function peopleTargets(boards: Boards, input: MetricsInput): (agent: string, bucket: number) => Acc[] {
  const memo = new Map<string, Acc[]>();
  return (agent, bucket) => {
    const key = `${agent}\u0000${bucket}`;
    let t = memo.get(key);
    if (!t) memo.set(key, (t = [...boards.agents.targets([agent], bucket), ...boards.teams.targets(input.agentTeams.get(agent) ?? [], bucket)]));
    return t;
  };
}

/** Spreads a group's spans (Σ starts sx, Σ ends sy after `from`, n spans from bucket b1 to b2) over the buckets. */
function spread(bk: Buckets, b1: number, b2: number, n: number, sx: number, sy: number, add: (bucket: number, ms: number) => void): void {
  if (b1 < 0) return;
  if (b1 === b2) return add(b1, sy - sx);
  add(b1, n * (bk.bounds[b1 + 1] - bk.from) - sx);
  for (let k = b1 + 1; k < b2; k++) add(k, n * (bk.bounds[k + 1] - bk.bounds[k]));
  add(b2, sy - n * (bk.bounds[b2] - bk.from));
}

function addGroup(bk: Buckets, boards: Boards, people: (agent: string, bucket: number) => Acc[], g: JournalGroup): void {
  const n = Number(g.n);
  const agent = g.agent_id === 'NONE' ? null : g.agent_id;
  if (isComplete(g.event)) {
    if (!agent) return;
    if (g.be >= 0) {
      const maxHold = g.max_hold === null ? -1 : Number(g.max_hold);
      for (const t of [...boards.queues.targets([g.queue_id], g.be), ...people(agent, g.be)]) {
        t.answered += n;
        t.within_sl += Number(g.within);
        t.hold += Number(g.hold);
        t.talk += Number(g.talk);
        t.wrap += Number(g.wrap);
        if (maxHold > t.longest) t.longest = maxHold;
      }
    }
    spread(bk, g.tb1, g.tb2, n, Number(g.tx), Number(g.ty), (b, d) => people(agent, b).forEach((t) => (t.talk_ms += d)));
    spread(bk, g.wb1, g.wb2, n, Number(g.wx), Number(g.wy), (b, d) => people(agent, b).forEach((t) => (t.wrap_ms += d)));
    return;
  }
  if (g.be < 0) return;
  const q = boards.queues.targets([g.queue_id], g.be);
  if (g.event === 'ABANDON' || g.event === 'EXITWITHTIMEOUT' || g.event === 'EXITEMPTY') {
    const wait = g.max_wait === null ? -1 : Number(g.max_wait);
    for (const t of q) {
      if (g.event === 'ABANDON') {
        t.abandoned += n;
        t.short += Number(g.short);
      } else t.overflowed += n;
      if (wait > t.longest) t.longest = wait;
    }
  } else if (g.event === 'OVERFLOW') {
    const team = g.target.startsWith('team:') ? [g.target.slice(5)] : [];
    for (const t of [...q, ...boards.teams.targets(team, g.be)]) t.overflowed_to_team += n;
  } else if (g.event === 'RINGNOANSWER') {
    for (const t of [...q, ...(agent ? people(agent, g.be) : [])]) t.missed += n;
  }
}

function group<F>(board: Board, figures: (a: Acc) => F): Group<F> {
  return {
    rows: board.rows().map((r) => ({ bucket: r.bucket, id: r.id, figures: figures(r.acc) })),
    totals: [...board.totals].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([id, acc]) => ({ id, figures: figures(acc) })),
    all: figures(board.all),
  };
}

/**
 * One agent's rows in walk order: its login and pause spans, and the wrap-ups its PAUSE or AGENTLOGOFF cut short
 * (the groups counted each completion's whole data4: the part not taken comes off again here).
 */
function walkAgent(agent: string, rows: AgentRow[], bk: Buckets, input: MetricsInput, boards: Boards, people: (agent: string, bucket: number) => Acc[]): void {
  const span = (a: number, b: number, add: (t: Acc, d: number) => void) => sliceByBucket(bk, a, b, (bucket, d) => people(agent, bucket).forEach((t) => add(t, d)));
  let loginAt: number | null = null;
  let pauseAt: number | null = null;
  let reason = '';
  const endPause = (at: number) => {
    if (pauseAt !== null) span(pauseAt, at, (t, d) => addPause(t, reason, d));
    pauseAt = null;
  };
  const cuts: number[] = [];
  const completes: AgentRow[] = [];
  for (const r of rows) {
    const at = Number(r.at_ms);
    if (r.event === 'AGENTLOGIN') {
      if (loginAt === null) loginAt = at;
    } else if (r.event === 'AGENTLOGOFF') {
      cuts.push(at);
      endPause(at);
      if (loginAt !== null) span(loginAt, at, (t, d) => (t.login_ms += d));
      loginAt = null;
    } else if (r.event === 'PAUSE') {
      cuts.push(at);
      // Paused only while logged in; a new reason without UNPAUSE ends the previous pause.
      if (loginAt !== null) {
        endPause(at);
        pauseAt = at;
        reason = r.data1;
      }
    } else if (r.event === 'UNPAUSE') endPause(at);
    else if (isComplete(r.event)) completes.push(r);
  }
  endPause(bk.to);
  if (loginAt !== null) span(loginAt, bk.to, (t, d) => (t.login_ms += d));

  const { lo, hi } = journalWindow(bk.from, bk.to, input.lookback_ms);
  let ci = 0;
  let last = -Infinity;
  for (const c of completes) {
    const at = Number(c.at_ms);
    if (at < lo || at >= hi || at === last) continue;
    last = at;
    while (ci < cuts.length && cuts[ci] < at) ci++;
    const end = at + ms(c.data4);
    if (ci >= cuts.length || cuts[ci] >= end) continue;
    const cut = cuts[ci];
    span(cut, end, (t, d) => (t.wrap_ms -= d));
    const be = c.entered_ms === null ? -1 : bucketOf(bk, Number(c.entered_ms));
    if (be < 0) continue;
    const lost = (end - cut) / 1000;
    for (const t of [...boards.queues.targets([c.queue_id], be), ...people(agent, be)]) t.wrap -= lost;
  }
}
