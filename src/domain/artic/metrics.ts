import { bucketOf, makeBuckets, type ArticInterval, type Buckets } from './buckets.ts';
import { addPause, agentFigures, isEmpty, mergeAcc, newAcc, queueFigures, teamFigures, type Acc, type AgentFigures, type QueueFigures, type TeamFigures } from './metric-board.ts';
import { isComplete, journalWindow, num, type JournalRow, type QueueRule } from './journal.ts';

export type { AgentFigures, QueueFigures, TeamFigures } from './metric-board.ts';
export type { ArticInterval } from './buckets.ts';
export type { JournalRow, QueueRule } from './journal.ts';

/**
 * The ARTIC historical report, derived from the journal alone (README "ARTIC reports"). Pure: no I/O.
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
 * - missed_offers = RINGNOANSWER, per agent (and team), bucketed by the call's entry like every caller event.
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
  /** How far before `from` the rows are read (journal.ts lookbackMs()). */
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

/** The report from journal rows alone: sorted by at_ms (rows of one millisecond keep their order), then built. */
export function articMetrics(rows: readonly JournalRow[], input: MetricsInput): ArticMetrics {
  const b = new MetricsBuilder(input);
  for (const r of [...rows].sort((x, y) => Number(x.at_ms) - Number(y.at_ms))) b.add(r);
  return b.result();
}

/** A journal row with its data read as numbers (journal.ts num): what MetricsBuilder.addParsed takes. */
export interface ParsedRow {
  event: string;
  at_ms: number;
  /** -1 when none */
  entered_ms: number;
  queue_id: string;
  agent_id: string;
  /** data1 as text: a PAUSE's reason, an OVERFLOW's target (the only text the report reads). */
  text1: string;
  d1: number;
  d2: number;
  d3: number;
  d4: number;
}

/** The events whose data1 the report reads as text (ParsedRow.text1). */
export const TEXT1_EVENTS: readonly string[] = ['PAUSE', 'OVERFLOW'];

/** An agent's state during the walk. */
interface AgentWalk {
  loginAt: number | null;
  pauseAt: number | null;
  reason: string;
  /** The wrap-up under way: from the completion's at_ms to its nominal end; wrapEnd < 0 when none. */
  wrapAt: number;
  wrapEnd: number;
  wrapBucket: number;
  wrapQueue: number;
}

/**
 * The report built row by row, in journal order (at_ms, then the order rows were written), from:
 * - each agent's state before the window: its last AGENTLOGIN/AGENTLOGOFF and, when logged in, its last PAUSE/UNPAUSE
 *   written before `from − lookback_ms` (they set the state; rows outside [from, to) add no time);
 * - every row written in [from − lookback_ms, to + LATE_MS) (journal.ts journalWindow); other rows are ignored.
 * `add` keeps nothing of the row object it is given (a parser may reuse one).
 */
export class MetricsBuilder {
  private readonly bk: Buckets;
  private readonly lo: number;
  private readonly hi: number;
  private readonly queueIx = new Map<string, number>();
  private readonly queueIds: string[] = [];
  private readonly rules: QueueRule[] = [];
  private readonly agentIx = new Map<string, number>();
  private readonly agentIds: string[] = [];
  private readonly walks: AgentWalk[] = [];
  private readonly queueCells: (Acc | undefined)[][] = [];
  private readonly agentCells: (Acc | undefined)[][] = [];
  /** team id → bucket → calls overflowed to it */
  private readonly overflows = new Map<string, Map<number, number>>();

  constructor(private readonly input: MetricsInput) {
    this.bk = makeBuckets(input.from_ms, input.to_ms, input.interval, input.zone);
    ({ lo: this.lo, hi: this.hi } = journalWindow(input.from_ms, input.to_ms, input.lookback_ms));
    for (const id of input.queues.keys()) this.queue(id);
    for (const id of input.agentTeams.keys()) this.agent(id);
  }

  private queue(id: string): number {
    let i = this.queueIx.get(id);
    if (i === undefined) {
      this.queueIx.set(id, (i = this.queueIds.length));
      this.queueIds.push(id);
      this.rules.push(this.input.queues.get(id) ?? { service_level_sec: 0, short_abandon_sec: 0 });
      this.queueCells.push([]);
    }
    return i;
  }

  private agent(id: string): number {
    let i = this.agentIx.get(id);
    if (i === undefined) {
      this.agentIx.set(id, (i = this.agentIds.length));
      this.agentIds.push(id);
      this.walks.push({ loginAt: null, pauseAt: null, reason: '', wrapAt: 0, wrapEnd: -1, wrapBucket: -1, wrapQueue: -1 });
      this.agentCells.push([]);
    }
    return i;
  }

  private cell(cells: (Acc | undefined)[][], i: number, bucket: number): Acc {
    return (cells[i][bucket] ??= newAcc());
  }

