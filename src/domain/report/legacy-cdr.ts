import { localDateTime, utcDateTime } from './report-time.ts';
import { parseJsonObject } from '../calls/call.ts';
import { audioUrl, avanserCaller, avanserNumber, parseFeatures, statusName, type ReportCall } from './formats.ts';

const ms = (iso: string) => Date.parse(iso);
const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** Options of the legacy `getCDR` action (`yes`/`no` flags). */
export interface LegacyCdrOptions {
  localtime: boolean;
  web: boolean;
  wav: boolean;
  features: boolean;
  detailed: boolean;
  /** question id → answer, when `evaluations=yes` */
  evaluations?: { questionIds: number[]; answers: Map<number, string> };
}

const str = (v: unknown) => (v == null ? '' : String(v));

/**
 * One call as the legacy JSON API's `getCDR` returns it, with its field names (misspellings `webCampagin` and
 * `webLandning` included). `target_*` is the tracking number and `answer_*` the answer point there.
 */
export function legacyCdr(c: ReportCall, publicUrl: string, o: LegacyCdrOptions): Record<string, unknown> {
  const start = ms(c.started_at);
  const row: Record<string, unknown> = {
    id: Number(c.id),
    date: o.localtime ? localDateTime(c.timezone, start) : utcDateTime(start),
    duration: c.duration,
    caller_number: avanserCaller(c),
    target_number: avanserNumber(c.tracking_number),
    target_name: c.tracking_name ?? '',
    status_code: c.status_code,
    status_name: statusName(c),
  };
  if (o.detailed) {
    Object.assign(row, {
      answer_number: avanserNumber(c.target_number),
      answer_name: c.target_name ?? '',
      country: c.caller_country ?? '',
      state: c.caller_state ?? '',
      location: c.caller_location ?? '',
      spooler_id: null,
      label: c.label ?? '',
      type: c.direction,
      custom_id: c.custom_id ?? '',
      custom_group: c.custom_group ?? '',
      timezone: c.timezone,
      unique_id: c.unique_id,
      disposition: c.disposition ?? '',
      talk_duration: c.talk_duration,
      is_test: c.is_test,
    });
  }
  if (o.wav) row.audio = audioUrl(publicUrl, c);
  if (o.web) {
    const d = parseJsonObject(c.dni);
    Object.assign(row, {
      webSource: str(d.source),
      webMedium: str(d.medium),
      webCampagin: str(d.campaign),
      webKeyword: str(d.term ?? d.keyword),
      webReferrer: str(d.referrer),
      webUrl: str(d.url),
      webLandning: str(d.landing ?? d.url),
      webConversion: str(d.conversion),
      IP: str(d.ip),
      IPlocation: str(d.ip_location ?? d.location),
    });
  }
  if (o.features) {
    const f = parseFeatures(c.features);
    row.ivr = c.ivr ?? '';
    for (let i = 0; i < 10; i++) {
      const nn = String(i + 1).padStart(2, '0');
      row[`feat${nn}`] = str(f[i]?.name);
      row[`cd_cp${nn}`] = str(f[i]?.value);
    }
  }
  if (o.evaluations) for (const q of o.evaluations.questionIds) row[`eval_${q}`] = o.evaluations.answers.get(q) ?? '';
  return row;
}
