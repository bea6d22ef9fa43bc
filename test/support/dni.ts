import type { FastifyInstance } from 'fastify';
import type { App } from '../../src/app.ts';
import { liveService } from './calls.ts';
import { CLI_ACTOR } from '../../src/services/accounts/audit.service.ts';
import type { TrackingCodeIn } from '../../src/services/dni/tracking-codes.service.ts';

/** n live voicemail services on consecutive numbers from `first` (E.164 digits counted up); their ids in order. */
export async function liveServices(app: App, clientId: number, first: string, n: number, fields: Record<string, unknown> = { type: 'voicemail' }): Promise<{ id: string; number: string }[]> {
  const out: { id: string; number: string }[] = [];
  const base = BigInt(first.slice(1));
  for (let i = 0; i < n; i++) {
    const number = `+${base + BigInt(i)}`;
    const s = await liveService(app, clientId, number, fields as never);
    out.push({ id: s.id, number: s.number });
  }
  return out;
}

export async function trackingCode(app: App, clientId: number, input: TrackingCodeIn) {
  return app.dniCodes.create(clientId, { name: 'Website', replace: ['0401020304'], ...input }, CLI_ACTOR);
}

/** A visit as the script sends it (text/plain JSON); headers add to or override the defaults. */
export function visit(server: FastifyInstance, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return server.inject({
    method: 'POST',
    url: '/dni/v1/visit',
    headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://shop.example', 'user-agent': 'Mozilla/5.0 test', ...headers },
    payload: JSON.stringify({ visitor_id: null, page_url: 'https://shop.example/', landing_url: null, referrer: null, ga_client_id: null, numbers: null, ...body }),
  });
}

export function heartbeat(server: FastifyInstance, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return server.inject({ method: 'POST', url: '/dni/v1/heartbeat', headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://shop.example', ...headers }, payload: JSON.stringify(body) });
}
