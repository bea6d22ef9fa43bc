import type { ArticJournalTable } from '../../storage/artic/artic.tables.ts';

/** What the historical report reads of a journal row (numbers already Number()ed). */
export type JournalRow = Pick<ArticJournalTable, 'at_ms' | 'entered_ms' | 'queue_id' | 'agent_id' | 'event' | 'data1' | 'data2' | 'data3' | 'data4'>;

export interface QueueRule {
  service_level_sec: number;
  short_abandon_sec: number;
}

/** A queue call ends (and its agent's wrap-up is cut) within this long after its entry: the journal is read this far past `to`. */
export const LATE_MS = 86_400_000;

/** How far before `from` completions and agent events are read: the longest wrap-up that can reach into the period (at least an hour). */
export function lookbackMs(maxWrapupSec: number): number {
  return Math.max(3_600_000, Math.ceil(Number.isFinite(maxWrapupSec) ? maxWrapupSec : 0) * 1000);
}

/** The rows the report reads: written in [lo, hi) = [from − lookback, to + LATE_MS). */
export function journalWindow(fromMs: number, toMs: number, lookback: number): { lo: number; hi: number } {
  return { lo: fromMs - lookback, hi: toMs + LATE_MS };
}

/** Seconds as the journal writes them (whole or decimal text) to a number; anything else is 0. */
export const num = (s: string | null | undefined): number => {
  const n = Number(s);
  return Number.isFinite(n) ? n : 0;
};
export const isComplete = (e: string): boolean => e === 'COMPLETECALLER' || e === 'COMPLETEAGENT';
