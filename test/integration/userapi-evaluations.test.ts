import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { lockoutOff } from '../support/userapi.ts';
import { callRow, liveService } from '../support/calls.ts';
import type { AccountEvent } from '../../src/services/events/account-events.ts';

/** Four sandbox calls (account time Australia/Sydney, UTC+11 in March): two on Sales on 2 March, one on Support on 3 March, one on Support at 01:00 on 4 March local (still 3 March in UTC). */
const CALLS = [
  { key: 'c1', to: '+61290006301', at: '2026-03-02T01:00:00.000Z' },
  { key: 'c2', to: '+61290006301', at: '2026-03-02T02:00:00.000Z' },
  { key: 'c3', to: '+61290006302', at: '2026-03-03T01:00:00.000Z' },
  { key: 'c4', to: '+61290006302', at: '2026-03-03T14:00:00.000Z' },
];

for (const dialect of DIALECTS) {
  describe(`UserAPI evaluations: questions, answers, report, legacy getCDR (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let a: Awaited<ReturnType<typeof makeAccount>>;
    let b: Awaited<ReturnType<typeof makeAccount>>;
    const ids: Record<string, number> = {};
    const q: Record<string, number> = {};
    let bCall: number;
    let bQuestion: number;
    const events: AccountEvent[] = [];

    const inject = (method: string, url: string, auth: string | undefined, payload?: unknown) =>
      t.server.inject({ method: method as 'GET', url, headers: auth ? { authorization: auth } : {}, ...(payload === undefined ? {} : { payload: payload as object }) });
    const ok = async (method: string, url: string, payload?: unknown, auth = a.auth, status = 200) => {
      const res = await inject(method, url, auth, payload);
      assert.equal(res.statusCode, status, `${method} ${url}: ${res.body}`);
      return res.json();
    };
    const pathsOf = (body: { errors?: { path: string }[] }) => (body.errors ?? []).map((e) => e.path);

    before(async () => {
      t = await buildTestApp(dialect);
      a = await makeAccount(t.app, 6300);
      b = await makeAccount(t.app, 6400);
      await liveService(t.app, 6300, '+61290006301', { type: 'transfer', name: 'Sales', target_number: '+61299998888' } as never);
      await liveService(t.app, 6300, '+61290006302', { type: 'transfer', name: 'Support', target_number: '+61299998889' } as never);
      await liveService(t.app, 6400, '+61290006401', { type: 'transfer', name: 'B', target_number: '+61299998880' } as never);
      for (const c of CALLS) {
        const sim = await t.app.sandbox.placeCall({ to: c.to, from: '+61390012300', startAt: new Date(c.at) });
        assert.deepEqual(sim.errors, []);
        ids[c.key] = Number((await callRow(t.app, sim.callSid)).id);
      }
      const sim = await t.app.sandbox.placeCall({ to: '+61290006401', from: '+61390012300', startAt: new Date('2026-03-02T03:00:00.000Z') });
      bCall = Number((await callRow(t.app, sim.callSid)).id);
      const port = t.app.events;
      const original = port.publish.bind(port);
      port.publish = async (tx, event) => {
        events.push(event);
        await original(tx, event);
      };
    });
    after(async () => t?.close());

    it('creates, lists, changes and reads evaluation questions', async () => {
      q.greeting = (await ok('POST', '/userapi/v1/evaluation-questions', { title: 'Greeting', text: 'Did the agent greet the caller?' }, a.auth, 201)).question.id;
      const booked = (await ok('POST', '/userapi/v1/evaluation-questions', { title: 'Booked', text: 'Was a booking made?', weight: 3 }, a.auth, 201)).question;
      q.booked = booked.id;
      assert.deepEqual({ ...booked, created_at: undefined, updated_at: undefined }, { id: q.booked, title: 'Booked', text: 'Was a booking made?', weight: 3, position: 1, archived: false, archived_at: null, created_at: undefined, updated_at: undefined });
      q.polite = (await ok('POST', '/userapi/v1/evaluation-questions', { title: 'Polit', weight: 2 }, a.auth, 201)).question.id;
      const renamed = (await ok('PATCH', `/userapi/v1/evaluation-questions/${q.polite}`, { title: 'Polite', text: 'Was the agent polite?' })).question;
      assert.equal(renamed.title, 'Polite');
      assert.equal(renamed.weight, 2);
      bQuestion = (await ok('POST', '/userapi/v1/evaluation-questions', { title: 'B only' }, b.auth, 201)).question.id;
      const list = (await ok('GET', '/userapi/v1/evaluation-questions')).questions;
      assert.deepEqual(list.map((x: { id: number }) => x.id), [q.greeting, q.booked, q.polite]);
      assert.equal((await ok('GET', `/userapi/v1/evaluation-questions/${q.greeting}`)).question.text, 'Did the agent greet the caller?');
      const audit = await t.app.audit.list(t.app.storage.db, 6300, { limit: 100 });
      assert.deepEqual(audit.map((e) => e.action).filter((x) => x.startsWith('evaluation_question')), ['evaluation_question.update', 'evaluation_question.create', 'evaluation_question.create', 'evaluation_question.create']);

      for (const [body, field] of [[{}, 'title'], [{ title: '' }, 'title'], [{ title: 'x'.repeat(101) }, 'title'], [{ title: 'two\nlines' }, 'title'], [{ title: 'W', weight: 101 }, 'weight'], [{ title: 'W', weight: 1.5 }, 'weight'], [{ title: 'W', weight: -1 }, 'weight'], [{ title: 'W', colour: 'red' }, 'colour']] as const) {
        const res = await inject('POST', '/userapi/v1/evaluation-questions', a.auth, body);
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        assert.ok(pathsOf(res.json()).includes(field), `${JSON.stringify(body)}: ${res.body}`);
      }
      const res = await inject('PATCH', `/userapi/v1/evaluation-questions/${q.greeting}`, a.auth, { archived: 'yes' });
      assert.equal(res.statusCode, 400);
      assert.ok(pathsOf(res.json()).includes('archived'));
    });

    it('evaluates calls: answers replace the active ones, the weighted score, call.updated once per change, audited', async () => {
      events.length = 0;
      const put = (key: string, answers: { question_id: number; answer: string }[]) => ok('PUT', `/userapi/v1/calls/${ids[key]}/evaluation`, { answers });
      const e1 = (await put('c1', [{ question_id: q.greeting, answer: 'yes' }, { question_id: q.booked, answer: 'yes' }, { question_id: q.polite, answer: 'no' }])).evaluation;
      assert.deepEqual(e1.answers.map((x: { question_id: number; answer: string; weight: number }) => [x.question_id, x.answer, x.weight]), [[q.greeting, 'yes', 1], [q.booked, 'yes', 3], [q.polite, 'no', 2]]);
      assert.equal(e1.score, 66.7, '(1 + 3) / (1 + 3 + 2)');
      await put('c2', [{ question_id: q.greeting, answer: 'no' }, { question_id: q.booked, answer: 'yes' }, { question_id: q.polite, answer: 'yes' }]);
      // Leaving Polite out clears its answer on c2.
      const e2 = (await put('c2', [{ question_id: q.greeting, answer: 'no' }, { question_id: q.booked, answer: 'yes' }])).evaluation;
      assert.deepEqual(e2.answers.map((x: { question_id: number }) => x.question_id), [q.greeting, q.booked]);
      assert.equal(e2.score, 75);
      await put('c3', [{ question_id: q.greeting, answer: 'yes' }, { question_id: q.booked, answer: 'no' }, { question_id: q.polite, answer: 'yes' }]);
      await put('c4', [{ question_id: q.greeting, answer: 'yes' }, { question_id: q.booked, answer: 'no' }]);
      assert.equal(events.length, 5);
      assert.deepEqual(events[2], { clientId: 6300, type: 'call.updated', data: { call_id: ids.c2, changed: ['evaluation'], evaluation: { answers: [{ question_id: q.greeting, answer: 'no' }, { question_id: q.booked, answer: 'yes' }], score: 75 } } });
      // The same answers again: nothing changes, nothing is announced.
      await put('c4', [{ question_id: q.greeting, answer: 'yes' }, { question_id: q.booked, answer: 'no' }]);
      assert.equal(events.length, 5);
      const detail = await ok('GET', `/userapi/v1/calls/${ids.c1}`);
      assert.equal(detail.evaluation.score, 66.7);
      assert.equal(detail.evaluation.answers[0].title, 'Greeting');
      const audit = (await t.app.audit.list(t.app.storage.db, 6300, { limit: 100, action: 'call.evaluate' })).find((x) => x.target === `call:${ids.c2}`);
      assert.deepEqual(audit?.detail, { changes: [{ question_id: q.polite, from: 'yes', to: null }] });
    });

    it('answers bad evaluations with 400 naming answers[i].question_id or answers[i].answer', async () => {
      const cases: [unknown, string][] = [
        [{ answers: [{ question_id: 99_999_999, answer: 'yes' }] }, 'answers[0].question_id'],
        [{ answers: [{ question_id: q.greeting, answer: 'yes' }, { question_id: bQuestion, answer: 'no' }] }, 'answers[1].question_id'],
        [{ answers: [{ question_id: q.greeting, answer: 'maybe' }] }, 'answers[0].answer'],
        [{ answers: [{ question_id: q.greeting, answer: 'yes' }, { question_id: q.greeting, answer: 'no' }] }, 'answers[1].question_id'],
        [{ answers: [{ answer: 'yes' }] }, 'answers[0].question_id'],
        [{}, 'answers'],
      ];
      for (const [body, field] of cases) {
        const res = await inject('PUT', `/userapi/v1/calls/${ids.c3}/evaluation`, a.auth, body);
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        assert.ok(pathsOf(res.json()).includes(field), `${JSON.stringify(body)} → ${res.body}`);
      }
      // B cannot answer with A's question on its own call either.
      const res = await inject('PUT', `/userapi/v1/calls/${bCall}/evaluation`, b.auth, { answers: [{ question_id: q.greeting, answer: 'yes' }] });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(pathsOf(res.json()), ['answers[0].question_id']);
      // Nothing changed on c3.
      assert.equal((await ok('GET', `/userapi/v1/calls/${ids.c3}/evaluation`)).evaluation.answers.length, 3);
    });

    it('reports % yes and the weighted score per question, per tracking number and per local day (hand-computed)', async () => {
      const report = (query: string, auth = a.auth) => ok('GET', `/userapi/v1/reports/evaluations?from=2026-03-02&to=2026-03-04&${query}`, undefined, auth);
      const byQuestion = await report('group_by=question');
      assert.equal(byQuestion.timezone, 'Australia/Sydney');
      assert.equal(byQuestion.from, '2026-03-01T13:00:00.000Z');
      assert.equal(byQuestion.to, '2026-03-04T13:00:00.000Z');
      // Greeting: yes, no, yes, yes; Booked: yes, yes, no, no; Polite: no (c1), yes (c3).
      assert.deepEqual(
        byQuestion.rows.map((r: Record<string, unknown>) => [r.question_id, r.answers, r.yes, r.no, r.yes_percent, r.weighted_score]),
        [
          [q.greeting, 4, 3, 1, 75, 75],
          [q.booked, 4, 2, 2, 50, 50],
          [q.polite, 2, 1, 1, 50, 50],
        ],
      );
      // Weights 1, 3, 2: answered weight 6 + 4 + 6 + 4 = 20; yes weight (1+3) + 3 + (1+2) + 1 = 11.
      assert.deepEqual(byQuestion.totals, { answers: 10, yes: 6, no: 4, yes_percent: 60, weighted_score: 55 });
      const byNumber = await report('group_by=tracking_number');
      assert.deepEqual(
        byNumber.rows.map((r: Record<string, unknown>) => [r.tracking_number, r.answers, r.yes, r.yes_percent, r.weighted_score]),
        [
          ['+61290006301', 5, 3, 60, 70],
          ['+61290006302', 5, 3, 60, 40],
        ],
      );
      const byDay = await report('group_by=period&interval=day');
      assert.deepEqual(
        byDay.rows.map((r: Record<string, unknown>) => [r.period, r.answers, r.yes, r.yes_percent, r.weighted_score]),
        [
          ['2026-03-02', 5, 3, 60, 70],
          ['2026-03-03', 3, 2, 66.7, 50],
          ['2026-03-04', 2, 1, 50, 25],
        ],
      );
      const byMonth = await report('group_by=period&interval=month');
      assert.deepEqual(byMonth.rows.map((r: Record<string, unknown>) => [r.period, r.answers, r.weighted_score]), [['2026-03', 10, 55]]);
      const support = await report('group_by=question&tracking_number=%2B61290006302');
      assert.deepEqual(support.totals, { answers: 5, yes: 3, no: 2, yes_percent: 60, weighted_score: 40 });
      const narrow = await ok('GET', '/userapi/v1/reports/evaluations?from=2026-03-03&to=2026-03-03&group_by=question');
      assert.equal(narrow.totals.answers, 3, 'only c3 started on 3 March, account time');
      const other = await report('group_by=question', b.auth);
      assert.deepEqual(other.totals, { answers: 0, yes: 0, no: 0, yes_percent: null, weighted_score: null }, 'B sees none of A’s answers');
      assert.deepEqual(other.rows.map((r: { question_id: number }) => r.question_id), [bQuestion]);
      for (const [query, field] of [['group_by=caller', 'group_by'], ['from=yesterday', 'from'], ['interval=year&group_by=period', 'interval'], ['tracking_number=abc', 'tracking_number']]) {
        const res = await inject('GET', `/userapi/v1/reports/evaluations?${query}`, a.auth);
        assert.equal(res.statusCode, 400, query);
        assert.ok(pathsOf(res.json()).includes(field), `${query}: ${res.body}`);
      }
    });

    it('fills the legacy getCDR eval_<id> fields and evaluationDetails', async () => {
      const cdr = await ok('GET', '/JSON?action=getCDR&client_id=6300&date_from=2026-03-01&date_to=2026-04-01&evaluations=yes');
      const byId = new Map((cdr.calls as Record<string, unknown>[]).map((c) => [c.id as number, c]));
      assert.equal(byId.size, 4);
      const c1 = byId.get(ids.c1)!;
      assert.equal(c1[`eval_${q.greeting}`], 'yes');
      assert.equal(c1[`eval_${q.booked}`], 'yes');
      assert.equal(c1[`eval_${q.polite}`], 'no');
      assert.equal(byId.get(ids.c2)![`eval_${q.polite}`], '', 'cleared: not evaluated');
      assert.equal(byId.get(ids.c4)![`eval_${q.booked}`], 'no');
      assert.ok(!Object.keys(c1).includes(`eval_${bQuestion}`));
      const details = await ok('GET', '/JSON?action=evaluationDetails&client_id=6300');
      assert.deepEqual(details, {
        questions: [
          { id: q.greeting, title: 'Greeting', text: 'Did the agent greet the caller?' },
          { id: q.booked, title: 'Booked', text: 'Was a booking made?' },
          { id: q.polite, title: 'Polite', text: 'Was the agent polite?' },
        ],
      });
    });

    it('archives an answered question instead of deleting it; deletes an unanswered one', async () => {
      const archived = await ok('DELETE', `/userapi/v1/evaluation-questions/${q.polite}`);
      assert.equal(archived.outcome, 'archived');
      assert.equal(archived.question.archived, true);
      assert.deepEqual((await ok('GET', '/userapi/v1/evaluation-questions')).questions.map((x: { id: number }) => x.id), [q.greeting, q.booked]);
      assert.deepEqual((await ok('GET', '/userapi/v1/evaluation-questions?include_archived=true')).questions.map((x: { id: number }) => x.id), [q.greeting, q.booked, q.polite]);
      // An archived question can no longer be answered; the answers it has are kept when the others change.
      const refused = await inject('PUT', `/userapi/v1/calls/${ids.c1}/evaluation`, a.auth, { answers: [{ question_id: q.polite, answer: 'yes' }] });
      assert.equal(refused.statusCode, 400);
      assert.deepEqual(pathsOf(refused.json()), ['answers[0].question_id']);
      const kept = (await ok('PUT', `/userapi/v1/calls/${ids.c1}/evaluation`, { answers: [{ question_id: q.greeting, answer: 'yes' }, { question_id: q.booked, answer: 'no' }] })).evaluation;
      assert.deepEqual(kept.answers.map((x: { question_id: number; answer: string; archived: boolean }) => [x.question_id, x.answer, x.archived]), [[q.greeting, 'yes', false], [q.booked, 'no', false], [q.polite, 'no', true]]);
      assert.equal(kept.score, 16.7, '1 / (1 + 3 + 2)');
      const cdr = await ok('GET', '/JSON?action=getCDR&client_id=6300&date_from=2026-03-01&date_to=2026-04-01&evaluations=yes');
      assert.equal(cdr.calls.find((c: { id: number }) => c.id === ids.c1)[`eval_${q.polite}`], 'no', 'archived answers stay in getCDR');
      const report = await ok('GET', '/userapi/v1/reports/evaluations?from=2026-03-02&to=2026-03-04');
      assert.deepEqual(report.rows.find((r: { question_id: number }) => r.question_id === q.polite), { question_id: q.polite, title: 'Polite', weight: 2, archived: true, answers: 2, yes: 1, no: 1, yes_percent: 50, weighted_score: 50 });
      const restored = await ok('PATCH', `/userapi/v1/evaluation-questions/${q.polite}`, { archived: false });
      assert.equal(restored.question.archived, false);

      const spare = (await ok('POST', '/userapi/v1/evaluation-questions', { title: 'Spare' }, a.auth, 201)).question.id;
      const deleted = await ok('DELETE', `/userapi/v1/evaluation-questions/${spare}`);
      assert.equal(deleted.outcome, 'deleted');
      assert.equal((await inject('GET', `/userapi/v1/evaluation-questions/${spare}`, a.auth)).statusCode, 404);
      const actions = (await t.app.audit.list(t.app.storage.db, 6300, { limit: 10 })).map((e) => e.action);
      assert.deepEqual(actions.slice(0, 5), ['evaluation_question.delete', 'evaluation_question.create', 'evaluation_question.update', 'call.evaluate', 'evaluation_question.archive']);
    });

    it('keeps questions to their account (404) and answers 401 without valid credentials', async () => {
      await lockoutOff(t.app, [6300]); // many wrong passwords on purpose: this tests the 401, not the lockout
      for (const [method, url, body] of [
        ['GET', `/userapi/v1/evaluation-questions/${q.greeting}`],
        ['PATCH', `/userapi/v1/evaluation-questions/${q.greeting}`, { title: 'Stolen' }],
        ['DELETE', `/userapi/v1/evaluation-questions/${q.greeting}`],
      ] as [string, string, unknown?][]) {
        const res = await inject(method, url, b.auth, body);
        assert.equal(res.statusCode, 404, `${method} ${url}: ${res.body}`);
      }
      assert.deepEqual((await ok('GET', '/userapi/v1/evaluation-questions', undefined, b.auth)).questions.map((x: { id: number }) => x.id), [bQuestion]);
      assert.equal((await ok('GET', `/userapi/v1/evaluation-questions/${q.greeting}`)).question.title, 'Greeting', 'unchanged');
      for (const [method, url, body] of [
        ['GET', '/userapi/v1/evaluation-questions'],
        ['POST', '/userapi/v1/evaluation-questions', { title: 'x' }],
        ['GET', `/userapi/v1/evaluation-questions/${q.greeting}`],
        ['PATCH', `/userapi/v1/evaluation-questions/${q.greeting}`, { title: 'x' }],
        ['DELETE', `/userapi/v1/evaluation-questions/${q.greeting}`],
        ['GET', '/userapi/v1/reports/evaluations'],
      ] as [string, string, unknown?][]) {
        assert.equal((await inject(method, url, undefined, body)).statusCode, 401, `${method} ${url}`);
        assert.equal((await inject(method, url, basic(a.username, 'nope'), body)).statusCode, 401, `${method} ${url} wrong password`);
      }
    });
  });
}
