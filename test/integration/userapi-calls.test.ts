import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { lockoutOff } from '../support/userapi.ts';
import { callRow, liveService } from '../support/calls.ts';
import { Receiver } from '../support/receiver.ts';
import { ManualClock } from '../../src/domain/clock.ts';
import type { AccountEvent } from '../../src/services/events/account-events.ts';

const START = new Date('2026-03-02T01:00:00.000Z');
const hours = (h: number) => new Date(START.getTime() + h * 3_600_000);

for (const dialect of DIALECTS) {
  describe(`UserAPI call work: call log, search, label, notes (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let receiver: Receiver;
    const clock = new ManualClock(new Date());
    let a: Awaited<ReturnType<typeof makeAccount>>;
    let b: Awaited<ReturnType<typeof makeAccount>>;
    /** A second user of account A. */
    const bob = basic('bob-6100', 'password-bob-6100');
    /** call ids of A: google (caller 1), google (caller 2), radio (caller 3); one of B */
    const ids: Record<string, number> = {};
    const events: { event: AccountEvent; labelInTx: string | null }[] = [];

    const inject = (method: string, url: string, auth: string | undefined, payload?: unknown) =>
      t.server.inject({ method: method as 'GET', url, headers: auth ? { authorization: auth } : {}, ...(payload === undefined ? {} : { payload: payload as object }) });

    before(async () => {
      receiver = await new Receiver().start();
      t = await buildTestApp(dialect, { clock, env: { TT_CALL_GRACE_SECONDS: '60' } });
      a = await makeAccount(t.app, 6100);
      b = await makeAccount(t.app, 6200);
      await t.app.accounts.createUser({ username: 'bob-6100', password: 'password-bob-6100', clientIds: [6100] });
      await liveService(t.app, 6100, '+61290006101', { type: 'transfer', name: 'Google Ads', target_number: '+61299998888', call_callback_uri: `${receiver.url}/cb?id=[[callid]]&label=[[label]]` } as never);
      await liveService(t.app, 6100, '+61290006102', { type: 'voicemail', name: 'Radio Spring', call_callback_uri: `${receiver.url}/vm?id=[[callid]]&label=[[label]]` } as never);
      await liveService(t.app, 6200, '+61290006201', { type: 'transfer', name: 'Google Other', target_number: '+61299998887' } as never);
      const place = async (key: string, to: string, from: string, at: Date, extra: Record<string, unknown> = {}) => {
        const sim = await t.app.sandbox.placeCall({ to, from, startAt: at, ...extra });
        assert.deepEqual(sim.errors, []);
        const row = await callRow(t.app, sim.callSid);
        ids[key] = Number(row.id);
      };
      await place('g1', '+61290006101', '+61390012300', hours(0));
      await place('g2', '+61290006101', '+61412345678', hours(1), { outcome: 'busy' });
      await place('r1', '+61290006102', '+61390012301', hours(2), { voicemailSec: 5 });
      await place('b1', '+61290006201', '+61390012300', hours(3));
      await t.app.worker.drain();
      // Observe call.updated as the change's transaction sees it (the other events pass straight through).
      const port = t.app.events;
      const original = port.publish.bind(port);
      port.publish = async (tx, event) => {
        if (event.type !== 'call.updated') return original(tx, event);
        const row = await tx.selectFrom('calls').select('label').where('id', '=', Number(event.data.call_id)).executeTakeFirst();
        events.push({ event, labelInTx: row?.label ?? null });
        await original(tx, event);
      };
    });
    after(async () => {
      await receiver?.close();
      await t?.close();
    });

    const log = async (query: string, auth = a.auth) => {
      const res = await inject('GET', `/userapi/v1/calls?${query}`, auth);
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { calls: { id: number; label: string | null }[]; next_cursor: string | null; timezone: string };
    };

    it('lists the account’s calls with the WebAPI’s filters and keyset paging', async () => {
      const all = await log('');
      assert.deepEqual(all.calls.map((c) => c.id), [ids.r1, ids.g2, ids.g1], 'newest first, only A’s');
      assert.equal(all.timezone, 'Australia/Sydney');
      assert.deepEqual((await log('tracking_number=%2B61290006101')).calls.map((c) => c.id), [ids.g2, ids.g1]);
      assert.deepEqual((await log('status=Busy')).calls.map((c) => c.id), [ids.g2]);
      assert.deepEqual((await log('caller=%2B61390012300')).calls.map((c) => c.id), [ids.g1]);
      assert.deepEqual((await log(`from=${encodeURIComponent(hours(1).toISOString())}&order=asc`)).calls.map((c) => c.id), [ids.g2, ids.r1]);
      const pages: number[] = [];
      let cursor: string | null = null;
      do {
        const page = await log(`limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        pages.push(...page.calls.map((c) => c.id));
        cursor = page.next_cursor;
      } while (cursor);
      assert.deepEqual(pages, [ids.r1, ids.g2, ids.g1]);
      // The same WebAPI answers for the same filters.
      const web = (await inject('GET', '/webapi/v1/calls?status=Busy', a.auth)).json();
      assert.deepEqual(web.calls.map((c: { id: number }) => c.id), [ids.g2]);
    });

    it('labels a call (set, change, clear): the UserAPI, WebAPI and legacy getCDR show it; audited; call.updated inside the transaction', async () => {
      events.length = 0;
      const set = await inject('PATCH', `/userapi/v1/calls/${ids.g1}`, a.auth, { label: '  hot lead  ' });
      assert.equal(set.statusCode, 200, set.body);
      assert.equal(set.json().call.label, 'hot lead', 'trimmed');
      assert.equal((await inject('GET', `/webapi/v1/calls/${ids.g1}`, a.auth)).json().call.label, 'hot lead');
      assert.equal((await inject('GET', `/userapi/v1/calls/${ids.g1}`, a.auth)).json().call.label, 'hot lead');
      const cdr = async () => {
        const res = await inject('GET', '/JSON?action=getCDR&client_id=6100&date_from=2026-03-01&date_to=2026-04-01', a.auth);
        assert.equal(res.statusCode, 200, res.body);
        return new Map((res.json().calls as { id: number; label: string }[]).map((c) => [c.id, c.label]));
      };
      assert.equal((await cdr()).get(ids.g1), 'hot lead');
      assert.equal((await cdr()).get(ids.g2), '');
      assert.deepEqual(events.map((e) => e.event), [{ clientId: 6100, type: 'call.updated', data: { call_id: ids.g1, changed: ['label'], label: 'hot lead' } }]);
      assert.equal(events[0].labelInTx, 'hot lead', 'published inside the transaction that set it');

      // The same label again changes nothing: no event, no audit entry.
      const auditBefore = await t.app.audit.list(t.app.storage.db, 6100, { limit: 100, action: 'call.label' });
      assert.equal((await inject('PATCH', `/userapi/v1/calls/${ids.g1}`, a.auth, { label: 'hot lead' })).statusCode, 200);
      assert.equal(events.length, 1);
      assert.equal((await t.app.audit.list(t.app.storage.db, 6100, { limit: 100, action: 'call.label' })).length, auditBefore.length);
      assert.equal(auditBefore.length, 1);
      assert.deepEqual(auditBefore[0].detail, { from: null, to: 'hot lead' });
      assert.equal(auditBefore[0].actor.name, 'user6100');
      assert.equal(auditBefore[0].target, `call:${ids.g1}`);

      const cleared = await inject('PATCH', `/userapi/v1/calls/${ids.g1}`, bob, { label: null });
      assert.equal(cleared.statusCode, 200);
      assert.equal(cleared.json().call.label, null);
      assert.equal((await cdr()).get(ids.g1), '');
      assert.equal((await inject('GET', `/webapi/v1/calls/${ids.g1}`, a.auth)).json().call.label, null);
      assert.equal(events.length, 2);
      assert.deepEqual(events[1].event.data, { call_id: ids.g1, changed: ['label'], label: null });
      assert.equal((await inject('PATCH', `/userapi/v1/calls/${ids.g1}`, a.auth, { label: '' })).json().call.label, null, 'empty clears too');
      assert.equal(events.length, 2, 'already clear: nothing changed');
    });

    it('answers bad labels with 400 naming label', async () => {
      for (const body of [{ label: 'x'.repeat(101) }, { label: 'two\nlines' }, {}, { label: 'ok', colour: 'red' }]) {
        const res = await inject('PATCH', `/userapi/v1/calls/${ids.g1}`, a.auth, body);
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        const paths = (res.json().errors as { path: string }[]).map((e) => e.path);
        assert.ok(paths.includes('label') || paths.includes('colour'), `${JSON.stringify(body)} → ${res.body}`);
        if (!('colour' in body)) assert.ok(paths.includes('label'), res.body);
      }
      assert.equal((await inject('PATCH', '/userapi/v1/calls/abc', a.auth, { label: 'x' })).statusCode, 400);
      assert.equal((await inject('PATCH', '/userapi/v1/calls/999999', a.auth, { label: 'x' })).statusCode, 404);
    });

    it('fills [[label]] of the HTTP Callback when the label is set before the call is finalized; a redelivery keeps the URL made then', async () => {
      const recordings = path.join(t.config.dataDir, 'recordings');
      // The recording cannot be copied yet (a file where its folder belongs): the call ends but waits to be finalized.
      fs.rmSync(recordings, { recursive: true, force: true });
      fs.writeFileSync(recordings, 'not a folder');
      let id: number;
      try {
        const sim = await t.app.sandbox.placeCall({ to: '+61290006102', from: '+61733331234', voicemailSec: 7, startAt: hours(4) });
        const row = await callRow(t.app, sim.callSid);
        id = Number(row.id);
        ids.late = id;
        assert.equal(row.state, 'ended');
        await t.app.worker.drain();
        assert.equal(receiver.requests.filter((r) => r.url.includes(`id=${id}&`)).length, 0, 'no callback before finalization');
        const res = await inject('PATCH', `/userapi/v1/calls/${id}`, a.auth, { label: 'Call back: Tuesday & 3pm' });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json().call.state, 'ended');
      } finally {
        fs.rmSync(recordings, { recursive: true, force: true });
      }
      clock.advance(3600_000);
      await t.app.worker.drain();
      await t.app.worker.drain();
      const row = await t.app.storage.db.selectFrom('calls').select(['state', 'label']).where('id', '=', id!).executeTakeFirstOrThrow();
      assert.equal(row.state, 'finalized');
      const i = receiver.requests.findIndex((r) => r.url.startsWith('/vm?') && r.url.includes(`id=${id!}&`));
      assert.ok(i >= 0, 'the callback was sent');
      assert.equal(receiver.query(i).label, 'Call back: Tuesday & 3pm');

      // Changed after the callback: the delivery (and a redelivery of it) is the callback as it was made.
      await inject('PATCH', `/userapi/v1/calls/${id!}`, a.auth, { label: 'done' });
      const deliveries = (await inject('GET', `/webapi/v1/deliveries?call_id=${id!}`, a.auth)).json();
      const d = deliveries.deliveries.find((x: { kind: string }) => x.kind === 'call_callback');
      assert.ok(d, JSON.stringify(deliveries));
      const count = receiver.requests.length;
      assert.equal((await inject('POST', `/webapi/v1/deliveries/${d.id}/redeliver`, a.auth)).statusCode, 202);
      await t.app.worker.drain();
      assert.equal(receiver.requests.length, count + 1);
      assert.equal(receiver.query(count).label, 'Call back: Tuesday & 3pm');
      assert.equal((await inject('GET', `/webapi/v1/calls/${id!}`, a.auth)).json().call.label, 'done');
      await inject('PATCH', `/userapi/v1/calls/${id!}`, a.auth, { label: null });
    });

    it('notes: added with author and time, listed, edited and deleted by their author only', async () => {
      events.length = 0;
      const add = await inject('POST', `/userapi/v1/calls/${ids.g2}/notes`, a.auth, { text: '  Wants SOLAR panels.\nCall back Monday.  ' });
      assert.equal(add.statusCode, 201, add.body);
      const note = add.json().note;
      assert.match(note.id, /^note_/);
      assert.equal(note.text, 'Wants SOLAR panels.\nCall back Monday.');
      assert.equal(note.author.name, 'user6100');
      assert.equal(note.call_id, ids.g2);
      assert.equal(note.created_at, clock.now().toISOString());
      const bobs = (await inject('POST', `/userapi/v1/calls/${ids.g2}/notes`, bob, { text: 'Second opinion' })).json().note;
      assert.equal(bobs.author.name, 'bob-6100');
      const list = (await inject('GET', `/userapi/v1/calls/${ids.g2}/notes`, bob)).json().notes;
      assert.deepEqual(list.map((n: { id: string }) => n.id), [note.id, bobs.id]);
      const detail = (await inject('GET', `/userapi/v1/calls/${ids.g2}`, a.auth)).json();
      assert.deepEqual(detail.notes.map((n: { id: string }) => n.id), [note.id, bobs.id]);

      // Bob cannot change or delete Alice's note.
      const forbidden = await inject('PATCH', `/userapi/v1/calls/${ids.g2}/notes/${note.id}`, bob, { text: 'rewritten' });
      assert.equal(forbidden.statusCode, 403);
      assert.equal(forbidden.json().code, 'forbidden');
      assert.equal((await inject('DELETE', `/userapi/v1/calls/${ids.g2}/notes/${note.id}`, bob)).statusCode, 403);
      clock.advance(1000);
      const edited = await inject('PATCH', `/userapi/v1/calls/${ids.g2}/notes/${note.id}`, a.auth, { text: 'Wants SOLAR panels, 100% sure' });
      assert.equal(edited.statusCode, 200, edited.body);
      assert.equal(edited.json().note.text, 'Wants SOLAR panels, 100% sure');
      assert.equal(edited.json().note.created_at, note.created_at);
      assert.equal(edited.json().note.updated_at, clock.now().toISOString());
      assert.equal((await inject('DELETE', `/userapi/v1/calls/${ids.g2}/notes/${bobs.id}`, bob)).statusCode, 204);
      assert.deepEqual((await inject('GET', `/userapi/v1/calls/${ids.g2}/notes`, a.auth)).json().notes.map((n: { id: string }) => n.id), [note.id]);
      assert.equal((await inject('DELETE', `/userapi/v1/calls/${ids.g2}/notes/${bobs.id}`, bob)).statusCode, 404, 'gone');
      assert.equal((await inject('PATCH', `/userapi/v1/calls/${ids.g1}/notes/${note.id}`, a.auth, { text: 'x' })).statusCode, 404, 'a note of another call');

      assert.deepEqual(
        events.map((e) => [e.event.type, e.event.data.call_id, e.event.data.changed, (e.event.data.note as { action: string }).action]),
        [
          ['call.updated', ids.g2, ['notes'], 'created'],
          ['call.updated', ids.g2, ['notes'], 'created'],
          ['call.updated', ids.g2, ['notes'], 'updated'],
          ['call.updated', ids.g2, ['notes'], 'deleted'],
        ],
      );
      const audit = await t.app.audit.list(t.app.storage.db, 6100, { limit: 100 });
      assert.deepEqual(
        audit.filter((e) => e.action.startsWith('call.note')).map((e) => [e.action, e.actor.name]),
        [
          ['call.note_delete', 'bob-6100'],
          ['call.note_edit', 'user6100'],
          ['call.note_add', 'bob-6100'],
          ['call.note_add', 'user6100'],
        ],
      );

      for (const body of [{ text: '' }, { text: '   ' }, {}, { text: 'x'.repeat(5001) }, { text: 'bell\u0007' }]) {
        const res = await inject('POST', `/userapi/v1/calls/${ids.g2}/notes`, a.auth, body);
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        assert.ok((res.json().errors as { path: string }[]).some((e) => e.path === 'text'), res.body);
      }
    });

    it('searches caller numbers, tracking names, labels and notes (case-insensitive for A–Z, LIKE characters literal), with filters and paging', async () => {
      await inject('POST', `/userapi/v1/calls/${ids.r1}/notes`, a.auth, { text: 'Émile asked about 1000 panels_x' });
      await inject('PATCH', `/userapi/v1/calls/${ids.r1}`, a.auth, { label: 'Priority' });
      const q = async (text: string, extra = '') => (await log(`q=${encodeURIComponent(text)}${extra}`)).calls.map((c) => c.id).sort((x, y) => x - y);
      const sorted = (...xs: number[]) => xs.sort((x, y) => x - y);
      assert.deepEqual(await q('google'), sorted(ids.g1, ids.g2), 'tracking name');
      assert.deepEqual(await q('GOOGLE ads'), sorted(ids.g1, ids.g2), 'words AND, any case');
      assert.deepEqual(await q('radio'), sorted(ids.r1, ids.late));
      assert.deepEqual(await q('solar'), [ids.g2], 'a note');
      assert.deepEqual(await q('google solar'), [ids.g2], 'both words on one call');
      assert.deepEqual(await q('priority'), [ids.r1], 'the label');
      assert.deepEqual(await q('0390012300'), [ids.g1], 'national number');
      assert.deepEqual(await q('+61390012301'), [ids.r1], 'E.164');
      assert.deepEqual(await q('0412-345-678'), [ids.g2], 'punctuated');
      assert.deepEqual(await q('39001230'), sorted(ids.g1, ids.r1), 'part of a number');
      assert.deepEqual(await q('100%'), [ids.g2], '% is literal: "1000" does not match');
      assert.deepEqual(await q('1_00'), [], '_ is literal: "1000" does not match');
      assert.deepEqual(await q('panels_x'), [ids.r1]);
      assert.deepEqual(await q('Émile'), [ids.r1]);
      assert.deepEqual(await q('ÉMILE'), [ids.r1], 'A–Z fold');
      assert.deepEqual(await q('émile'), [], 'letters beyond A–Z match exactly, alike on both databases');
      assert.deepEqual(await q('nothing-like-this'), []);
      assert.deepEqual(await q(''), sorted(ids.g1, ids.g2, ids.r1, ids.late), 'empty q is no search');
      assert.deepEqual(await q('google', '&status=Busy'), [ids.g2], 'with a filter');
      assert.deepEqual(await q('390012300'), [ids.g1], 'B’s call from the same caller is not A’s');
      assert.deepEqual((await log(`q=390012300`, b.auth)).calls.map((c) => c.id), [ids.b1]);
      assert.deepEqual((await log(`q=solar`, b.auth)).calls, [], 'B does not find A’s notes');
      const pages: number[] = [];
      let cursor: string | null = null;
      do {
        const page = await log(`q=google&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        pages.push(...page.calls.map((c) => c.id));
        cursor = page.next_cursor;
      } while (cursor);
      assert.deepEqual(pages, [ids.g2, ids.g1]);
      for (const bad of ['a b c d e f', 'x'.repeat(101)]) {
        const res = await inject('GET', `/userapi/v1/calls?q=${encodeURIComponent(bad)}`, a.auth);
        assert.equal(res.statusCode, 400);
        assert.equal(res.json().errors[0].path, 'q', res.body);
      }
    });

    it('keeps every call-work route to the account: another account’s call, note or question is 404', async () => {
      const note = (await inject('POST', `/userapi/v1/calls/${ids.g1}/notes`, a.auth, { text: 'mine' })).json().note;
      const routes: [string, string, unknown?][] = [
        ['GET', `/userapi/v1/calls/${ids.g1}`],
        ['PATCH', `/userapi/v1/calls/${ids.g1}`, { label: 'stolen' }],
        ['GET', `/userapi/v1/calls/${ids.g1}/notes`],
        ['POST', `/userapi/v1/calls/${ids.g1}/notes`, { text: 'stolen' }],
        ['PATCH', `/userapi/v1/calls/${ids.g1}/notes/${note.id}`, { text: 'stolen' }],
        ['DELETE', `/userapi/v1/calls/${ids.g1}/notes/${note.id}`],
        ['GET', `/userapi/v1/calls/${ids.g1}/evaluation`],
        ['PUT', `/userapi/v1/calls/${ids.g1}/evaluation`, { answers: [] }],
      ];
      for (const [method, url, body] of routes) {
        const res = await inject(method, url, b.auth, body);
        assert.equal(res.statusCode, 404, `${method} ${url}: ${res.body}`);
        // Choosing A's account explicitly does not help either: B does not reach it.
        const chosen = body === undefined ? await inject(method, `${url}?client_id=6100`, b.auth) : await inject(method, url, b.auth, { ...(body as object), client_id: 6100 });
        assert.ok([403, 404].includes(chosen.statusCode), `${method} ${url}?client_id=6100: ${chosen.statusCode}`);
      }
      assert.ok(!(await log('', b.auth)).calls.some((c) => c.id === ids.g1));
      const mine = (await inject('GET', `/userapi/v1/calls/${ids.g1}`, a.auth)).json();
      assert.equal(mine.call.label, null, 'unchanged');
      assert.deepEqual(mine.notes.map((n: { text: string }) => n.text), ['mine']);
    });

    it('answers 401 on every call-work route without credentials or with a wrong password', async () => {
      await lockoutOff(t.app, [6100]); // many wrong passwords on purpose: this tests the 401, not the lockout
      const routes: [string, string, unknown?][] = [
        ['GET', '/userapi/v1/calls'],
        ['GET', `/userapi/v1/calls/${ids.g1}`],
        ['PATCH', `/userapi/v1/calls/${ids.g1}`, { label: 'x' }],
        ['GET', `/userapi/v1/calls/${ids.g1}/notes`],
        ['POST', `/userapi/v1/calls/${ids.g1}/notes`, { text: 'x' }],
        ['PATCH', `/userapi/v1/calls/${ids.g1}/notes/note_x`, { text: 'x' }],
        ['DELETE', `/userapi/v1/calls/${ids.g1}/notes/note_x`],
        ['GET', `/userapi/v1/calls/${ids.g1}/evaluation`],
        ['PUT', `/userapi/v1/calls/${ids.g1}/evaluation`, { answers: [] }],
      ];
      for (const [method, url, body] of routes) {
        assert.equal((await inject(method, url, undefined, body)).statusCode, 401, `${method} ${url}`);
        assert.equal((await inject(method, url, basic(a.username, 'wrong-password'), body)).statusCode, 401, `${method} ${url} wrong password`);
      }
    });
  });
}
