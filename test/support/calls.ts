import type { App } from '../../src/app.ts';
import type { ServiceFieldsIn } from '../../src/services/telco.service.ts';
import { makeAccount, stock } from './app.ts';

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
  const row = await app.calls.findCallByCarrierId(carrier, callSid);
  if (!row) throw new Error(`no call for ${callSid}`);
  return row;
}
