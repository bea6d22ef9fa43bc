import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from './errors.ts';
import { decodeCursor, encodeCursor, idKey, pageOf } from './cursor.ts';

test('a cursor carries its key base64url-encoded and reads back to the same key', () => {
  const c = encodeCursor('req_0123456789abcdefghijkl');
  assert.equal(c, Buffer.from('req_0123456789abcdefghijkl').toString('base64url'));
  assert.equal(decodeCursor(c, idKey(/^req_[0-9a-z]{22}$/)), 'req_0123456789abcdefghijkl');
});

test('a cursor no listing gave is a validation error naming the cursor field', () => {
  assert.throws(
    () => decodeCursor(encodeCursor('svc_x'), idKey(/^req_[0-9a-z]{22}$/)),
    (err: unknown) => err instanceof AppError && err.code === 'validation_failed' && err.details?.[0].path === 'cursor',
  );
});

test('a page of limit + 1 rows gives limit items and a cursor on the last one; a short page gives no cursor', () => {
  const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
  assert.deepEqual(pageOf(rows, 2, (r) => r.id), { items: [{ id: 'a' }, { id: 'b' }], nextCursor: encodeCursor('b') });
  assert.deepEqual(pageOf(rows, 3, (r) => r.id), { items: rows, nextCursor: null });
});
