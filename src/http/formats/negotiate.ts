import type { FastifyReply, FastifyRequest } from 'fastify';
import { toXmlDocument } from './xml.ts';

/** XML when `format=xml`, or when `Accept` prefers application/xml (or text/xml) to JSON; JSON otherwise. */
export function wantsXml(request: FastifyRequest): boolean {
  const f = (request.query as { format?: string } | undefined)?.format;
  if (f === 'xml') return true;
  if (f === 'json') return false;
  const accept = request.headers.accept;
  if (!accept) return false;
  let xml = -1;
  let json = -1;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qp ? Number(qp.slice(2)) : 1;
    if (type === 'application/xml' || type === 'text/xml') xml = Math.max(xml, q);
    if (type === 'application/json' || type === '*/*' || type === 'application/*') json = Math.max(json, type === 'application/json' ? q : q - 0.001);
  }
  return xml > 0 && xml > json;
}

/** Sends a body as JSON (through the route's serializer) or as an XML document under `root`. */
export function negotiated(request: FastifyRequest, reply: FastifyReply, root: string, body: unknown): FastifyReply {
  if (!wantsXml(request)) return reply.send(body);
  return reply.type('application/xml; charset=utf-8').send(toXmlDocument(root, body));
}
