import { Type } from 'typebox';
import { ClientId, ErrorOut } from '../userapi/integrations.schemas.ts';
import { AGENT_STATES } from '../../../domain/artic/realtime.ts';
import { ARTIC_INTERVALS } from '../../../domain/artic/buckets.ts';
import { MAX_REPORT_DAYS, REPORT_GROUPS } from '../../../services/artic/reports.service.ts';

/** Schemas of the ARTIC reports (`/artic/v1/reports/…`). */

export const errors = { 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut };
export const security = [{ basicAuth: [] }];
export const tags = ['ARTIC'];

const Format = Type.Optional(Type.String({ enum: ['json', 'xml'], description: 'Response format; XML is also chosen by `Accept: application/xml`.' }));
const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);
const Seconds = (description: string) => Nullable(Type.Number({ description }));
const Ratio = (description: string) => Nullable(Type.Number({ description: `${description} (0–1, 4 decimals; null when the divisor is 0)` }));

export const RealtimeQuery = Type.Object({ client_id: ClientId, format: Format }, { additionalProperties: false });
export const StreamQuery = Type.Object({ client_id: ClientId }, { additionalProperties: false });

const State = Type.String({ enum: [...AGENT_STATES] });
export const RealtimeOut = Type.Object({
  at: Type.String({ description: 'When the report was read (UTC).' }),
  states: Type.Object(Object.fromEntries(AGENT_STATES.map((s) => [s, Type.Integer()])), { description: 'How many agents are in each state.' }),
  agents: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      state: State,
      since: Type.Union([Type.String(), Type.Null()], { description: 'Since when (a wrap-up that has ended: available since its end).' }),
      pause_reason: Type.Union([Type.String(), Type.Null()], { description: 'The reason, while paused.' }),
      queue_call_id: Type.Union([Type.String(), Type.Null()], { description: 'The queue call the agent is ringing for or on.' }),
      queue_id: Type.Union([Type.String(), Type.Null()]),
      call_id: Type.Union([Type.Integer(), Type.Null()], { description: 'Its Telltale call id.' }),
    }),
  ),
  queues: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      calls_waiting: Type.Integer({ description: 'Callers not yet answered (waiting, or ringing an agent).' }),
      calls_connected: Type.Integer({ description: 'Callers talking to an agent.' }),
      longest_wait_sec: Type.Integer({ description: 'How long the longest-waiting caller has waited so far (0 when none).' }),
      oldest_entered_at: Type.Union([Type.String(), Type.Null()], { description: 'When that caller entered the queue.' }),
      agents_available: Type.Integer({ description: 'Agents available now in the teams serving the queue, with its skills.' }),
      agents_logged_in: Type.Integer({ description: 'Agents logged in (any state but logged_out) in those teams, with its skills.' }),
    }),
  ),
});

export const HistoricalQuery = Type.Object(
  {
    client_id: ClientId,
    format: Format,
    from: Type.String({ maxLength: 40, description: 'Start (inclusive): an ISO 8601 instant (`2026-04-01T00:00:00+10:00`), or `YYYY-MM-DD` / `YYYY-MM-DD HH:MM[:SS]` in the account’s time zone.' }),
    to: Type.Optional(Type.String({ maxLength: 40, description: `End (exclusive), after from and at most ${MAX_REPORT_DAYS} days later; a date alone means the end of that day. Default: now.` })),
    interval: Type.Optional(Type.String({ enum: [...ARTIC_INTERVALS], default: 'hour', description: 'Buckets: local quarter hours, hours or days (from local midnight) in the account’s time zone.' })),
    group: Type.Optional(Type.String({ enum: [...REPORT_GROUPS], default: 'queue', description: 'Rows per queue, team or agent.' })),
  },
  { additionalProperties: false },
);

const figureFields = {
  offered: Type.Optional(Type.Integer({ description: 'Queue calls entered that ended: answered + abandoned + overflowed.' })),
  answered: Type.Integer({ description: 'COMPLETECALLER + COMPLETEAGENT (per agent: the calls it completed; per team: by its agents).' }),
  answered_within_sl: Type.Integer({ description: 'Answered with hold ≤ the queue’s service_level_sec.' }),
  abandoned: Type.Optional(Type.Integer({ description: 'ABANDON.' })),
  abandoned_short: Type.Optional(Type.Integer({ description: 'ABANDON with wait < the queue’s short_abandon_sec.' })),
  abandoned_long: Type.Optional(Type.Integer({ description: 'abandoned − abandoned_short.' })),
  overflowed: Type.Optional(Type.Integer({ description: 'EXITWITHTIMEOUT + EXITEMPTY.' })),
  overflowed_to_team: Type.Optional(Type.Integer({ description: 'Calls with an OVERFLOW event (per team: the calls overflowed to it).' })),
  service_level: Type.Optional(Ratio('answered_within_sl ÷ (offered − abandoned_short)')),
  service_level_completed: Ratio('answered_within_sl ÷ answered'),
  abandon_rate: Type.Optional(Ratio('abandoned_long ÷ (offered − abandoned_short)')),
  asa: Seconds('Average speed of answer: Σ hold of answered ÷ answered, seconds.'),
  longest_wait: Seconds('The longest hold (answered) or wait (abandoned, overflowed), seconds.'),
  avg_talk: Seconds('Σ talk ÷ answered, seconds.'),
  avg_wrapup: Seconds('Σ wrap-up actually taken ÷ answered, seconds (data4 of the COMPLETE, cut short by the agent’s next PAUSE or AGENTLOGOFF).'),
  avg_handle: Seconds('avg_talk + avg_wrapup, seconds.'),
  missed_offers: Type.Optional(Type.Integer({ description: 'Agents and teams: RINGNOANSWER (offers not taken).' })),
  login_sec: Type.Optional(Type.Number({ description: 'Agents and teams: time logged in within the bucket (an agent still logged in counts up to `to`).' })),
  pause_sec: Type.Optional(Type.Number({ description: 'Time paused within the bucket.' })),
  pauses: Type.Optional(Type.Array(Type.Object({ reason: Type.String(), sec: Type.Number() }), { description: 'pause_sec by reason.' })),
  talk_sec: Type.Optional(Type.Number({ description: 'Talk time within the bucket.' })),
  wrapup_sec: Type.Optional(Type.Number({ description: 'Wrap-up actually taken within the bucket.' })),
  occupancy: Type.Optional(Ratio('(talk_sec + wrapup_sec) ÷ (login_sec − pause_sec)')),
};

const Entity = { id: Type.String(), name: Type.Union([Type.String(), Type.Null()], { description: 'Null for an entity no longer set up.' }) };

export const HistoricalOut = Type.Object({
  timezone: Type.String({ description: 'The account’s time zone: the buckets are local.' }),
  interval: Type.String({ enum: [...ARTIC_INTERVALS] }),
  group: Type.String({ enum: [...REPORT_GROUPS] }),
  from: Type.String(),
  to: Type.String(),
  rows: Type.Array(
    Type.Object({
      period: Type.String({ description: 'The bucket’s local start, ISO 8601 with the offset then (the first bucket may start before `from`).' }),
      period_start: Type.String({ description: 'The bucket within [from, to), UTC.' }),
      period_end: Type.String(),
      ...Entity,
      ...figureFields,
    }),
    { description: 'One row per entity and bucket with any activity, by bucket then id.' },
  ),
  totals: Type.Array(Type.Object({ ...Entity, ...figureFields }), { description: 'Per entity over the whole period (every queue, team or agent of the account).' }),
  all: Type.Object(figureFields, { description: 'Over every entity of the group (an agent in two teams counts once).' }),
});
