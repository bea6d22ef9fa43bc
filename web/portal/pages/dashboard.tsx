// The dashboard: how many calls came (today, this week, this month), how many were answered, the callers waiting for
// a call back, calls per day over a chosen range (by status, source, custom group or tracking number) and the
// tracking numbers that rang most. Every figure is a link to the call log filtered to the same calls. The range and
// the grouping live in the URL (?range=30d&group=source).
import { api } from '../lib/api.ts';
import { count, localTime, percent, phone } from '../lib/format.ts';
import { href, Link, navigate } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { DataTable, Empty, ErrorBox, Page, pageState, SelectField, Spinner, StatusBadge, useAsync } from '../ui/kit.tsx';
import { seriesColor, TimeChart, type Series } from '../ui/chart.tsx';
import { CALL_BACK_STATUSES, day, dayRange, daysBetween, loadCalendar, loadServices, mondayOf, presetRange, RANGE_PRESETS, STATUS_COLORS, type AccountCalendar, type TrackingService } from '../ui/calls-common.tsx';
import type { PageProps } from './routes.ts';
import './calls.css';

interface SummaryRow {
  period: string;
  group: string | number | null;
  status?: string | null;
  calls: number;
  answered: number;
}
interface Summary {
  timezone: string;
  rows: SummaryRow[];
  totals: { calls: number; answered: number; answered_rate: number };
}
interface MissedCall {
  id: number;
  caller_number: string | null;
  caller_number_local: string;
  caller_withheld: boolean;
  started_at_local: string;
  status: string;
  tracking_name: string | null;
}

const GROUPS: [string, string][] = [
  ['status', 'Status'],
  ['source', 'Source (website visit)'],
  ['custom_group', 'Custom group'],
  ['tracking_number', 'Tracking number'],
];

const summary = (query: Record<string, string>, signal: AbortSignal) => api<Summary>('/webapi/v1/reports/summary', { query: { interval: 'day', ...query }, signal });

interface DashboardData {
  cal: AccountCalendar;
  from: string;
  to: string;
  tiles?: { today: number; week: number; month: number };
  range?: Summary;
  chart?: Summary;
  top?: { number: string; calls: number; answered: number }[];
  missed?: MissedCall[];
  services?: TrackingService[];
}

export function DashboardPage(props: PageProps) {
  const account = useSession().current_client_id;
  const preset = RANGE_PRESETS.some(([k]) => k === props.query.get('range')) ? props.query.get('range')! : '30d';
  const group = GROUPS.some(([k]) => k === props.query.get('group')) ? props.query.get('group')! : 'status';

  const data = useAsync<DashboardData>(
    async (signal) => {
      const cal = await loadCalendar(signal);
      const { from, to } = presetRange(preset, cal.today)!;
      if (!cal.hasCalls) return { cal, from, to };
      const monthStart = `${cal.today.slice(0, 7)}-01`;
      const weekStart = mondayOf(cal.today);
      const tilesFrom = weekStart < monthStart ? weekStart : monthStart;
      const [tilesSum, range, chart, top, missed, services] = await Promise.all([
        summary({ from: tilesFrom, to: cal.today }, signal),
        summary({ from, to, group_by: 'status' }, signal),
        group === 'status' ? Promise.resolve(null) : summary({ from, to, group_by: group }, signal),
        summary({ from, to, group_by: 'tracking_number', interval: 'month' }, signal),
        api<{ calls: MissedCall[] }>('/webapi/v1/calls', { query: { from, to, status: CALL_BACK_STATUSES.join(','), limit: 5, fields: 'id,caller_number,caller_number_local,caller_withheld,started_at_local,status,tracking_name' }, signal }),
        loadServices(signal).catch(() => [] as TrackingService[]),
      ]);
      const sumFrom = (d: string) => tilesSum.rows.filter((r) => r.period >= d).reduce((n, r) => n + r.calls, 0);
      const byNumber = new Map<string, { number: string; calls: number; answered: number }>();
      for (const r of top.rows) {
        const k = String(r.group ?? '');
        const e = byNumber.get(k) ?? { number: k, calls: 0, answered: 0 };
        e.calls += r.calls;
        e.answered += r.answered;
        byNumber.set(k, e);
      }
      return {
        cal,
        from,
        to,
        tiles: { today: sumFrom(cal.today), week: sumFrom(weekStart), month: sumFrom(monthStart) },
        range,
        chart: chart ?? range,
        top: [...byNumber.values()].sort((a, b) => b.calls - a.calls || a.number.localeCompare(b.number)).slice(0, 10),
        missed: missed.calls,
        services,
      };
    },
    // The account too: switching accounts keeps this page mounted.
    [preset, group, account],
  );

  const d = data.data;
  const setView = (q: { range?: string; group?: string }) => navigate(href('/', { range: q.range ?? preset, group: q.group ?? group }), { replace: true });

  return (
    <Page page="dashboard" title="Dashboard" state={pageState(data)} lead={d ? <>Times and days in the account’s time zone ({d.cal.zone}).</> : undefined}>
      <ErrorBox error={data.error} />
      {!d ? (
        data.error ? null : <Spinner label="Loading the dashboard…" />
      ) : !d.cal.hasCalls ? (
        <Empty title="No calls yet">
          <p>
            Calls appear here as soon as a tracking number rings. Order a number under <Link href="/numbers">Numbers</Link>, then place a test call to it.
          </p>
        </Empty>
      ) : (
        <DashboardBody d={d} preset={preset} group={group} setView={setView} loading={data.loading} />
      )}
    </Page>
  );
}