  /** Adds the overlap of [a, b) with each bucket (clipped to the period) to an agent's sums. */
  private span(ai: number, a: number, b: number, kind: 'login' | 'pause' | 'talk' | 'wrap', reason = ''): void {
    const bk = this.bk;
    let s = Math.max(a, bk.from);
    const e = Math.min(b, bk.to);
    if (!(s < e)) return;
    let i = bucketOf(bk, s);
    while (s < e) {
      const end = Math.min(e, bk.bounds[i + 1]);
      const c = this.cell(this.agentCells, ai, i);
      const d = end - s;
      if (kind === 'login') c.login_ms += d;
      else if (kind === 'talk') c.talk_ms += d;
      else if (kind === 'wrap') c.wrap_ms += d;
      else addPause(c, reason, d);
      s = end;
      i++;
    }
  }

  /** The wrap-up under way ends (at its nominal end, or earlier when cut): its time and the call's wrap-up taken. */
  private endWrap(ai: number, w: AgentWalk, at: number): void {
    if (w.wrapEnd < 0) return;
    const end = Math.min(at, w.wrapEnd);
    this.span(ai, w.wrapAt, end, 'wrap');
    if (w.wrapBucket >= 0) {
      const taken = (end - w.wrapAt) / 1000;
      this.cell(this.queueCells, w.wrapQueue, w.wrapBucket).wrap += taken;
      this.cell(this.agentCells, ai, w.wrapBucket).wrap += taken;
    }
    w.wrapEnd = -1;
  }

  private endPause(ai: number, w: AgentWalk, at: number): void {
    if (w.pauseAt !== null) this.span(ai, w.pauseAt, at, 'pause', w.reason);
    w.pauseAt = null;
  }

  private readonly scratch: ParsedRow = { event: '', at_ms: 0, entered_ms: -1, queue_id: '', agent_id: '', text1: '', d1: 0, d2: 0, d3: 0, d4: 0 };

  /** Adds the next journal row (journal order). */
  add(r: JournalRow): void {
    const p = this.scratch;
    p.event = r.event;
    p.at_ms = Number(r.at_ms);
    p.entered_ms = r.entered_ms === null ? -1 : Number(r.entered_ms);
    p.queue_id = r.queue_id;
    p.agent_id = r.agent_id;
    p.text1 = r.data1;
    p.d1 = num(r.data1);
    p.d2 = num(r.data2);
    p.d3 = num(r.data3);
    p.d4 = num(r.data4);
    this.addParsed(p);
  }

  /** A RINGNOANSWER (the repository's fast path for the journal's most frequent row): an offer the agent did not take. */
  missedOffer(agentId: string, enteredMs: number): void {
    const bucket = bucketOf(this.bk, enteredMs);
    if (bucket >= 0 && agentId !== 'NONE') this.cell(this.agentCells, this.agent(agentId), bucket).missed++;
  }

  /** Adds the next row, its data already read as numbers (the repository's fast path; `add` for plain rows). */
  addParsed(r: ParsedRow): void {
    const at = r.at_ms;
    if (at >= this.hi) return;
    const ev = r.event;
    if (ev === 'RINGNOANSWER') return this.missedOffer(r.agent_id, r.entered_ms);
    if (ev === 'AGENTLOGIN' || ev === 'AGENTLOGOFF' || ev === 'PAUSE' || ev === 'UNPAUSE') {
      if (r.agent_id === 'NONE') return;
      const ai = this.agent(r.agent_id);
      const w = this.walks[ai];
      if (ev === 'AGENTLOGIN') {
        if (w.loginAt === null) w.loginAt = at;
      } else if (ev === 'UNPAUSE') this.endPause(ai, w, at);
      else {
        // A PAUSE or AGENTLOGOFF cuts the wrap-up under way.
        this.endWrap(ai, w, at);
        this.endPause(ai, w, at);
        if (ev === 'AGENTLOGOFF') {
          if (w.loginAt !== null) this.span(ai, w.loginAt, at, 'login');
          w.loginAt = null;
        } else if (w.loginAt !== null) {
          // Paused only while logged in; a PAUSE with another reason ends the previous one.
          w.pauseAt = at;
          w.reason = r.text1;
        }
      }
      return;
    }
    const bucket = bucketOf(this.bk, r.entered_ms);
    if (isComplete(ev)) {
      if (at < this.lo || r.agent_id === 'NONE') return;
      const ai = this.agent(r.agent_id);
      const qi = this.queue(r.queue_id);
      const w = this.walks[ai];
      this.endWrap(ai, w, Infinity);
      this.span(ai, at - Math.round(r.d2 * 1000), at, 'talk');
      w.wrapAt = at;
      w.wrapEnd = at + Math.round(r.d4 * 1000);
      w.wrapBucket = bucket;
      w.wrapQueue = qi;
      if (bucket < 0) return;
      const hold = r.d1;
      const within = hold <= this.rules[qi].service_level_sec ? 1 : 0;
      const q = this.cell(this.queueCells, qi, bucket);
      const a = this.cell(this.agentCells, ai, bucket);
      q.answered++;
      a.answered++;
      q.within_sl += within;
      a.within_sl += within;
      q.hold += hold;
      a.hold += hold;
      q.talk += r.d2;
      a.talk += r.d2;
      if (hold > q.longest) q.longest = hold;
      if (hold > a.longest) a.longest = hold;
      return;
    }
    if (bucket < 0) return;
    if (ev === 'ABANDON' || ev === 'EXITWITHTIMEOUT' || ev === 'EXITEMPTY') {
      const qi = this.queue(r.queue_id);
      const c = this.cell(this.queueCells, qi, bucket);
      const wait = r.d3;
      if (ev === 'ABANDON') {
        c.abandoned++;
        if (wait < this.rules[qi].short_abandon_sec) c.short++;
      } else c.overflowed++;
      if (wait > c.longest) c.longest = wait;
    } else if (ev === 'OVERFLOW') {
      this.cell(this.queueCells, this.queue(r.queue_id), bucket).overflowed_to_team++;
      if (r.text1.startsWith('team:')) {
        const team = r.text1.slice(5);
        let byBucket = this.overflows.get(team);
        if (!byBucket) this.overflows.set(team, (byBucket = new Map()));
        byBucket.set(bucket, (byBucket.get(bucket) ?? 0) + 1);
      }
    }
  }

