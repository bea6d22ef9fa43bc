import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, type TestApp } from '../support/app.ts';
import { accountWithUser, callRow, liveService } from '../support/calls.ts';
import type { SimOutcome, SimScript } from '../../src/telephony/sandbox/sandbox-carrier.ts';
import { wavDurationSec } from '../../src/telephony/sandbox/wav.ts';
import type { CallRow } from '../../src/services/calls/call-consumers.ts';

const START = new Date('2026-03-02T01:00:00.000Z');
const at = (s: number) => new Date(START.getTime() + s * 1000).toISOString();
const CALLER = '+61390012300';

interface Expect {
  code: number;
  status: string;
  disposition: string;
  duration: number;
  connection: number;
  talk: number;
  /** Seconds of the recording linked to the call, or null for none. */
  audio: number | null;
  answeredAfter?: number | null;
  ivr?: string | null;
  features?: { name: string; value: string }[];
  target?: string;
}

/** Service types and outcomes: the record each must give (durations in virtual seconds; prompt "…" is 3 s, the voicemail greeting 3 s). */
const CASES: { service: string; outcome: SimOutcome; script?: Partial<SimScript>; expect: Expect }[] = [
  // transfer with recording: answer after 4 s, talk 30 s
  { service: 'transfer-rec', outcome: 'answered', expect: { code: 0, status: 'Answered', disposition: 'ANSWERED', duration: 34, connection: 4, talk: 30, audio: 30, answeredAfter: 4 } },
  { service: 'transfer-rec', outcome: 'busy', expect: { code: 2, status: 'Busy', disposition: 'BUSY', duration: 1, connection: 1, talk: 0, audio: null } },
  { service: 'transfer-rec', outcome: 'no-answer', expect: { code: 1, status: 'Missed', disposition: 'NO ANSWER', duration: 20, connection: 20, talk: 0, audio: null } },
  { service: 'transfer-rec', outcome: 'failed', expect: { code: 3, status: 'Failed', disposition: 'FAILED', duration: 1, connection: 1, talk: 0, audio: null } },
  { service: 'transfer-rec', outcome: 'caller-hangup', expect: { code: 4, status: 'Abandoned', disposition: 'NO ANSWER', duration: 4, connection: 4, talk: 0, audio: null } },
  { service: 'transfer-rec', outcome: 'answered', script: { answerAfterSec: 25 }, expect: { code: 1, status: 'Missed', disposition: 'NO ANSWER', duration: 20, connection: 20, talk: 0, audio: null } },
  // transfer with voicemail fallback
  { service: 'transfer-vm', outcome: 'answered', expect: { code: 0, status: 'Answered', disposition: 'ANSWERED', duration: 34, connection: 4, talk: 30, audio: null, answeredAfter: 4 } },
  { service: 'transfer-vm', outcome: 'busy', script: { voicemailSec: 12 }, expect: { code: 7, status: 'Voicemail', disposition: 'BUSY', duration: 17, connection: 1, talk: 0, audio: 12 } },
  { service: 'transfer-vm', outcome: 'no-answer', script: { voicemailSec: 9 }, expect: { code: 7, status: 'Voicemail', disposition: 'NO ANSWER', duration: 43, connection: 30, talk: 0, audio: 9 } },
  { service: 'transfer-vm', outcome: 'no-answer', expect: { code: 1, status: 'Missed', disposition: 'NO ANSWER', duration: 38, connection: 30, talk: 0, audio: null } },
  { service: 'transfer-vm', outcome: 'failed', script: { voicemailSec: 5 }, expect: { code: 7, status: 'Voicemail', disposition: 'FAILED', duration: 10, connection: 1, talk: 0, audio: 5 } },
  { service: 'transfer-vm', outcome: 'caller-hangup', expect: { code: 4, status: 'Abandoned', disposition: 'NO ANSWER', duration: 4, connection: 4, talk: 0, audio: null } },
  // voicemail: the platform answers; the answer-point outcomes do not apply
  { service: 'voicemail', outcome: 'answered', script: { voicemailSec: 20 }, expect: { code: 7, status: 'Voicemail', disposition: 'ANSWERED', duration: 24, connection: 0, talk: 0, audio: 20 } },
  { service: 'voicemail', outcome: 'answered', expect: { code: 8, status: 'Prompt/IVR completed', disposition: 'IVR', duration: 8, connection: 0, talk: 0, audio: null } },
  { service: 'voicemail', outcome: 'busy', script: { voicemailSec: 6 }, expect: { code: 7, status: 'Voicemail', disposition: 'ANSWERED', duration: 10, connection: 0, talk: 0, audio: 6 } },
  { service: 'voicemail', outcome: 'no-answer', expect: { code: 8, status: 'Prompt/IVR completed', disposition: 'IVR', duration: 8, connection: 0, talk: 0, audio: null } },
  { service: 'voicemail', outcome: 'failed', script: { voicemailSec: 3 }, expect: { code: 7, status: 'Voicemail', disposition: 'ANSWERED', duration: 7, connection: 0, talk: 0, audio: 3 } },
  // prompt: "Thank you for calling Acme" (5 words) is 2 s
  { service: 'prompt', outcome: 'answered', expect: { code: 8, status: 'Prompt/IVR completed', disposition: 'IVR', duration: 2, connection: 0, talk: 0, audio: null } },
  { service: 'prompt', outcome: 'busy', expect: { code: 8, status: 'Prompt/IVR completed', disposition: 'IVR', duration: 2, connection: 0, talk: 0, audio: null } },
  { service: 'prompt', outcome: 'no-answer', expect: { code: 8, status: 'Prompt/IVR completed', disposition: 'IVR', duration: 2, connection: 0, talk: 0, audio: null } },
  { service: 'prompt', outcome: 'failed', expect: { code: 8, status: 'Prompt/IVR completed', disposition: 'IVR', duration: 2, connection: 0, talk: 0, audio: null } },
  { service: 'prompt', outcome: 'caller-hangup', expect: { code: 8, status: 'Prompt/IVR completed', disposition: 'IVR', duration: 2, connection: 0, talk: 0, audio: null } },
  // ivr: menu "For Sales, press 1. For Support, press 2." (8 words) is 4 s; a digit takes 1 s; no input waits 5 s
  {
    service: 'ivr',
    outcome: 'answered',
    script: { digits: '1' },
    expect: { code: 0, status: 'Answered', disposition: 'ANSWERED', duration: 39, connection: 9, talk: 30, audio: null, answeredAfter: 9, ivr: '1', features: [{ name: 'IVR 1', value: 'Sales' }], target: '+61299990001' },
  },
  { service: 'ivr', outcome: 'busy', script: { digits: '1' }, expect: { code: 2, status: 'Busy', disposition: 'BUSY', duration: 6, connection: 6, talk: 0, audio: null, ivr: '1', features: [{ name: 'IVR 1', value: 'Sales' }], target: '+61299990001' } },
  { service: 'ivr', outcome: 'no-answer', script: { digits: '1' }, expect: { code: 1, status: 'Missed', disposition: 'NO ANSWER', duration: 35, connection: 35, talk: 0, audio: null, ivr: '1', features: [{ name: 'IVR 1', value: 'Sales' }], target: '+61299990001' } },
  { service: 'ivr', outcome: 'failed', script: { digits: '1' }, expect: { code: 3, status: 'Failed', disposition: 'FAILED', duration: 6, connection: 6, talk: 0, audio: null, ivr: '1', features: [{ name: 'IVR 1', value: 'Sales' }], target: '+61299990001' } },
  { service: 'ivr', outcome: 'caller-hangup', script: { digits: '1' }, expect: { code: 4, status: 'Abandoned', disposition: 'NO ANSWER', duration: 9, connection: 9, talk: 0, audio: null, ivr: '1', features: [{ name: 'IVR 1', value: 'Sales' }], target: '+61299990001' } },
  { service: 'ivr', outcome: 'answered', script: { digits: '2', voicemailSec: 10 }, expect: { code: 7, status: 'Voicemail', disposition: 'ANSWERED', duration: 19, connection: 0, talk: 0, audio: 10, ivr: '2', features: [{ name: 'IVR 1', value: 'Support' }] } },
  { service: 'ivr', outcome: 'answered', expect: { code: 8, status: 'Prompt/IVR completed', disposition: 'IVR', duration: 9, connection: 0, talk: 0, audio: null, ivr: null, features: [] } },
  { service: 'ivr', outcome: 'caller-hangup', expect: { code: 8, status: 'Prompt/IVR completed', disposition: 'IVR', duration: 4, connection: 0, talk: 0, audio: null, ivr: null, features: [] } },
];

