import { Type } from 'typebox';
import { NOTIFY_STATUSES, SERVICE_TYPES } from '../../../domain/telco/service-fields.ts';
import { NUMBER_CLASSES } from '../../../domain/phone.ts';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
/** Account numbers are 32-bit (`client_id` is an `integer` column). */
export const CLIENT_ID_MAX = 2_147_483_647;
const ClientId = Type.Optional(Type.Integer({ minimum: 1, maximum: CLIENT_ID_MAX, description: 'The account to act on; required when the user reaches several accounts.' }));
export const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Page size (1–1000).' }));
export const Cursor = Type.Optional(Type.String({ maxLength: 200, description: 'Opaque cursor from a previous page’s `next_cursor`.' }));

export const Transaction = Type.Object(
  {
    account: Type.Object({ client_id: Type.Integer(), name: Type.String(), timezone: Type.String() }),
    user: Type.String(),
    api_version: Type.String(),
    request_id: Type.String(),
    server_time: Type.String({ format: 'date-time' }),
  },
  { description: 'Running feedback on the selected account and the API, on every successful response.' },
);

export const ErrorOut = Type.Object({
  code: Type.String(),
  detail: Type.String(),
  requestId: Type.String(),
  errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
});

export const NumberOut = Type.Object({
  number: Type.String({ description: 'E.164' }),
  number_local: Type.String({ description: '`+CC-LOCAL` with the trunk prefix, as AVANSER writes it' }),
  country: Type.String(),
  class: Type.String({ enum: [...NUMBER_CLASSES] }),
  sms: Type.Boolean(),
  voice: Type.Boolean(),
  stock: Type.String({ enum: ['private', 'public'] }),
});

export const Notification = Type.Object(
  {
    channel: Type.String({ enum: ['email', 'sms'] }),
    to: Type.String({ minLength: 1, maxLength: 320 }),
    statuses: Type.Array(Type.String({ enum: [...NOTIFY_STATUSES] }), { minItems: 1 }),
  },
  { additionalProperties: false },
);

export const IvrOption = Type.Object(
  {
    digit: Type.String({ pattern: '^[0-9*#]$', description: 'The key the caller presses.' }),
    name: Type.Optional(Nullable(Type.String({ maxLength: 100, description: 'What the option is (spoken in the default menu, reported as the IVR selection).' }))),
    target_number: Type.Optional(Nullable(Type.String({ maxLength: 40, description: 'Answer point of this option, E.164.' }))),
    target_name: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
  },
  { additionalProperties: false },
);

export const serviceFields = {
  name: Type.Optional(Nullable(Type.String({ maxLength: 255, description: 'Friendly name (`adname`).' }))),
  target_number: Type.Optional(Nullable(Type.String({ maxLength: 40, description: 'Answer point, E.164.' }))),
  target_name: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
  prompt_url: Type.Optional(Nullable(Type.String({ maxLength: 4000, description: 'Recording to play (voicemail, prompt, ivr).' }))),
  prompt_text: Type.Optional(Nullable(Type.String({ maxLength: 2000, description: 'Text to speak when there is no recording.' }))),
  custom_id: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
  custom_group: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
  call_callback_uri: Type.Optional(Nullable(Type.String({ maxLength: 4000, description: 'HTTP Callback URL template with `[[tag]]` placeholders (the seed\'s full tag list), called when a call is finalized. Unknown tags are sent empty and reported in `warnings`. In production the host must be public (outbound URL policy: loopback, private, link-local, IPv4-mapped and other non-public addresses refused with 422, and again at send time).' }))),
  call_callback_method: Type.Optional(Type.String({ enum: ['GET', 'POST'], description: 'HTTP Callback method: GET (default; values in the URL) or POST (also a JSON body with every tag\'s value, keyed by tag name).' })),
  sms_forward_uri: Type.Optional(Nullable(Type.String({ maxLength: 4000, description: 'URL called for each SMS received; SMS-capable numbers only. In production the host must be public (outbound URL policy: loopback, private, link-local, IPv4-mapped and other non-public addresses refused with 422, and again at send time).' }))),
  notifications: Type.Optional(Type.Array(Notification, { maxItems: 50 })),
  ring_timeout: Type.Optional(Type.Integer({ minimum: 5, maximum: 120, description: 'Transfer: seconds the answer point rings before the call counts as unanswered (default 30).' })),
  record: Type.Optional(Type.Boolean({ description: 'Transfer: record the answered call (default false); the recording is served at the call’s `[[audio]]` URL.' })),
  voicemail_fallback: Type.Optional(Type.Boolean({ description: 'Transfer: take a voicemail when the answer point is busy, does not answer or fails (default false); the greeting is `prompt_url` / `prompt_text`.' })),
  ivr_options: Type.Optional(Type.Union([Type.Array(IvrOption, { minItems: 1, maxItems: 12 }), Type.Null()], { description: 'IVR: the menu. A digit with `target_number` transfers there; without, it takes a voicemail. No input transfers to the service’s `target_number` when set, else hangs up.' })),
  artic_queue_id: Type.Optional(Nullable(Type.String({ maxLength: 64, description: 'Queue service: the call-centre queue (`/artic/v1/queues`) its calls wait in. Its calls are ARTIC calls (`call_is_artic` 1).' }))),
  artic_menu_id: Type.Optional(Nullable(Type.String({ maxLength: 64, description: 'Queue service: instead of a queue, the call-centre menu (`/artic/v1/menus`) that leads callers to queues.' }))),
};

