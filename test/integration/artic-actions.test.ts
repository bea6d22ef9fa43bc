import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { CallCentre } from '../support/call-centre.ts';
import { ManualClock } from '../../src/domain/clock.ts';

/** The ARTIC actions API: who may act for which agent, what each action does to the state and the journal, bad input. */
for (const dialect of DIALECTS) {
  describe(`ARTIC actions API (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let clock: ManualClock;
    const ids: Record<string, string> = {};
    const auth: Record<string, string> = {};
    const post = (path: string, who: string | undefined, body: unknown = {}) =>
      t.server.inject({ method: 'POST', url: `/artic/v1${path}`, headers: who ? { authorization: who } : {}, payload: body as object });

    before(async () => {
      clock = new ManualClock('2026-03-02T09:00:00.000Z');
      t = await buildTestApp(dialect, { clock });
      const owner = await makeAccount(t.app, 9600);
      auth.owner = owner.auth;
      const other = await makeAccount(t.app, 9601);
      auth.other = other.auth;
      // Analysts (no `settings`): Ann, Bob (Ann's supervisor in team A), Cat (another team); Zed is no agent.
      for (const u of ['ann', 'bob', 'cat', 'zed']) {
        const user = await t.app.accounts.createUser({ username: u, password: `password-${u}`, clientIds: [9600], role: 'analyst' });
        ids[`user_${u}`] = user.id;
        auth[u] = basic(u, `password-${u}`);
      }
      const cc = new CallCentre(t.app, clock, 9600);
      const a = await cc.team('A');
      const b = await cc.team('B');
      ids.ann = await cc.agent('Ann', '+61400009601', [a], { user_id: ids.user_ann });
      ids.bob = await cc.agent('Bob', '+61400009602', [a], { user_id: ids.user_bob, supervisor: true });
      ids.cat = await cc.agent('Cat', '+61400009603', [b], { user_id: ids.user_cat });
      const otherCc = new CallCentre(t.app, clock, 9601);
      ids.foreign = await otherCc.agent('Foreign', '+61400009699', [await otherCc.team('X')]);
    });
    after(() => t?.close());

    it('an agent logs in, pauses with a reason, unpauses, sets the answer point and logs off; each change is journalled', async () => {
      let r = await post(`/agents/${ids.ann}/login`, auth.ann);
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().state, 'available');
      clock.advance(60_000);
      r = await post(`/agents/${ids.ann}/pause`, auth.ann, { reason: 'lunch' });
      assert.deepEqual([r.statusCode, r.json().state, r.json().pause_reason], [200, 'paused', 'lunch']);
      clock.advance(30_000);
      r = await post(`/agents/${ids.ann}/unpause`, auth.ann);
      assert.equal(r.json().state, 'available');
      r = await post(`/agents/${ids.ann}/answer-point`, auth.ann, { answer_point: '0299990001' });
      assert.deepEqual([r.statusCode, r.json().answer_point], [200, '+61299990001']);
      r = await t.server.inject({ method: 'GET', url: '/artic/v1/me', headers: { authorization: auth.ann } });
      assert.deepEqual([r.statusCode, r.json().id], [200, ids.ann]);
      clock.advance(10_000);
      r = await post(`/agents/${ids.ann}/logout`, auth.ann);
      assert.equal(r.json().state, 'logged_out');
      const j = await t.app.storage.db.selectFrom('artic_journal').select(['event', 'data1', 'data2']).where('agent_id', '=', ids.ann).orderBy('at_ms').orderBy('id').execute();
      assert.deepEqual(j.map((x) => `${x.event} ${x.data1} ${x.data2}`.trim()), ['AGENTLOGIN +61400009601', 'PAUSE lunch', 'UNPAUSE lunch 30', 'AGENTLOGOFF +61299990001 100']);
    });

    it('conflicts: logging in twice, pausing or logging off a logged-out agent, unpausing one not paused (409)', async () => {
      assert.equal((await post(`/agents/${ids.cat}/login`, auth.cat)).statusCode, 200);
      assert.equal((await post(`/agents/${ids.cat}/login`, auth.cat)).statusCode, 409);
      assert.equal((await post(`/agents/${ids.cat}/unpause`, auth.cat)).statusCode, 409);
      assert.equal((await post(`/agents/${ids.cat}/logout`, auth.cat)).statusCode, 200);
      assert.equal((await post(`/agents/${ids.cat}/logout`, auth.cat)).statusCode, 409);
      assert.equal((await post(`/agents/${ids.cat}/pause`, auth.cat, { reason: 'x' })).statusCode, 409);
    });

    it('an agent cannot act for another; a supervisor can for the agents of their teams; settings can for all (403 otherwise)', async () => {
      let r = await post(`/agents/${ids.bob}/login`, auth.ann);
      assert.equal(r.statusCode, 403, r.body);
      assert.match(r.json().detail, /acts only for themselves/);
      r = await post(`/agents/${ids.cat}/login`, auth.ann);
      assert.equal(r.statusCode, 403);
      r = await post(`/agents/${ids.ann}/login`, auth.bob);
      assert.equal(r.statusCode, 200, 'Bob supervises team A');
      r = await post(`/agents/${ids.ann}/pause`, auth.bob, { reason: 'coaching' });
      assert.equal(r.statusCode, 200);
      r = await post(`/agents/${ids.cat}/login`, auth.bob);
      assert.equal(r.statusCode, 403, 'Cat is not in a team of Bob');
      r = await post(`/agents/${ids.ann}/unpause`, auth.zed);
      assert.equal(r.statusCode, 403);
      assert.match(r.json().detail, /not an agent of this account/);
      r = await post(`/agents/${ids.cat}/login`, auth.owner);
      assert.equal(r.statusCode, 200, 'the owner acts for everyone');
      r = await t.server.inject({ method: 'GET', url: '/artic/v1/me', headers: { authorization: auth.zed } });
      assert.equal(r.statusCode, 404);
    });

    it('another account’s agent is not found (404), for its owner too; wrong or missing credentials are 401', async () => {
      assert.equal((await post(`/agents/${ids.foreign}/login`, auth.owner)).statusCode, 404);
      assert.equal((await post(`/agents/${ids.ann}/login`, auth.other)).statusCode, 404);
      assert.equal((await post(`/agents/${ids.ann}/login`, undefined)).statusCode, 401);
      assert.equal((await post(`/agents/${ids.ann}/login`, basic('ann', 'wrong-password'))).statusCode, 401);
      const me = await t.server.inject({ method: 'GET', url: '/artic/v1/me' });
      assert.equal(me.statusCode, 401);
    });

    it('bad input is 400 naming the field', async () => {
      const cases: [string, unknown, string][] = [
        [`/agents/${ids.cat}/pause`, {}, 'reason'],
        [`/agents/${ids.cat}/pause`, { reason: 'no/slashes' }, 'reason'],
        [`/agents/${ids.cat}/pause`, { reason: 'x'.repeat(41) }, 'reason'],
        [`/agents/${ids.cat}/answer-point`, { answer_point: 'not a phone' }, 'answer_point'],
        [`/agents/${ids.cat}/answer-point`, {}, 'answer_point'],
        [`/agents/${ids.cat}/login`, { answer_point: 12 }, 'answer_point'],
        [`/agents/${ids.cat}/login`, { nonsense: true }, 'nonsense'],
      ];
      for (const [path, body, field] of cases) {
        const r = await post(path, auth.owner, body);
        assert.equal(r.statusCode, 400, `${path} ${JSON.stringify(body)}: ${r.body}`);
        const j = r.json();
        assert.ok(JSON.stringify(j).includes(field), `${path} ${JSON.stringify(body)} names ${field}: ${r.body}`);
      }
    });
  });
}
