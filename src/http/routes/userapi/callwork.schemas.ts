import { Type } from 'typebox';
import { LABEL_MAX, NOTE_MAX, QUESTION_TEXT_MAX, QUESTION_TITLE_MAX, SEARCH_MAX, WEIGHT_MAX } from '../../../domain/callwork/call-work.ts';
import { CLIENT_ID_MAX } from '../telco/telco.schemas.ts';
import { CallFilters, CallOut, ErrorOut } from '../webapi/webapi.schemas.ts';

export { CallOut, ErrorOut };

export const errors = { 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut };
export const security = [{ basicAuth: [] }];
export const tags = ['UserAPI'];

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
export const ClientId = Type.Optional(Type.Integer({ minimum: 1, maximum: CLIENT_ID_MAX, description: 'The account to act on; required when the user reaches several accounts.' }));
export const ClientQuery = Type.Object({ client_id: ClientId }, { additionalProperties: false });

const { format: _format, ...filters } = CallFilters;

export const CallLogQuery = Type.Object(
  {
    ...filters,
    q: Type.Optional(
      Type.String({
        maxLength: SEARCH_MAX,
        description:
          'Search: up to five words separated by spaces; each must be found (case-insensitive for A–Z, as a substring) in the tracking name, the label or one of the call’s notes, or, for a word of digits (`+ - ( ) .` ignored, at least three digits), in the caller’s number, a leading national 0 dropped (`0290088888` finds `+61290088888`). `%` and `_` are plain characters. An empty `q` is no search.',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Page size (1–1000).' })),
    cursor: Type.Optional(Type.String({ maxLength: 300, description: 'Opaque keyset cursor from the previous page’s `next_cursor`.' })),
    order: Type.Optional(Type.String({ enum: ['desc', 'asc'], default: 'desc', description: 'By start time: newest first (desc, default) or oldest first.' })),
    fields: Type.Optional(Type.String({ maxLength: 2000, description: 'Comma-separated fields to return, e.g. `id,started_at,label`.' })),
  },
  { additionalProperties: false },
);

export const CallsOut = Type.Object({ calls: Type.Array(CallOut), next_cursor: Nullable(Type.String()), timezone: Type.String() });
export const CallParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Call id (`callid`).' }) });
export const NoteParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Call id.' }),
  note_id: Type.String({ maxLength: 40, description: 'Note id (`note_…`).' }),
});

export const NoteOut = Type.Object({
  id: Type.String(),
  call_id: Type.Integer(),
  author: Type.Object({ user_id: Type.String(), name: Type.String({ description: 'The author’s username.' }) }),
  text: Type.String(),
  created_at: Type.String({ description: 'UTC, ISO 8601' }),
  updated_at: Type.String({ description: 'UTC, ISO 8601; the last edit' }),
});

export const EvaluationOut = Type.Object({
  answers: Type.Array(
    Type.Object({
      question_id: Type.Integer(),
      title: Type.String(),
      answer: Type.String({ enum: ['yes', 'no'] }),
      weight: Type.Integer(),
      archived: Type.Boolean({ description: 'The question is archived: its answer is kept, but it can no longer be given.' }),
      answered_at: Type.String(),
      answered_by: Nullable(Type.String({ description: 'User id of who gave the answer.' })),
    }),
  ),
  score: Nullable(Type.Number({ description: 'Weighted score in percent (one decimal): the weight of the questions answered yes over the weight of the questions answered; null when no weighted question is answered.' })),
});

export const CallDetailOut = Type.Object({ call: CallOut, notes: Type.Array(NoteOut), evaluation: EvaluationOut });

export const LabelIn = Type.Object(
  {
    client_id: ClientId,
    label: Nullable(Type.String({ maxLength: LABEL_MAX, description: `The label, one line, at most ${LABEL_MAX} characters (trimmed); null or empty clears it.` })),
  },
  { additionalProperties: false },
);

export const NoteIn = Type.Object(
  { client_id: ClientId, text: Type.String({ minLength: 1, maxLength: NOTE_MAX, description: `1 to ${NOTE_MAX} characters (trimmed); line breaks are kept.` }) },
  { additionalProperties: false },
);

export const EvaluationIn = Type.Object(
  {
    client_id: ClientId,
    answers: Type.Array(
      Type.Object(
        {
          question_id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'An active evaluation question of this account.' }),
          answer: Type.String({ enum: ['yes', 'no'] }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 500, description: 'The call’s answers to the account’s active questions; an active question left out loses its answer. Answers to archived questions are kept.' },
    ),
  },
  { additionalProperties: false },
);

export const QuestionOut = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  text: Type.String(),
  weight: Type.Integer({ description: 'Weight in the weighted score (0: asked, not scored).' }),
  position: Type.Integer({ description: 'Order in which questions are shown (then by id).' }),
  archived: Type.Boolean(),
  archived_at: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
});

