import type { ArticJournalTable } from '../../storage/artic/artic.tables.ts';
import { bucketOf, type Buckets } from './buckets.ts';

/**
 * The journal grouped as the historical report reads it: one JournalGroup per queue, agent, event, bucket of entry
 * and (for completions) buckets of the talk and wrap-up spans. The repository's GROUP BY gives exactly these (one
 * scan of the period's rows); groupJournal() makes them from rows, for the pure path and as the SQL's reference.
 */

export type JournalRow = Pick<ArticJournalTable, 'at_ms' | 'entered_ms' | 'queue_id' | 'agent_id' | 'event' | 'data1' | 'data2' | 'data3' | 'data4'>;

/** The rows the agent walk reads one by one: agent events and completions. */
export type AgentRow = Pick<ArticJournalTable, 'at_ms' | 'entered_ms' | 'queue_id' | 'agent_id' | 'event' | 'data1' | 'data2' | 'data4'>;

export interface QueueRule {
  service_level_sec: number;
  short_abandon_sec: number;
}

/** Caller events counted by the call's entry. */
export const CALLER_EVENTS = ['ABANDON', 'EXITWITHTIMEOUT', 'EXITEMPTY', 'OVERFLOW', 'RINGNOANSWER'] as const;
export const COMPLETE_EVENTS = ['COMPLETECALLER', 'COMPLETEAGENT'] as const;
/** Agent events, walked per agent in journal order. */
export const AGENT_EVENTS = ['AGENTLOGIN', 'AGENTLOGOFF', 'PAUSE', 'UNPAUSE'] as const;
/** Agent events written in the same millisecond are taken in this order (a log-off before a new log-in, a log-in before a pause). */
export const AGENT_EVENT_RANK: Record<string, number> = { AGENTLOGOFF: 0, AGENTLOGIN: 1, UNPAUSE: 2, PAUSE: 3 };

/** A queue call ends (and its agent's wrap-up is cut) within this long after its entry: the journal is read this far past `to`. */
export const LATE_MS = 86_400_000;

/** How far before `from` completions and agent events are read: the longest wrap-up that can reach into the period (at least an hour). */
export function lookbackMs(maxWrapupSec: number): number {
  return Math.max(3_600_000, Math.ceil(Number.isFinite(maxWrapupSec) ? maxWrapupSec : 0) * 1000);
}

/** The rows the report reads: written in [from − lookback, to + LATE_MS). */
export function journalWindow(fromMs: number, toMs: number, lookback: number): { lo: number; hi: number } {
  return { lo: fromMs - lookback, hi: toMs + LATE_MS };
}

export interface JournalGroup {
  event: string;
  queue_id: string;
  agent_id: string;
  /** The bucket of the call's entry, or -1 when it entered outside the period (only completions then). */
  be: number;
  /** OVERFLOW: its target (data1); '' for the others. */
  target: string;
  /** Completions: the buckets of the first and last millisecond of the talk span [at − talk, at) and of the nominal wrap-up span [at, at + data4), both clipped to the period; -1 when the span is outside. */
  tb1: number;
  tb2: number;
  wb1: number;
  wb2: number;
  n: number;
  /** ABANDON with wait (data3) < the queue's short_abandon_sec. */
  short: number;
  /** The longest wait (data3) of ABANDON, EXITWITHTIMEOUT, EXITEMPTY; null otherwise. */
  max_wait: number | null;
  /** Completions: hold (data1) ≤ the queue's service_level_sec; Σ hold, the longest hold, Σ talk (data2) and Σ data4, in seconds. */
  within: number;
  hold: number;
  max_hold: number | null;
  talk: number;
  wrap: number;
  /** Completions: Σ of the clipped span bounds, in ms after `from` (over rows whose span is in the period). */
  tx: number;
  ty: number;
  wx: number;
  wy: number;
}

