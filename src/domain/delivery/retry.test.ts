import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isRetryableStatus, nextRetryDelaySeconds, RECORDING_RETRY_SCHEDULE } from './retry.ts';

describe('retry schedule', () => {
  it('waits each step of the schedule in turn and then gives up (null)', () => {
    const schedule = [0, 5, 300];
    assert.equal(nextRetryDelaySeconds(schedule, 0), 0);
    assert.equal(nextRetryDelaySeconds(schedule, 1), 5);
    assert.equal(nextRetryDelaySeconds(schedule, 2), 300);
    assert.equal(nextRetryDelaySeconds(schedule, 3), null);
    assert.equal(nextRetryDelaySeconds([], 0), null);
  });

  it('retries only 408, 429 and 5xx', () => {
    for (const s of [408, 429, 500, 502, 503, 599]) assert.ok(isRetryableStatus(s), String(s));
    for (const s of [200, 301, 400, 401, 403, 404, 410, 422]) assert.ok(!isRetryableStatus(s), String(s));
  });
});

it('a recording copy is tried eight times, doubling from 20 s after the first failure, then given up', () => {
  const waits = Array.from({ length: 9 }, (_, made) => nextRetryDelaySeconds(RECORDING_RETRY_SCHEDULE, made));
  assert.deepEqual(waits, [0, 20, 40, 80, 160, 320, 640, 1280, null]);
});
