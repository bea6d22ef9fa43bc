import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount } from '../support/app.ts';
import { callRow, liveService } from '../support/calls.ts';
import { CallCentre } from '../support/call-centre.ts';
import { ManualClock } from '../../src/domain/clock.ts';
import type { Principal } from '../../src/services/accounts/principal.ts';

describe('ARTIC: a queue service that records (sqlite)', () => {
  it('records the agent’s conversation: the call has its audio, as long as the talk', async () => {
    const t = await buildTestApp(DIALECTS[0]);
    try {
      await makeAccount(t.app, 9700);
      const cc = new CallCentre(t.app, new ManualClock(), 9700);
      const team = await cc.team('Sales');
      const ann = await cc.agent('Ann', '+61400009701', [team]);
      const q = await cc.queue('Sales', [team], { announce_position: false });
      const svc = await liveService(t.app, 9700, '+61290009701', { type: 'queue', artic_queue_id: q, record: true });
      // A queue service names a queue of its own account only (another account's id is not found either).
      await assert.rejects(
        t.app.telco.createRequest({ userId: 'test', clientId: 9700 }, { type: 'new', number: '+61290009702', service: { type: 'queue', artic_queue_id: 'aq_not_ours' } }),
        (e: { code?: string; details?: { path: string }[] }) => e.code === 'validation_failed' && !!e.details?.some((x) => x.path === 'service.artic_queue_id'),
      );
      const admin: Principal = { userId: 'admin', username: 'admin', clientIds: [9700], roles: { 9700: 'owner' } };
      await t.app.agentActions.act(admin, 9700, ann, { kind: 'login' });
      t.app.sandbox.setPhone('+61400009701', { outcome: 'answered', answerAfterSec: 2 });
      const sim = await t.app.sandbox.placeCall({ to: svc.number, from: '+61390009701', talkSec: 20, hangsUp: 'caller' });
      assert.deepEqual(sim.errors, []);
      assert.ok(sim.trace.some((l) => l.includes('answered by +61400009701')), sim.trace.join('\n'));
      await t.app.worker.drain();
      const call = await callRow(t.app, sim.callSid);
      assert.deepEqual([call.status, call.target_name, call.talk_duration, call.has_audio, call.recording_duration], ['Answered', 'Ann', 20, 1, 20]);
    } finally {
      await t.close();
    }
  });
});
