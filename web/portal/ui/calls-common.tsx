// What the calls pages share: the account's calendar (dates in its time zone, the range presets), the call statuses
// as the APIs name them (with the kit's colours and meanings), the legend, and the account's tracking numbers.
import { api } from '../lib/api.ts';
import { STATUSES, StatusBadge } from './kit.tsx';

/** The API's status names (GET /webapi/v1/calls `status`), in the order the legend and the filters show them. */
export const CALL_STATUS_NAMES = ['Answered', 'Missed', 'Busy', 'Abandoned', 'Failed', 'Voicemail', 'Prompt/IVR completed'] as const;

/** The statuses of a caller who did not get through and may want a call back. */
export const CALL_BACK_STATUSES = ['Missed', 'Busy', 'Abandoned'];

/** Rows a list shows as needing attention (rowClass 'alert'). */
export const ALERT_STATUSES = new Set(['missed', 'busy', 'abandoned', 'failed']);

const IVR_MEANING = 'the caller went through the menu or heard the message, and nobody needed to answer';

export function statusMeaning(name: string): string {
  const key = name.toLowerCase();
  return STATUSES[key]?.meaning ?? (key.startsWith('prompt') ? IVR_MEANING : '');
}

/** Fixed colours per status for the charts (readable next to each other). */
export const STATUS_COLORS: Record<string, string> = {
  Answered: '#1a7f37',
  Missed: '#cf222e',
  Busy: '#bf8700',
  Abandoned: '#953800',
  Failed: '#6e7781',
  Voicemail: '#1f6feb',
  'Prompt/IVR completed': '#8250df',
};

export function StatusLegend() {
  return (
    <details class="panel status-legend">
      <summary>What the statuses mean</summary>
      <dl>
        {CALL_STATUS_NAMES.map((s) => (
          <div key={s} class="legend-row">
            <dt>
              <StatusBadge status={s} />
            </dt>
            <dd>{statusMeaning(s)}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

// ---- the account's calendar -------------------------------------------------------------------------------------

/** Today's date (YYYY-MM-DD) in the IANA zone. */
export function todayIn(zone: string, now = new Date()): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  } catch {
    return now.toISOString().slice(0, 10);
  }
}

/** A YYYY-MM-DD date moved by `days`. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The Monday on or before the date (weeks start on Monday, as the summary's do). */
export function mondayOf(date: string): string {
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((dow + 6) % 7));
}

/** Every date from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to && out.length < 400; d = addDays(d, 1)) out.push(d);
  return out;
}

export const RANGE_PRESETS: [string, string][] = [
  ['7d', 'Last 7 days'],
  ['30d', 'Last 30 days'],
  ['90d', 'Last 90 days'],
  ['month', 'This month'],
  ['last_month', 'Last month'],
];

/** A preset as dates in the account's zone; `to` is the last day included (the APIs read a date `to` as its end). */
export function presetRange(preset: string, today: string): { from: string; to: string } | null {
  switch (preset) {
    case 'today':
      return { from: today, to: today };
    case '7d':
      return { from: addDays(today, -6), to: today };
    case '30d':
      return { from: addDays(today, -29), to: today };
    case '90d':
      return { from: addDays(today, -89), to: today };
    case 'month':
      return { from: `${today.slice(0, 7)}-01`, to: today };
    case 'last_month': {
      const firstThis = `${today.slice(0, 7)}-01`;
      const lastPrev = addDays(firstThis, -1);
      return { from: `${lastPrev.slice(0, 7)}-01`, to: lastPrev };
    }
    default:
      return null;
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2026-12-02" → "2 Dec 2026". */
export function day(date: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  return m ? `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]} ${m[1]}` : date;
}

/** "1 Dec – 7 Dec 2026" (both days included). */
export function dayRange(from: string, to: string): string {
  if (from === to) return day(from);
  return from.slice(0, 4) === to.slice(0, 4) ? `${day(from).replace(/ \d{4}$/, '')} – ${day(to)}` : `${day(from)} – ${day(to)}`;
}

/** A UTC instant (ISO 8601) in the account's zone: "2 Dec 2026, 18:09" (as localTime writes the APIs' *_local). */
export function zonedTime(iso: string | null | undefined, zone: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(d).map((x) => [x.type, x.value]));
    return `${p.day} ${p.month} ${p.year}, ${p.hour}:${p.minute}`;
  } catch {
    return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  }
}

// ---- the account ------------------------------------------------------------------------------------------------

export interface AccountCalendar {
  zone: string;
  today: string;
  /** Whether the account has any call at all (the empty state otherwise). */
  hasCalls: boolean;
}

/** The account's zone (the call list answers it) and whether it has any call yet (the UserAPI list: not rate-limited). */
export async function loadCalendar(signal?: AbortSignal): Promise<AccountCalendar> {
  const r = await api<{ calls: unknown[]; timezone: string }>('/userapi/v1/calls', { query: { limit: 1, fields: 'id' }, signal });
  return { zone: r.timezone, today: todayIn(r.timezone), hasCalls: r.calls.length > 0 };
}

export interface TrackingService {
  id: string;
  number: string;
  number_local: string;
  name: string | null;
  status: string;
  custom_group: string | null;
  record: boolean;
  type: string;
}

/** The account's services (tracking numbers with their names and groups), first 1000. */
export async function loadServices(signal?: AbortSignal): Promise<TrackingService[]> {
  const r = await api<{ services: TrackingService[] }>('/telco/v1/services', { query: { limit: 1000 }, signal });
  return r.services;
}

/** A call's status name as a key of the kit's STATUSES ("Prompt/IVR completed" has none). */
export const statusKey = (s: string | null | undefined) => String(s ?? '').toLowerCase();
