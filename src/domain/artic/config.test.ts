import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../errors.ts';
import { isOpen, menuReferences, parseAnswerPoint, queueReferences, QUEUE_DEFAULTS, validateAgent, validateMenu, validateQueue } from './config.ts';

const weekdays = [1, 2, 3, 4, 5].map((day) => ({ day, open: '09:00', close: '17:00' }));
const sydney = { timezone: 'Australia/Sydney', hours: weekdays, holidays: [] as string[] };

function paths(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AppError && err.code === 'validation_failed', String(err));
    return err.details!.map((d) => d.path);
  }
  assert.fail('no validation error');
}

describe('ARTIC business hours: isOpen', () => {
  it('is open inside a range of the local weekday, closed before, at and after the close', () => {
    // Tuesday 3 March 2026 in Sydney is AEDT (+11).
    assert.equal(isOpen(sydney, new Date('2026-03-02T21:59:59Z')), false, '08:59:59');
    assert.equal(isOpen(sydney, new Date('2026-03-02T22:00:00Z')), true, '09:00');
    assert.equal(isOpen(sydney, new Date('2026-03-03T05:59:00Z')), true, '16:59');
    assert.equal(isOpen(sydney, new Date('2026-03-03T06:00:00Z')), false, '17:00 is closed');
    // Saturday 7 March, 10:00 local; Friday 6 March 10:00 local (Thursday in UTC).
    assert.equal(isOpen(sydney, new Date('2026-03-06T23:00:00Z')), false, 'Saturday');
    assert.equal(isOpen(sydney, new Date('2026-03-05T23:00:00Z')), true, 'Friday local, Thursday UTC');
  });

  it('follows the zone across a DST change: the same UTC time is open before and closed after', () => {
    // Sydney leaves daylight time on Sunday 5 April 2026 (+11 → +10): 22:15 UTC is 09:15 before, 08:15 after.
    assert.equal(isOpen(sydney, new Date('2026-03-30T22:15:00Z')), true, 'Tuesday 31 March 09:15 AEDT');
    assert.equal(isOpen(sydney, new Date('2026-04-06T22:15:00Z')), false, 'Tuesday 7 April 08:15 AEST');
    assert.equal(isOpen(sydney, new Date('2026-04-06T23:15:00Z')), true, 'Tuesday 7 April 09:15 AEST');
    // London springs forward at 01:00 UTC on Sunday 29 March 2026 (02:00 local does not exist).
    const london = { timezone: 'Europe/London', hours: [{ day: 0, open: '01:30', close: '03:00' }], holidays: [] };
    assert.equal(isOpen(london, new Date('2026-03-29T00:45:00Z')), false, '00:45 GMT');
    assert.equal(isOpen(london, new Date('2026-03-29T01:00:00Z')), true, '02:00 BST');
    assert.equal(isOpen(london, new Date('2026-03-29T02:00:00Z')), false, '03:00 BST');
  });

  it('closes on a holiday, a local date (not the UTC one); null hours is always open except holidays', () => {
    const q = { ...sydney, holidays: ['2026-01-26'] };
    // Monday 26 January 09:00 local is Sunday 25th in UTC; Tuesday 27th 09:00 local is the 26th in UTC.
    assert.equal(isOpen(q, new Date('2026-01-25T22:00:00Z')), false, 'Australia Day');
    assert.equal(isOpen(q, new Date('2026-01-26T22:00:00Z')), true, 'the day after');
    const always = { timezone: 'Australia/Sydney', hours: null, holidays: ['2026-12-25'] };
    assert.equal(isOpen(always, new Date('2026-03-07T15:00:00Z')), true, 'Sunday 02:00');
    assert.equal(isOpen(always, new Date('2026-12-25T01:00:00Z')), false, 'Christmas');
    assert.equal(isOpen(always, new Date('2026-12-24T12:59:59Z')), true, '23:59:59 on the 24th');
    assert.equal(isOpen({ ...always, hours: [] }, new Date('2026-03-07T15:00:00Z')), false, 'no ranges: never open');
  });

  it('treats 24:00 as the end of the day', () => {
    const q = { timezone: 'UTC', hours: [{ day: 3, open: '22:00', close: '24:00' }, { day: 4, open: '00:00', close: '06:00' }], holidays: [] };
    assert.equal(isOpen(q, new Date('2026-03-04T23:59:59Z')), true, 'Wednesday 23:59:59');
    assert.equal(isOpen(q, new Date('2026-03-05T00:00:00Z')), true, 'Thursday 00:00');
    assert.equal(isOpen(q, new Date('2026-03-05T06:00:00Z')), false);
  });
});

