/**
 * The pool report: hour by hour, the peak of numbers leased at once against the pool's size, the visitors who fell
 * back (pool exhausted), calls attributed and unattributed, and a suggested pool size — the peak of visitors who
 * wanted a pool number at once (leased or fallen back), with headroom so utilisation stays under 75 %.
 */

export interface ReportVisit {
  visitor_id: string;
  kind: string;
  fell_back: number;
  service_id: string | null;
  created_at: string;
  last_seen_at: string;
  lease_until: string | null;
}

export interface HourRow {
  hour: string;
  peak_leases: number;
  pool_size: number;
  utilisation: number;
  peak_visitors: number;
  fell_back: number;
  calls_attributed: number;
  calls_unattributed: number;
}

export interface PoolReport {
  from: string;
  to: string;
  pool_size: number;
  peak_leases: number;
  peak_visitors: number;
  fell_back: number;
  calls_attributed: number;
  calls_unattributed: number;
  suggested_pool_size: number;
  hours: HourRow[];
}

export const TARGET_UTILISATION = 0.75;
const HOUR = 3_600_000;

/** The smallest pool that a peak of `peak` visitors at once uses under 75 %. */
export function suggestedPoolSize(peak: number): number {
  return Math.max(1, Math.floor(peak / TARGET_UTILISATION) + 1);
}

type Interval = [number, number];

/** Merges overlapping intervals of one holder, so a holder counts once at any moment. */
function merge(list: Interval[]): Interval[] {
  const sorted = list.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i[0] <= last[1]) last[1] = Math.max(last[1], i[1]);
    else out.push([i[0], i[1]]);
  }
  return out;
}

/** The peak number of intervals open at once within each hour bucket [from + k h, from + (k+1) h). */
function peaksPerHour(intervals: Interval[], from: number, hours: number): number[] {
  const peaks = new Array<number>(hours).fill(0);
  const events: [number, number][] = [];
  for (const [a, b] of intervals) events.push([a, 1], [b, -1]);
  // Ends before starts at the same instant: a number handed over at t is not held twice.
  events.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let open = 0;
  let k = 0;
  const bump = (bucket: number) => {
    if (bucket >= 0 && bucket < hours) peaks[bucket] = Math.max(peaks[bucket], open);
  };
  for (const [t, d] of events) {
    // Hours passed with `open` intervals held throughout.
    const bucket = Math.floor((t - from) / HOUR);
    while (k < Math.min(bucket, hours)) {
      bump(k);
      k++;
    }
    // The count held up to this instant covers part of this hour too.
    bump(bucket);
    open += d;
    if (d > 0) bump(bucket);
  }
  while (k < hours) bump(k++);
  return peaks;
}

export function poolReport(input: { from: string; to: string; poolSize: number; holdMinutes: number; visits: ReportVisit[]; calls: { started_at: string; visit_id: string | null }[] }): PoolReport {
  const from = Date.parse(input.from);
  const to = Date.parse(input.to);
  const hours = Math.max(1, Math.ceil((to - from) / HOUR));
  const holdMs = input.holdMinutes * 60_000;
  const clip = ([a, b]: Interval): Interval => [Math.max(a, from), Math.min(b, to)];
  const byService = new Map<string, Interval[]>();
  const byVisitor = new Map<string, Interval[]>();
  const fellBack = new Array<number>(hours).fill(0);
  for (const v of input.visits) {
    const start = Date.parse(v.created_at);
    if (v.kind === 'pool' && v.service_id) {
      const end = Date.parse(v.lease_until ?? v.last_seen_at);
      (byService.get(v.service_id) ?? byService.set(v.service_id, []).get(v.service_id)!).push(clip([start, end]));
      (byVisitor.get(v.visitor_id) ?? byVisitor.set(v.visitor_id, []).get(v.visitor_id)!).push(clip([start, end]));
    } else if (v.fell_back) {
      // What the visitor would have held: from the visit to the hold after its last sighting.
      (byVisitor.get(v.visitor_id) ?? byVisitor.set(v.visitor_id, []).get(v.visitor_id)!).push(clip([start, Date.parse(v.last_seen_at) + holdMs]));
      const b = Math.floor((start - from) / HOUR);
      if (b >= 0 && b < hours) fellBack[b]++;
    }
  }
  const leasePeaks = peaksPerHour([...byService.values()].flatMap(merge), from, hours);
  const visitorPeaks = peaksPerHour([...byVisitor.values()].flatMap(merge), from, hours);
  const attributed = new Array<number>(hours).fill(0);
  const unattributed = new Array<number>(hours).fill(0);
  for (const c of input.calls) {
    const b = Math.floor((Date.parse(c.started_at) - from) / HOUR);
    if (b < 0 || b >= hours) continue;
    (c.visit_id ? attributed : unattributed)[b]++;
  }
  const rows: HourRow[] = Array.from({ length: hours }, (_, k) => ({
    hour: new Date(from + k * HOUR).toISOString(),
    peak_leases: leasePeaks[k],
    pool_size: input.poolSize,
    utilisation: input.poolSize ? Math.round((leasePeaks[k] / input.poolSize) * 1000) / 1000 : 0,
    peak_visitors: visitorPeaks[k],
    fell_back: fellBack[k],
    calls_attributed: attributed[k],
    calls_unattributed: unattributed[k],
  }));
  const peakVisitors = Math.max(0, ...visitorPeaks);
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  return {
    from: input.from,
    to: input.to,
    pool_size: input.poolSize,
    peak_leases: Math.max(0, ...leasePeaks),
    peak_visitors: peakVisitors,
    fell_back: sum(fellBack),
    calls_attributed: sum(attributed),
    calls_unattributed: sum(unattributed),
    suggested_pool_size: suggestedPoolSize(peakVisitors),
    hours: rows,
  };
}
