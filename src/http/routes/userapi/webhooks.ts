import type { SwaggerOptions } from '@fastify/swagger';
import { Type, type TSchema } from 'typebox';
import { EVENT_TYPES, type EventType } from '../../../services/events/account-events.ts';

/**
 * The event catalogue: what a subscription receives, as the OpenAPI 3.1 document's top-level `webhooks` (one entry per
 * event type, plus the `ping` test event). Every event is a POST of `{type, id, timestamp, data}` signed per Standard
 * Webhooks with the subscription's secret.
 */

const N = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

const CallData = Type.Object(
  {
    id: Type.Integer(),
    unique_id: Type.String({ description: '`NODE-unixtime.seq`' }),
    client_id: Type.Integer(),
    service_id: N(Type.String()),
    direction: Type.String({ enum: ['call-in', 'call-out'], description: '`call-out` for click-to-call.' }),
    state: Type.String(),
    is_test: Type.Boolean(),
    tracking_number: Type.String({ description: 'E.164' }),
    tracking_name: N(Type.String()),
    target_number: N(Type.String({ description: 'The answer point (call-in) or the customer dialled (call-out).' })),
    target_name: N(Type.String()),
    caller_number: N(Type.String({ description: 'E.164; null when withheld. For call-out, the agent who placed it.' })),
    caller_withheld: Type.Boolean(),
    started_at: Type.String(),
    answered_at: N(Type.String()),
    ended_at: N(Type.String()),
    duration: Type.Integer(),
    connection_duration: Type.Integer(),
    talk_duration: Type.Integer(),
    status_code: N(Type.Integer({ description: '0 Answered, 1 Missed, 2 Busy, 3 Failed, 4 Abandoned, 7 Voicemail, 8 Prompt/IVR completed' })),
    status: N(Type.String()),
    disposition: N(Type.String()),
    has_audio: Type.Boolean(),
    audio_url: N(Type.String()),
    label: N(Type.String()),
    custom_id: N(Type.String()),
    custom_group: N(Type.String()),
    finalized_at: N(Type.String()),
  },
  { additionalProperties: true, description: 'The call as the WebAPI shows it (`GET /webapi/v1/calls/{id}`): every field of that answer.' },
);

const DATA: Record<EventType | 'ping', { summary: string; description: string; data: TSchema }> = {
  'call.finalized': {
    summary: 'A call was finalized',
    description: 'Once per call, when it has ended and its late data (recording) arrived or the grace window passed: the same moment the HTTP Callback is sent. `data` is the call.',
    data: CallData,
  },
  'call.updated': {
    summary: 'A finalized call changed',
    description:
      'A finalized call changed later: its label, notes or evaluation were set, or a recording arrived after finalization. `data` always has `call_id` and `changed` (what changed: `label`, `notes`, `evaluation`, or the call fields late data changed, e.g. `has_audio`, `audio_url`, `recording_duration`), plus what the change is about: `call` (the call as it is now, for late data), `label`, `note` or `evaluation`.',
    data: Type.Object({
      call_id: Type.Integer(),
      changed: Type.Array(Type.String()),
      call: Type.Optional(CallData),
      label: Type.Optional(N(Type.String())),
      note: Type.Optional(Type.Object({ id: Type.String(), action: Type.String({ enum: ['created', 'updated', 'deleted'] }) })),
      evaluation: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'The answers and score as they are now.' })),
    }),
  },
  'sms.received': {
    summary: 'An SMS arrived on one of the account’s numbers',
    description: 'Once per message received on a live service.',
    data: Type.Object({
      id: Type.String(),
      service_id: N(Type.String()),
      from: N(Type.String()),
      to: Type.String(),
      text: Type.String(),
      segments: Type.Integer(),
      is_test: Type.Boolean(),
      received_at: Type.String(),
    }),
  },
  'service.live': {
    summary: 'A service went live on the network',
    description: 'A service ordered through the Telco API (or the UserAPI) finished provisioning and takes calls now.',
    data: Type.Object({
      id: Type.String(),
      number: Type.String(),
      status: Type.String(),
      type: Type.String(),
      name: N(Type.String()),
      target_number: N(Type.String()),
      target_name: N(Type.String()),
      custom_id: N(Type.String()),
      custom_group: N(Type.String()),
      live_at: N(Type.String()),
    }),
  },
  'request.status': {
    summary: 'A Telco request changed status',
    description: 'Each status change of a request (`queued → processing → completed | failed`), whether or not the order gave a `callback_uri`.',
    data: Type.Object({
      request_id: Type.String(),
      type: Type.String({ enum: ['new', 'update', 'decommission'] }),
      status: Type.String({ enum: ['queued', 'processing', 'completed', 'failed'] }),
      service_id: N(Type.String()),
      number: N(Type.String()),
      custom_id: N(Type.String()),
      custom_group: N(Type.String()),
      error: N(Type.Object({ code: Type.String(), text: Type.String() })),
    }),
  },
  ping: {
    summary: 'Test event',
    description: 'Sent by `POST /userapi/v1/subscriptions/{id}/ping`; every subscription can receive it.',
    data: Type.Object({ subscription_id: Type.String(), message: Type.String() }),
  },
};

const SIGNED_HEADERS = [
  { name: 'webhook-id', description: 'The delivery id: the same on every retry and redelivery (deduplicate on it).' },
  { name: 'webhook-timestamp', description: 'Unix seconds of this attempt.' },
  { name: 'webhook-signature', description: '`v1,<base64 HMAC-SHA256 of "webhook-id.webhook-timestamp.body">`, keyed with the base64-decoded part of the subscription’s `whsec_` secret (Standard Webhooks).' },
].map((h) => ({ in: 'header', name: h.name, required: true, description: h.description, schema: { type: 'string' } }));

/** The OpenAPI 3.1 `webhooks` object: the catalogue of events a subscription receives. */
type OpenApiDoc = NonNullable<Extract<SwaggerOptions, { openapi?: unknown }>['openapi']>;
type Webhooks = NonNullable<Extract<OpenApiDoc, { webhooks?: unknown }>['webhooks']>;

export const EVENT_WEBHOOKS: Webhooks = Object.fromEntries(
  [...EVENT_TYPES, 'ping' as const].map((type) => {
    const d = DATA[type];
    const body = Type.Object({
      type: Type.Literal(type),
      id: Type.String({ description: 'The event id (`evt_…`): the same for every subscription that receives it.' }),
      timestamp: Type.String({ description: 'When the event happened (ISO 8601 UTC).' }),
      data: d.data,
    });
    return [
      type,
      {
        post: {
          tags: ['UserAPI'],
          summary: d.summary,
          description: `${d.description} Delivered at least once, retried on the delivery schedule until your endpoint answers 2xx.`,
          parameters: SIGNED_HEADERS,
          requestBody: { required: true, content: { 'application/json': { schema: JSON.parse(JSON.stringify(body)) } } },
          responses: { '2XX': { description: 'Received; any other answer (or none within TT_DELIVERY_TIMEOUT_MS) is retried.' } },
        },
      },
    ];
  }),
) as Webhooks;
