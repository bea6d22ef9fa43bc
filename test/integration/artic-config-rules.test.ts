import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { liveServices } from '../support/dni.ts';
import { articApi, assertField, created } from '../support/artic.ts';

for (const dialect of DIALECTS) {
  describe(`ARTIC admin: bad input (400 naming the field) and deletes refused while in use (409) (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let a: { auth: string };
    let team: { id: string };
    let other: { id: string };
    let queue: { id: string };
    let menu: { id: string };
    const api = articApi(() => t.server);

    before(async () => {
      t = await buildTestApp(dialect);
      a = await makeAccount(t.app, 7201);
      team = await created(api, a.auth, '/teams', { name: 'Sales' });
      other = await created(api, a.auth, '/teams', { name: 'Support' });
      queue = await created(api, a.auth, '/queues', { name: 'Sales line', team_ids: [team.id] });
      menu = await created(api, a.auth, '/menus', { name: 'Main', prompt_text: 'Hello', options: [{ digit: '1', action: 'queue', queue_id: queue.id }] });
    });
    after(async () => t?.close());

    it('teams and agents: name, answer point, skills, teams, user, supervisor', async () => {
      for (const [body, field] of [
        [{}, 'name'],
        [{ name: '' }, 'name'],
        [{ name: '   ' }, 'name'],
        [{ name: 'x'.repeat(101) }, 'name'],
        [{ name: 'T', colour: 'red' }, 'colour'],
      ] as [Record<string, unknown>, string][]) {
        assertField(await api('POST', '/teams', a.auth, body), field, `team ${JSON.stringify(body)}`);
      }
      assertField(await api('PATCH', `/teams/${team.id}`, a.auth, { name: '' }), 'name', 'team rename to nothing');
      const dup = await api('POST', '/teams', a.auth, { name: 'Sales' });
      assert.equal(dup.statusCode, 409, dup.body);
      assert.equal(dup.json().errors[0].path, 'name');
      assert.equal((await api('PATCH', `/teams/${other.id}`, a.auth, { name: 'Sales' })).statusCode, 409, 'renamed onto another team');

      const ok = { name: 'Ann', answer_point: '+61290088888' };
      for (const [extra, field] of [
        [{ name: undefined }, 'name'],
        [{ answer_point: undefined }, 'answer_point'],
        [{ answer_point: '12' }, 'answer_point'],
        [{ answer_point: '0290088888x' }, 'answer_point'],
        [{ answer_point: 'sip:nobody' }, 'answer_point'],
        [{ answer_point: 'sip:@host.example' }, 'answer_point'],
        [{ answer_point: 'tel:+61290088888' }, 'answer_point'],
        [{ skills: { french: true } }, 'skills'],
        [{ skills: [''] }, 'skills[0]'],
        [{ skills: ['ok', 'no,commas'] }, 'skills[1]'],
        [{ skills: ['x'.repeat(41)] }, 'skills[0]'],
        [{ skills: Array.from({ length: 21 }, (_, i) => `s${i}`) }, 'skills'],
        [{ team_ids: [team.id, 'atm_nope'] }, 'team_ids[1]'],
        [{ team_ids: { id: team.id } }, 'team_ids'],
        [{ user_id: 'usr_nope' }, 'user_id'],
        [{ supervisor: 'yes' }, 'supervisor'],
        [{ state: 'available' }, 'state'],
      ] as [Record<string, unknown>, string][]) {
        const body = { ...ok, ...extra };
        assertField(await api('POST', '/agents', a.auth, body), field, `agent ${JSON.stringify(extra)}`);
      }
      const agent = await created(api, a.auth, '/agents', { ...ok, answer_point: '02 9008 8888' });
      assert.equal(agent.answer_point, '+61290088888', 'national Australian form');
      assertField(await api('PATCH', `/agents/${agent.id}`, a.auth, { answer_point: 'nope' }), 'answer_point', 'agent patch');
      assertField(await api('PATCH', `/agents/${agent.id}`, a.auth, { state_since: null }), 'state_since', 'the live state is read-only');
      assert.equal((await api('GET', '/agents', a.auth)).json().agents.length, 1, 'nothing else was created');
      // A user acts as one agent at most.
      const owner = await t.app.storage.db.selectFrom('users').select('id').where('username', '=', 'user7201').executeTakeFirstOrThrow();
      assert.equal((await api('PATCH', `/agents/${agent.id}`, a.auth, { user_id: owner.id })).statusCode, 200);
      const twice = await api('POST', '/agents', a.auth, { ...ok, user_id: owner.id });
      assert.equal(twice.statusCode, 409, twice.body);
      assert.equal(twice.json().errors[0].path, 'user_id');
      assert.match(twice.json().detail, new RegExp(agent.id));
      assert.equal((await api('PATCH', `/agents/${agent.id}`, a.auth, { user_id: owner.id, name: 'Ann B' })).statusCode, 200, 'the same agent keeps its user');
    });

    it('queues: strategy, timings, URLs, teams, time zone, hours, holidays, overflow and closed route', async () => {
      const ok = { name: 'Q', team_ids: [team.id] };
      const cases: [Record<string, unknown>, string][] = [
        [{ name: undefined }, 'name'],
        [{ team_ids: undefined }, 'team_ids'],
        [{ team_ids: [] }, 'team_ids'],
        [{ team_ids: ['atm_nope'] }, 'team_ids[0]'],
        [{ strategy: 'random' }, 'strategy'],
        [{ ring_time_sec: 4 }, 'ring_time_sec'],
        [{ ring_time_sec: 121 }, 'ring_time_sec'],
        [{ max_wait_sec: 9 }, 'max_wait_sec'],
        [{ max_wait_sec: 7201 }, 'max_wait_sec'],
        [{ wrapup_sec: -1 }, 'wrapup_sec'],
        [{ wrapup_sec: 601 }, 'wrapup_sec'],
        [{ service_level_sec: 0 }, 'service_level_sec'],
        [{ short_abandon_sec: 61 }, 'short_abandon_sec'],
        [{ poll_sec: 0 }, 'poll_sec'],
        [{ poll_sec: 61 }, 'poll_sec'],
        [{ ring_time_sec: 20.5 }, 'ring_time_sec'],
        [{ hold_music_url: 'ftp://media.example/x.mp3' }, 'hold_music_url'],
        [{ hold_music_url: 'not a url' }, 'hold_music_url'],
        [{ announce_position: 'yes' }, 'announce_position'],
        [{ leave_when_empty: 'maybe' }, 'leave_when_empty'],
        [{ skills: ['$$$'] }, 'skills[0]'],
        [{ timezone: 'Mars/Olympus' }, 'timezone'],
        [{ hours: [{ day: 7, open: '09:00', close: '17:00' }] }, 'hours[0].day'],
        [{ hours: [{ day: 1, open: '9:00', close: '17:00' }] }, 'hours[0].open'],
        [{ hours: [{ day: 1, open: '09:00', close: '24:30' }] }, 'hours[0].close'],
        [{ hours: [{ day: 1, open: '17:00', close: '09:00' }] }, 'hours[0].close'],
        [{ hours: [{ day: 1, open: '09:00', close: '09:00' }] }, 'hours[0].close'],
        [{ hours: [{ day: 1, open: '09:00' }] }, 'hours[0].close'],
        [{ hours: 'weekdays' }, 'hours'],
        [{ holidays: ['2026-02-30'] }, 'holidays[0]'],
        [{ holidays: ['25/12/2026'] }, 'holidays[0]'],
        [{ overflow: { kind: 'elsewhere' } }, 'overflow.kind'],
        [{ overflow: { kind: 'queue' } }, 'overflow.queue_id'],
        [{ overflow: { kind: 'queue', queue_id: 'aq_nope' } }, 'overflow.queue_id'],
        [{ overflow: { kind: 'team' } }, 'overflow.team_id'],
        [{ overflow: { kind: 'team', team_id: 'atm_nope' } }, 'overflow.team_id'],
        [{ overflow: { kind: 'team', team_id: team.id } }, 'overflow.team_id'], // it serves the queue already
        [{ overflow: { kind: 'prompt' } }, 'overflow.text'],
        [{ overflow: { kind: 'voicemail', queue_id: queue.id } }, 'overflow.queue_id'],
        [{ closed_route: { kind: 'team', team_id: other.id } }, 'closed_route.kind'],
        [{ closed_route: { kind: 'queue', queue_id: 'aq_nope' } }, 'closed_route.queue_id'],
        [{ closed_route: 'voicemail' }, 'closed_route'],
        [{ short_abandon_sec: 30, max_wait_sec: 20 }, 'short_abandon_sec'],
      ];
      for (const [extra, field] of cases) {
        assertField(await api('POST', '/queues', a.auth, { ...ok, ...extra }), field, `queue ${JSON.stringify(extra)}`);
      }
      for (const [patch, field] of [
        [{ overflow: { kind: 'queue', queue_id: queue.id } }, 'overflow.queue_id'], // not itself
        [{ closed_route: { kind: 'queue', queue_id: queue.id } }, 'closed_route.queue_id'],
        [{ team_ids: [] }, 'team_ids'],
        [{ hours: [{ day: 0, open: '10:00', close: '08:00' }] }, 'hours[0].close'],
      ] as [Record<string, unknown>, string][]) {
        assertField(await api('PATCH', `/queues/${queue.id}`, a.auth, patch), field, `queue patch ${JSON.stringify(patch)}`);
      }
      const dup = await api('POST', '/queues', a.auth, { name: 'Sales line', team_ids: [team.id] });
      assert.equal(dup.statusCode, 409, dup.body);
      assert.equal((await api('GET', '/queues', a.auth)).json().queues.length, 1, 'nothing else was created');
    });

    it('menus: prompt, timeout, options (digits, actions, targets) and otherwise', async () => {
      const ok = { name: 'M', prompt_text: 'Hi', options: [{ digit: '1', action: 'hangup' }] };
      const cases: [Record<string, unknown>, string][] = [
        [{ name: undefined }, 'name'],
        [{ prompt_text: undefined }, 'prompt_text'],
        [{ prompt_text: null, prompt_url: 'gopher://x' }, 'prompt_url'],
        [{ timeout_sec: 0 }, 'timeout_sec'],
        [{ timeout_sec: 31 }, 'timeout_sec'],
        [{ options: undefined }, 'options'],
        [{ options: [] }, 'options'],
        [{ options: Array.from({ length: 13 }, () => ({ digit: '1', action: 'hangup' })) }, 'options'],
        [{ options: [{ digit: '10', action: 'hangup' }] }, 'options[0].digit'],
        [{ options: [{ digit: 'a', action: 'hangup' }] }, 'options[0].digit'],
        [{ options: [{ digit: '1', action: 'hangup' }, { digit: '1', action: 'voicemail' }] }, 'options[1].digit'],
        [{ options: [{ digit: '1', action: 'transfer' }] }, 'options[0].action'],
        [{ options: [{ digit: '1', action: 'queue' }] }, 'options[0].queue_id'],
        [{ options: [{ digit: '1', action: 'queue', queue_id: 'aq_nope' }] }, 'options[0].queue_id'],
        [{ options: [{ digit: '1', action: 'menu', menu_id: 'amn_nope' }] }, 'options[0].menu_id'],
        [{ options: [{ digit: '1', action: 'prompt' }] }, 'options[0].text'],
        [{ options: [{ digit: '1', action: 'hangup', queue_id: queue.id }] }, 'options[0].queue_id'],
        [{ options: [{ digit: '1', action: 'hangup', colour: 'red' }] }, 'options[0].colour'],
        [{ otherwise: { action: 'team' } }, 'otherwise.action'],
        [{ otherwise: { action: 'menu', menu_id: 'amn_nope' } }, 'otherwise.menu_id'],
        [{ otherwise: { digit: '1', action: 'hangup' } }, 'otherwise.digit'],
      ];
      for (const [extra, field] of cases) {
        assertField(await api('POST', '/menus', a.auth, { ...ok, ...extra }), field, `menu ${JSON.stringify(extra)}`);
      }
      for (const [patch, field] of [
        [{ options: [{ digit: '1', action: 'menu', menu_id: menu.id }] }, 'options[0].menu_id'], // not itself
        [{ otherwise: { action: 'menu', menu_id: menu.id } }, 'otherwise.menu_id'],
        [{ prompt_text: null }, 'prompt_text'], // nothing left to say
      ] as [Record<string, unknown>, string][]) {
        assertField(await api('PATCH', `/menus/${menu.id}`, a.auth, patch), field, `menu patch ${JSON.stringify(patch)}`);
      }
      const url = await created(api, a.auth, '/menus', { ...ok, name: 'Audio', prompt_text: undefined, prompt_url: 'https://media.example/menu.wav' });
      assert.deepEqual([url.prompt_text, url.prompt_url], [null, 'https://media.example/menu.wav']);
    });

    it('refuses deletes while something uses the row (409 naming it), then allows them', async () => {
      const conflict = async (path: string, ...words: string[]) => {
        const r = await api('DELETE', path, a.auth);
        assert.equal(r.statusCode, 409, `${path}: ${r.body}`);
        assert.equal(r.json().code, 'conflict');
        for (const w of words) assert.ok(r.json().detail.includes(w), `${path}: "${w}" in ${r.json().detail}`);
      };
      // The last team serving a queue; a team a queue overflows to.
      await conflict(`/teams/${team.id}`, queue.id, 'only team serving');
      const q2 = await created(api, a.auth, '/queues', { name: 'Overflowing', team_ids: [team.id, other.id], overflow: { kind: 'team', team_id: (await created(api, a.auth, '/teams', { name: 'Backup' })).id } });
      const backup = q2.overflow.team_id;
      await conflict(`/teams/${backup}`, q2.id, 'overflows');

      // A queue a live service, a menu option or another queue's route sends calls to; callers waiting in it.
      const [svc, dead] = await liveServices(t.app, 7201, '+61290005001', 2);
      const db = t.app.storage.db;
      await sql`update services set artic_queue_id = ${queue.id} where id in (${svc.id}, ${dead.id})`.execute(db);
      await db.updateTable('services').set({ status: 'decommissioned' }).where('id', '=', dead.id).execute();
      await conflict(`/queues/${queue.id}`, svc.id, menu.id, 'options[0]');
      assert.ok(!(await api('DELETE', `/queues/${queue.id}`, a.auth)).json().detail.includes(dead.id), 'a decommissioned service does not count');
      await sql`update services set artic_queue_id = null where id = ${svc.id}`.execute(db);
      assert.equal((await api('PATCH', `/menus/${menu.id}`, a.auth, { options: [{ digit: '1', action: 'voicemail' }] })).statusCode, 200);
      assert.equal((await api('PATCH', `/queues/${q2.id}`, a.auth, { closed_route: { kind: 'queue', queue_id: queue.id } })).statusCode, 200);
      await conflict(`/queues/${queue.id}`, q2.id, 'closed_route');
      assert.equal((await api('PATCH', `/queues/${q2.id}`, a.auth, { closed_route: { kind: 'hangup' } })).statusCode, 200);
      await db.insertInto('artic_queue_calls').values({ id: 'aqc_1', client_id: 7201, queue_id: queue.id, call_id: 1, carrier: 'twilio', carrier_call_id: 'CA1', step_id: 's1', state: 'waiting', entered_at: '2026-04-01T00:00:00.000Z', orig_position: 1, agent_id: null, offered_agents: null, tried_agents: '[]', offered_at: null, connected_at: null, extra_team_id: null, overflowed_at: null, ended_at: null, outcome: null }).execute();
      await conflict(`/queues/${queue.id}`, '1 caller is in it now');
      await db.updateTable('artic_queue_calls').set({ state: 'done' }).where('id', '=', 'aqc_1').execute();

      // A menu a service or another menu leads to.
      const top = await created(api, a.auth, '/menus', { name: 'Top', prompt_text: 'Hi', options: [{ digit: '9', action: 'menu', menu_id: menu.id }], otherwise: { action: 'menu', menu_id: menu.id } });
      await sql`update services set artic_menu_id = ${menu.id} where id = ${svc.id}`.execute(db);
      await conflict(`/menus/${menu.id}`, svc.id, top.id, 'options[0]', 'otherwise');
      await sql`update services set artic_menu_id = null where id = ${svc.id}`.execute(db);
      assert.equal((await api('DELETE', `/menus/${top.id}`, a.auth)).statusCode, 204);
      assert.equal((await api('DELETE', `/menus/${menu.id}`, a.auth)).statusCode, 204);

      // An agent who is not logged out.
      const agent = await created(api, a.auth, '/agents', { name: 'Busy', answer_point: '+61290088888', team_ids: [team.id] });
      for (const state of ['available', 'paused', 'on_call', 'wrapup'] as const) {
        await db.updateTable('artic_agents').set({ state, state_since: '2026-04-01T00:00:00.000Z' }).where('id', '=', agent.id).execute();
        await conflict(`/agents/${agent.id}`, state, 'log the agent off');
      }
      await db.updateTable('artic_agents').set({ state: 'logged_out' }).where('id', '=', agent.id).execute();
      assert.equal((await api('DELETE', `/agents/${agent.id}`, a.auth)).statusCode, 204);

      // With nothing left using them, the queue and the teams go.
      assert.equal((await api('DELETE', `/queues/${queue.id}`, a.auth)).statusCode, 204);
      assert.equal((await api('DELETE', `/queues/${q2.id}`, a.auth)).statusCode, 204);
      for (const id of [team.id, backup]) assert.equal((await api('DELETE', `/teams/${id}`, a.auth)).statusCode, 204);
    });

    it('shows a wrap-up that has ended as available (the live state, read-only)', async () => {
      const agent = await created(api, a.auth, '/agents', { name: 'Wrap', answer_point: '+61290088888' });
      await t.app.storage.db.updateTable('artic_agents').set({ state: 'wrapup', state_since: '2020-01-01T00:00:00.000Z', busy_until: '2020-01-01T00:00:10.000Z' }).where('id', '=', agent.id).execute();
      const r = (await api('GET', `/agents/${agent.id}`, a.auth)).json();
      assert.deepEqual([r.state, r.state_since], ['available', '2020-01-01T00:00:10.000Z']);
      assert.equal(r.busy_until, undefined, 'busy_until is internal');
    });
  });
}
