// How the portal writes times, durations, numbers and counts. Times from the APIs come in UTC (`*_utc`) and in the
// account's local time (`*_local`, already in its zone): the portal shows the local one and names the zone.

/** 75 → "1:15", 3725 → "1:02:05". */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** "2026-12-02 14:05:09" (an API local time) → "2 Dec 2026, 14:05". */
export function localTime(v: string | null | undefined): string {
  if (!v) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})/.exec(v);
  if (!m) return v;
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][Number(m[2]) - 1];
  return `${Number(m[3])} ${month} ${m[1]}, ${m[4]}:${m[5]}`;
}

/** An ISO instant in the browser's zone, for times the APIs give only in UTC. */
export function instant(v: string | null | undefined): string {
  if (!v) return '—';
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return v;
  return d.toLocaleString(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toLocaleString('en');
}

export function percent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  return `${Math.round(rate * 1000) / 10}%`;
}

/** E.164 "+61291234567" → "+61 2 9123 4567"-like grouping for reading (digits kept). */
export function phone(e164: string | null | undefined): string {
  if (!e164) return '—';
  if (!/^\+\d{8,15}$/.test(e164)) return e164;
  const d = e164.slice(1);
  if (d.startsWith('61') && d.length === 11) {
    const n = d.slice(2);
    return n.startsWith('4') ? `+61 ${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}` : `+61 ${n.slice(0, 1)} ${n.slice(1, 5)} ${n.slice(5)}`;
  }
  if (d.startsWith('1') && d.length === 11) return `+1 ${d.slice(1, 4)} ${d.slice(4, 7)} ${d.slice(7)}`;
  return `+${d}`;
}

/** A file size: 1536 → "1.5 KB". */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