function DashboardBody(props: { d: DashboardData; preset: string; group: string; setView: (q: { range?: string; group?: string }) => void; loading: boolean }) {
  const { d, preset, group } = props;
  const { cal, from, to } = d;
  const range = d.range!;
  const missedCount = range.rows.filter((r) => CALL_BACK_STATUSES.includes(String(r.status))).reduce((n, r) => n + r.calls, 0);
  const monthStart = `${cal.today.slice(0, 7)}-01`;
  const names = new Map((d.services ?? []).map((s) => [s.number, s.name]));
  const presetName = RANGE_PRESETS.find(([k]) => k === preset)![1].toLowerCase();

  // The chart: one series per group value, one bar per day of the range (days without calls count 0).
  const days = daysBetween(from, to);
  const dayIndex = new Map(days.map((x, i) => [x, i]));
  const seriesMap = new Map<string, number[]>();
  const groupLabel = (r: SummaryRow): string => {
    if (group === 'status') return String(r.status ?? 'No status');
    if (group === 'tracking_number') return r.group ? `${phone(String(r.group))}${names.get(String(r.group)) ? ` ${names.get(String(r.group))}` : ''}` : 'No number';
    if (group === 'source') return r.group ? String(r.group) : 'No website visit';
    return r.group ? String(r.group) : 'No custom group';
  };
  for (const r of d.chart!.rows) {
    const label = groupLabel(r);
    const values = seriesMap.get(label) ?? new Array(days.length).fill(0);
    const i = dayIndex.get(r.period);
    if (i !== undefined) values[i] += r.calls;
    seriesMap.set(label, values);
  }
  const series: Series[] = [...seriesMap.entries()]
    .sort((a, b) => b[1].reduce((x, y) => x + y, 0) - a[1].reduce((x, y) => x + y, 0))
    .map(([label, values], i) => ({ label, values, color: group === 'status' ? (STATUS_COLORS[label] ?? seriesColor(i)) : seriesColor(i) }));

  const callsLink = (q: Record<string, string | undefined>) => href('/calls', q);
  const missedList = d.missed ?? [];

  return (
    <>
      <div class="filters dash-controls" role="group" aria-label="Dashboard range">
        <SelectField label="Range" value={preset} onValue={(v) => props.setView({ range: v })} options={RANGE_PRESETS} />
        <SelectField label="Chart by" value={group} onValue={(v) => props.setView({ group: v })} options={GROUPS} />
        <p class="range-dates" role="status">
          {props.loading ? 'Updating…' : <>Showing {dayRange(from, to)}</>}
        </p>
      </div>

      <h2 class="sr-only">Figures</h2>
      <div class="tiles">
        <Link class="tile" href={callsLink({ from: cal.today, to: cal.today })} data-tile="today">
          <span class="figure">{count(d.tiles!.today)}</span>
          <span class="what">calls today</span>
        </Link>
        <Link class="tile" href={callsLink({ from: mondayOf(cal.today), to: cal.today })} data-tile="week">
          <span class="figure">{count(d.tiles!.week)}</span>
          <span class="what">calls this week (since Monday {day(mondayOf(cal.today)).replace(/ \d{4}$/, '')})</span>
        </Link>
        <Link class="tile" href={callsLink({ from: monthStart, to: cal.today })} data-tile="month">
          <span class="figure">{count(d.tiles!.month)}</span>
          <span class="what">calls this month</span>
        </Link>
        <Link class="tile" href={callsLink({ from, to, status: 'Answered' })} data-tile="answered">
          <span class="figure">{percent(range.totals.answered_rate)}</span>
          <span class="what">
            answered ({count(range.totals.answered)} of {count(range.totals.calls)}), {presetName}
          </span>
        </Link>
        <Link class={`tile${missedCount ? ' tile-alert' : ''}`} href={callsLink({ from, to, status: CALL_BACK_STATUSES.join(',') })} data-tile="missed">
          <span class="figure">{count(missedCount)}</span>
          <span class="what">missed, busy or abandoned to call back, {presetName}</span>
        </Link>
      </div>

      <div class="two-pane dash-panes">
        <div>
          {range.totals.calls ? (
            <TimeChart title={`Calls per day by ${GROUPS.find(([k]) => k === group)![1].toLowerCase()}, ${dayRange(from, to)} (pick a day to see its calls)`} labels={days} series={series} stacked onPick={(i) => navigate(callsLink({ from: days[i], to: days[i] }))} linkFor={(i) => callsLink({ from: days[i], to: days[i] })} />
          ) : (
            <Empty title={`No calls ${presetName}`}>
              <p>Choose a longer range, or see <Link href="/calls">every call</Link>.</p>
            </Empty>
          )}
          <h2>Top tracking numbers</h2>
          {d.top!.length ? (
            <DataTable
              caption={`Tracking numbers by calls, ${dayRange(from, to)}`}
              columns={[
                { key: 'number', label: 'Tracking number', render: (r) => <Link href={callsLink({ from, to, tracking_number: r.number })}>{phone(r.number)}</Link> },
                { key: 'name', label: 'Name', render: (r) => names.get(r.number) ?? '—' },
                { key: 'calls', label: 'Calls', numeric: true, render: (r) => <Link href={callsLink({ from, to, tracking_number: r.number })}>{count(r.calls)}</Link> },
                { key: 'answered', label: 'Answered', numeric: true, render: (r) => <Link href={callsLink({ from, to, tracking_number: r.number, status: 'Answered' })}>{percent(r.calls ? r.answered / r.calls : null)}</Link> },
              ]}
              rows={d.top!}
              rowKey={(r) => r.number}
            />
          ) : (
            <p class="muted">No calls to a tracking number in this range.</p>
          )}
        </div>
        <section class="panel" aria-labelledby="callback-h">
          <h2 id="callback-h">To call back</h2>
          {missedList.length ? (
            <>
              <ul class="callback-list">
                {missedList.map((c) => (
                  <li key={c.id}>
                    <Link href={`/calls/${c.id}`}>
                      <strong>{c.caller_withheld ? 'Private number' : phone(c.caller_number)}</strong>
                    </Link>{' '}
                    <StatusBadge status={c.status} />
                    <br />
                    <span class="muted small">
                      {localTime(c.started_at_local)}
                      {c.tracking_name ? ` · ${c.tracking_name}` : ''}
                    </span>
                  </li>
                ))}
              </ul>
              <Link href={callsLink({ from, to, status: CALL_BACK_STATUSES.join(',') })}>All {count(missedCount)} to call back</Link>
            </>
          ) : (
            <p class="muted">Nobody is waiting: every caller {presetName} got through.</p>
          )}
        </section>
      </div>
    </>
  );
}
