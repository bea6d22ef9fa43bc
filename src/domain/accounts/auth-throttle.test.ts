import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AuthThrottle, ThrottledError, addressKey, type FailureCounter } from './auth-throttle.ts';
import { boundedVerifier } from './password.ts';

/** An in-memory FailureCounter (the port's fake), with a switch that makes it fail like an unreachable database. */
function memoryCounter() {
  const rows = new Map<string, number>();
  let broken = false;
  const k = (key: string, w: number) => `${key}@${w}`;
  const counter: FailureCounter = {
    async read(keys, w) {
      if (broken) throw new Error('down');
      return keys.map((key) => rows.get(k(key, w)) ?? 0);
    },
    async add(keys, w) {
      if (broken) throw new Error('down');
      return keys.map((key) => {
        rows.set(k(key, w), (rows.get(k(key, w)) ?? 0) + 1);
        return rows.get(k(key, w))!;
      });
    },
    async remove(keys, w) {
      if (broken) throw new Error('down');
      for (const key of keys) rows.set(k(key, w), Math.max(0, (rows.get(k(key, w)) ?? 0) - 1));
    },
    async prune(before) {
      for (const key of rows.keys()) if (Number(key.split('@')[1]) < before) rows.delete(key);
    },
  };
  return { counter, rows, breakIt: () => (broken = true) };
}

describe('addressKey', () => {
  it('counts IPv4 as is, IPv4-mapped IPv6 as its IPv4, other IPv6 per /64', () => {
    assert.equal(addressKey('127.0.0.1'), 'addr:127.0.0.1');
    assert.equal(addressKey('::ffff:127.0.0.1'), 'addr:127.0.0.1');
    assert.equal(addressKey('2001:db8:1:2:3:4:5:6'), 'addr:2001:db8:1:2::/64');
    assert.equal(addressKey('2001:DB8:1:2::ffff'), 'addr:2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8::1'), 'addr:2001:db8:0:0::/64');
    assert.equal(addressKey('64:ff9b::1.2.3.4'), 'addr:64:ff9b:0:0::/64');
    assert.notEqual(addressKey('2001:db8:1:3::1'), addressKey('2001:db8:1:2::1'));
  });
});

describe('AuthThrottle', () => {
  const opts = { userLimit: 2, addressLimit: 3, windowMs: 60_000 };

  it('refuses a reservation past the limit and every check at it, with the seconds to the window end', async () => {
    const { counter } = memoryCounter();
    let now = 10_000;
    const t = new AuthThrottle(counter, opts, () => now);
    await t.reserve({ user: 'user:a' });
    await t.reserve({ user: 'user:a' });
    await assert.rejects(t.check({ user: 'user:a' }), (e) => e instanceof ThrottledError && e.retryAfterSeconds === 50);
    await assert.rejects(t.reserve({ user: 'user:a' }), ThrottledError);
    await t.check({ user: 'user:b' });
    now = 60_000;
    await t.check({ user: 'user:a' });
  });

  it('gives a released reservation back and reports whether the attempt came with no failure before it', async () => {
    const { counter } = memoryCounter();
    const t = new AuthThrottle(counter, opts, () => 0);
    const first = await t.reserve({ user: 'user:a', address: '127.0.0.1' });
    assert.equal(first.clean, true);
    const second = await t.reserve({ user: 'user:a', address: '127.0.0.1' });
    assert.equal(second.clean, false);
    await second.release();
    await second.release(); // once only
    assert.equal((await t.reserve({ user: 'user:a', address: '127.0.0.1' })).clean, false);
    await assert.rejects(t.check({ user: 'user:a' }), ThrottledError);
  });

  it('counts in the process, still throttling, when the shared counter fails, and says so once per window', async () => {
    const { counter, breakIt } = memoryCounter();
    const errors: unknown[] = [];
    const t = new AuthThrottle(counter, opts, () => 0, (err) => errors.push(err));
    breakIt();
    await t.reserve({ user: 'user:a' });
    await t.reserve({ user: 'user:a' });
    await assert.rejects(t.check({ user: 'user:a' }), ThrottledError);
    assert.equal(errors.length, 1);
  });
});

describe('boundedVerifier', () => {
  it('runs at most `concurrency` checks at once, lets urgent ones go first, and refuses past `maxWaiting`', async () => {
    const started: string[] = [];
    const finish = new Map<string, () => void>();
    let running = 0;
    let peak = 0;
    const verify = boundedVerifier(
      (password) =>
        new Promise<boolean>((resolve) => {
          started.push(password);
          peak = Math.max(peak, ++running);
          finish.set(password, () => {
            running--;
            resolve(true);
          });
        }),
      { concurrency: 1, maxWaiting: 3 },
    );
    const tick = () => new Promise((r) => setImmediate(r));
    const all = [verify('a', ''), verify('b', ''), verify('c', ''), verify('urgent', '', { urgent: true })];
    await tick();
    await assert.rejects(verify('e', ''), ThrottledError);
    for (const next of ['a', 'urgent', 'b', 'c']) {
      await tick();
      assert.equal(started.at(-1), next);
      finish.get(next)!();
    }
    assert.deepEqual(await Promise.all(all), [true, true, true, true]);
    assert.equal(peak, 1);
  });
});