const QuestionFields = {
  client_id: ClientId,
  title: Type.String({ minLength: 1, maxLength: QUESTION_TITLE_MAX, description: 'Short name, one line (the legacy `evaluationDetails` `title`).' }),
  text: Type.Optional(Type.String({ minLength: 1, maxLength: QUESTION_TEXT_MAX, description: 'The yes/no question as asked (default: the title).' })),
  weight: Type.Optional(Type.Integer({ minimum: 0, maximum: WEIGHT_MAX, description: `0 to ${WEIGHT_MAX}, default 1.` })),
  position: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Default: after the last question.' })),
};

export const QuestionIn = Type.Object(QuestionFields, { additionalProperties: false });
export const QuestionPatch = Type.Object(
  {
    client_id: ClientId,
    title: Type.Optional(QuestionFields.title),
    text: Type.Optional(Type.String({ minLength: 1, maxLength: QUESTION_TEXT_MAX })),
    weight: QuestionFields.weight,
    position: QuestionFields.position,
    archived: Type.Optional(Type.Boolean({ description: 'true archives the question (no longer asked, answers kept); false restores it.' })),
  },
  { additionalProperties: false },
);
export const QuestionParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Question id.' }) });
export const QuestionsQuery = Type.Object(
  { client_id: ClientId, include_archived: Type.Optional(Type.Boolean({ default: false, description: 'Also list archived questions.' })) },
  { additionalProperties: false },
);

const Figures = {
  answers: Type.Integer(),
  yes: Type.Integer(),
  no: Type.Integer(),
  yes_percent: Nullable(Type.Number({ description: 'Share of yes answers in percent, one decimal; null without answers.' })),
  weighted_score: Nullable(Type.Number({ description: 'Σ weight of yes answers ÷ Σ weight of answers, in percent (one decimal); null when nothing weighted is answered.' })),
};

export const EvaluationReportQuery = Type.Object(
  {
    client_id: ClientId,
    from: Type.Optional(Type.String({ maxLength: 40, description: 'Calls started from (inclusive): `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]` (account time) or an ISO 8601 instant. Default: the start of this month.' })),
    to: Type.Optional(Type.String({ maxLength: 40, description: 'Until (exclusive); a date alone means the end of that day. Default: now.' })),
    group_by: Type.Optional(Type.String({ enum: ['question', 'tracking_number', 'period'], default: 'question', description: 'One row per question (active ones, and archived ones with answers in the range), per tracking number, or per local period.' })),
    interval: Type.Optional(Type.String({ enum: ['day', 'week', 'month'], default: 'day', description: 'The periods of `group_by=period` (weeks start on Monday).' })),
    tracking_number: Type.Optional(Type.String({ maxLength: 40, description: 'Only calls to this tracking number.' })),
  },
  { additionalProperties: false },
);

export const EvaluationReportOut = Type.Object({
  timezone: Type.String(),
  from: Type.String(),
  to: Type.String(),
  group_by: Type.String(),
  interval: Type.Optional(Type.String()),
  rows: Type.Array(
    Type.Object({
      question_id: Type.Optional(Type.Integer()),
      title: Type.Optional(Type.String()),
      weight: Type.Optional(Type.Integer()),
      archived: Type.Optional(Type.Boolean()),
      tracking_number: Type.Optional(Type.String()),
      period: Type.Optional(Type.String({ description: '`YYYY-MM-DD` (a week by its Monday) or `YYYY-MM`' })),
      period_start: Type.Optional(Type.String()),
      ...Figures,
    }),
  ),
  totals: Type.Object(Figures),
});

export const SmsQuery = Type.Object(
  {
    client_id: ClientId,
    from: Type.Optional(Type.String({ maxLength: 40, description: 'Received from (inclusive): `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]` (account time) or an ISO 8601 instant.' })),
    to: Type.Optional(Type.String({ maxLength: 40, description: 'Until (exclusive); a date alone means the end of that day.' })),
    number: Type.Optional(Type.String({ maxLength: 40, description: 'Only messages to this number of the account (E.164 or `+CC-LOCAL`).' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Page size (1–1000).' })),
    cursor: Type.Optional(Type.String({ maxLength: 300, description: 'Opaque keyset cursor from the previous page’s `next_cursor`.' })),
    order: Type.Optional(Type.String({ enum: ['desc', 'asc'], default: 'desc', description: 'Newest first (default) or oldest first.' })),
  },
  { additionalProperties: false },
);

export const SmsOut = Type.Object({
  id: Type.String(),
  received_at: Type.String({ description: 'UTC, ISO 8601' }),
  to_number: Type.String({ description: 'The account’s number it was sent to, E.164' }),
  from_number: Nullable(Type.String({ description: 'The sender: E.164, or an alphanumeric sender id' })),
  body: Type.String(),
  segments: Type.Integer(),
  service_id: Nullable(Type.String()),
  is_test: Type.Boolean({ description: 'Sent by Telltale’s own test probe.' }),
});

export const SmsListOut = Type.Object({ messages: Type.Array(SmsOut), next_cursor: Nullable(Type.String()), timezone: Type.String() });