const SERVICES: Record<string, { number: string; fields: Record<string, unknown> }> = {
  'transfer-rec': { number: '+61290001001', fields: { type: 'transfer', name: 'Google Ads', target_number: '+61299998888', target_name: 'Reception', ring_timeout: 20, record: true, custom_id: 'ad-1', custom_group: 'google' } },
  'transfer-vm': { number: '+61290001002', fields: { type: 'transfer', target_number: '+61299998888', voicemail_fallback: true } },
  voicemail: { number: '+61290001003', fields: { type: 'voicemail' } },
  prompt: { number: '+61290001004', fields: { type: 'prompt', prompt_text: 'Thank you for calling Acme' } },
  ivr: {
    number: '+61290001005',
    fields: { type: 'ivr', ivr_options: [{ digit: '1', name: 'Sales', target_number: '+61299990001', target_name: 'Sales desk' }, { digit: '2', name: 'Support' }] },
  },
};

for (const dialect of DIALECTS) {
  describe(`sandbox calls end to end, each service type and outcome (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    const finalized: CallRow[] = [];
    before(async () => {
      t = await buildTestApp(dialect, { callConsumers: [{ onCallFinalized: async (_tx, call) => void finalized.push(call) }] });
      await accountWithUser(t.app, 3100, { timezone: 'Australia/Perth' });
      for (const s of Object.values(SERVICES)) await liveService(t.app, 3100, s.number, s.fields as never);
    });
    after(async () => t?.close());

    for (const c of CASES) {
      const label = `${c.service} / ${c.outcome}${c.script ? ` ${JSON.stringify(c.script)}` : ''}: status ${c.expect.code} ${c.expect.disposition}, ${c.expect.duration} s (connection ${c.expect.connection}, talk ${c.expect.talk})${c.expect.audio ? `, ${c.expect.audio} s recording` : ''}`;
      it(label, async () => {
        const svc = SERVICES[c.service];
        const placed = Date.now();
        const sim = await t.app.sandbox.placeCall({ to: svc.number, from: CALLER, outcome: c.outcome, answerAfterSec: 4, talkSec: 30, startAt: START, ...c.script });
        assert.deepEqual(sim.errors, []);
        const call = await callRow(t.app, sim.callSid);
        const e = c.expect;
        assert.equal(call.state, 'finalized', sim.trace.join('\n'));
        // Finalized by the app (system clock here) while the call was being placed; the call's own times are virtual.
        assert.ok(call.finalized_at && Date.parse(call.finalized_at) >= Math.floor(placed / 1000) * 1000 && Date.parse(call.finalized_at) <= Date.now(), String(call.finalized_at));
        assert.equal(finalized.filter((f) => f.id === call.id).length, 1, 'finalized exactly once');
        assert.equal(call.status_code, e.code);
        assert.equal(call.status, e.status);
        assert.equal(call.disposition, e.disposition);
        assert.equal(call.duration, e.duration);
        assert.equal(call.connection_duration, e.connection);
        assert.equal(call.talk_duration, e.talk);
        assert.equal(call.started_at, START.toISOString());
        assert.equal(call.ended_at, at(e.duration));
        assert.equal(call.answered_at, e.answeredAfter === undefined || e.answeredAfter === null ? null : at(e.answeredAfter));
        assert.match(call.unique_id, /^TT\d+-\d{10}\.\d{6}$/);
        assert.equal(call.unique_id.split('-')[1].split('.')[0], String(START.getTime() / 1000));
        assert.equal(call.direction, 'call-in');
        assert.equal(call.carrier, 'sandbox');
        assert.equal(call.tracking_number, svc.number);
        assert.equal(call.caller_number, CALLER);
        assert.equal(call.caller_withheld, 0);
        assert.deepEqual([call.caller_location, call.caller_state, call.caller_country], ['Melbourne', 'VIC', 'AU']);
        assert.equal(call.timezone, 'Australia/Perth');
        assert.equal(call.is_test, 0);
        assert.equal(call.client_id, 3100);
        assert.equal(call.custom_id, (svc.fields.custom_id as string) ?? null);
        assert.equal(call.custom_group, (svc.fields.custom_group as string) ?? null);
        assert.equal(call.tracking_name, (svc.fields.name as string) ?? null);
        if (e.target) assert.equal(call.target_number, e.target);
        else assert.equal(call.target_number, (svc.fields.target_number as string) ?? null);
        if (e.ivr !== undefined) assert.equal(call.ivr, e.ivr);
        assert.deepEqual(JSON.parse(call.features), e.features ?? []);
        if (e.audio === null) {
          assert.equal(call.has_audio, 0);
          assert.equal(call.audio_token, null);
        } else {
          assert.equal(call.has_audio, 1);
          assert.equal(call.recording_duration, e.audio);
          assert.match(call.audio_token ?? '', /^[A-Za-z0-9_-]{32}$/);
          const wav = fs.readFileSync(path.join(t.config.dataDir, call.recording_path!));
          assert.equal(wavDurationSec(wav), e.audio);
        }
      });
    }

    it('a withheld caller is recorded as withheld with no number and no location', async () => {
      const sim = await t.app.sandbox.placeCall({ to: SERVICES.prompt.number, from: 'anonymous', startAt: START });
      const call = await callRow(t.app, sim.callSid);
      assert.equal(call.caller_withheld, 1);
      assert.equal(call.caller_number, null);
      assert.deepEqual([call.caller_location, call.caller_state, call.caller_country], [null, null, null]);
    });

    it('custom id and group are the service’s at call time, not later edits', async () => {
      const sim1 = await t.app.sandbox.placeCall({ to: SERVICES['transfer-rec'].number, from: CALLER, talkSec: 3 });
      const svc = (await t.app.storage.db.selectFrom('services').selectAll().where('number', '=', SERVICES['transfer-rec'].number).executeTakeFirstOrThrow());
      await t.app.telco.createRequest({ userId: 'x', clientId: 3100 }, { type: 'update', service_id: svc.id, service: { custom_id: 'ad-2' } });
      await t.app.worker.drain();
      const sim2 = await t.app.sandbox.placeCall({ to: SERVICES['transfer-rec'].number, from: CALLER, talkSec: 3 });
      assert.equal((await callRow(t.app, sim1.callSid)).custom_id, 'ad-1');
      assert.equal((await callRow(t.app, sim2.callSid)).custom_id, 'ad-2');
    });
  });
}
