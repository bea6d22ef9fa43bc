import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, makeAccount, type TestApp } from '../support/app.ts';
import { Receiver } from '../support/receiver.ts';
import { callRow, liveService } from '../support/calls.ts';

for (const dialect of DIALECTS) {
  describe(`call.updated after a label is set (${dialect.name})`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let receiver: Receiver;
    before(async () => {
      t = await buildTestApp(dialect);
      receiver = await new Receiver().start();
    });
    after(async () => {
      await receiver?.close();
      await t?.close();
    });

    it('a subscription receives call.finalized for a sandbox call, then call.updated when its label is set, both verified by standardwebhooks', async () => {
      const a = await makeAccount(t.app, 8501);
      const sub = await t.server.inject({ method: 'POST', url: '/userapi/v1/subscriptions', headers: { authorization: a.auth }, payload: { url: `${receiver.url}/hook`, events: ['call.finalized', 'call.updated'] } });
      assert.equal(sub.statusCode, 201, sub.body);
      const wh = new Webhook(sub.json().secret);
      await liveService(t.app, a.clientId, '+61290007001', { type: 'transfer', target_number: '+61299997001' });
      const sim = await t.app.sandbox.placeCall({ to: '+61290007001', from: '+61390012300', talkSec: 8 });
      await t.app.worker.drain();
      const call = await callRow(t.app, sim.callSid);
      const label = await t.server.inject({ method: 'PATCH', url: `/userapi/v1/calls/${call.id}`, headers: { authorization: a.auth }, payload: { label: 'hot lead' } });
      assert.equal(label.statusCode, 200, label.body);
      await t.app.worker.drain();
      const events = receiver.requests.map((r) =>
        wh.verify(r.body, { 'webhook-id': String(r.headers['webhook-id']), 'webhook-timestamp': String(r.headers['webhook-timestamp']), 'webhook-signature': String(r.headers['webhook-signature']) }) as { type: string; data: Record<string, unknown> },
      );
      assert.deepEqual(events.map((e) => e.type), ['call.finalized', 'call.updated']);
      assert.equal(events[0].data.id, Number(call.id));
      assert.equal(events[1].data.call_id, Number(call.id));
      assert.deepEqual(events[1].data.changed, ['label']);
      assert.equal(events[1].data.label, 'hot lead');
    });
  });
}
