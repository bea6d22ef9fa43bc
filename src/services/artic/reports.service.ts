import type { Clock } from '../../domain/clock.ts';
import { AppError, fieldError } from '../../domain/errors.ts';
import { parseBound, zonedDateTime } from '../../domain/report/report-time.ts';
import { ARTIC_INTERVALS, type ArticInterval } from '../../domain/artic/buckets.ts';
import { journalWindow, lookbackMs, type QueueRule } from '../../domain/artic/journal.ts';
import { MetricsBuilder, type AgentFigures, type ArticMetrics, type Group, type QueueFigures, type TeamFigures } from '../../domain/artic/metrics.ts';
import { realtimeReport, type RealtimeReport } from '../../domain/artic/realtime.ts';
import type { Storage } from '../../storage/database.ts';
import * as accounts from '../../storage/accounts/account.repository.ts';
import { agentPrelude, PackedDays, realtimeRows, reportSetup, scanJournal } from '../../storage/artic/journal-read.repository.ts';

export type ReportGroup = 'queue' | 'team' | 'agent';
export const REPORT_GROUPS: readonly ReportGroup[] = ['queue', 'team', 'agent'];
/** The longest period a historical report covers. */
export const MAX_REPORT_DAYS = 93;
/** How much packed journal the service keeps (a busy 50-agent centre writes ~1.2 MB of it a day). */
const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

export interface HistoricalQuery {
  from?: string;
  to?: string;
  interval?: string;
  group?: string;
}

type Figures = QueueFigures | TeamFigures | AgentFigures;

export interface HistoricalRow {
  /** The bucket's local start (unclipped), ISO 8601 with the zone's offset then. */
  period: string;
  /** The bucket within the report's period, UTC. */
  period_start: string;
  period_end: string;
  id: string;
  name: string | null;
}

export interface HistoricalReport {
  timezone: string;
  interval: ArticInterval;
  group: ReportGroup;
  from: string;
  to: string;
  rows: (HistoricalRow & Figures)[];
  totals: ({ id: string; name: string | null } & Figures)[];
  /** Over every entity of the group. */
  all: Figures;
}

/**
 * The ARTIC reports (issue #14): the real-time state of the account's agents and queues, and the historical metrics
 * derived from the queue event journal (domain/artic/metrics.ts) per queue, team or agent by local quarter hour,
 * hour or day.
 */
