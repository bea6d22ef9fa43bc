import { parseNumber } from '../../domain/phone.ts';
import { callerGeo } from '../../domain/calls/caller-geo.ts';

/** What call ingestion derives from numbers and times, remembered: they repeat on every call. */
const NODE = `TT${process.pid % 100}`;
let seq = Math.floor(Math.random() * 1_000_000);

/** `NODE-unixtime.seq`, as the original's uniqueid. */
export function uniqueId(at: Date): string {
  seq = (seq + 1) % 1_000_000;
  return `${NODE}-${Math.floor(at.getTime() / 1000)}.${String(seq).padStart(6, '0')}`;
}

/** Numbers repeat (the same tracking numbers and callers): parsing with libphonenumber is worth remembering. */
const e164Cache = new Map<string, string | null>();
export const e164 = (s: string): string | null => {
  let v = e164Cache.get(s);
  if (v === undefined) {
    v = parseNumber(s)?.e164 ?? null;
    if (e164Cache.size >= 10_000) e164Cache.clear();
    e164Cache.set(s, v);
  }
  return v;
};
const geoCache = new Map<string, ReturnType<typeof callerGeo>>();
export const geoOf = (n: string | null) => {
  if (!n) return callerGeo(null);
  let g = geoCache.get(n);
  if (!g) {
    g = callerGeo(n);
    if (geoCache.size >= 10_000) geoCache.clear();
    geoCache.set(n, g);
  }
  return g;
};
