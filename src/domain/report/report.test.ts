import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { avanserNumber, type ReportCall } from './formats.ts';
import { feedCallFromRow, feedRowFromCall } from './feed-row.ts';
import { feedRecord, FEED_FIELDS } from './feed-record.ts';
import { legacyCdr } from './legacy-cdr.ts';
import { FeedWriter } from './feed-output.ts';
import { toAvanserFormat } from '../phone.ts';
import { localDateTime, zonedDateTime, parseBound, localPeriodRange, localFromIso, zonedFromIso, unixFromIso } from './report-time.ts';

describe('call report formats', () => {
  it('writes +CC-LOCAL exactly as libphonenumber does, also from the learnt-prefix fast path', () => {
    const numbers = ['+61290088888', '+61290088889', '+61412345678', '+61412345679', '+611300123456', '+611800123456', '+12125551234', '+12125551235', '+442071234567', '+442071234568', '+390612345678', '+390612345679', '+6494445566', '+33142685300', '+33142685301', '+4930123456', '+4930123457'];
    for (const n of [...numbers, ...numbers]) assert.equal(avanserNumber(n), toAvanserFormat(n), n);
    assert.equal(avanserNumber('+61290088888'), '+61-0290088888');
  });

  it('formats local, zoned and unix times in the call zone across a DST change', () => {
    // Sydney leaves DST on 2026-04-05 at 03:00 local: 02:30 happens twice.
    const first = Date.parse('2026-04-04T15:30:00Z');
    const second = Date.parse('2026-04-04T16:30:00Z');
    assert.equal(zonedDateTime('Australia/Sydney', first), '2026-04-05T02:30:00+1100');
    assert.equal(zonedDateTime('Australia/Sydney', second), '2026-04-05T02:30:00+1000');
    assert.equal(localDateTime('Australia/Sydney', second), '2026-04-05 02:30:00');
    assert.equal(zonedDateTime('Asia/Kathmandu', Date.parse('2026-01-01T00:00:00Z'), true), '2026-01-01T05:45:00+05:45');
    const day = localPeriodRange('Australia/Sydney', 2026, 4, 5)!;
    assert.equal(day.end.getTime() - day.start.getTime(), 25 * 3_600_000);
  });

  it('formats stored instants by the per-hour fast path exactly as the general path', () => {
    let x = 7;
    const rand = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (const zone of ['Australia/Sydney', 'Australia/Adelaide', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/New_York', 'UTC', 'Europe/London']) {
      const instants = [Date.parse('2026-04-04T15:59:59Z'), Date.parse('2026-04-04T16:00:00Z'), Date.parse('2026-10-03T15:59:59Z'), Date.parse('2026-10-03T16:00:00Z')];
      for (let i = 0; i < 2000; i++) instants.push(Date.parse('2026-01-01T00:00:00Z') + Math.floor(rand() * 366 * 86_400) * 1000);
      for (const t of instants) {
        const iso = new Date(t).toISOString();
        assert.equal(localFromIso(zone, iso), localDateTime(zone, t), `${zone} ${iso}`);
        assert.equal(zonedFromIso(zone, iso), zonedDateTime(zone, t), `${zone} ${iso}`);
        assert.equal(unixFromIso(iso), Math.floor(t / 1000));
      }
    }
  });

  it('reads date-only, local and absolute bounds and refuses impossible dates', () => {
    assert.equal(parseBound('2026-03-01', 'Australia/Sydney', false)!.toISOString(), '2026-02-28T13:00:00.000Z');
    assert.equal(parseBound('2026-03-01', 'Australia/Sydney', true)!.toISOString(), '2026-03-01T13:00:00.000Z');
    assert.equal(parseBound('2026-03-01 10:00', 'Australia/Sydney', true)!.toISOString(), '2026-02-28T23:00:00.000Z');
    assert.equal(parseBound('2026-03-01T10:00:00Z', 'Australia/Sydney', false)!.toISOString(), '2026-03-01T10:00:00.000Z');
    assert.equal(parseBound('2026-02-31', 'Australia/Sydney', false), null);
    assert.equal(parseBound('yesterday', 'Australia/Sydney', false), null);
  });

  it('builds the seed feed record with exactly its field names and formats', () => {
    const rec = feedRecord(
      {
        id: 67643772, unique_id: 'ECS8-1590476401.423578', client_id: 5995, service_id: null, direction: 'call-in', state: 'finalized',
        tracking_number: '+61289996235', tracking_name: 'Tracking Service Name', tracking_notes: null, target_number: '+61289995916', target_name: 'Target Name',
        caller_number: '+61290088888', caller_withheld: 0, caller_location: 'Sydney', caller_state: 'NSW', caller_country: 'AU', timezone: 'Australia/Sydney',
        started_at: '2020-05-26T07:00:01.000Z', answered_at: null, ended_at: '2020-05-26T07:00:18.000Z', duration: 17, connection_duration: 1, talk_duration: 16,
        status_code: 1, status: 'Missed', disposition: 'NO ANSWER', has_audio: 0, audio_token: null, recording_path: null, recording_duration: null, label: null,
        ivr: null, features: '[]', custom_id: null, custom_group: null, dni: null, sentiment: null, is_test: 0, finalized_at: null, created_at: '', updated_at: '',
      } as ReportCall,
      'http://x',
    );
    assert.deepEqual(Object.keys(rec), [...FEED_FIELDS]);
    assert.deepEqual(rec, {
      call_audio_url: '', call_connection_duration: 1, call_direction: 'call-in', call_duration: 17, call_end_time: '2020-05-26 17:00:18', call_has_audio: 0,
      call_id: 67643772, call_is_artic: 0, call_local_time: '2020-05-26 17:00:01', call_param_01: 0, call_param_02: 0, call_param_03: 0, call_param_04: 0,
      call_param_05: 0, call_param_06: 0, call_param_07: 0, call_param_08: '', call_param_09: '', call_start_time: '2020-05-26 17:00:01', call_status: 'Missed',
      call_status_code: 1, call_talk_duration: 16, call_timezone: 'Australia/Sydney', call_tz_end_time: '2020-05-26T17:00:18+1000',
      call_tz_start_time: '2020-05-26T17:00:01+1000', call_u_end_time: 1590476418, call_u_start_time: 1590476401, call_unique_id: 'ECS8-1590476401.423578',
      caller_country: 'AU', caller_location: 'Sydney', caller_number: '+61-0290088888', caller_state: 'NSW', client_id: 5995, custom_group: '', custom_id: '',
      private_reference: null, target_name: 'Target Name', target_number: '+61-0289995916', tracking_master_id: 0, tracking_name: 'Tracking Service Name',
      tracking_notes: '', tracking_number: '+61-0289996235', tracking_wpc_id: 0, artic_queue: '', artic_agent: '',
    });
    const cdr = legacyCdr({ id: 1, started_at: '2020-05-26T07:00:01.000Z', timezone: 'Australia/Sydney', duration: 1, caller_number: null, caller_withheld: 1, tracking_number: '+61289996235', tracking_name: null, status_code: 0, status: null, dni: '{"campaign":"spring","url":"https://a/"}', features: '[]' } as never, '', { localtime: true, web: true, wav: false, features: false, detailed: false });
    assert.equal(cdr.webCampagin, 'spring');
    assert.equal(cdr.webLandning, 'https://a/');
    assert.equal(cdr.caller_number, 'Private');
    assert.equal(cdr.date, '2020-05-26 17:00:01');
    assert.equal(cdr.status_name, 'Answered');
  });

  it('writes CSV rows straight from FeedRows byte for byte as the record path does', () => {
    let x = 11;
    const rand = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
    const texts = [null, '', 'plain', 'has, comma', 'has "quotes"', 'line\r\nbreak', 'lf\nonly', 'ünïcode ✓', 'emoji 📞, "x"', 'lone \ud800 surrogate', 'x'.repeat(3000), 12.5 as never];
    const features = [null, '[]', '[{"name":"a","value":"5"},{"name":"b","value":2.5},{},{"value":"x"},{"value":null},{"value":" 7 "},{"value":true},{"value":"p8, \\"q\\""},{"value":9}]', 'not json', '[{"value":"1"}]'];
    const zones = ['Australia/Sydney', 'Australia/Adelaide', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/New_York', 'UTC'];
    const base = Date.parse('2026-04-04T12:00:00Z');
    const calls: Partial<ReportCall>[] = [];
    for (let i = 0; i < 3000; i++) {
      // Mostly in time order across the Sydney DST change (as a feed reads them), sometimes anywhere in the year.
      const t = i % 7 === 0 ? Date.parse('2026-01-01T00:00:00Z') + Math.floor(rand() * 365 * 86_400_000) : base + i * 7_000 + Math.floor(rand() * 1000);
      const dur = Math.floor(rand() * 900);
      const withheld = rand() < 0.1 ? 1 : 0;
      calls.push({
        id: i % 5 === 0 ? (String(1000 + i) as never) : 1000 + i, unique_id: pick(['TT1-1.1', 'a,b', 'q"q']), client_id: i % 3 === 0 ? ('5995' as never) : 5995,
        direction: pick(['call-in', 'call-out', null as never]), tracking_number: pick(['+61289996235', '+61412345678', '', '+12125551234']),
        tracking_name: pick(texts), tracking_notes: pick(texts), target_number: pick([null, '+61290088888', '+442071234567', '12345']), target_name: pick(texts),
        caller_number: pick([null, '+61290088888', '+61412345679', '+33142685300']), caller_withheld: withheld, caller_location: pick(texts), caller_state: pick(texts),
        caller_country: pick([null, 'AU', 'US']), timezone: i % 11 === 0 ? pick(zones) : 'Australia/Sydney', started_at: new Date(t).toISOString(),
        ended_at: pick([null, new Date(t + dur * 1000).toISOString(), '2026-04-05T02:30:00+11:00']), duration: dur, connection_duration: pick([0, 1, null as never]),
        talk_duration: Math.max(0, dur - 3), status_code: pick([null, 0, 1, 2, 8, 99]), status: pick([null, '', 'Answered', 'Odd, "status"']),
        has_audio: pick([0, 1]), audio_token: pick([null, 'tok1', 'tok/ä b']), features: pick(features) as string, custom_id: pick(texts), custom_group: pick(texts),
        private_reference: pick([...texts, undefined as never]),
        artic: pick([undefined as never, null, '{"queue":"Sales, \\"east\\"","agent":"Ann"}', '{"queue":"Support","agent":null}', 'not json']),
      });
    }
    const byRecord = new FeedWriter('csv');
    const byRow = new FeedWriter('csv', 'http://h:1/a,b', 16 * 1024);
    const rows = calls.map(feedRowFromCall);
    const chunks: Buffer[] = [];
    for (let i = 0; i < rows.length; i += 128) {
      const chunk = byRow.push(rows.slice(i, i + 128));
      if (chunk) chunks.push(chunk);
    }
    chunks.push(byRow.flush() ?? Buffer.alloc(0));
    assert.ok(chunks.length > 3);
    const expected = Buffer.from(byRecord.records(calls.map((c) => feedRecord(c as ReportCall, 'http://h:1/a,b'))), 'utf8');
    assert.equal(Buffer.concat(chunks).toString('latin1'), expected.toString('latin1'));
    assert.deepEqual(feedCallFromRow(rows[1]), Object.fromEntries(Object.entries(calls[1]).filter(([k]) => k !== 'state')));
  });
});
