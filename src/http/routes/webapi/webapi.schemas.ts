import { Type } from 'typebox';
import { CLIENT_ID_MAX } from '../telco/telco.schemas.ts';

export const ErrorOut = Type.Object({
  code: Type.String(),
  detail: Type.String(),
  requestId: Type.String(),
  errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
});

export const errors = { 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut };
export const security = [{ basicAuth: [] }];

const ClientId = Type.Optional(Type.Integer({ minimum: 1, maximum: CLIENT_ID_MAX, description: 'The account to act on; required when the user reaches several accounts.' }));
const Format = Type.Optional(Type.String({ enum: ['json', 'xml'], description: 'Response format; XML is also chosen by `Accept: application/xml`.' }));

export const CallFilters = {
  client_id: ClientId,
  format: Format,
  from: Type.Optional(Type.String({ maxLength: 40, description: 'Start (inclusive): `YYYY-MM-DD` or `YYYY-MM-DD HH:MM[:SS]` in the account’s time zone, or an ISO 8601 instant with an offset.' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'End (exclusive); a date alone means the end of that day (account time).' })),
  tracking_number: Type.Optional(Type.String({ maxLength: 40, description: 'Tracking number, E.164 (`+61290088888`) or `+61-0290088888`.' })),
  status: Type.Optional(Type.String({ maxLength: 200, description: 'Status names or codes, comma-separated: `Missed`, `1`, `Answered,Busy`.' })),
  caller: Type.Optional(Type.String({ maxLength: 40, description: 'Caller number (E.164 or `+CC-LOCAL`), or `Private` for withheld callers.' })),
  custom_id: Type.Optional(Type.String({ maxLength: 255 })),
  custom_group: Type.Optional(Type.String({ maxLength: 255 })),
  direction: Type.Optional(Type.String({ enum: ['call-in', 'call-out'] })),
  has_audio: Type.Optional(Type.Boolean({ description: 'Only calls with (true) or without (false) a recording.' })),
  test: Type.Optional(Type.Boolean({ description: 'Only test calls (true) or only real calls (false); both when absent.' })),
};

export const CallsQuery = Type.Object(
  {
    ...CallFilters,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Page size (1–1000).' })),
    cursor: Type.Optional(Type.String({ maxLength: 300, description: 'Opaque keyset cursor from the previous page’s `next_cursor`.' })),
    order: Type.Optional(Type.String({ enum: ['desc', 'asc'], default: 'desc', description: 'By start time: newest first (desc, default) or oldest first.' })),
    fields: Type.Optional(Type.String({ maxLength: 2000, description: 'Comma-separated fields to return, e.g. `id,started_at,status,caller_number`.' })),
  },
  { additionalProperties: false },
);

const { format: _format, ...ExportFilters } = CallFilters;

