/**
 * The running sums of the ARTIC historical report (one per entity and bucket; totals are merged from them) and the
 * figures derived from them, as metrics.ts defines them.
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

/** Whether nothing happened in these sums. */
export function isEmpty(a: Acc): boolean {
  return a.answered === 0 && a.abandoned === 0 && a.overflowed === 0 && a.overflowed_to_team === 0 && a.missed === 0 && a.login_ms === 0 && a.pause_ms === 0 && a.talk_ms === 0 && a.wrap_ms === 0;
}

/** Adds `src` into `dst` (the longest wait is the larger one; pauses merge by reason). */
export function mergeAcc(dst: Acc, src: Acc): Acc {
  dst.answered += src.answered;
  dst.within_sl += src.within_sl;
  dst.hold += src.hold;
  dst.talk += src.talk;
  dst.wrap += src.wrap;
  if (src.longest > dst.longest) dst.longest = src.longest;
  dst.abandoned += src.abandoned;
  dst.short += src.short;
  dst.overflowed += src.overflowed;
  dst.overflowed_to_team += src.overflowed_to_team;
  dst.missed += src.missed;
  dst.login_ms += src.login_ms;
  dst.pause_ms += src.pause_ms;
  dst.talk_ms += src.talk_ms;
  dst.wrap_ms += src.wrap_ms;
  if (src.pauses) for (const [reason, ms] of src.pauses) addPause(dst, reason, ms, false);
  return dst;
}

export function addPause(a: Acc, reason: string, ms: number, total = true): void {
  if (total) a.pause_ms += ms;
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

export interface QueueFigures {
  offered: number;
  answered: number;
  answered_within_sl: number;
  abandoned: number;
  abandoned_short: number;
  abandoned_long: number;
  overflowed: number;
  overflowed_to_team: number;
  service_level: number | null;
  service_level_completed: number | null;
  abandon_rate: number | null;
  asa: number | null;
  longest_wait: number | null;
  avg_talk: number | null;
  avg_wrapup: number | null;
  avg_handle: number | null;
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

// The figures are written out field by field (no spreads): a report makes tens of thousands of them.

export function queueFigures(a: Acc): QueueFigures {
  const offered = a.answered + a.abandoned + a.overflowed;
  const base = offered - a.short;
  const avgTalk = avg(a.talk, a.answered);
  const avgWrap = avg(a.wrap, a.answered);
  return {
    offered,
    answered: a.answered,
    answered_within_sl: a.within_sl,
    abandoned: a.abandoned,
    abandoned_short: a.short,
    abandoned_long: a.abandoned - a.short,
    overflowed: a.overflowed,
    overflowed_to_team: a.overflowed_to_team,
    service_level: ratio(a.within_sl, base),
    service_level_completed: ratio(a.within_sl, a.answered),
    abandon_rate: ratio(a.abandoned - a.short, base),
    asa: avg(a.hold, a.answered),
    longest_wait: a.longest < 0 ? null : r3(a.longest),
    avg_talk: avgTalk,
    avg_wrapup: avgWrap,
    avg_handle: avg(a.talk + a.wrap, a.answered),
  };
}

function pauseList(a: Acc): { reason: string; sec: number }[] {
  if (!a.pauses) return [];
  const out: { reason: string; sec: number }[] = [];
  for (const [reason, ms] of a.pauses) out.push({ reason, sec: ms / 1000 });
  return out.length > 1 ? out.sort((x, y) => (x.reason < y.reason ? -1 : x.reason > y.reason ? 1 : 0)) : out;
}

export function agentFigures(a: Acc): AgentFigures {
  const available = a.login_ms - a.pause_ms;
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
    avg_handle: avg(a.talk + a.wrap, a.answered),
    missed_offers: a.missed,
    login_sec: a.login_ms / 1000,
    pause_sec: a.pause_ms / 1000,
    pauses: pauseList(a),
    talk_sec: a.talk_ms / 1000,
    wrapup_sec: a.wrap_ms / 1000,
    occupancy: available > 0 ? r4((a.talk_ms + a.wrap_ms) / available) : null,
  };
}

export function teamFigures(a: Acc): TeamFigures {
  const f = agentFigures(a) as TeamFigures;
  f.overflowed_to_team = a.overflowed_to_team;
  return f;
}
