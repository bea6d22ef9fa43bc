// HTTP Callback tools of the UserAPI: the tag list for a callback URL's tag picker (GET /userapi/v1/callback-tags),
// and the test callback of a service (POST /userapi/v1/services/{id}/test-callback) sent to a real receiver.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { lockoutOff } from '../support/userapi.ts';
import { SEED_TAGS } from '../support/delivery-fixtures.ts';

for (const dialect of DIALECTS) {
  describe(`UserAPI HTTP Callback tags and test callbacks (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let a: Awaited<ReturnType<typeof makeAccount>>;
    let readOnly: string;
    before(async () => {
      t = await buildTestApp(dialect);
      a = await makeAccount(t.app, 8201);
      await makeAccount(t.app, 8202);
      await t.app.accounts.createUser({ username: 'ro8201', password: 'password-ro-8201', clientIds: [8201], role: 'read_only' });
      readOnly = basic('ro8201', 'password-ro-8201');
      await lockoutOff(t.app, [8201, 8202]);
    });
    after(async () => t?.close());

    it('lists every tag of the seed’s parameter list (and [[tag]]/[[curl]]) with a name, a meaning and a group, to every role', async () => {
      const res = await t.server.inject({ url: '/userapi/v1/callback-tags', headers: { authorization: readOnly } });
      assert.equal(res.statusCode, 200, res.body);
      const list = res.json().tags as { tag: string; placeholder: string; name: string; description: string; group: string }[];
      assert.deepEqual(list.map((x) => x.tag), [...SEED_TAGS, 'tag', 'curl']);
      for (const x of list) {
        assert.equal(x.placeholder, `[[${x.tag}]]`);
        assert.ok(x.name && x.description && x.group, x.tag);
      }
      const tz = list.find((x) => x.tag === 'tzdate')!;
      assert.deepEqual([tz.name, tz.description, tz.group], ['ISO 8601 date', 'ISO 8601 format string', 'time']);
    });

    it('answers 401 to missing and wrong credentials, and 403 for an account the caller does not reach', async () => {
      for (const headers of [{}, { authorization: basic(a.username, 'wrong-password') }, { authorization: 'Bearer tts_nope' }, { cookie: 'tt_session=tts_nope' }]) {
        assert.equal((await t.server.inject({ url: '/userapi/v1/callback-tags', headers })).statusCode, 401, JSON.stringify(headers));
      }
      assert.equal((await t.server.inject({ url: '/userapi/v1/callback-tags?client_id=8202', headers: { authorization: a.auth } })).statusCode, 403);
    });
  });
}
