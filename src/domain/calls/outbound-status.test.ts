import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentLegEndStatus, isOutboundEnded, outboundExpiresAt } from './outbound-status.ts';

test('the agent leg’s carrier status maps to the attempt’s final status', () => {
  assert.equal(agentLegEndStatus('no-answer'), 'agent_no_answer');
  assert.equal(agentLegEndStatus('busy'), 'agent_busy');
  assert.equal(agentLegEndStatus('failed'), 'failed');
  assert.equal(agentLegEndStatus('completed'), 'failed');
  assert.equal(agentLegEndStatus('canceled'), 'cancelled');
  assert.equal(agentLegEndStatus('ringing'), null);
  assert.equal(agentLegEndStatus('in-progress'), null);
  assert.equal(isOutboundEnded('expired'), true);
  assert.equal(isOutboundEnded('connected'), false);
  assert.equal(isOutboundEnded('dialling_agent'), false);
});

test('an attempt expires after its ring timeout (default 60 s) plus a 60 s margin', () => {
  assert.equal(outboundExpiresAt('2026-02-01T00:00:00.000Z', null), '2026-02-01T00:02:00.000Z');
  assert.equal(outboundExpiresAt('2026-02-01T00:00:00.000Z', 20), '2026-02-01T00:01:20.000Z');
});
