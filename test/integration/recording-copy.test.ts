import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, type TestApp } from '../support/app.ts';
import { accountWithUser, callRow, liveService } from '../support/calls.ts';
import { ManualClock } from '../../src/domain/clock.ts';
import { wavDurationSec } from '../../src/telephony/sandbox/wav.ts';

for (const dialect of DIALECTS) {
  describe(`recording copies when the data folder cannot take them (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let a: Awaited<ReturnType<typeof accountWithUser>>;
    let b: Awaited<ReturnType<typeof accountWithUser>>;
    const clock = new ManualClock(new Date());
    before(async () => {
      t = await buildTestApp(dialect, { clock, env: { TT_CALL_GRACE_SECONDS: '60' } });
      a = await accountWithUser(t.app, 5300);
      b = await accountWithUser(t.app, 5400);
      await liveService(t.app, 5300, '+61290003101', { type: 'voicemail', prompt_text: 'Leave a message' });
    });
    after(async () => t?.close());

    const recordingsDir = () => path.join(t.config.dataDir, 'recordings');

    it('a failed write keeps the recording pending with its error (shown by the API), has_audio false, and a retry stores it', async () => {
      // Tests run as root, where a read-only mode does not stop writes: a regular file where the folder belongs does.
      fs.rmSync(recordingsDir(), { recursive: true, force: true });
      fs.writeFileSync(recordingsDir(), 'not a folder');
      try {
        const sim = await t.app.sandbox.placeCall({ to: '+61290003101', from: '+61733331234', voicemailSec: 7 });
        const call = await callRow(t.app, sim.callSid);
        assert.equal(call.has_audio, 0, 'no audio while its file is not stored');
        assert.equal(call.audio_token, null);
        assert.notEqual(call.state, 'finalized', 'the call waits for its recording (up to the grace window)');
        const [rec] = await t.app.storage.db.selectFrom('call_recordings').selectAll().where('carrier_call_id', '=', sim.callSid).execute();
        assert.equal(rec.status, 'pending');
        assert.equal(Number(rec.attempts), 1);
        assert.match(rec.error ?? '', /ENOTDIR|EEXIST|not a directory/);
        assert.ok(rec.next_attempt_at && rec.next_attempt_at > clock.now().toISOString(), 'a retry is scheduled');

        const status = await t.server.inject({ url: `/webapi/v1/calls/${call.id}/recordings`, headers: { authorization: a.auth } });
        assert.equal(status.statusCode, 200, status.body);
        const body = status.json();
        assert.equal(body.has_audio, false);
        assert.equal(body.audio_url, null);
        assert.equal(body.recordings.length, 1);
        assert.equal(body.recordings[0].status, 'pending');
        assert.equal(body.recordings[0].attempts, 1);
        assert.match(body.recordings[0].error, /ENOTDIR|EEXIST|not a directory/);
        assert.equal(body.recordings[0].next_attempt_at, rec.next_attempt_at);
        assert.equal((await t.server.inject({ url: `/webapi/v1/calls/${call.id}/recordings`, headers: { authorization: b.auth } })).statusCode, 404, 'another account’s call');
        assert.equal((await t.server.inject({ url: `/webapi/v1/calls/${call.id}/recordings` })).statusCode, 401);

        // Not due yet: the worker leaves it alone; the folder stays unusable at the next attempt.
        assert.equal(await t.app.recordings.copyRecordings(), 0);
        clock.advance(21_000);
        await t.app.worker.drain();
        const again = await t.app.storage.db.selectFrom('call_recordings').selectAll().where('id', '=', rec.id).executeTakeFirstOrThrow();
        assert.equal(again.status, 'pending');
        assert.equal(Number(again.attempts), 2);
        assert.equal((await callRow(t.app, sim.callSid)).has_audio, 0);

        // The folder is usable again: the next scheduled attempt stores the file, then the call has its audio.
        fs.rmSync(recordingsDir());
        clock.advance(3600_000);
        await t.app.worker.drain();
        const stored = await t.app.storage.db.selectFrom('call_recordings').selectAll().where('id', '=', rec.id).executeTakeFirstOrThrow();
        assert.equal(stored.status, 'stored');
        assert.equal(stored.error, null);
        const file = path.join(t.config.dataDir, stored.path!);
        assert.equal(wavDurationSec(fs.readFileSync(file)), 7);
        assert.deepEqual(fs.readdirSync(path.dirname(file)).filter((f) => f.endsWith('.tmp')), [], 'no temporary file is left');
        const done = await callRow(t.app, sim.callSid);
        assert.equal(done.has_audio, 1);
        assert.equal(done.recording_path, stored.path);
        const wav = await t.server.inject({ url: `/recordings/${done.audio_token}.wav`, headers: { authorization: a.auth } });
        assert.equal(wav.statusCode, 200);
        assert.equal(wavDurationSec(wav.rawPayload), 7);
        const after = (await t.server.inject({ url: `/webapi/v1/calls/${call.id}/recordings`, headers: { authorization: a.auth } })).json();
        assert.equal(after.has_audio, true);
        assert.match(after.audio_url, /\/recordings\/[A-Za-z0-9_-]+\.wav$/);
        assert.equal(after.recordings[0].status, 'stored');
      } finally {
        fs.rmSync(recordingsDir(), { recursive: true, force: true });
      }
    });

    it('answers 404, not 500, when a stored recording’s file has gone', async () => {
      const sim = await t.app.sandbox.placeCall({ to: '+61290003101', from: '+61733331235', voicemailSec: 5 });
      const call = await callRow(t.app, sim.callSid);
      assert.equal(call.has_audio, 1);
      fs.rmSync(path.join(t.config.dataDir, call.recording_path!));
      const res = await t.server.inject({ url: `/recordings/${call.audio_token}.wav`, headers: { authorization: a.auth } });
      assert.equal(res.statusCode, 404, res.body);
      assert.equal(res.json().code, 'not_found');
    });
  });
}
