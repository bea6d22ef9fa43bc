// UserAPI users, roles, invitations, admin resets, API keys and the audit log: the role rules (only owners grant or
// revoke owner, roles up to one's own, nobody changes their own role, an account keeps an enabled owner), disabling
// and removing, invitations accepted once, temporary passwords that must be changed, API keys shown once, scoped to
// one account and a role, revocable, usable as Bearer; every change audited; and no account sees or changes another's.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { GOOD, signIn } from '../support/userapi.ts';

for (const dialect of DIALECTS) {
  describe(`UserAPI users, roles, API keys and audit (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let owner: Awaited<ReturnType<typeof makeAccount>>;
    let stranger: Awaited<ReturnType<typeof makeAccount>>;
    const inject = (method: string, url: string, authorization: string, payload?: unknown) =>
      t.server.inject({ method: method as 'GET', url, headers: { authorization }, ...(payload === undefined ? {} : { payload: payload as object }) });
    /** Creates a user with a good password (null: an invitation). */
    const create = (auth: string, username: string, role: string, password: string | null = GOOD(username)) =>
      inject('POST', '/userapi/v1/users', auth, { username, role, ...(password !== null ? { password } : {}) });

    before(async () => {
      t = await buildTestApp(dialect, { env: { TT_AUTH_FAIL_USER_LIMIT: '1000', TT_AUTH_FAIL_ADDRESS_LIMIT: '100000' } });
      owner = await makeAccount(t.app, 4001, { password: GOOD('owner') });
      stranger = await makeAccount(t.app, 4002, { password: GOOD('stranger') });
    });
    after(async () => t?.close());

    it('creates users with a role and a policy-checked password; bad input is 400 naming the field; a taken name is 409', async () => {
      const res = await create(owner.auth, 'anna', 'admin');
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().user.role, 'admin');
      assert.equal(res.json().user.status, 'active');
      assert.equal(res.json().invitation, null);
      assert.equal((await inject('GET', '/webapi/v1/calls', basic('anna', GOOD('anna')))).statusCode, 200);
      const weak = await create(owner.auth, 'weak', 'analyst', 'short');
      assert.equal(weak.statusCode, 400);
      assert.equal(weak.json().errors[0].path, 'password');
      assert.equal((await create(owner.auth, 'bad name!', 'analyst')).json().errors[0].path, 'username');
      const role = await create(owner.auth, 'norole', 'superuser');
      assert.equal(role.statusCode, 400);
      assert.equal(role.json().errors[0].path, 'role');
      assert.equal((await create(owner.auth, 'anna', 'analyst')).statusCode, 409);
      assert.equal((await create(owner.auth, owner.username, 'analyst')).statusCode, 409);
      const list = await inject('GET', '/userapi/v1/users', owner.auth);
      assert.deepEqual(list.json().users.map((u: { username: string; role: string }) => `${u.username}:${u.role}`), ['anna:admin', `${owner.username}:owner`]);
    });

    it('invitations: no password gives a token shown once; accepting sets a policy-checked password, once', async () => {
      const res = await create(owner.auth, 'invitee', 'analyst', null);
      assert.equal(res.statusCode, 201, res.body);
      const { token } = res.json().invitation;
      assert.match(token, /^tti_/);
      assert.equal(res.json().user.status, 'invited');
      assert.equal((await t.server.inject({ method: 'POST', url: '/userapi/v1/session', payload: { username: 'invitee', password: 'anything-at-all' } })).statusCode, 401);
      const weak = await t.server.inject({ method: 'POST', url: '/userapi/v1/invitations/accept', payload: { token, password: 'weak' } });
      assert.equal(weak.statusCode, 400);
      assert.equal(weak.json().errors[0].path, 'password');
      const wrong = await t.server.inject({ method: 'POST', url: '/userapi/v1/invitations/accept', payload: { token: 'tti_nope', password: GOOD('invitee') } });
      assert.equal(wrong.statusCode, 401);
      const ok = await t.server.inject({ method: 'POST', url: '/userapi/v1/invitations/accept', payload: { token, password: GOOD('invitee') } });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().username, 'invitee');
      assert.equal((await t.server.inject({ method: 'POST', url: '/userapi/v1/invitations/accept', payload: { token, password: GOOD('again') } })).statusCode, 401, 'used once');
      await signIn(t.server, 'invitee', GOOD('invitee'));
    });

    it('role rules: admins cannot grant or revoke owner; nobody changes their own role; roles up to one\'s own', async () => {
      const anna = basic('anna', GOOD('anna'));
      const ownerByAdmin = await create(anna, 'wannabe', 'owner');
      assert.equal(ownerByAdmin.statusCode, 403);
      assert.match(ownerByAdmin.json().detail, /only an owner/);
      assert.equal((await create(anna, 'helper', 'admin')).statusCode, 201, 'an admin creates admins');
      const users = (await inject('GET', '/userapi/v1/users', owner.auth)).json().users as { id: string; username: string }[];
      const id = (name: string) => users.find((u) => u.username === name)!.id;
      const ownerId = id(owner.username);
      const demote = await inject('PUT', `/userapi/v1/users/${ownerId}/role`, anna, { role: 'analyst' });
      assert.equal(demote.statusCode, 403);
      assert.match(demote.json().detail, /only an owner/);
      const self = await inject('PUT', `/userapi/v1/users/${id('anna')}/role`, anna, { role: 'read_only' });
      assert.equal(self.statusCode, 403);
      assert.match(self.json().detail, /own role/);
      const ownSelf = await inject('PUT', `/userapi/v1/users/${ownerId}/role`, owner.auth, { role: 'admin' });
      assert.match(ownSelf.json().detail, /own role/);
      const analyst = await create(owner.auth, 'ana', 'analyst');
      assert.equal(analyst.statusCode, 201);
      const byAnalyst = await create(basic('ana', GOOD('ana')), 'x1', 'read_only');
      assert.equal(byAnalyst.statusCode, 403, 'analysts have no users permission');
      assert.match(byAnalyst.json().detail, /permission "users".*analyst/);
      const promote = await inject('PUT', `/userapi/v1/users/${id('helper')}/role`, owner.auth, { role: 'owner' });
      assert.equal(promote.statusCode, 200, promote.body);
      assert.equal(promote.json().role, 'owner');
      const badRole = await inject('PUT', `/userapi/v1/users/${id('helper')}/role`, owner.auth, { role: 'god' });
      assert.equal(badRole.statusCode, 400);
      assert.equal(badRole.json().errors[0].path, 'role');
      const audit = (await inject('GET', '/userapi/v1/audit?action=user.role', owner.auth)).json().entries;
      assert.deepEqual(audit[0].detail, { from: 'admin', to: 'owner' });
      assert.equal(audit[0].actor.name, owner.username);
    });

    it('an account keeps at least one enabled owner (409); disabled users are refused at once and enabled again', async () => {
      const users = (await inject('GET', '/userapi/v1/users', owner.auth)).json().users as { id: string; username: string }[];
      const id = (name: string) => users.find((u) => u.username === name)!.id;
      // Two owners now (owner, helper): helper can be demoted; then owner is the last one.
      assert.equal((await inject('PUT', `/userapi/v1/users/${id('helper')}/role`, owner.auth, { role: 'admin' })).statusCode, 200);
      const helper = basic('helper', GOOD('helper'));
      const soleOwnerOut = await inject('POST', `/userapi/v1/users/${id(owner.username)}/disable`, helper);
      assert.equal(soleOwnerOut.statusCode, 403, 'an admin cannot touch an owner');
      const lastOwner = await t.app.userAdmin.removeUser({ principal: await t.app.accounts.authenticate('helper', GOOD('helper')), address: null }, 4001, id(owner.username)).catch((e) => e);
      assert.equal(lastOwner.code, 'forbidden');
      // An owner removing the last owner (another owner promoted, then removing itself is "own access").
      const ana = basic('ana', GOOD('ana'));
      assert.equal((await inject('GET', '/webapi/v1/calls', ana)).statusCode, 200);
      const off = await inject('POST', `/userapi/v1/users/${id('ana')}/disable`, helper);
      assert.equal(off.statusCode, 200, off.body);
      assert.equal(off.json().status, 'disabled');
      assert.equal((await inject('GET', '/webapi/v1/calls', ana)).statusCode, 403, 'disabled: refused at once, even with the success cache');
      assert.equal((await inject('POST', `/userapi/v1/users/${id('ana')}/enable`, helper)).json().status, 'active');
      assert.equal((await inject('GET', '/webapi/v1/calls', ana)).statusCode, 200);
      // The last owner cannot be demoted by the other owner either once alone.
      assert.equal((await inject('PUT', `/userapi/v1/users/${id('helper')}/role`, owner.auth, { role: 'owner' })).statusCode, 200);
      assert.equal((await inject('PUT', `/userapi/v1/users/${id(owner.username)}/role`, helper, { role: 'admin' })).statusCode, 200);
      const last = await inject('PUT', `/userapi/v1/users/${id('helper')}/role`, owner.auth, { role: 'admin' });
      assert.equal(last.statusCode, 403, 'the owner is an admin now');
      const lastByself = await inject('DELETE', `/userapi/v1/users/${id('helper')}`, helper);
      assert.equal(lastByself.statusCode, 403);
      // Give ownership back for the tests below.
      assert.equal((await inject('PUT', `/userapi/v1/users/${id(owner.username)}/role`, helper, { role: 'owner' })).statusCode, 200);
      const keep = await t.app.userAdmin.changeRole({ principal: await t.app.accounts.authenticate(owner.username, GOOD('owner')), address: null }, 4001, id('helper'), 'admin');
      assert.equal(keep.role, 'admin');
      const soleDemote = await t.app.userAdmin.setDisabled({ principal: await t.app.accounts.authenticate('helper', GOOD('helper')), address: null }, 4001, id(owner.username), true).catch((e) => e);
      assert.equal(soleDemote.code, 'forbidden');
    });

    it('remove from the account deletes a user left without accounts; admin reset gives a temporary password that must be changed', async () => {
      const users = (await inject('GET', '/userapi/v1/users', owner.auth)).json().users as { id: string; username: string }[];
      const id = (name: string) => users.find((u) => u.username === name)!.id;
      const s = await signIn(t.server, 'invitee', GOOD('invitee'));
      const reset = await inject('POST', `/userapi/v1/users/${id('invitee')}/password-reset`, owner.auth);
      assert.equal(reset.statusCode, 200, reset.body);
      const temp = reset.json().temporary_password as string;
      assert.equal((await inject('GET', '/userapi/v1/session', s.bearer)).statusCode, 401, 'their sessions ended');
      assert.equal((await inject('GET', '/webapi/v1/calls', basic('invitee', GOOD('invitee')))).statusCode, 401, 'the old password is gone');
      const fresh = await signIn(t.server, 'invitee', temp);
      assert.equal(fresh.password_change_required, true);
      assert.equal((await inject('GET', '/webapi/v1/calls', fresh.bearer)).json().code, 'password_expired');
      assert.equal((await inject('PUT', '/userapi/v1/me/password', fresh.bearer, { current_password: temp, new_password: GOOD('invitee2') })).statusCode, 204);
      assert.equal((await inject('GET', '/webapi/v1/calls', basic('invitee', GOOD('invitee2')))).statusCode, 200);
      assert.equal((await inject('DELETE', `/userapi/v1/users/${id('invitee')}`, owner.auth)).statusCode, 204);
      assert.equal((await inject('GET', '/webapi/v1/calls', basic('invitee', GOOD('invitee2')))).statusCode, 401, 'deleted');
      assert.equal((await inject('GET', `/userapi/v1/users/${id('invitee')}`, owner.auth)).statusCode, 404);
      const actions = (await inject('GET', '/userapi/v1/audit?limit=100', owner.auth)).json().entries.map((e: { action: string }) => e.action);
      for (const a of ['user.create', 'user.invite', 'user.invitation_accept', 'user.role', 'user.disable', 'user.enable', 'user.password_reset', 'user.password_change', 'user.remove']) assert.ok(actions.includes(a), a);
    });

    it('API keys: shown once, stored hashed, one account and a role (not above the creator\'s), usable as Bearer, listed without secret, revoked', async () => {
      const created = await inject('POST', '/userapi/v1/api-keys', owner.auth, { name: 'crm', role: 'read_only' });
      assert.equal(created.statusCode, 201, created.body);
      const { key, id } = created.json();
      assert.match(key, /^ttk_[A-Za-z0-9_-]{43}$/);
      const stored = await t.app.storage.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.notEqual(stored.token_hash, key);
      const bearer = `Bearer ${key}`;
      assert.equal((await inject('GET', '/webapi/v1/calls', bearer)).statusCode, 200);
      const order = await inject('POST', '/telco/v1/requests', bearer, {});
      assert.equal(order.statusCode, 403, 'a read_only key cannot order numbers');
      assert.equal((await inject('GET', '/webapi/v1/calls?client_id=4002', bearer)).statusCode, 403, 'one account only');
      assert.deepEqual((await inject('GET', '/userapi/v1/accounts', bearer)).json().accounts, [{ client_id: 4001, name: 'Account 4001', role: 'read_only' }]);
      const list = await inject('GET', '/userapi/v1/api-keys', owner.auth);
      const item = list.json().api_keys.find((k: { id: string }) => k.id === id);
      assert.equal(item.key, undefined);
      assert.equal(item.prefix, key.slice(0, 10));
      assert.ok(item.last_used_at);
      assert.ok(!list.body.includes(key));
      // An admin cannot make an owner key; an analyst cannot make keys at all.
      const helper = basic('helper', GOOD('helper'));
      const ownerKey = await inject('POST', '/userapi/v1/api-keys', helper, { name: 'too much', role: 'owner' });
      assert.equal(ownerKey.statusCode, 403);
      assert.match(ownerKey.json().detail, /cannot create a key with the role owner/);
      assert.equal((await inject('POST', '/userapi/v1/api-keys', basic('ana', GOOD('ana')), { name: 'x', role: 'read_only' })).statusCode, 403);
      const bad = await inject('POST', '/userapi/v1/api-keys', owner.auth, { name: '', role: 'read_only' });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().errors[0].path, 'name');
      // An admin key acts with its role, audited as the key.
      const adminKey = (await inject('POST', '/userapi/v1/api-keys', owner.auth, { name: 'provisioning', role: 'admin' })).json();
      assert.equal((await inject('POST', '/userapi/v1/users', `Bearer ${adminKey.key}`, { username: 'bykey', role: 'read_only', password: GOOD('bykey') })).statusCode, 201);
      const entry = (await inject('GET', '/userapi/v1/audit?action=user.create', owner.auth)).json().entries[0];
      assert.equal(entry.actor.via, 'api_key');
      assert.equal(entry.actor.via_id, adminKey.id);
      assert.equal(entry.actor.name, 'provisioning');
      const revoked = await inject('DELETE', `/userapi/v1/api-keys/${id}`, owner.auth);
      assert.equal(revoked.statusCode, 200);
      assert.ok(revoked.json().revoked_at);
      assert.equal((await inject('GET', '/webapi/v1/calls', bearer)).statusCode, 401);
      assert.equal((await inject('DELETE', '/userapi/v1/api-keys/key_nope', owner.auth)).statusCode, 404);
    });

    it('audit log: newest first, keyset paging, filters by action and user; readable by owners and admins only', async () => {
      const page1 = await inject('GET', '/userapi/v1/audit?limit=3', owner.auth);
      assert.equal(page1.statusCode, 200);
      const p1 = page1.json();
      assert.equal(p1.entries.length, 3);
      assert.ok(p1.next_cursor);
      const p2 = (await inject('GET', `/userapi/v1/audit?limit=3&cursor=${p1.next_cursor}`, owner.auth)).json();
      assert.ok(p2.entries.length > 0);
      assert.ok(p2.entries[0].at <= p1.entries[2].at);
      assert.ok(!p2.entries.some((e: { id: string }) => p1.entries.some((f: { id: string }) => f.id === e.id)));
      const ownerId = (await inject('GET', '/userapi/v1/session', owner.auth)).json().user.id;
      const mine = (await inject('GET', `/userapi/v1/audit?user_id=${ownerId}&limit=500`, owner.auth)).json().entries;
      assert.ok(mine.length > 0 && mine.every((e: { actor: { user_id: string } }) => e.actor.user_id === ownerId));
      assert.equal((await inject('GET', '/userapi/v1/audit', basic('helper', GOOD('helper')))).statusCode, 200, 'admins read it');
      assert.equal((await inject('GET', '/userapi/v1/audit', basic('ana', GOOD('ana')))).statusCode, 403);
      assert.equal((await inject('GET', '/userapi/v1/audit?cursor=bm9wZQ', owner.auth)).statusCode, 400);
      assert.equal((await inject('GET', '/userapi/v1/audit?limit=0', owner.auth)).statusCode, 400);
    });

    it('cross-account isolation: another account\'s owner sees and changes none of this account\'s users, keys, policy or audit', async () => {
      const users = (await inject('GET', '/userapi/v1/users', owner.auth)).json().users as { id: string; username: string }[];
      const anaId = users.find((u) => u.username === 'ana')!.id;
      const keyId = (await inject('GET', '/userapi/v1/api-keys', owner.auth)).json().api_keys[0].id;
      const s = stranger.auth;
      // Naming the other account: 403.
      for (const [m, url, body] of [
        ['GET', '/userapi/v1/users?client_id=4001'],
        ['POST', '/userapi/v1/users?client_id=4001', { username: 'intruder', role: 'owner', password: GOOD('intruder') }],
        ['GET', '/userapi/v1/api-keys?client_id=4001'],
        ['GET', '/userapi/v1/password-policy?client_id=4001'],
        ['PUT', '/userapi/v1/password-policy?client_id=4001', { min_length: 8 }],
        ['GET', '/userapi/v1/audit?client_id=4001'],
      ] as [string, string, unknown?][]) {
        assert.equal((await inject(m, url, s, body)).statusCode, 403, `${m} ${url}`);
      }
      // Their own account: this account's ids are not found.
      for (const [m, url, body] of [
        ['GET', `/userapi/v1/users/${anaId}`],
        ['PUT', `/userapi/v1/users/${anaId}/role`, { role: 'read_only' }],
        ['POST', `/userapi/v1/users/${anaId}/disable`],
        ['POST', `/userapi/v1/users/${anaId}/enable`],
        ['POST', `/userapi/v1/users/${anaId}/password-reset`],
        ['DELETE', `/userapi/v1/users/${anaId}`],
        ['DELETE', `/userapi/v1/api-keys/${keyId}`],
      ] as [string, string, unknown?][]) {
        assert.equal((await inject(m, url, s, body)).statusCode, 404, `${m} ${url}`);
      }
      assert.ok(!(await inject('GET', '/userapi/v1/users', s)).body.includes('ana'));
      assert.equal((await inject('GET', '/userapi/v1/audit', s)).json().entries.length, 0);
      assert.equal((await inject('GET', '/webapi/v1/calls', basic('ana', GOOD('ana')))).statusCode, 200, 'ana untouched');
    });

    it('an admin of one account cannot reset the password of a user who also reaches an account they do not manage', async () => {
      await t.app.accounts.createUser({ username: 'shared', password: GOOD('shared'), clientIds: [4001, 4002], role: 'analyst' });
      const users = (await inject('GET', '/userapi/v1/users', owner.auth)).json().users as { id: string; username: string }[];
      const res = await inject('POST', `/userapi/v1/users/${users.find((u) => u.username === 'shared')!.id}/password-reset`, owner.auth);
      assert.equal(res.statusCode, 403);
      assert.match(res.json().detail, /4002/);
    });
  });
}
