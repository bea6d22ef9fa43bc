/** Business hours of a queue: weekly opening times in the queue's zone, and whole-day holidays (local dates). */
export interface OpeningHours {
  timezone: string;
  /** JSON [{ day: 0-6 (Sunday 0), open: 'HH:MM', close: 'HH:MM' }] or null: always open. */
  hours: string | null;
  /** JSON ['YYYY-MM-DD']. */
  holidays: string;
}

const fmt = new Map<string, Intl.DateTimeFormat>();
function parts(zone: string, at: Date): { date: string; day: number; minutes: number } {
  let f = fmt.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    fmt.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(p.weekday);
  return { date: `${p.year}-${p.month}-${p.day}`, day, minutes: Number(p.hour) * 60 + Number(p.minute) };
}

const mins = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether the queue takes calls at `at`: not on a holiday (local date) and inside one of the day's opening times. */
export function isOpen(q: OpeningHours, at: Date): boolean {
  const local = parts(q.timezone, at);
  const holidays = JSON.parse(q.holidays || '[]') as string[];
  if (holidays.includes(local.date)) return false;
  if (!q.hours) return true;
  const hours = JSON.parse(q.hours) as { day: number; open: string; close: string }[];
  return hours.some((h) => h.day === local.day && local.minutes >= mins(h.open) && local.minutes < mins(h.close));
}
