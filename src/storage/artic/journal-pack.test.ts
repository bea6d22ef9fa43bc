import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Interned, RS, US, unpack } from './journal-pack.ts';
import type { ParsedRow } from '../../domain/artic/metrics.ts';
import { PackedDays } from './journal-read.repository.ts';

const pack = (records: string[][]) => Buffer.from(records.map((r) => r.join(String.fromCharCode(US))).join(String.fromCharCode(RS)), 'utf8');
const read = (buf: Buffer, base: number) => {
  const out: ParsedRow[] = [];
  const missed = (agent_id: string, entered_ms: number) => out.push({ event: 'RINGNOANSWER', at_ms: base, entered_ms, queue_id: 'NONE', agent_id, text1: '', d1: 0, d2: 0, d3: 0, d4: 0 });
  unpack(buf, base, { row: (r) => out.push({ ...r }), missed });
  return out;
};

describe('ARTIC packed journal records', () => {
  it('reads both record shapes, times after the base, numbers in place or decoded, data1 as text where the report reads it', () => {
    const rows = read(
      pack([
        ['1500', 'agt_é1'],
        ['-20', 'agt_2'],
        ['COMPLETEAGENT', '1000', '400', 'aq_1', 'agt_2', '15', '285.5', '1', '30'],
        ['PAUSE', '2000', '', 'NONE', 'agt_é1', 'lunch break', '', '', ''],
        ['OVERFLOW', '2100', '1900', 'aq_1', 'NONE', 'team:atm_1', '', '120', ''],
        ['ABANDON', '2200', '2000', 'aq_1', 'NONE', '1', '1', '1e1', ''],
        ['TRANSFER', '2300', '2000', 'aq_1', 'agt_2', 'x', 'y', 'z', 'w'],
      ]),
      1_000_000,
    );
    assert.deepEqual(rows.map((r) => [r.event, r.at_ms, r.entered_ms, r.queue_id, r.agent_id, r.text1, r.d1, r.d2, r.d3, r.d4]), [
      ['RINGNOANSWER', 1_000_000, 1_001_500, 'NONE', 'agt_é1', '', 0, 0, 0, 0],
      ['RINGNOANSWER', 1_000_000, 999_980, 'NONE', 'agt_2', '', 0, 0, 0, 0],
      ['COMPLETEAGENT', 1_001_000, 1_000_400, 'aq_1', 'agt_2', '', 15, 285.5, 1, 30],
      ['PAUSE', 1_002_000, -1, 'NONE', 'agt_é1', 'lunch break', 0, 0, 0, 0],
      ['OVERFLOW', 1_002_100, 1_001_900, 'aq_1', 'NONE', 'team:atm_1', 0, 0, 120, 0],
      ['ABANDON', 1_002_200, 1_002_000, 'aq_1', 'NONE', '', 1, 1, 10, 0],
      ['TRANSFER', 1_002_300, 1_002_000, 'aq_1', 'agt_2', '', 0, 0, 0, 0],
    ]);
  });

  it('interns strings: the same bytes give the same string, different ones with the same tail and length do not', () => {
    const i = new Interned();
    const buf = Buffer.from('xx_agt_1234567890abcdefgh|zz_agt_1234567890abcdefgh|xx_agt_1234567890abcdefgh', 'utf8');
    const a = i.get(buf, 0, 25);
    const b = i.get(buf, 26, 51);
    const c = i.get(buf, 52, 77);
    assert.equal(a, 'xx_agt_1234567890abcdefgh');
    assert.equal(b, 'zz_agt_1234567890abcdefgh');
    assert.equal(c, a);
  });

  it('an empty text is no record', () => {
    assert.deepEqual(read(Buffer.alloc(0), 0), []);
  });

  it('keeps packed days within its budget, the least recently used out first; a budget of 0 keeps none', () => {
    const days = new PackedDays(10);
    days.set('a', Buffer.alloc(4));
    days.set('b', Buffer.alloc(4));
    days.get('a');
    days.set('c', Buffer.alloc(4)); // 12 > 10: b (least recently used) goes
    assert.deepEqual(['a', 'b', 'c'].map((k) => days.get(k)?.length), [4, undefined, 4]);
    days.set('empty', null);
    assert.equal(days.get('empty'), null, 'a day without rows is kept too');
    days.set('huge', Buffer.alloc(11));
    assert.equal(days.get('huge'), undefined);
    const none = new PackedDays(0);
    none.set('a', null);
    assert.equal(none.get('a'), undefined);
  });
});
