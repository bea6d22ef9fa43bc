import { decodeCursor, encodeCursor } from '../../domain/cursor.ts';
import { fieldError } from '../../domain/errors.ts';
import type { Storage } from '../../storage/database.ts';
import * as work from '../../storage/callwork/call-work.repository.ts';
import type { SmsMessageRow } from '../../storage/callwork/call-work.repository.ts';
import { parseFilterNumber, toCallFilter, type ReportingService } from '../reporting/reporting.service.ts';

export interface SmsView {
  id: string;
  received_at: string;
  /** the account's number the message was sent to (E.164) */
  to_number: string;
  /** the sender, E.164 when it is a number (an alphanumeric sender id otherwise), null when unknown */
  from_number: string | null;
  body: string;
  segments: number;
  service_id: string | null;
  is_test: boolean;
}

export function smsView(m: SmsMessageRow): SmsView {
  return { id: m.id, received_at: m.received_at, to_number: m.to_number, from_number: m.from_number, body: m.body, segments: Number(m.segments), service_id: m.service_id, is_test: m.is_test === 1 };
}

/** SMS received on the account's numbers, newest first by default, keyset-paged like the call list. */
export class SmsLogService {
  constructor(
    private readonly storage: Storage,
    private readonly reports: ReportingService,
  ) {}

  async list(clientId: number, q: { from?: string; to?: string; number?: string; limit?: number; cursor?: string; order?: 'asc' | 'desc' }) {
    const zone = await this.reports.zoneOf(clientId);
    // The time bounds read as the call list's do (account time, or an instant with an offset).
    const range = toCallFilter({ from: q.from, to: q.to }, zone);
    const number = q.number === undefined ? undefined : parseFilterNumber(q.number, 'number', false);
    const order = q.order ?? 'desc';
    const limit = q.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw fieldError('limit', 'must be 1 to 1000');
    const after = q.cursor === undefined ? undefined : smsKeyset(q.cursor, order);
    const page = await work.listSms(this.storage.db, clientId, { from: range.from, to: range.to, number }, { after, order, limit: limit + 1 });
    const items = page.slice(0, limit);
    const last = items[items.length - 1];
    return {
      messages: items.map(smsView),
      next_cursor: page.length > limit ? encodeCursor(JSON.stringify([last.received_at, last.id, order])) : null,
      timezone: zone,
    };
  }
}

function smsKeyset(cursor: string, order: 'asc' | 'desc'): work.SmsKeyset {
  const [receivedAt, id, madeFor] = decodeCursor(cursor, (key) => {
    let v: unknown;
    try {
      v = JSON.parse(key);
    } catch {
      return null;
    }
    return Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v[0]) && typeof v[1] === 'string' && /^sms_/.test(v[1]) ? (v as [string, string, unknown]) : null;
  });
  if (madeFor !== order) throw fieldError('cursor', `was made for order=${String(madeFor)}; keep the order of the first page`);
  return { receivedAt, id };
}
