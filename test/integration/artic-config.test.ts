import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/domain/clock.ts';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { GOOD, lockoutOff } from '../support/userapi.ts';
import { articApi, created } from '../support/artic.ts';

const KINDS = ['teams', 'agents', 'queues', 'menus'] as const;

for (const dialect of DIALECTS) {
  describe(`ARTIC admin: teams, agents, queues and menus under /artic/v1 (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    // A Tuesday, 10:30 in Sydney (AEDT, +11).
    const clock = new ManualClock('2026-03-02T23:30:00.000Z');
    let a: { auth: string; username: string };
    let b: { auth: string };
    let analyst: { id: string; auth: string };
    let reader: { auth: string };
    const api = articApi(() => t.server);
    const ids: Record<(typeof KINDS)[number], string> = { teams: '', agents: '', queues: '', menus: '' };

    before(async () => {
      // Many wrong passwords on purpose (the 401s): the failed-auth throttle must not answer 429 instead.
      t = await buildTestApp(dialect, { clock, env: { TT_AUTH_FAIL_USER_LIMIT: '1000', TT_AUTH_FAIL_ADDRESS_LIMIT: '100000' } });
      a = await makeAccount(t.app, 7101, { timezone: 'Australia/Sydney' });
      b = await makeAccount(t.app, 7102);
      const u = await t.app.accounts.createUser({ username: 'artic-analyst', password: GOOD('a'), clientIds: [7101], role: 'analyst' });
      analyst = { id: u.id, auth: basic('artic-analyst', GOOD('a')) };
      await t.app.accounts.createUser({ username: 'artic-reader', password: GOOD('r'), clientIds: [7101], role: 'read_only' });
      reader = { auth: basic('artic-reader', GOOD('r')) };
    });
    after(async () => t?.close());

    it('answers 401 on every route without or with wrong credentials', async () => {
      await lockoutOff(t.app, [7101, 7102]); // many wrong passwords on purpose: this tests the 401, not the lockout
      for (const k of KINDS) {
        for (const [m, url, body] of [['GET', `/${k}`], ['POST', `/${k}`, { name: 'x' }], ['GET', `/${k}/x1`], ['PATCH', `/${k}/x1`, { name: 'y' }], ['DELETE', `/${k}/x1`]] as [string, string, unknown?][]) {
          for (const auth of [undefined, basic(a.username, 'wrong-password'), 'Bearer ttk_not_a_key']) {
            const r = await api(m, url, auth, body);
            assert.equal(r.statusCode, 401, `${m} ${url} (${auth ?? 'none'}): ${r.body}`);
            assert.equal(r.json().code, 'unauthorized');
          }
        }
      }
    });

    it('creates a team, an agent, a queue (with the defaults) and a menu', async () => {
      const sales = await created(api, a.auth, '/teams', { name: ' Sales ' });
      assert.deepEqual([sales.name, sales.client_id, sales.agent_ids, sales.queue_ids], ['Sales', 7101, [], []]);
      assert.match(sales.id, /^atm_/);
      ids.teams = sales.id;

      const agent = await created(api, a.auth, '/agents', { name: 'Ann', answer_point: '0412 345 678', skills: ['French', 'sales', 'french'], team_ids: [sales.id], user_id: analyst.id, supervisor: true });
      assert.deepEqual(
        { name: agent.name, answer_point: agent.answer_point, skills: agent.skills, team_ids: agent.team_ids, user_id: agent.user_id, supervisor: agent.supervisor },
        { name: 'Ann', answer_point: '+61412345678', skills: ['french', 'sales'], team_ids: [sales.id], user_id: analyst.id, supervisor: true },
      );
      assert.deepEqual([agent.state, agent.state_since, agent.pause_reason], ['logged_out', null, null], 'the live state, read-only');
      ids.agents = agent.id;
      const sip = await created(api, a.auth, '/agents', { name: 'Bob', answer_point: 'sip:bob@PBX.example.com:5060' });
      assert.deepEqual([sip.answer_point, sip.skills, sip.team_ids, sip.user_id, sip.supervisor], ['sip:bob@pbx.example.com:5060', [], [], null, false]);

      const q = await created(api, a.auth, '/queues', { name: 'Sales line', team_ids: [sales.id] });
      const { id, created_at, updated_at, ...settings } = q;
      assert.match(id, /^aq_/);
      assert.equal(created_at, '2026-03-02T23:30:00.000Z');
      assert.equal(updated_at, created_at);
      assert.deepEqual(settings, {
        client_id: 7101,
        name: 'Sales line',
        strategy: 'longest_idle',
        ring_time_sec: 20,
        max_wait_sec: 300,
        wrapup_sec: 10,
        service_level_sec: 20,
        short_abandon_sec: 5,
        poll_sec: 5,
        hold_music_url: null,
        hold_text: null,
        announce_position: true,
        leave_when_empty: true,
        skills: [],
        team_ids: [sales.id],
        timezone: 'Australia/Sydney',
        hours: null,
        holidays: [],
        overflow: { kind: 'voicemail' },
        closed_route: { kind: 'voicemail' },
        open_now: true,
      });
      ids.queues = id;
      const full = await created(api, a.auth, '/queues', {
        name: 'Support line',
        strategy: 'ring_all',
        ring_time_sec: 15,
        max_wait_sec: 600,
        wrapup_sec: 0,
        service_level_sec: 30,
        short_abandon_sec: 3,
        poll_sec: 10,
        hold_music_url: 'https://media.example/hold.mp3',
        hold_text: 'Thanks for waiting.',
        announce_position: false,
        leave_when_empty: false,
        skills: ['Support'],
        team_ids: [sales.id],
        timezone: 'Europe/London',
        hours: [{ day: 2, open: '12:00', close: '17:00' }, { day: 1, open: '09:00', close: '17:00' }],
        holidays: ['2026-12-25', '2026-01-01', '2026-12-25'],
        overflow: { kind: 'queue', queue_id: q.id },
        closed_route: { kind: 'prompt', text: 'We are closed.' },
      });
      assert.deepEqual(full.hours, [{ day: 1, open: '09:00', close: '17:00' }, { day: 2, open: '12:00', close: '17:00' }], 'sorted');
      assert.deepEqual(full.holidays, ['2026-01-01', '2026-12-25']);
      assert.deepEqual([full.strategy, full.skills, full.overflow, full.closed_route, full.announce_position], ['ring_all', ['support'], { kind: 'queue', queue_id: q.id }, { kind: 'prompt', text: 'We are closed.' }, false]);
      assert.equal(full.open_now, false, 'Monday 23:30 in London');

      const menu = await created(api, a.auth, '/menus', {
        name: 'Main menu',
        prompt_text: 'For sales press 1, for support press 2.',
        options: [
          { digit: '1', name: 'Sales', action: 'queue', queue_id: q.id },
          { digit: '2', action: 'queue', queue_id: full.id },
          { digit: '#', action: 'prompt', text: 'Goodbye.' },
        ],
      });
      assert.deepEqual(menu.options, [
        { digit: '1', name: 'Sales', action: 'queue', queue_id: q.id },
        { digit: '2', name: null, action: 'queue', queue_id: full.id },
        { digit: '#', name: null, action: 'prompt', text: 'Goodbye.' },
      ]);
      assert.deepEqual([menu.timeout_sec, menu.otherwise, menu.prompt_url], [5, { action: 'hangup' }, null]);
      ids.menus = menu.id;

      const team = (await api('GET', `/teams/${sales.id}`, a.auth)).json();
      assert.deepEqual([team.agent_ids, team.queue_ids.length], [[agent.id], 2]);
      const audit = await t.app.storage.db.selectFrom('audit_log').select(['action', 'target', 'actor_name']).where('client_id', '=', 7101).where('action', 'like', 'artic_%').orderBy('at').orderBy('id').execute();
      assert.deepEqual(audit.map((x) => x.action), ['artic_team.create', 'artic_agent.create', 'artic_agent.create', 'artic_queue.create', 'artic_queue.create', 'artic_menu.create']);
      assert.ok(audit.every((x) => x.actor_name === a.username));
    });

    it('lists and shows each kind; changes only the fields given', async () => {
      for (const k of KINDS) {
        const r = await api('GET', `/${k}`, a.auth);
        assert.equal(r.statusCode, 200, r.body);
        assert.ok(r.json()[k].some((x: { id: string }) => x.id === ids[k]), k);
        assert.equal((await api('GET', `/${k}/${ids[k]}`, a.auth)).json().id, ids[k]);
      }
      clock.advance(60_000);
      const team = await api('PATCH', `/teams/${ids.teams}`, a.auth, { name: 'Sales AU' });
      assert.equal(team.statusCode, 200, team.body);
      assert.deepEqual([team.json().name, team.json().updated_at], ['Sales AU', '2026-03-02T23:31:00.000Z']);
      const support = await created(api, a.auth, '/teams', { name: 'Support' });
      const agent = await api('PATCH', `/agents/${ids.agents}`, a.auth, { team_ids: [support.id, ids.teams], skills: [], user_id: null });
      assert.equal(agent.statusCode, 200, agent.body);
      assert.deepEqual([agent.json().team_ids.sort(), agent.json().skills, agent.json().user_id, agent.json().name, agent.json().answer_point], [[support.id, ids.teams].sort(), [], null, 'Ann', '+61412345678']);
      const queue = await api('PATCH', `/queues/${ids.queues}`, a.auth, { ring_time_sec: 30, hours: [{ day: 1, open: '00:00', close: '24:00' }], team_ids: [support.id], overflow: { kind: 'team', team_id: ids.teams } });
      assert.equal(queue.statusCode, 200, queue.body);
      const qv = queue.json();
      assert.deepEqual([qv.ring_time_sec, qv.max_wait_sec, qv.team_ids, qv.overflow, qv.open_now], [30, 300, [support.id], { kind: 'team', team_id: ids.teams }, false], 'Tuesday in Sydney: closed');
      const menu = await api('PATCH', `/menus/${ids.menus}`, a.auth, { timeout_sec: 10, otherwise: { action: 'queue', queue_id: ids.queues }, prompt_url: 'https://media.example/menu.wav' });
      assert.equal(menu.statusCode, 200, menu.body);
      assert.deepEqual([menu.json().timeout_sec, menu.json().otherwise, menu.json().options.length, menu.json().prompt_text], [10, { action: 'queue', queue_id: ids.queues }, 3, 'For sales press 1, for support press 2.']);
      const audit = await t.app.storage.db.selectFrom('audit_log').select(['action', 'target', 'detail']).where('client_id', '=', 7101).where('action', 'like', 'artic_%.update').orderBy('at').orderBy('id').execute();
      assert.deepEqual(audit.map((x) => [x.action, x.target]), [['artic_team.update', ids.teams], ['artic_agent.update', ids.agents], ['artic_queue.update', ids.queues], ['artic_menu.update', ids.menus]]);
      assert.deepEqual(JSON.parse(audit[0].detail!), { name: 'Sales AU' });
    });

    it('an analyst or a read-only user reads but changes nothing (403)', async () => {
      for (const who of [analyst, reader]) {
        for (const k of KINDS) {
          assert.equal((await api('GET', `/${k}`, who.auth)).statusCode, 200);
          assert.equal((await api('GET', `/${k}/${ids[k]}`, who.auth)).statusCode, 200);
          for (const [m, url, body] of [['POST', `/${k}`, { name: 'Mine' }], ['PATCH', `/${k}/${ids[k]}`, { name: 'Mine' }], ['DELETE', `/${k}/${ids[k]}`]] as [string, string, unknown?][]) {
            const r = await api(m, url, who.auth, body);
            assert.equal(r.statusCode, 403, `${m} ${url}: ${r.body}`);
            assert.equal(r.json().code, 'forbidden');
          }
        }
      }
      assert.equal((await api('GET', `/teams/${ids.teams}`, a.auth)).json().name, 'Sales AU', 'unchanged');
    });

    it('another account sees none of it: 404 for its ids, empty lists, and its rows cannot be referenced', async () => {
      for (const k of KINDS) {
        assert.deepEqual((await api('GET', `/${k}`, b.auth)).json()[k], []);
        for (const [m, url, body] of [['GET', `/${k}/${ids[k]}`], ['PATCH', `/${k}/${ids[k]}`, { name: 'Mine now' }], ['DELETE', `/${k}/${ids[k]}`]] as [string, string, unknown?][]) {
          const r = await api(m, url, b.auth, body);
          assert.equal(r.statusCode, 404, `${m} ${url}: ${r.body}`);
          assert.equal(r.json().code, 'not_found');
        }
        assert.equal((await api('GET', `/${k}/nope_123`, a.auth)).statusCode, 404, 'a missing id');
      }
      // Naming account A explicitly is refused as well.
      assert.equal((await api('GET', `/teams/${ids.teams}?client_id=7101`, b.auth)).statusCode, 403);
      const bq = await api('POST', '/queues', b.auth, { name: 'B', team_ids: [ids.teams] });
      assert.equal(bq.statusCode, 400, bq.body);
      assert.equal(bq.json().errors[0].path, 'team_ids[0]');
      const ba = await api('POST', '/agents', b.auth, { name: 'B', answer_point: '+61290088888', user_id: analyst.id });
      assert.equal(ba.statusCode, 400, 'a user of another account');
      assert.equal(ba.json().errors[0].path, 'user_id');
      const bm = await api('POST', '/menus', b.auth, { name: 'B', prompt_text: 'Hi', options: [{ digit: '1', action: 'menu', menu_id: ids.menus }] });
      assert.equal(bm.statusCode, 400);
      assert.equal(bm.json().errors[0].path, 'options[0].menu_id');
    });

    it('deletes each kind (204), then 404; links to a deleted team go with it', async () => {
      const extra = await created(api, a.auth, '/teams', { name: 'Temp' });
      const agent = await created(api, a.auth, '/agents', { name: 'Temp agent', answer_point: '+61290088888', team_ids: [extra.id, ids.teams] });
      const menu = await created(api, a.auth, '/menus', { name: 'Temp menu', prompt_text: 'Hi', options: [{ digit: '0', action: 'hangup' }] });
      const queue = await created(api, a.auth, '/queues', { name: 'Temp queue', team_ids: [extra.id, ids.teams] });
      assert.equal((await api('DELETE', `/teams/${extra.id}`, a.auth)).statusCode, 204, 'another team still serves the queue');
      assert.deepEqual((await api('GET', `/agents/${agent.id}`, a.auth)).json().team_ids, [ids.teams]);
      assert.deepEqual((await api('GET', `/queues/${queue.id}`, a.auth)).json().team_ids, [ids.teams]);
      for (const [k, id] of [['agents', agent.id], ['menus', menu.id], ['queues', queue.id]]) {
        assert.equal((await api('DELETE', `/${k}/${id}`, a.auth)).statusCode, 204, k);
        assert.equal((await api('GET', `/${k}/${id}`, a.auth)).statusCode, 404, k);
      }
      assert.equal((await api('GET', `/teams/${extra.id}`, a.auth)).statusCode, 404);
      const deletes = await t.app.storage.db.selectFrom('audit_log').select(['action', 'target']).where('client_id', '=', 7101).where('action', 'like', 'artic_%.delete').execute();
      assert.deepEqual(deletes.map((d) => d.action).sort(), ['artic_agent.delete', 'artic_menu.delete', 'artic_queue.delete', 'artic_team.delete']);
    });

    it('documents every route in OpenAPI under the ARTIC tag with its permission', async () => {
      const doc = (await t.server.inject({ method: 'GET', url: '/openapi.json' })).json();
      for (const k of KINDS) {
        for (const [path, methods] of [[`/artic/v1/${k}`, { get: 'read', post: 'settings' }], [`/artic/v1/${k}/{id}`, { get: 'read', patch: 'settings', delete: 'settings' }]] as [string, Record<string, string>][]) {
          for (const [m, permission] of Object.entries(methods)) {
            const op = doc.paths[path]?.[m];
            assert.ok(op, `${m} ${path}`);
            assert.deepEqual(op.tags, ['ARTIC']);
            assert.equal(op['x-permission'], permission, `${m} ${path}`);
          }
        }
      }
    });
  });
}
