import type { App } from '../../src/app.ts';
import type { ServiceFieldsIn } from '../../src/domain/telco/service-fields.ts';
import { makeAccount, stock } from './app.ts';
import { SANDBOX_ACCOUNT_SID } from '../../src/config/config.ts';

/** Orders a live service on a fresh number for the account (through the Telco service and the worker). */
export async function liveService(app: App, clientId: number, number: string, service: ServiceFieldsIn) {
  await stock(app, [number]);
  const req = await app.telco.createRequest({ userId: 'test', clientId }, { type: 'new', number, service });
  if (req.status === 'failed') throw new Error(`order failed: ${req.error_code}`);
  await app.worker.drain();
  return app.telco.getService(clientId, req.service_id!);
}

export async function accountWithUser(app: App, clientId: number, opts: { timezone?: string } = {}) {
  return makeAccount(app, clientId, opts);
}

export async function callRow(app: App, callSid: string, carrier = 'sandbox') {
  const row = await app.callLookup.findCallByCarrierId(carrier, callSid);
  if (!row) throw new Error(`no call for ${callSid}`);
  return row;
}

/**
 * A voicemail call as the carrier reports it, callback by callback (signed, through the webhooks): incoming call, a
 * message of `seconds` whose media is at `mediaUrl`, the recording callback, the call's end. The media server decides
 * whether the recording can be copied (tests make it fail, then serve it).
 */
export async function voicemailWithRecording(app: App, publicUrl: string, c: { callSid: string; to: string; from: string; recordingSid: string; mediaUrl: string; seconds: number }) {
  const send = (path: string, p: Record<string, string>) => app.sandbox.send(`${publicUrl}/carrier/twilio/${path}`, { AccountSid: SANDBOX_ACCOUNT_SID, CallSid: c.callSid, ...p });
  const voice = await send('voice', { From: c.from, To: c.to, CallStatus: 'ringing' });
  if (voice.status !== 200) throw new Error(`voice webhook answered ${voice.status}`);
  const rec = { RecordingSid: c.recordingSid, RecordingUrl: c.mediaUrl, RecordingDuration: String(c.seconds), RecordingStatus: 'completed' };
  await send('record?step=1', { ...rec, Digits: 'hangup' });
  await send('recording?step=1&kind=voicemail', rec);
  await send('status', { CallStatus: 'completed', CallDuration: String(c.seconds + 4) });
}