export const ServiceIn = Type.Object(
  { type: Type.Optional(Type.String({ enum: [...SERVICE_TYPES] })), ...serviceFields },
  { additionalProperties: false, description: 'Service fields; for `new`, `type` is required (and `target_number` for a transfer).' },
);

export const CriteriaIn = Type.Object(
  {
    country: Type.Optional(Type.String({ minLength: 2, maxLength: 2, description: 'ISO 3166 alpha-2, e.g. AU.' })),
    class: Type.Optional(Type.String({ enum: [...NUMBER_CLASSES] })),
    area: Type.Optional(Type.String({ maxLength: 8, description: 'Area prefix of the national number, e.g. 02 (needs country).' })),
    contains: Type.Optional(Type.String({ maxLength: 15, description: 'Digits the number must contain.' })),
    sms: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const RequestIn = Type.Object(
  {
    client_id: ClientId,
    type: Type.String({ enum: ['new', 'update', 'decommission'] }),
    callback_uri: Type.Optional(Type.String({ maxLength: 4000, description: 'Called with GET at each status change. In production the host must be public (outbound URL policy: loopback, private, link-local, IPv4-mapped and other non-public addresses refused with 422, and again at send time).' })),
    service_id: Type.Optional(Type.String({ maxLength: 64 })),
    number: Type.Optional(Type.String({ maxLength: 40, description: 'For `new`: a specific number (E.164).' })),
    criteria: Type.Optional(CriteriaIn),
    service: Type.Optional(ServiceIn),
  },
  { additionalProperties: false },
);

export const ServiceOut = Type.Object({
  id: Type.String(),
  number: Type.String(),
  number_local: Type.String(),
  type: Type.String(),
  status: Type.String({ enum: ['provisioning', 'live', 'decommissioned'] }),
  name: Nullable(Type.String()),
  target_number: Nullable(Type.String()),
  target_name: Nullable(Type.String()),
  prompt_url: Nullable(Type.String()),
  prompt_text: Nullable(Type.String()),
  custom_id: Nullable(Type.String()),
  custom_group: Nullable(Type.String()),
  call_callback_uri: Nullable(Type.String()),
  call_callback_method: Type.String({ enum: ['GET', 'POST'] }),
  sms_forward_uri: Nullable(Type.String()),
  notifications: Type.Array(Notification),
  ring_timeout: Type.Integer(),
  record: Type.Boolean(),
  voicemail_fallback: Type.Boolean(),
  ivr_options: Type.Union([Type.Array(IvrOption), Type.Null()]),
  artic_queue_id: Nullable(Type.String()),
  artic_menu_id: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
  live_at: Nullable(Type.String()),
  decommissioned_at: Nullable(Type.String()),
});

export const RequestOut = Type.Object({
  id: Type.String(),
  type: Type.String(),
  status: Type.String({ enum: ['queued', 'processing', 'completed', 'failed'] }),
  number: Nullable(Type.String()),
  service_id: Nullable(Type.String()),
  callback_uri: Nullable(Type.String()),
  error: Type.Union([Type.Object({ code: Type.String(), text: Type.String() }), Type.Null()]),
  service: Type.Object(serviceFields, { description: 'The service fields this request sets.' }),
  created_at: Type.String(),
  updated_at: Type.String(),
  completed_at: Nullable(Type.String()),
});

export const ClientQuery = Type.Object({ client_id: ClientId }, { additionalProperties: false });

export const NumbersQuery = Type.Object(
  {
    client_id: ClientId,
    country: Type.Optional(Type.String({ minLength: 2, maxLength: 2 })),
    class: Type.Optional(Type.String({ enum: [...NUMBER_CLASSES] })),
    area: Type.Optional(Type.String({ maxLength: 8 })),
    contains: Type.Optional(Type.String({ maxLength: 15 })),
    sms: Type.Optional(Type.Boolean()),
    limit: Limit,
    cursor: Cursor,
  },
  { additionalProperties: false },
);

export const ServicesQuery = Type.Object(
  {
    client_id: ClientId,
    status: Type.Optional(Type.String({ enum: ['provisioning', 'live', 'decommissioned'] })),
    number: Type.Optional(Type.String({ maxLength: 40 })),
    custom_id: Type.Optional(Type.String({ maxLength: 255 })),
    custom_group: Type.Optional(Type.String({ maxLength: 255 })),
    limit: Limit,
    cursor: Cursor,
  },
  { additionalProperties: false },
);

export const RequestsQuery = Type.Object(
  {
    client_id: ClientId,
    status: Type.Optional(Type.String({ enum: ['queued', 'processing', 'completed', 'failed'] })),
    type: Type.Optional(Type.String({ enum: ['new', 'update', 'decommission'] })),
    service_id: Type.Optional(Type.String({ maxLength: 64 })),
    limit: Limit,
    cursor: Cursor,
  },
  { additionalProperties: false },
);

export const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
export const NumberParams = Type.Object({ number: Type.String({ maxLength: 40 }) });

export const Warning = Type.Object(
  { path: Type.String(), message: Type.String() },
  { description: 'A non-fatal remark on the request, e.g. an HTTP Callback tag Telltale does not know (it is sent empty).' },
);