export const num = (s: string | null | undefined): number => {
  const n = Number(s);
  return Number.isFinite(n) ? n : 0;
};
export const ms = (seconds: string): number => Math.round(num(seconds) * 1000);
export const NO_RULE: QueueRule = { service_level_sec: 0, short_abandon_sec: 0 };
export const isComplete = (e: string): boolean => e === 'COMPLETECALLER' || e === 'COMPLETEAGENT';

/** The clipped span [a, b) ∩ [from, to) as bucket of its first and last ms and bounds after `from`; null when empty. */
function clip(bk: Buckets, a: number, b: number): [number, number, number, number] | null {
  const x = Math.max(a, bk.from);
  const y = Math.min(b, bk.to);
  return x < y ? [bucketOf(bk, x), bucketOf(bk, y - 1), x - bk.from, y - bk.from] : null;
}

/** The groups of these rows, exactly as the repository's SQL groups the journal (same window, same rules). */
export function groupJournal(rows: Iterable<JournalRow>, bk: Buckets, queues: ReadonlyMap<string, QueueRule>, lookback: number): JournalGroup[] {
  const { lo, hi } = journalWindow(bk.from, bk.to, lookback);
  const caller = new Set<string>(CALLER_EVENTS);
  const out = new Map<string, JournalGroup>();
  for (const r of rows) {
    const at = Number(r.at_ms);
    const complete = isComplete(r.event);
    if (at < lo || at >= hi || !(complete || caller.has(r.event))) continue;
    const entered = r.entered_ms === null ? null : Number(r.entered_ms);
    const inPeriod = entered !== null && entered >= bk.from && entered < bk.to;
    if (!complete && !inPeriod) continue;
    const be = inPeriod ? bucketOf(bk, entered!) : -1;
    const target = r.event === 'OVERFLOW' ? r.data1 : '';
    const talk = complete ? clip(bk, at - ms(r.data2), at) : null;
    const wrap = complete ? clip(bk, at, at + ms(r.data4)) : null;
    const [tb1, tb2] = talk ?? [-1, -1];
    const [wb1, wb2] = wrap ?? [-1, -1];
    const key = `${r.event}\u0000${r.queue_id}\u0000${r.agent_id}\u0000${be}\u0000${target}\u0000${tb1}\u0000${tb2}\u0000${wb1}\u0000${wb2}`;
    let g = out.get(key);
    if (!g) {
      g = { event: r.event, queue_id: r.queue_id, agent_id: r.agent_id, be, target, tb1, tb2, wb1, wb2, n: 0, short: 0, max_wait: null, within: 0, hold: 0, max_hold: null, talk: 0, wrap: 0, tx: 0, ty: 0, wx: 0, wy: 0 };
      out.set(key, g);
    }
    g.n++;
    const rule = queues.get(r.queue_id) ?? NO_RULE;
    if (r.event === 'ABANDON' || r.event === 'EXITWITHTIMEOUT' || r.event === 'EXITEMPTY') {
      const wait = num(r.data3);
      if (r.event === 'ABANDON' && wait < rule.short_abandon_sec) g.short++;
      g.max_wait = Math.max(g.max_wait ?? wait, wait);
    }
    if (complete) {
      const hold = num(r.data1);
      if (hold <= rule.service_level_sec) g.within++;
      g.hold += hold;
      g.max_hold = Math.max(g.max_hold ?? hold, hold);
      g.talk += num(r.data2);
      g.wrap += num(r.data4);
      if (talk) {
        g.tx += talk[2];
        g.ty += talk[3];
      }
      if (wrap) {
        g.wx += wrap[2];
        g.wy += wrap[3];
      }
    }
  }
  return [...out.values()];
}

/** Agent events and completions in the walk's order: at_ms, then (for agent events of one millisecond) AGENT_EVENT_RANK, else as given. */
export function walkOrder<T extends Pick<AgentRow, 'at_ms' | 'event'>>(rows: T[]): T[] {
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => Number(a.r.at_ms) - Number(b.r.at_ms) || (AGENT_EVENT_RANK[a.r.event] ?? 9) - (AGENT_EVENT_RANK[b.r.event] ?? 9) || a.i - b.i)
    .map((x) => x.r);
}
