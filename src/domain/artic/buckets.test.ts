import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bucketOf, makeBuckets, sliceByBucket } from './buckets.ts';
import { zonedDateTime } from '../report/report-time.ts';

const H = 3_600_000;
const labels = (b: ReturnType<typeof makeBuckets>, zone: string) => b.nominal.map((t) => zonedDateTime(zone, t, true));
const lengths = (b: ReturnType<typeof makeBuckets>) => b.bounds.slice(1).map((e, i) => (e - b.bounds[i]) / H);

describe('ARTIC report buckets', () => {
  it('days start at local midnight: Sydney’s day the clocks go back is 25 hours', () => {
    // 2026-04-05 03:00 AEDT → 02:00 AEST.
    const b = makeBuckets(Date.parse('2026-04-03T13:00:00Z'), Date.parse('2026-04-06T14:00:00Z'), 'day', 'Australia/Sydney');
    assert.deepEqual(labels(b, 'Australia/Sydney'), ['2026-04-04T00:00:00+11:00', '2026-04-05T00:00:00+11:00', '2026-04-06T00:00:00+10:00']);
    assert.deepEqual(lengths(b), [24, 25, 24]);
  });

  it('the repeated hour is two hour buckets with the same local label; spring forward skips an hour', () => {
    const back = makeBuckets(Date.parse('2026-04-04T14:00:00Z'), Date.parse('2026-04-04T18:00:00Z'), 'hour', 'Australia/Sydney');
    assert.deepEqual(labels(back, 'Australia/Sydney'), ['2026-04-05T01:00:00+11:00', '2026-04-05T02:00:00+11:00', '2026-04-05T02:00:00+10:00', '2026-04-05T03:00:00+10:00']);
    // 2026-10-04 02:00 AEST → 03:00 AEDT.
    const fwd = makeBuckets(Date.parse('2026-10-03T15:00:00Z'), Date.parse('2026-10-03T17:00:00Z'), 'hour', 'Australia/Sydney');
    assert.deepEqual(labels(fwd, 'Australia/Sydney'), ['2026-10-04T01:00:00+10:00', '2026-10-04T03:00:00+11:00']);
    const days = makeBuckets(Date.parse('2026-10-03T14:00:00Z'), Date.parse('2026-10-04T13:00:00Z'), 'day', 'Australia/Sydney');
    assert.deepEqual(lengths(days), [23]);
  });

  it('local hours of a zone a quarter hour off UTC (Kathmandu +05:45) start at :15 UTC; quarter hours stay on the UTC grid', () => {
    const b = makeBuckets(Date.parse('2026-01-01T00:00:00Z'), Date.parse('2026-01-01T02:00:00Z'), 'hour', 'Asia/Kathmandu');
    assert.deepEqual(b.bounds.map((t) => new Date(t).toISOString().slice(11, 16)), ['00:00', '00:15', '01:15', '02:00']);
    assert.deepEqual(labels(b, 'Asia/Kathmandu'), ['2026-01-01T05:00:00+05:45', '2026-01-01T06:00:00+05:45', '2026-01-01T07:00:00+05:45']);
    const q = makeBuckets(Date.parse('2026-01-01T00:07:00Z'), Date.parse('2026-01-01T00:40:00Z'), '15m', 'Asia/Kathmandu');
    assert.deepEqual(q.bounds.map((t) => new Date(t).toISOString().slice(11, 16)), ['00:07', '00:15', '00:30', '00:40']);
  });

  it('finds an instant’s bucket (-1 outside the period) and slices spans by the buckets', () => {
    const from = Date.parse('2026-03-02T00:00:00Z');
    const b = makeBuckets(from, from + 3 * H, 'hour', 'UTC');
    assert.deepEqual([bucketOf(b, from - 1), bucketOf(b, from), bucketOf(b, from + H - 1), bucketOf(b, from + H), bucketOf(b, from + 3 * H)], [-1, 0, 0, 1, -1]);
    const pieces: [number, number][] = [];
    sliceByBucket(b, from - H, from + 2.5 * H, (i, ms) => pieces.push([i, ms / 60_000]));
    assert.deepEqual(pieces, [[0, 60], [1, 60], [2, 30]]);
  });
});