describe('ARTIC configuration validation', () => {
  it('reads answer points: E.164, national Australian, sip: URIs; refuses the rest', () => {
    assert.equal(parseAnswerPoint('+61 2 9008 8888'), '+61290088888');
    assert.equal(parseAnswerPoint('0412 345 678'), '+61412345678');
    assert.equal(parseAnswerPoint('+64-021234567'), '+6421234567');
    assert.equal(parseAnswerPoint('SIP:Ann@PBX.Example.com:5061'), 'sip:Ann@pbx.example.com:5061');
    for (const bad of ['12', '0290088888x', 'sip:ann', 'sip:ann@', 'sip:ann@bad_host', 'sips:ann@pbx.example.com', 'tel:+61290088888', '', 42]) assert.equal(parseAnswerPoint(bad), null, String(bad));
  });

  it('fills the queue defaults on create, with the account’s time zone', () => {
    const q = validateQueue({ name: 'Q', team_ids: ['t1'] }, { full: true, defaultTimezone: 'Australia/Perth' });
    assert.deepEqual(q, { ...QUEUE_DEFAULTS, name: 'Q', team_ids: ['t1'], timezone: 'Australia/Perth' });
    assert.deepEqual(validateQueue({ ring_time_sec: 30 }, { full: false }), { ring_time_sec: 30 }, 'a PATCH keeps only what is given');
  });

  it('names every bad field at once', () => {
    assert.deepEqual(
      paths(() => validateQueue({ name: '', strategy: 'x', ring_time_sec: 200, team_ids: [], hours: [{ day: 1, open: '18:00', close: '09:00' }], holidays: ['2026-13-01'], overflow: { kind: 'queue', queue_id: 'q1' }, closed_route: { kind: 'team', team_id: 't1' } }, { full: true, selfId: 'q1' })),
      ['name', 'strategy', 'ring_time_sec', 'team_ids', 'hours[0].close', 'holidays[0]', 'overflow.queue_id', 'closed_route.kind'],
    );
    assert.deepEqual(paths(() => validateAgent({ answer_point: 'x', skills: ['a', ''], supervisor: 1 }, true)), ['name', 'answer_point', 'skills[1]', 'supervisor']);
    assert.deepEqual(
      paths(() => validateMenu({ name: 'M', options: [{ digit: '1', action: 'menu', menu_id: 'm1' }, { digit: '1', action: 'prompt' }], otherwise: { action: 'team' } }, { full: true, selfId: 'm1' })),
      ['options[0].menu_id', 'options[1].digit', 'options[1].text', 'otherwise.action'],
    );
  });

  it('lists the references the service checks', () => {
    const q = validateQueue({ name: 'Q', team_ids: ['t1', 't2'], overflow: { kind: 'team', team_id: 't3' }, closed_route: { kind: 'queue', queue_id: 'q2' } }, { full: true });
    assert.deepEqual(queueReferences(q), [
      { path: 'team_ids[0]', kind: 'team', id: 't1' },
      { path: 'team_ids[1]', kind: 'team', id: 't2' },
      { path: 'overflow.team_id', kind: 'team', id: 't3' },
      { path: 'closed_route.queue_id', kind: 'queue', id: 'q2' },
    ]);
    const m = validateMenu({ name: 'M', prompt_text: 'Hi', options: [{ digit: '1', action: 'hangup' }, { digit: '2', action: 'queue', queue_id: 'q1' }], otherwise: { action: 'menu', menu_id: 'm2' } }, { full: true });
    assert.deepEqual(menuReferences(m), [
      { path: 'options[1].queue_id', kind: 'queue', id: 'q1' },
      { path: 'otherwise.menu_id', kind: 'menu', id: 'm2' },
    ]);
  });
});
