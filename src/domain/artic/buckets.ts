import { offsetMinutes } from '../report/report-time.ts';

/** The intervals of the ARTIC historical report. */
export type ArticInterval = '15m' | 'hour' | 'day';
export const ARTIC_INTERVALS: readonly ArticInterval[] = ['15m', 'hour', 'day'];

/**
 * The grid every bucket is made of: 15-minute UTC slots. Every zone's offset (and every DST change) is a whole number
 * of 15 minutes, so local quarter hours, hours and days all start on a slot boundary; the database groups calls by
 * `entered_ms / SLOT_MS` and the slots are then folded into the buckets here.
 */
export const SLOT_MS = 900_000;
const SIZE_MS: Record<ArticInterval, number> = { '15m': 900_000, hour: 3_600_000, day: 86_400_000 };

/** The local clock reading at an instant, as milliseconds of a UTC-like epoch (wall time), in `zone`. */
function wall(zone: string, t: number): number {
  return t + offsetMinutes(zone, t) * 60_000;
}

/**
 * Whether a local bucket starts at the slot boundary `g`: the local bucket number changes from the slot before, or the
 * offset changes there and the local time lands on a bucket start (the repeated hour when clocks go back).
 */
function startsBucket(zone: string, size: number, g: number): boolean {
  const before = wall(zone, g - SLOT_MS);
  const at = wall(zone, g);
  if (Math.floor(before / size) !== Math.floor(at / size)) return true;
  return at - before !== SLOT_MS && ((at % size) + size) % size === 0;
}

export interface Buckets {
  from: number;
  to: number;
  interval: ArticInterval;
  zone: string;
  /** bounds[i] is where bucket i starts (bucket 0 at `from`), bounds[n] = `to`: the buckets cut [from, to). */
  bounds: number[];
  /** Where each bucket starts on the local clock, unclipped (bucket 0 may start before `from`): its label. */
  nominal: number[];
  /** The bucket of each 15-minute slot from the slot of `from`. */
  slotBucket: Int32Array;
  firstSlot: number;
}

/**
 * The buckets of [from, to) in `zone`: local quarter hours, hours or days (days start at local midnight, so a day
 * is 23 or 25 hours long when the clocks change; the repeated hour is two hour buckets with the same local label).
 * The first and last buckets are clipped to the period.
 */
export function makeBuckets(from: number, to: number, interval: ArticInterval, zone: string): Buckets {
  if (!(to > from)) throw new Error('makeBuckets: to must be after from');
  const size = SIZE_MS[interval];
  const firstSlot = Math.floor(from / SLOT_MS);
  let start = firstSlot * SLOT_MS;
  // The local start of the bucket holding `from` (at most a 25-hour day back).
  for (let i = 0; i < 200 && !startsBucket(zone, size, start); i++) start -= SLOT_MS;
  const bounds = [from];
  const nominal = [start];
  const lastSlot = Math.floor((to - 1) / SLOT_MS);
  const slotBucket = new Int32Array(lastSlot - firstSlot + 1);
  for (let s = firstSlot + 1; s <= lastSlot; s++) {
    const g = s * SLOT_MS;
    if (startsBucket(zone, size, g)) {
      bounds.push(g);
      nominal.push(g);
    }
    slotBucket[s - firstSlot] = bounds.length - 1;
  }
  bounds.push(to);
  return { from, to, interval, zone, bounds, nominal, slotBucket, firstSlot };
}

/** The bucket an instant falls in, or -1 outside [from, to). */
export function bucketOf(b: Buckets, t: number): number {
  if (!(t >= b.from && t < b.to)) return -1;
  return b.slotBucket[Math.floor(t / SLOT_MS) - b.firstSlot];
}

/** The bucket of a 15-minute slot number (`entered_ms / SLOT_MS` rounded down), or -1 outside the period. */
export function bucketOfSlot(b: Buckets, slot: number): number {
  const i = slot - b.firstSlot;
  return i >= 0 && i < b.slotBucket.length ? b.slotBucket[i] : -1;
}

/** Cuts [a, b) by the buckets (clipped to the period) and hands each piece's length in ms to `add`. */
export function sliceByBucket(bk: Buckets, a: number, b: number, add: (bucket: number, ms: number) => void): void {
  let s = Math.max(a, bk.from);
  const e = Math.min(b, bk.to);
  if (!(s < e)) return;
  let i = bucketOf(bk, s);
  while (s < e) {
    const end = Math.min(e, bk.bounds[i + 1]);
    add(i, end - s);
    s = end;
    i++;
  }
}

