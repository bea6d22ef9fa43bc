import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mayRelease, quarantineEnd, releaseAfterNoise, stockSources, type InventoryRules } from './inventory.ts';
import { addDays } from '../clock.ts';

const rules: InventoryRules = { quarantineDays: 90, quietDays: 14, noiseThreshold: 2, recycleOnRequest: false };
const at = new Date('2026-01-01T00:00:00Z');

describe('inventory rules', () => {
  it('PUBLIC draws from public stock only, PRIVATE from both, STRICT_PRIVATE from private only', () => {
    assert.deepEqual(stockSources('PUBLIC'), { private: false, public: true });
    assert.deepEqual(stockSources('PRIVATE'), { private: true, public: true });
    assert.deepEqual(stockSources('STRICT_PRIVATE'), { private: true, public: false });
  });

  it('ends the quarantine after the rule’s number of days', () => {
    assert.equal(quarantineEnd(at, rules).toISOString(), '2026-04-01T00:00:00.000Z');
    assert.equal(quarantineEnd(at, { ...rules, quarantineDays: 30 }).toISOString(), '2026-01-31T00:00:00.000Z');
  });

  it('leaves the release date alone while noise stays within the threshold', () => {
    const release = quarantineEnd(at, rules);
    const noiseAt = addDays(release, -1);
    assert.equal(releaseAfterNoise(release, noiseAt, 2, rules), release);
  });

  it('pushes the release date a whole quiet period past noise over the threshold', () => {
    const release = quarantineEnd(at, rules);
    const noiseAt = addDays(release, -1);
    assert.equal(releaseAfterNoise(release, noiseAt, 3, rules).toISOString(), addDays(noiseAt, 14).toISOString());
  });

  it('never brings the release date forward because of noise', () => {
    const release = quarantineEnd(at, rules);
    assert.equal(releaseAfterNoise(release, addDays(at, 1), 3, rules), release);
  });

  it('releases only when the date has passed and the quiet period held at most the threshold', () => {
    const release = quarantineEnd(at, rules);
    assert.ok(!mayRelease(addDays(release, -1), release, 0, rules));
    assert.ok(mayRelease(release, release, 2, rules));
    assert.ok(!mayRelease(addDays(release, 1), release, 3, rules));
  });
});
