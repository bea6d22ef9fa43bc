import { sql } from 'kysely';
import type { Dialect } from '../database.ts';
import { TEXT1_EVENTS, type ParsedRow } from '../../domain/artic/metrics.ts';

/**
 * The journal rows of a time range packed by the database into one byte string, and read back without a row object
 * (or a JavaScript string) per row: reading rows one by one costs more than the whole report (~1 µs a row on SQLite).
 *
 * One record per row, records separated by 0x1E, fields by 0x1F (the journal's fields are numbers, ids, event names,
 * reason codes and answer points: neither byte can occur in them, nor in any UTF-8 sequence of other characters):
 *   RINGNOANSWER: entered_ms − base, agent_id (a record starting with a digit or `-`)
 *   other events: event, at_ms − base, entered_ms − base (empty when null), queue_id, agent_id, data1, data2, data3, data4
 * Times are sent after `base` (fewer digits). ENTERQUEUE and CONNECT are left out (the report reads nothing of them);
 * RINGNOANSWER too when `missed` is false.
 */

export const RS = 0x1e;
export const US = 0x1f;

export function packedSql(dialect: Dialect, clientId: number, lo: number, hi: number, base: number, missed: boolean) {
  const pg = dialect === 'postgres';
  const ch = (n: number) => sql.raw(pg ? `chr(${n})` : `char(${n})`);
  // concat_ws skips NULLs: an agent event's entered_ms is written as ''.
  const entered = pg ? sql`coalesce(cast(entered_ms - ${sql.lit(base)} as text), '')` : sql`ifnull(entered_ms - ${sql.lit(base)}, '')`;
  const at = sql`at_ms - ${sql.lit(base)}`;
  const record = sql`case event when 'RINGNOANSWER' then concat_ws(${ch(US)}, entered_ms - ${sql.lit(base)}, agent_id)
    else concat_ws(${ch(US)}, event, ${at}, ${entered}, queue_id, agent_id, data1, data2, data3, data4) end`;
  // Two comparisons cost less than an IN list; events the report does not know are skipped when read.
  const where = sql`client_id = ${clientId} and at_ms >= ${lo} and at_ms < ${hi} and event <> 'ENTERQUEUE' and event <> 'CONNECT'${missed ? sql`` : sql` and event <> 'RINGNOANSWER'`}`;
  // SQLite: the index gives (at_ms, rowid) order, i.e. the order rows were written, and group_concat keeps the
  // sub-query's order. PostgreSQL: ids sort by creation within a millisecond.
  if (pg) return sql<{ packed: Buffer | null }>`select convert_to(string_agg(${record}, ${ch(RS)} order by at_ms, id), 'UTF8') as packed from artic_journal where ${where}`;
  return sql<{ packed: Buffer | null }>`select cast(group_concat(r, ${ch(RS)}) as blob) as packed from (select ${record} as r from artic_journal where ${where} order by at_ms limit -1)`;
}

/** Strings met again and again (ids, event names), decoded once: found by their length and last bytes, compared in place. */
export class Interned {
  private readonly byKey = new Map<number, number>();
  private readonly bytes: Uint8Array[] = [];
  private readonly strings: string[] = [];
  private readonly next: number[] = [];
  private readonly decoder = new TextDecoder();

  get(buf: Uint8Array, start: number, end: number): string {
    const n = end - start;
    let h = n;
    for (let k = end - 6 > start ? end - 6 : start; k < end; k++) h = (h * 131 + buf[k]) | 0;
    const first = this.byKey.get(h);
    for (let e = first === undefined ? -1 : first; e >= 0; e = this.next[e]) {
      const b = this.bytes[e];
      if (b.length !== n) continue;
      let k = 0;
      while (k < n && b[k] === buf[start + k]) k++;
      if (k === n) return this.strings[e];
    }
    const e = this.strings.length;
    const b = buf.slice(start, end);
    this.bytes.push(b);
    this.strings.push(this.decoder.decode(b));
    this.next.push(first === undefined ? -1 : first);
    this.byKey.set(h, e);
    return this.strings[e];
  }
}

function fieldEnd(buf: Uint8Array, i: number, L: number): number {
  while (i < L) {
    const c = buf[i];
    if (c === US || c === RS) return i;
    i++;
  }
  return i;
}

const decoder = new TextDecoder();

/** The field [i, j) as a number (journal.ts num: anything else is 0): plain digits in place, anything else decoded. */
function numberAt(buf: Uint8Array, i: number, j: number): number {
  let v = 0;
  let k = i;
  while (k < j) {
    const c = buf[k];
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
    k++;
  }
  if (k === j) return v;
  const x = Number(decoder.decode(buf.subarray(i, j)));
  return Number.isFinite(x) ? x : 0;
}

/**
 * Reads packed records into one reused ParsedRow handed to `sink.row` (which must copy what it keeps), and
 * RINGNOANSWER records to `sink.missed`: times back from `base`, numbers in place, ids and event names interned,
 * data1 as text only for the events that read it.
 */
export interface UnpackSink {
  row(r: ParsedRow): void;
  /** A RINGNOANSWER record: its agent and entry only. */
  missed(agentId: string, enteredMs: number): void;
}

export function unpack(buf: Uint8Array, base: number, sink: UnpackSink, interned = new Interned()): number {
  const row: ParsedRow = { event: '', at_ms: 0, entered_ms: -1, queue_id: 'NONE', agent_id: 'NONE', text1: '', d1: 0, d2: 0, d3: 0, d4: 0 };
  const textual = new Set(TEXT1_EVENTS);
  const L = buf.length;
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < L) {
    const c0 = buf[i];
    if ((c0 >= 48 && c0 <= 57) || c0 === 45) {
      j = fieldEnd(buf, i, L);
      const entered = base + numberAt(buf, i, j);
      i = j + 1;
      j = fieldEnd(buf, i, L);
      const agent = interned.get(buf, i, j);
      i = j;
      while (i < L && buf[i] !== RS) i++;
      i++;
      n++;
      sink.missed(agent, entered);
      continue;
    } else {
      j = fieldEnd(buf, i, L);
      row.event = interned.get(buf, i, j);
      i = j + 1;
      j = fieldEnd(buf, i, L);
      row.at_ms = base + numberAt(buf, i, j);
      i = j + 1;
      j = fieldEnd(buf, i, L);
      row.entered_ms = j > i ? base + numberAt(buf, i, j) : -1;
      i = j + 1;
      j = fieldEnd(buf, i, L);
      row.queue_id = interned.get(buf, i, j);
      i = j + 1;
      j = fieldEnd(buf, i, L);
      row.agent_id = interned.get(buf, i, j);
      i = j + 1;
      j = fieldEnd(buf, i, L);
      row.text1 = textual.has(row.event) ? decoder.decode(buf.subarray(i, j)) : '';
      row.d1 = numberAt(buf, i, j);
      i = j + 1;
      j = fieldEnd(buf, i, L);
      row.d2 = numberAt(buf, i, j);
      i = j + 1;
      j = fieldEnd(buf, i, L);
      row.d3 = numberAt(buf, i, j);
      i = j + 1;
      j = fieldEnd(buf, i, L);
      row.d4 = numberAt(buf, i, j);
      i = j;
    }
    // Past anything unexpected to the record's end.
    while (i < L && buf[i] !== RS) i++;
    i++;
    n++;
    sink.row(row);
  }
  return n;
}
