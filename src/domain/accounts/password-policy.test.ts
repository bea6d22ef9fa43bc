import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PASSWORD_POLICY, characterClasses, inactiveLocked, passwordExpiresAt, passwordRuleBreaks, policyErrors, strictest } from './password-policy.ts';
import { roleChangeRefusal, can } from './roles.ts';

describe('password policy', () => {
  it('counts character classes and names the broken rules', () => {
    assert.equal(characterClasses('abc'), 1);
    assert.equal(characterClasses('aB3-'), 4);
    assert.deepEqual(passwordRuleBreaks(DEFAULT_PASSWORD_POLICY, 'Correct-horse-9'), []);
    const broken = passwordRuleBreaks(DEFAULT_PASSWORD_POLICY, 'short');
    assert.equal(broken.length, 2);
    assert.match(broken[0], /at least 12 characters/);
    assert.match(broken[1], /at least 3 of/);
  });

  it('the strictest of several policies: larger minimums, the shortest positive expiry and lockout', () => {
    const a = { ...DEFAULT_PASSWORD_POLICY, min_length: 10, expiry_days: 0, lockout_attempts: 0, inactive_days: 30 };
    const b = { ...DEFAULT_PASSWORD_POLICY, min_length: 14, expiry_days: 90, lockout_attempts: 3, inactive_days: 0, history: 2 };
    const s = strictest([a, b]);
    assert.equal(s.min_length, 14);
    assert.equal(s.expiry_days, 90);
    assert.equal(s.lockout_attempts, 3);
    assert.equal(s.inactive_days, 30);
    assert.equal(s.history, 5);
    assert.deepEqual(strictest([]), { ...DEFAULT_PASSWORD_POLICY });
  });

  it('expiry and inactivity follow the clock; zero is off', () => {
    const p = { ...DEFAULT_PASSWORD_POLICY, expiry_days: 10, inactive_days: 5 };
    assert.equal(passwordExpiresAt(p, '2026-01-01T00:00:00.000Z')?.toISOString(), '2026-01-11T00:00:00.000Z');
    assert.equal(passwordExpiresAt({ ...p, expiry_days: 0 }, '2026-01-01T00:00:00.000Z'), null);
    assert.equal(inactiveLocked(p, '2026-01-01T00:00:00.000Z', new Date('2026-01-06T00:00:00.000Z')), false);
    assert.equal(inactiveLocked(p, '2026-01-01T00:00:00.000Z', new Date('2026-01-06T00:00:01.000Z')), true);
    assert.equal(inactiveLocked({ ...p, inactive_days: 0 }, '2020-01-01T00:00:00.000Z', new Date()), false);
  });

  it('refuses out-of-range settings by field', () => {
    assert.deepEqual(policyErrors({ min_length: 4, history: 3, min_classes: 1.5 }).map((e) => e.path), ['min_length', 'min_classes']);
  });
});

describe('role rules', () => {
  it('only owners grant or revoke owner; nobody changes their own role; no role above one\'s own', () => {
    assert.equal(roleChangeRefusal({ actorRole: 'owner', from: 'admin', to: 'owner', self: false }), null);
    assert.match(roleChangeRefusal({ actorRole: 'admin', from: 'analyst', to: 'owner', self: false })!, /only an owner/);
    assert.match(roleChangeRefusal({ actorRole: 'admin', from: 'owner', to: 'admin', self: false })!, /only an owner/);
    assert.match(roleChangeRefusal({ actorRole: 'owner', from: 'owner', to: 'admin', self: true })!, /own role/);
    assert.match(roleChangeRefusal({ actorRole: 'analyst', to: 'admin', self: false })!, /cannot grant/);
    assert.equal(roleChangeRefusal({ actorRole: 'admin', from: 'read_only', to: 'admin', self: false }), null);
  });
  it('the matrix: read_only reads only, analysts also work on calls', () => {
    assert.equal(can('read_only', 'read'), true);
    assert.equal(can('read_only', 'numbers'), false);
    assert.equal(can('analyst', 'call_work'), true);
    assert.equal(can('admin', 'account'), false);
    assert.equal(can('owner', 'account'), true);
  });
});