export const ExportQuery = Type.Object(
  {
    ...ExportFilters,
    order: CallsQuery.properties.order,
    fields: Type.Optional(
      Type.String({
        maxLength: 2000,
        description: 'Comma-separated columns, in the order wanted, e.g. `id,started_at,status,caller_number`: any WebAPI call field but the `*_at_local` ones (400 naming `fields` for an unknown one). Default: all of them. `timezone` is always added.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const CallQuery = Type.Object({ client_id: ClientId, format: Format, fields: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });
export const CallParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Call id (`callid`).' }) });

export const CallOut = Type.Object(
  {
    id: Type.Optional(Type.Integer()),
    unique_id: Type.Optional(Type.String()),
    tracking_number: Type.Optional(Type.String({ description: 'E.164' })),
    tracking_number_local: Type.Optional(Type.String({ description: '`+CC-LOCAL`' })),
    caller_number_local: Type.Optional(Type.String({ description: '`+CC-LOCAL` or `Private`' })),
    started_at: Type.Optional(Type.String({ description: 'UTC, ISO 8601' })),
    started_at_local: Type.Optional(Type.String({ description: 'Local time in the call’s zone with its offset' })),
    status: Type.Optional(Type.String()),
    status_code: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  },
  { additionalProperties: true, description: 'A call record: every field of the record (or those asked for with `fields`).' },
);

export const CallsOut = Type.Object({ calls: Type.Array(CallOut), next_cursor: Type.Union([Type.String(), Type.Null()]), timezone: Type.String() });

export const SummaryQuery = Type.Object(
  {
    ...CallFilters,
    interval: Type.Optional(Type.String({ enum: ['day', 'week', 'month'], default: 'day', description: 'Local periods; weeks start on Monday.' })),
    group_by: Type.Optional(Type.String({ enum: ['none', 'status', 'tracking_number', 'custom_group', 'source'], default: 'none', description: 'Second grouping; `source` is the DNI visit source.' })),
  },
  { additionalProperties: false },
);

export const SummaryRow = Type.Object(
  {
    period: Type.String({ description: '`YYYY-MM-DD` (day; a week by its Monday) or `YYYY-MM`' }),
    period_start: Type.String(),
    group: Type.Union([Type.String(), Type.Integer(), Type.Null()]),
    calls: Type.Integer(),
    answered: Type.Integer(),
    answered_rate: Type.Number(),
    total_duration: Type.Integer(),
    average_duration: Type.Number(),
    total_talk_duration: Type.Integer(),
    average_talk_duration: Type.Number(),
  },
  { additionalProperties: true },
);

export const SummaryOut = Type.Object({
  timezone: Type.String(),
  interval: Type.String(),
  group_by: Type.String(),
  from: Type.String(),
  to: Type.String(),
  rows: Type.Array(SummaryRow),
  totals: Type.Object({ calls: Type.Integer(), answered: Type.Integer(), answered_rate: Type.Number(), total_duration: Type.Integer(), total_talk_duration: Type.Integer() }),
});

export const FeedIn = Type.Object(
  {
    client_id: ClientId,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    auth: Type.String({ enum: ['basic', 'digest', 'ip'], description: 'IP allow-list only, static HTTP Basic, or HTTP Digest (RFC 7616, qop=auth, SHA-256 or MD5).' }),
    username: Type.Optional(Type.String({ maxLength: 100 })),
    password: Type.Optional(Type.String({ minLength: 8, maxLength: 200 })),
    allow: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100, description: 'IP addresses or CIDR blocks; required for `ip`, an extra check for the others.' })),
    csv_formula_protection: Type.Optional(Type.Boolean({ description: "CSV (served and uploaded): neutralise spreadsheet formula injection (OWASP CSV Injection). A cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'` and is quoted, so Excel, LibreOffice and Google Sheets show it as text instead of running it (`=HYPERLINK(…)`, `@SUM(…)`); plain numbers such as `-5` are kept; caller numbers like `+61-0290088888` become `'+61-0290088888`. Default false: the CSV byte for byte as the standard record." })),
    upload: Type.Optional(
      Type.Union([
        Type.Object(
          {
            kind: Type.String({ enum: ['http_put', 'sftp', 'folder'] }),
            target: Type.String({
              maxLength: 2000,
              description:
                'http(s) URL (may hold `{date}`; a trailing `/` gets `calls-YYYY-MM-DD.ext`), `sftp://host[:port]/folder`, or a folder. In production http(s) and sftp hosts must be public (the outbound URL policy: loopback, private, link-local, mapped and other non-public addresses are refused, when saved and at each upload). A folder must lie inside the server\'s `TT_FEED_FOLDER_ROOT` (absolute inside it, or relative to it; `..` and symbolic links out refused); production without it refuses folder uploads, sandbox without it takes any absolute folder.',
            }),
            time: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM, account time: the previous local day is uploaded then.' }),
            format: Type.Optional(Type.String({ enum: ['json', 'csv', 'xml'], description: 'Default csv.' })),
            username: Type.Optional(Type.String({ maxLength: 200 })),
            password: Type.Optional(Type.String({ maxLength: 200 })),
            host_key: Type.Optional(
              Type.String({
                maxLength: 100,
                pattern: '^SHA256:[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]$',
                description:
                  'sftp only: the server’s host key fingerprint as OpenSSH prints it, `SHA256:` and 43 base64 characters without padding (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the server, or `ssh-keyscan host | ssh-keygen -lf -`). Uploads then talk only to a server presenting that key. Left out: trust on first use, the first successful upload pins the key the server presents and later uploads must match it. A mismatch fails the attempt before the password is sent (retried, then dead-lettered, like any failed upload).',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        Type.Null(),
      ]),
    ),
  },
  { additionalProperties: false },
);

export const FeedOut = Type.Object({
  id: Type.String(),
  client_id: Type.Integer(),
  name: Type.Union([Type.String(), Type.Null()]),
  auth: Type.String(),
  username: Type.Union([Type.String(), Type.Null()]),
  allow: Type.Array(Type.String()),
  url: Type.String(),
  urls: Type.Record(Type.String(), Type.String()),
  upload: Type.Union([
    Type.Object({
      kind: Type.String(),
      target: Type.String(),
      time: Type.String(),
      format: Type.String(),
      username: Type.Union([Type.String(), Type.Null()]),
      host_key: Type.Union([Type.String(), Type.Null()], { description: 'sftp: the host key fingerprint uploads require (`SHA256:…`), configured or pinned on first use; null until the first successful upload pins one.' }),
      host_key_source: Type.Union([Type.String({ enum: ['configured', 'first_use'] }), Type.Null()], { description: '`configured` (set with the feed) or `first_use` (pinned by the first successful connection).' }),
      next_at: Type.Union([Type.String(), Type.Null()]),
    }),
    Type.Null(),
  ]),
  csv_formula_protection: Type.Boolean({ description: 'Whether the CSV neutralises cells a spreadsheet would run as formulas (see `POST /feeds`).' }),
  created_at: Type.String(),
});

export const FeedParams = Type.Object({ id: Type.String({ maxLength: 40 }) });
export const ClientQuery = Type.Object({ client_id: ClientId }, { additionalProperties: false });

export const CallEnvelope = Type.Object({ call: CallOut });