export class ArticReportsService {
  /** Closed UTC days of the accounts' journals, packed (see PackedDays): reports over past days read them once. */
  private readonly days: PackedDays;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    opts: { cacheBytes?: number } = {},
  ) {
    this.days = new PackedDays(opts.cacheBytes ?? DEFAULT_CACHE_BYTES);
  }

  async realtime(clientId: number): Promise<RealtimeReport> {
    return realtimeReport(await realtimeRows(this.storage.db, clientId), this.clock.now().getTime());
  }

  private async zoneOf(clientId: number): Promise<string> {
    const a = await accounts.findAccount(this.storage.db, clientId);
    if (!a) throw new AppError('not_found', `account ${clientId} does not exist`);
    return a.timezone;
  }

  /** The period and grouping asked for, or a 400 naming the field. */
  private period(q: HistoricalQuery, zone: string) {
    const interval = (q.interval ?? 'hour') as ArticInterval;
    if (!ARTIC_INTERVALS.includes(interval)) throw fieldError('interval', `must be one of ${ARTIC_INTERVALS.join(', ')}`);
    const group = (q.group ?? 'queue') as ReportGroup;
    if (!REPORT_GROUPS.includes(group)) throw fieldError('group', `must be one of ${REPORT_GROUPS.join(', ')}`);
    if (!q.from) throw fieldError('from', 'is required: an ISO 8601 instant, or YYYY-MM-DD [HH:MM[:SS]] in the account’s time zone');
    const from = parseBound(q.from, zone, false);
    if (!from) throw fieldError('from', 'must be an ISO 8601 instant (2026-04-01T00:00:00+10:00), or YYYY-MM-DD [HH:MM[:SS]] in the account’s time zone');
    const to = q.to === undefined ? this.clock.now() : parseBound(q.to, zone, true);
    if (!to) throw fieldError('to', 'must be an ISO 8601 instant, or YYYY-MM-DD [HH:MM[:SS]] in the account’s time zone (a date alone: the end of that day)');
    if (!(to.getTime() > from.getTime())) throw fieldError('to', 'must be after from');
    if (to.getTime() - from.getTime() > MAX_REPORT_DAYS * 86_400_000) throw fieldError('to', `at most ${MAX_REPORT_DAYS} days after from`);
    return { fromMs: from.getTime(), toMs: to.getTime(), interval, group };
  }

  /** The metrics of [from, to) in the account's time zone, per queue, team or agent and per bucket, with totals. */
  async historical(clientId: number, q: HistoricalQuery): Promise<HistoricalReport> {
    const zone = await this.zoneOf(clientId);
    const { fromMs, toMs, interval, group } = this.period(q, zone);
    const db = this.storage.db;
    const setup = await reportSetup(db, clientId);
    const queues = new Map<string, QueueRule>(setup.queues.map((x) => [x.id, { service_level_sec: x.service_level_sec, short_abandon_sec: x.short_abandon_sec }]));
    const agentTeams = new Map<string, string[]>(setup.agents.map((a) => [a.id, []]));
    for (const m of setup.agentTeams) agentTeams.get(m.agent_id)?.push(m.team_id);
    const lookback = lookbackMs(Math.max(0, ...setup.queues.map((x) => x.wrapup_sec)));
    const builder = new MetricsBuilder({ queues, agentTeams, teams: setup.teams.map((t) => t.id), from_ms: fromMs, to_ms: toMs, interval, zone, lookback_ms: lookback });
    const { lo, hi } = journalWindow(fromMs, toMs, lookback);
    // Each agent's state before the window, then the window in journal order.
    for (const r of await agentPrelude(db, clientId, setup.agents.map((a) => a.id), lo)) builder.add(r);
    // A queue report reads no missed offers (RINGNOANSWER is most of the journal).
    // A day is closed an hour after its end (transactions under way then have committed).
    const closedBefore = this.clock.now().getTime() - 3_600_000;
    await scanJournal(this.storage, clientId, lo, hi, group !== 'queue', { row: (r) => builder.addParsed(r), missed: (agent, entered) => builder.missedOffer(agent, entered) }, { days: this.days, closedBefore });
    const m = builder.result();
    const names = new Map<string, string>([...setup.queues, ...setup.teams, ...setup.agents].map((x) => [x.id, x.name]));
    const labelled = new Map<number, ReturnType<typeof label>>();
    const labels = (bucket: number) => {
      let l = labelled.get(bucket);
      if (!l) labelled.set(bucket, (l = label(m, bucket, zone)));
      return l;
    };
    const chosen: Group<Figures> = group === 'queue' ? m.queues : group === 'team' ? m.teams : m.agents;
    return {
      timezone: zone,
      interval,
      group,
      from: new Date(fromMs).toISOString(),
      to: new Date(toMs).toISOString(),
      rows: chosen.rows.map((r) => {
        const l = labels(r.bucket);
        return withFigures({ period: l.period, period_start: l.period_start, period_end: l.period_end, id: r.id, name: names.get(r.id) ?? null }, r.figures);
      }),
      totals: chosen.totals.map((t) => withFigures({ id: t.id, name: names.get(t.id) ?? null }, t.figures)),
      all: chosen.all,
    };
  }
}

/** The figures added to a row's head one by one (a spread of this many fields costs ~10 µs a row: reports have thousands). */
function withFigures<H extends object>(head: H, figures: Figures): H & Figures {
  const row = head as Record<string, unknown>;
  for (const k in figures) row[k] = (figures as unknown as Record<string, unknown>)[k];
  return row as H & Figures;
}

function label(m: ArticMetrics, bucket: number, zone: string): { period: string; period_start: string; period_end: string } {
  const b = m.buckets[bucket];
  return { period: zonedDateTime(zone, b.local_start_ms, true), period_start: new Date(b.start_ms).toISOString(), period_end: new Date(b.end_ms).toISOString() };
}
