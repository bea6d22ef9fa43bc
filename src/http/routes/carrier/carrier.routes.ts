import type { FastifyInstance } from 'fastify';
import { AppError } from '../../../domain/errors.ts';
import type { CarrierWebhookService } from '../../../services/calls/carrier-webhook.service.ts';
import { TWIML_CONTENT_TYPE } from '../../../telephony/adapters/twiml/render.ts';
import { useErrorStyle } from '../../error-handler.ts';
import { TWIML_KINDS, type TwimlKind } from '../../../telephony/adapters/twiml/events.ts';
import type { TwimlFlavour } from '../../../telephony/adapters/twiml/flavours.ts';

const SUMMARIES: Record<TwimlKind, string> = {
  voice: 'Incoming call (answers TwiML)',
  status: 'Call status callback of the inbound leg',
  dial: '<Dial> action: the answer point’s outcome (answers TwiML)',
  leg: '<Number> status callback: the dialled leg rings, answers, ends',
  gather: '<Gather> action: the digits pressed (answers TwiML)',
  record: '<Record> action: the voicemail left (answers TwiML)',
  recording: 'Recording status callback (voicemail or call recording)',
  sms: 'Incoming SMS',
  queue: 'Call-centre hold: the redirect of a caller waiting in a queue (answers TwiML: hold again, an offer to agents, or the route out)',
  outbound: 'Click-to-call agent leg: answer URL (answers TwiML that dials the customer) and status callback (a final CallStatus before any answer ends the attempt)',
};

/** How each flavour signs its webhooks, for the OpenAPI description. */
const SIGNING: Record<TwimlFlavour['name'], string> = {
  twilio: 'signed in X-Twilio-Signature over TT_PUBLIC_URL + path + query and the sorted parameters with the carrier auth token (TT_TWILIO_AUTH_TOKEN)',
  signalwire: 'signed in X-SignalWire-Signature (X-Twilio-Signature also accepted) over TT_PUBLIC_URL + path + query and the sorted parameters with the project signing key (TT_SIGNALWIRE_SIGNING_KEY)',
  telnyx: 'signed in telnyx-signature-ed25519: Ed25519 over the telnyx-timestamp header, `|` and the raw body, verified with the account public key (TT_TELNYX_PUBLIC_KEY)',
};

/**
 * Webhooks of one Twilio-style carrier flavour under /carrier/<flavour>/. Every request must carry the flavour's valid
 * signature (Twilio and SignalWire: over TT_PUBLIC_URL + path + query and the form parameters; Telnyx: Ed25519 over
 * timestamp and raw body); otherwise 403 and nothing is stored.
 */
export async function carrierRoutes(fastify: FastifyInstance, opts: { carrierWebhooks: CarrierWebhookService; flavour: TwimlFlavour }) {
  const { carrierWebhooks, flavour } = opts;
  // Carriers read plain text, not our JSON error body.
  useErrorStyle(fastify, 'text');
  // Keep the raw form: it is stored before parsing, and the signature is computed over its parameters.
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) => done(null, body));
  for (const kind of TWIML_KINDS) {
    fastify.post(
      `/${kind}`,
      {
        schema: {
          tags: ['Carrier webhooks'],
          summary: `${flavour.name}: ${SUMMARIES[kind]}`,
          description: `Form-encoded (application/x-www-form-urlencoded) as a ${flavour.name}-style carrier sends it, ${SIGNING[flavour.name]}. Wrong or missing signature: 403, nothing stored. Answers TwiML (text/xml).`,
          querystring: { type: 'object', properties: { step: { type: 'string', maxLength: 64 }, kind: { type: 'string', enum: ['voicemail', 'call'] }, call: { type: 'string', maxLength: 64, description: 'outbound: the click-to-call attempt (`oc_…`); the same URL is the agent leg’s answer URL and its status callback.' }, qc: { type: 'string', maxLength: 64, description: 'queue, dial, leg: the caller’s place in a call-centre queue (`qc_…`).' } } },
          response: { 200: { description: 'TwiML', type: 'string' }, 403: { description: 'missing or wrong signature', type: 'string' } },
        },
      },
      async (request, reply) => {
        const rawBody = typeof request.body === 'string' ? request.body : '';
        const res = await carrierWebhooks.handle(flavour, kind, {
          url: request.url,
          query: request.query as Record<string, string | undefined>,
          rawBody,
          headers: request.headers,
        });
        if (res.kind === 'refused') throw new AppError('forbidden', 'invalid signature');
        if (res.kind === 'invalid') throw new AppError('validation_failed', res.message);
        return reply.type(TWIML_CONTENT_TYPE).send(res.twiml);
      },
    );
  }
}
