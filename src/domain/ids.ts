import { randomBytes, randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** A prefixed id that sorts by creation time: `req_` + 10 chars of milliseconds + 12 random chars. */
/** The last random part used per recent millisecond (a few kept: callers may mix a test clock with the real one). */
const lastRand = new Map<number, number[]>();

/** Random bytes drawn 4 KiB at a time: ids are made on every carrier request, and one draw per id costs more than the id. */
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
function randomByte(): number {
  if (poolAt >= pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  return pool[poolAt++];
}

/** Ids made in the same millisecond by one process also sort in creation order: the random part is incremented. */
export function newId(prefix: string, nowMs: number = Date.now()): string {
  let t = nowMs;
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const prev = lastRand.get(nowMs);
  let rand: number[];
  if (prev && prev.some((d) => d !== 31)) {
    rand = [...prev];
    for (let i = rand.length - 1; i >= 0; i--) {
      if (rand[i] < 31) {
        rand[i]++;
        break;
      }
      rand[i] = 0;
    }
  } else {
    rand = new Array(12);
    for (let i = 0; i < 12; i++) rand[i] = randomByte() % 32;
    // Leave room to count up within the millisecond.
    rand[0] = Math.min(rand[0], 15);
  }
  lastRand.delete(nowMs);
  lastRand.set(nowMs, rand);
  if (lastRand.size > 16) lastRand.delete(lastRand.keys().next().value!);
  return `${prefix}_${time}${rand.map((d) => ALPHABET[d]).join('')}`;
}

/** An unguessable token (base64url, 32 bytes of randomness). */
export function newToken(bytes = 32): string {
  // Small tokens (visitor ids on every first page view) from the same 4 KiB pool as ids: one draw per token costs more than the token.
  if (bytes > 64) return randomBytes(bytes).toString('base64url');
  if (poolAt + bytes > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const t = pool.toString('base64url', poolAt, poolAt + bytes);
  poolAt += bytes;
  return t;
}
