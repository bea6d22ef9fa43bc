/**
 * The running sums of the ARTIC historical report (one per entity and bucket, per entity over the period, and over
 * all entities of a group) and the figures derived from them, exactly as docs define them (see metrics.ts).
 */

/** Raw sums: call sums in seconds (from the journal's data fields), agent time in milliseconds. */
export interface Acc {
  answered: number;
  within_sl: number;
  hold: number;
  talk: number;
  wrap: number;
  /** max hold (answered) or wait (abandoned, overflowed) in seconds; -1 while there is none */
  longest: number;
  abandoned: number;
  short: number;
  overflowed: number;
  overflowed_to_team: number;
  missed: number;
  login_ms: number;
  pause_ms: number;
  pauses: Map<string, number> | null;
  talk_ms: number;
  wrap_ms: number;
}

export function newAcc(): Acc {
  return { answered: 0, within_sl: 0, hold: 0, talk: 0, wrap: 0, longest: -1, abandoned: 0, short: 0, overflowed: 0, overflowed_to_team: 0, missed: 0, login_ms: 0, pause_ms: 0, pauses: null, talk_ms: 0, wrap_ms: 0 };
}

function empty(a: Acc): boolean {
  return a.answered === 0 && a.abandoned === 0 && a.overflowed === 0 && a.overflowed_to_team === 0 && a.missed === 0 && a.login_ms === 0 && a.pause_ms === 0 && a.talk_ms === 0 && a.wrap_ms === 0;
}

/** The sums of one group (queues, teams or agents): per entity and bucket, per entity, and over the whole group. */
export class Board {
  readonly cells = new Map<string, Map<number, Acc>>();
  readonly totals = new Map<string, Acc>();
  readonly all = newAcc();

  /** Makes sure the entity has a total (known entities are listed even without activity). */
  know(id: string): void {
    if (!this.totals.has(id)) this.totals.set(id, newAcc());
  }

  /** The sums a fact about these entities in this bucket goes to: each one's cell and total, and the group's once. */
  targets(ids: readonly string[], bucket: number): Acc[] {
    const out: Acc[] = [];
    for (const id of ids) {
      let byBucket = this.cells.get(id);
      if (!byBucket) this.cells.set(id, (byBucket = new Map()));
      let cell = byBucket.get(bucket);
      if (!cell) byBucket.set(bucket, (cell = newAcc()));
      let total = this.totals.get(id);
      if (!total) this.totals.set(id, (total = newAcc()));
      out.push(cell, total);
    }
    if (ids.length) out.push(this.all);
    return out;
  }

  /** Every non-empty cell, by bucket then entity id. */
  rows(): { bucket: number; id: string; acc: Acc }[] {
    const out: { bucket: number; id: string; acc: Acc }[] = [];
    for (const [id, byBucket] of this.cells) for (const [bucket, acc] of byBucket) if (!empty(acc)) out.push({ bucket, id, acc });
    return out.sort((a, b) => a.bucket - b.bucket || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}

export function addPause(a: Acc, reason: string, ms: number): void {
  a.pause_ms += ms;
  if (!a.pauses) a.pauses = new Map();
  a.pauses.set(reason, (a.pauses.get(reason) ?? 0) + ms);
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
const ratio = (n: number, d: number) => (d > 0 ? r4(n / d) : null);
const avg = (n: number, d: number) => (d > 0 ? r3(n / d) : null);

/** The figures of the calls an agent (or team) answered. */
export interface AnsweredFigures {
  answered: number;
  answered_within_sl: number;
  service_level_completed: number | null;
  asa: number | null;
  longest_wait: number | null;
  avg_talk: number | null;
  avg_wrapup: number | null;
  avg_handle: number | null;
  missed_offers: number;
}

export interface QueueFigures extends AnsweredFigures {
  offered: number;
  abandoned: number;
  abandoned_short: number;
  abandoned_long: number;
  overflowed: number;
  overflowed_to_team: number;
  service_level: number | null;
  abandon_rate: number | null;
}

export interface AgentFigures extends AnsweredFigures {
  login_sec: number;
  pause_sec: number;
  pauses: { reason: string; sec: number }[];
  talk_sec: number;
  wrapup_sec: number;
  occupancy: number | null;
}

export interface TeamFigures extends AgentFigures {
  /** Calls overflowed to this team (OVERFLOW with data1 `team:<id>`). */
  overflowed_to_team: number;
}

function answeredFigures(a: Acc): AnsweredFigures {
  const avgTalk = avg(a.talk, a.answered);
  const avgWrap = avg(a.wrap, a.answered);
  return {
    answered: a.answered,
    answered_within_sl: a.within_sl,
    service_level_completed: ratio(a.within_sl, a.answered),
    asa: avg(a.hold, a.answered),
    longest_wait: a.longest < 0 ? null : r3(a.longest),
    avg_talk: avgTalk,
    avg_wrapup: avgWrap,
    avg_handle: avgTalk === null || avgWrap === null ? null : r3(avgTalk + avgWrap),
    missed_offers: a.missed,
  };
}

export function queueFigures(a: Acc): QueueFigures {
  const offered = a.answered + a.abandoned + a.overflowed;
  const base = offered - a.short;
  return {
    offered,
    ...answeredFigures(a),
    abandoned: a.abandoned,
    abandoned_short: a.short,
    abandoned_long: a.abandoned - a.short,
    overflowed: a.overflowed,
    overflowed_to_team: a.overflowed_to_team,
    service_level: ratio(a.within_sl, base),
    abandon_rate: ratio(a.abandoned - a.short, base),
  };
}

export function agentFigures(a: Acc): AgentFigures {
  const available = a.login_ms - a.pause_ms;
  return {
    ...answeredFigures(a),
    login_sec: a.login_ms / 1000,
    pause_sec: a.pause_ms / 1000,
    pauses: [...(a.pauses ?? new Map<string, number>())].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)).map(([reason, ms]) => ({ reason, sec: ms / 1000 })),
    talk_sec: a.talk_ms / 1000,
    wrapup_sec: a.wrap_ms / 1000,
    occupancy: available > 0 ? r4((a.talk_ms + a.wrap_ms) / available) : null,
  };
}

export function teamFigures(a: Acc): TeamFigures {
  return { ...agentFigures(a), overflowed_to_team: a.overflowed_to_team };
}
