import type { FastifyInstance } from 'fastify';
import type { App } from '../../src/app.ts';

/** The routes of the Telco API with a valid example of each (so auth and isolation tests cover every one). */
export function telcoRoutes(ids: { serviceId: string; requestId: string; number: string }) {
  return [
    { method: 'GET', url: '/telco/v1/numbers' },
    { method: 'POST', url: '/telco/v1/requests', payload: { type: 'new', criteria: { country: 'AU' }, service: { type: 'voicemail' } } },
    { method: 'GET', url: '/telco/v1/requests' },
    { method: 'GET', url: `/telco/v1/requests/${ids.requestId}` },
    { method: 'GET', url: '/telco/v1/services' },
    { method: 'GET', url: `/telco/v1/services/${ids.serviceId}` },
    { method: 'GET', url: '/telco/v1/inventory' },
    { method: 'POST', url: `/telco/v1/numbers/${encodeURIComponent(ids.number)}/recycle` },
  ] as const;
}

/** Orders a service through the API and runs the worker until it is done; returns the request as answered and the service id. */
export async function orderService(server: FastifyInstance, app: App, auth: string, body: Record<string, unknown>) {
  const res = await server.inject({ method: 'POST', url: '/telco/v1/requests', headers: { authorization: auth }, payload: body });
  if (res.statusCode !== 202) throw new Error(`order failed: ${res.statusCode} ${res.body}`);
  await app.worker.drain();
  const request = res.json().request;
  return { request, serviceId: request.service_id as string, number: request.number as string };
}