  /** Ends the walk at `to` (agents still logged in or paused count up to it) and sums the groups. */
  result(): ArticMetrics {
    this.walks.forEach((w, ai) => {
      this.endWrap(ai, w, Infinity);
      this.endPause(ai, w, this.bk.to);
      if (w.loginAt !== null) this.span(ai, w.loginAt, this.bk.to, 'login');
      w.loginAt = null;
    });
    const bk = this.bk;
    // Each group is summed when first asked for (a report shows one).
    let queues: Group<QueueFigures> | undefined;
    let teams: Group<TeamFigures> | undefined;
    let agents: Group<AgentFigures> | undefined;
    const q = () => (queues ??= group(this.queueIds, this.queueCells, queueFigures));
    const t = () => (teams ??= this.teamGroup());
    const a = () => (agents ??= group(this.agentIds, this.agentCells, agentFigures));
    return {
      buckets: bk.nominal.map((local, i) => ({ start_ms: bk.bounds[i], end_ms: bk.bounds[i + 1], local_start_ms: local })),
      get queues() {
        return q();
      },
      get teams() {
        return t();
      },
      get agents() {
        return a();
      },
    };
  }

  /** Teams: their current agents' sums, plus the calls overflowed to them; over all, each agent in a team once. */
  private teamGroup(): Group<TeamFigures> {
    const members = new Map<string, number[]>();
    for (const t of this.input.teams ?? []) members.set(t, []);
    for (const t of this.overflows.keys()) if (!members.has(t)) members.set(t, []);
    const inTeam = new Set<number>();
    for (const [agent, teams] of this.input.agentTeams) {
      for (const t of teams) {
        if (!members.has(t)) members.set(t, []);
        members.get(t)!.push(this.agent(agent));
        inTeam.add(this.agent(agent));
      }
    }
    const teamIds = [...members.keys()];
    const teamCells: (Acc | undefined)[][] = teamIds.map((t) => {
      const cells: (Acc | undefined)[] = [];
      for (const ai of members.get(t)!) this.agentCells[ai].forEach((c, b) => c && mergeAcc((cells[b] ??= newAcc()), c));
      for (const [b, n] of this.overflows.get(t) ?? []) (cells[b] ??= newAcc()).overflowed_to_team += n;
      return cells;
    });
    const all = newAcc();
    for (const ai of inTeam) for (const c of this.agentCells[ai]) if (c) mergeAcc(all, c);
    for (const byBucket of this.overflows.values()) for (const n of byBucket.values()) all.overflowed_to_team += n;
    return group(teamIds, teamCells, teamFigures, all);
  }
}

function group<F>(ids: string[], cells: (Acc | undefined)[][], figures: (a: Acc) => F, all?: Acc): Group<F> {
  const rows: { bucket: number; id: string; acc: Acc }[] = [];
  const totals: { id: string; figures: F }[] = [];
  const sum = newAcc();
  ids.forEach((id, i) => {
    const total = newAcc();
    cells[i].forEach((c, bucket) => {
      if (!c || isEmpty(c)) return;
      rows.push({ bucket, id, acc: c });
      mergeAcc(total, c);
    });
    mergeAcc(sum, total);
    totals.push({ id, figures: figures(total) });
  });
  const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  rows.sort((a, b) => a.bucket - b.bucket || byId(a.id, b.id));
  totals.sort((a, b) => byId(a.id, b.id));
  return { rows: rows.map((r) => ({ bucket: r.bucket, id: r.id, figures: figures(r.acc) })), totals, all: figures(all ?? sum) };
}
