import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildCallPlan } from './call-plan.ts';
import { reduceCall, type RecordingState, type StoredEvent } from './call-record.ts';

const plan = buildCallPlan({ type: 'transfer', target_number: '+61299998888', target_name: 'Desk', prompt_url: null, prompt_text: null, voicemail_fallback: 1 });
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const ev = (s: number, body: StoredEvent['body']): StoredEvent => ({ occurredAt: at(s), body });

// A busy answer point, then a 9 s voicemail: every event a carrier would send, in carrier order.
const events: StoredEvent[] = [
  ev(0, { kind: 'call.received', trackingNumber: '+61290001000', from: '+61390012300' }),
  ev(0, { kind: 'leg.started', legId: '0', target: '+61299998888', record: false }),
  ev(1, { kind: 'leg.ended', legId: '0', source: 'status', result: 'busy', talkSec: 0, carrierStatus: 'busy' }),
  ev(1, { kind: 'leg.ended', legId: '0', source: 'action', result: 'busy', talkSec: 0, carrierStatus: 'busy' }),
  ev(1, { kind: 'record.started', stepPath: '0.f.1' }),
  ev(14, { kind: 'recording.ready', recordingId: 'RE1', recKind: 'voicemail', stepPath: '0.f.1', source: 'action', status: 'completed', carrierUrl: 'https://c/RE1', durationSec: 9, channels: 1 }),
  ev(14, { kind: 'recording.ready', recordingId: 'RE1', recKind: 'voicemail', stepPath: '0.f.1', source: 'status', status: 'completed', carrierUrl: 'https://c/RE1', durationSec: 9, channels: 1 }),
  ev(14, { kind: 'call.ended', carrierStatus: 'completed', totalSec: 14 }),
];
const recordings: RecordingState[] = [{ carrierRecordingId: 'RE1', kind: 'voicemail', status: 'stored', duration: 9, path: 'recordings/x.wav' }];
const input = (evs: StoredEvent[], recs = recordings) => ({ plan, startedAt: at(0), events: evs, recordings: recs, service: { targetNumber: '+61299998888', targetName: 'Desk' } });

/** mulberry32: a small seeded PRNG, so a failing arrival order can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates with the given PRNG. */
function shuffle<T>(a: T[], random: () => number): T[] {
  const b = [...a];
  for (let i = b.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [b[i], b[j]] = [b[j], b[i]];
  }
  return b;
}

/** The shuffle's seed: TT_TEST_SHUFFLE_SEED replays a run; otherwise a fresh one, printed in any failure message. */
const SHUFFLE_SEED = process.env.TT_TEST_SHUFFLE_SEED ? Number(process.env.TT_TEST_SHUFFLE_SEED) : Math.floor(Math.random() * 2 ** 32);

/** An event as a short label for failure messages: its index in carrier order and its kind and source. */
const label = (e: StoredEvent) => `${events.indexOf(e)}:${e.body.kind}${'source' in e.body ? `/${e.body.source}` : ''}`;

describe('reduceCall', () => {
  it('derives status, durations and the voicemail from the events', () => {
    const r = reduceCall(input(events));
    assert.equal(r.complete, true);
    assert.deepEqual(
      { code: r.status_code, disp: r.disposition, d: r.duration, c: r.connection_duration, t: r.talk_duration, audio: r.has_audio, rd: r.recording_duration, path: r.recording_path, target: r.target_name },
      { code: 7, disp: 'BUSY', d: 14, c: 1, t: 0, audio: 1, rd: 9, path: 'recordings/x.wav', target: 'Desk' },
    );
  });

  it('shuffles reproducibly: one seed, one sequence of orders', () => {
    const a = prng(42);
    const b = prng(42);
    const orders = (r: () => number) => Array.from({ length: 5 }, () => shuffle(events, r).map(label).join(','));
    assert.deepEqual(orders(a), orders(b));
    assert.notDeepEqual(orders(prng(42)), orders(prng(43)));
  });

  it('gives the same record for every arrival order of the same events', () => {
    const ref = reduceCall(input(events));
    const random = prng(SHUFFLE_SEED);
    for (let i = 0; i < 300; i++) {
      const order = shuffle(events, random);
      assert.deepEqual(reduceCall(input(order)), ref, `arrival order [${order.map(label).join(', ')}] (shuffle ${i} of TT_TEST_SHUFFLE_SEED=${SHUFFLE_SEED})`);
    }
  });

  it('is not complete without the dial action, even when the leg status says busy (the action decides the voicemail)', () => {
    const r = reduceCall(input(events.filter((e) => !(e.body.kind === 'leg.ended' && e.body.source === 'action'))));
    assert.equal(r.complete, false);
    assert.ok(r.waitingFor.some((w) => w.includes('outcome of leg 0')));
  });

  it('is not complete while a recording waits for its copy, nor before the call ended', () => {
    assert.equal(reduceCall(input(events, [{ ...recordings[0], status: 'pending', path: null }])).complete, false);
    const noEnd = reduceCall(input(events.filter((e) => e.body.kind !== 'call.ended')));
    assert.equal(noEnd.complete, false);
    assert.equal(noEnd.state, 'in_progress');
    assert.equal(noEnd.status_code, null);
  });

  it('when forced after the grace window, ends the call at the last event heard', () => {
    const r = reduceCall(input(events.filter((e) => e.body.kind !== 'call.ended')), true);
    assert.equal(r.state, 'ended');
    assert.equal(r.ended_at, at(14));
    assert.equal(r.duration, 14);
    assert.equal(r.status_code, 7);
  });

  it('an answered leg: answered time from the leg event, or action time minus talk time when that event is missing', () => {
    const answered: StoredEvent[] = [
      ev(0, { kind: 'call.received', trackingNumber: '+61290001000', from: null }),
      ev(0, { kind: 'leg.started', legId: '0', target: '+61299998888', record: false }),
      ev(6, { kind: 'leg.answered', legId: '0' }),
      ev(36, { kind: 'leg.ended', legId: '0', source: 'action', result: 'answered', talkSec: 30, carrierStatus: 'completed' }),
      ev(36, { kind: 'call.ended', carrierStatus: 'completed', totalSec: 36 }),
    ];
    const full = reduceCall(input(answered));
    const without = reduceCall(input(answered.filter((e) => e.body.kind !== 'leg.answered')));
    for (const r of [full, without]) {
      assert.equal(r.answered_at, at(6));
      assert.deepEqual([r.status_code, r.duration, r.connection_duration, r.talk_duration], [0, 36, 6, 30]);
    }
  });
});
