import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DIALECTS } from '../support/dialects.ts';
import { basic, buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { answerEvaluation, insertEvaluationQuestion, insertReportCalls } from '../support/report-factory.ts';
import { ManualClock } from '../../src/domain/clock.ts';
import { main } from '../../src/main.ts';

type Acct = Awaited<ReturnType<typeof makeAccount>>;
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

for (const dialect of DIALECTS) {
  describe(`Legacy JSON API (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let a: Acct;
    let b: Acct;
    let creds: { account_id: string; api_key: string; secret: string };
    const clock = new ManualClock('2026-03-10T00:00:00.000Z');
    const ids: number[] = [];
    let bCall: number;
    let q1: number;
    let q2: number;
    const json = (url: string, headers: Record<string, string> = {}) => t.server.inject({ url, headers });

    const signIn = async () => {
      const k = await json(`/JSON?action=getTokenKey&account_id=${creds.account_id}&api_key=${creds.api_key}`);
      assert.equal(k.statusCode, 200, k.body);
      const { tokenKey } = k.json();
      const s = await json(`/JSON?action=signIn&account_id=${creds.account_id}&signature=${md5(creds.secret + tokenKey)}`);
      assert.equal(s.statusCode, 200, s.body);
      return s.json().token as string;
    };

    before(async () => {
      t = await buildTestApp(dialect, { clock });
      a = await makeAccount(t.app, 5061);
      b = await makeAccount(t.app, 5062);
      // Credentials through the CLI, as an operator would create them.
      const env = { TT_DATA_DIR: t.config.dataDir, TT_DATABASE_URL: t.config.databaseUrl ?? '', TT_LOG_LEVEL: 'silent' };
      const lines: string[] = [];
      const orig = console.log;
      console.log = (s: string) => lines.push(s);
      try {
        assert.equal(await main(['legacy-key', 'create', '--client-id', '5061', '--account-id', 'acme-pty', '--json'], env), 0);
      } finally {
        console.log = orig;
      }
      creds = JSON.parse(lines[0]);
      assert.equal(creds.account_id, 'acme-pty');
      fs.mkdirSync(path.join(t.config.dataDir, 'recordings'), { recursive: true });
      fs.writeFileSync(path.join(t.config.dataDir, 'recordings', 'r1.wav'), Buffer.from('RIFF....WAVEfmt fake-audio-bytes'));
      // 2026-03-09 in Sydney (UTC+11): from 2026-03-08T13:00Z to 2026-03-09T13:00Z.
      ids.push(
        ...(await insertReportCalls(t.app, a.clientId, [
          { started_at: '2026-03-08T13:30:00Z', unique_id: 'TT1-legacy-0001', status_code: 0, has_audio: 1, audio_token: 'tokA', recording_path: 'recordings/r1.wav', dni: JSON.stringify({ source: 'google', medium: 'cpc', campaign: 'spring', term: 'plumber', referrer: 'https://google.com/', url: 'https://acme.test/landing', ip: '203.0.113.9', location: 'Sydney' }), features: JSON.stringify([{ name: 'menu', value: '2' }]), ivr: '2', custom_id: 'ad-1', custom_group: 'g1' },
          { started_at: '2026-03-09T01:00:00Z', unique_id: 'TT1-legacy-0002', status_code: 4, caller_number: null, caller_withheld: 1 },
          { started_at: '2026-03-09T02:00:00Z', status_code: 1 },
          { started_at: '2026-03-09T03:00:00Z', status_code: 0 },
          { started_at: '2026-03-09T13:30:00Z', status_code: 0 }, // 2026-03-10 00:30 local
        ])),
      );
      bCall = (await insertReportCalls(t.app, b.clientId, [{ started_at: '2026-03-09T01:30:00Z', recording_path: 'recordings/r1.wav', has_audio: 1 }]))[0];
      q1 = await insertEvaluationQuestion(t.app, a.clientId, 'Greeting', 'Did the agent greet the caller?');
      q2 = await insertEvaluationQuestion(t.app, a.clientId, 'Booked', 'Was a booking made?');
      await insertEvaluationQuestion(t.app, b.clientId, 'Other', 'Not A’s question');
      await answerEvaluation(t.app, ids[0], q1, 'yes');
      await answerEvaluation(t.app, ids[0], q2, 'no');
    });
    after(async () => t?.close());

    it('signs in with getTokenKey, md5(secret + tokenKey) and signIn, then reads getCDR with the token', async () => {
      const token = await signIn();
      const res = await json(`/JSON?action=getCDR&account_id=${creds.account_id}&token=${token}&date_from=2026-03-09&date_to=2026-03-10`);
      assert.equal(res.statusCode, 200, res.body);
      const calls = res.json().calls as Record<string, unknown>[];
      assert.deepEqual(calls.map((c) => c.id), ids.slice(0, 4));
      // The whole record, every value written out from the seeded rows (report-factory defaults plus the overrides
      // above) and the field meanings of the legacy API: target_* the tracking number, answer_* the answer point, the
      // start in the account's local time, DNI in web* (webCampagin / webLandning misspelt as on the wire).
      const same = {
        duration: 17,
        target_number: '+61-0289996235',
        target_name: 'Tracking Service Name',
        answer_number: '+61-0289995916',
        answer_name: 'Target Name',
        country: 'AU',
        state: 'NSW',
        location: 'Sydney',
        spooler_id: null,
        label: '',
        type: 'call-in',
        timezone: 'Australia/Sydney',
        is_test: 0,
      };
      assert.deepEqual(calls[0], {
        ...same,
        id: ids[0],
        date: '2026-03-09 00:30:00',
        caller_number: '+61-0290088888',
        status_code: 0,
        status_name: 'Answered',
        custom_id: 'ad-1',
        custom_group: 'g1',
        unique_id: 'TT1-legacy-0001',
        disposition: 'ANSWERED',
        talk_duration: 16,
        audio: `${t.config.publicUrl}/recordings/tokA.wav`,
        webSource: 'google',
        webMedium: 'cpc',
        webCampagin: 'spring',
        webKeyword: 'plumber',
        webReferrer: 'https://google.com/',
        webUrl: 'https://acme.test/landing',
        webLandning: 'https://acme.test/landing',
        webConversion: '',
        IP: '203.0.113.9',
        IPlocation: 'Sydney',
      });
      // A withheld caller who hung up before an answer, no recording and no DNI visit.
      assert.deepEqual(calls[1], {
        ...same,
        id: ids[1],
        date: '2026-03-09 12:00:00',
        caller_number: 'Private',
        status_code: 4,
        status_name: 'Abandoned',
        custom_id: '',
        custom_group: '',
        unique_id: 'TT1-legacy-0002',
        disposition: 'NO ANSWER',
        talk_duration: 0,
        audio: '',
        webSource: '',
        webMedium: '',
        webCampagin: '',
        webKeyword: '',
        webReferrer: '',
        webUrl: '',
        webLandning: '',
        webConversion: '',
        IP: '',
        IPlocation: '',
      });
    });

    it('refuses a wrong api_key, a wrong signature, a reused token key and an expired token', async () => {
      const badKey = await json(`/JSON?action=getTokenKey&account_id=${creds.account_id}&api_key=nope`);
      assert.equal(badKey.statusCode, 401);
      assert.ok(badKey.json().error);
      const { tokenKey } = (await json(`/JSON?action=getTokenKey&account_id=${creds.account_id}&api_key=${creds.api_key}`)).json();
      assert.equal((await json(`/JSON?action=signIn&account_id=${creds.account_id}&signature=${md5('wrong' + tokenKey)}`)).statusCode, 401);
      assert.equal((await json(`/JSON?action=signIn&account_id=${creds.account_id}&signature=${md5(creds.secret + tokenKey)}`)).statusCode, 200);
      const reused = await json(`/JSON?action=signIn&account_id=${creds.account_id}&signature=${md5(creds.secret + tokenKey)}`);
      assert.equal(reused.statusCode, 401, 'a token key is single use');
      assert.equal((await json(`/JSON?action=getCDR&account_id=${creds.account_id}&token=forged`)).statusCode, 401);
      assert.equal((await json('/JSON?action=getCDR')).statusCode, 401);
      const token = await signIn();
      clock.advance(86_400_000 + 1000);
      const expired = await json(`/JSON?action=getCDR&account_id=${creds.account_id}&token=${token}`);
      assert.equal(expired.statusCode, 401);
      assert.match(expired.json().error, /expired/);
      clock.advance(-(86_400_000 + 1000));
    });

    it('accepts HTTP Basic with client_id, and never shows another account', async () => {
      const res = await json('/JSON?action=getCDR&client_id=5061&date_from=2026-03-09&date_to=2026-03-10&limit=500', { authorization: a.auth });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().calls.map((c: { id: number }) => c.id), ids.slice(0, 4));
      const wrong = await json('/JSON?action=getCDR&client_id=5061', { authorization: basic(a.username, 'wrong-password') });
      assert.equal(wrong.statusCode, 401);
      assert.ok(wrong.json().error);
      const other = await json('/JSON?action=getCDR&client_id=5062', { authorization: a.auth });
      assert.equal(other.statusCode, 403);
      assert.ok(other.json().error);
      const bView = await json('/JSON?action=getCDR&date_from=2026-03-09&date_to=2026-03-10', { authorization: b.auth });
      assert.deepEqual(bView.json().calls.map((c: { id: number }) => c.id), [bCall]);
    });

    it('pages with last_id and limit', async () => {
      const token = await signIn();
      const page = async (lastId: number) => (await json(`/JSON?action=getCDR&account_id=${creds.account_id}&token=${token}&date_from=2026-03-01&date_to=2026-04-01&limit=2&last_id=${lastId}`)).json().calls.map((c: { id: number }) => c.id);
      const p1 = await page(0);
      assert.deepEqual(p1, ids.slice(0, 2));
      const p2 = await page(p1[1]);
      assert.deepEqual(p2, ids.slice(2, 4));
      assert.deepEqual(await page(p2[1]), ids.slice(4, 5));
      assert.deepEqual(await page(ids[4]), []);
    });

    it('reads dates in account time with localtime=yes and in UTC with localtime=no', async () => {
      const token = await signIn();
      const q = `/JSON?action=getCDR&account_id=${creds.account_id}&token=${token}`;
      const local = (await json(`${q}&date_from=2026-03-10&date_to=2026-03-11`)).json().calls;
      assert.deepEqual(local.map((c: { id: number }) => c.id), [ids[4]]);
      assert.equal(local[0].date, '2026-03-10 00:30:00');
      const utc = (await json(`${q}&localtime=no&date_from=2026-03-09 13:00:00&date_to=2026-03-10`)).json().calls;
      assert.deepEqual(utc.map((c: { id: number }) => c.id), [ids[4]]);
      assert.equal(utc[0].date, '2026-03-09 13:30:00');
    });

    it('adds or drops parts with web, wav, features, evaluations and detailed', async () => {
      const token = await signIn();
      const q = `/JSON?action=getCDR&account_id=${creds.account_id}&token=${token}&date_from=2026-03-09&date_to=2026-03-10&limit=1`;
      const lean = (await json(`${q}&web=no&wav=no&detailed=no`)).json().calls[0];
      assert.deepEqual(Object.keys(lean).sort(), ['caller_number', 'date', 'duration', 'id', 'status_code', 'status_name', 'target_name', 'target_number']);
      const rich = (await json(`${q}&features=yes&evaluations=yes`)).json().calls[0];
      assert.equal(rich.ivr, '2');
      assert.equal(rich.feat01, 'menu');
      assert.equal(rich.cd_cp01, '2');
      assert.equal(rich[`eval_${q1}`], 'yes');
      assert.equal(rich[`eval_${q2}`], 'no');
      const second = (await json(`${q}&evaluations=yes&last_id=${ids[0]}`)).json().calls[0];
      assert.equal(second[`eval_${q1}`], '', 'not yet evaluated');
    });

    it('answers bad parameters and unknown actions with a JSON error', async () => {
      const token = await signIn();
      for (const [q, word] of [['limit=abc', 'limit'], ['limit=20000', 'limit'], ['last_id=-1', 'last_id'], ['date_from=tomorrow', 'date_from'], ['web=perhaps', 'web']]) {
        const res = await json(`/JSON?action=getCDR&account_id=${creds.account_id}&token=${token}&${q}`);
        assert.equal(res.statusCode, 400, q);
        assert.match(res.json().error, new RegExp(word));
      }
      const unknown = await json(`/JSON?action=deleteEverything&account_id=${creds.account_id}&token=${token}`);
      assert.equal(unknown.statusCode, 400);
      assert.match(unknown.json().error, /unknown action/);
    });

    it('serves the stored recording with getAudio, 404 when there is none or it belongs to another account', async () => {
      const token = await signIn();
      const res = await json(`/JSON?action=getAudio&account_id=${creds.account_id}&token=${token}&call_id=${ids[0]}`);
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'audio/wav');
      assert.equal(res.rawPayload.toString(), 'RIFF....WAVEfmt fake-audio-bytes');
      const none = await json(`/JSON?action=getAudio&account_id=${creds.account_id}&token=${token}&call_id=${ids[1]}`);
      assert.equal(none.statusCode, 404);
      assert.match(none.json().error, /no recording/);
      assert.equal((await json(`/JSON?action=getAudio&account_id=${creds.account_id}&token=${token}&call_id=${bCall}`)).statusCode, 404);
      await t.app.storage.db.updateTable('calls').set({ recording_path: '../../../etc/passwd' }).where('id', '=', ids[2]).execute();
      assert.equal((await json(`/JSON?action=getAudio&account_id=${creds.account_id}&token=${token}&call_id=${ids[2]}`)).statusCode, 404, 'no path outside the data folder');
      assert.equal((await json(`/JSON?action=getAudio&account_id=${creds.account_id}&token=${token}`)).statusCode, 400);
    });

    it('lists evaluation questions with evaluationDetails', async () => {
      const res = await json('/JSON?action=evaluationDetails&client_id=5061', { authorization: a.auth });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { questions: [{ id: q1, title: 'Greeting', text: 'Did the agent greet the caller?' }, { id: q2, title: 'Booked', text: 'Was a booking made?' }] });
    });

    it('accepts POST with a dummy body, as PHP integrators send it', async () => {
      const token = await signIn();
      const res = await t.server.inject({ method: 'POST', url: `/JSON/?action=getCDR&account_id=${creds.account_id}&token=${token}&date_from=2026-03-09&date_to=2026-03-10`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'dummy=1' });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().calls.length, 4);
    });
  });
}
