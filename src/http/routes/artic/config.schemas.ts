import { Type, type TSchema } from 'typebox';
import { MENU_ACTIONS, QUEUE_ROUTE_KINDS } from '../../../domain/artic/routing.ts';
import { MAX_HOLIDAYS, MAX_RANGES } from '../../../domain/artic/hours.ts';
import { MAX_SKILLS, QUEUE_NUMBERS, QUEUE_STRATEGIES } from '../../../domain/artic/config.ts';
import { ClientId, ClientQuery, ErrorOut, Nullable } from '../userapi/integrations.schemas.ts';

/** Schemas of the call centre's admin API (`/artic/v1` teams, agents, queues, menus). */

export { ClientQuery };
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
export const errors = { 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut };
export const security = [{ basicAuth: [] }];
export const tags = ['ARTIC'];

const Name = (what: string) => Type.String({ minLength: 1, maxLength: 100, description: `The ${what}'s name (1–100 characters)${what === 'agent' ? '' : ', unique in the account'}.` });
const Id = (description: string) => Type.String({ maxLength: 100, description });
const Skills = Type.Array(Type.String({ maxLength: 40 }), { maxItems: MAX_SKILLS, description: 'Short skill names (1–40 letters, digits, spaces, `_ . -`), compared in lower case; at most 20.' });
const TeamIds = (description: string) => Type.Array(Id('A team of the account.'), { maxItems: 50, description });
const Seconds = (k: keyof typeof QUEUE_NUMBERS, description: string) => {
  const [minimum, maximum, dflt] = QUEUE_NUMBERS[k];
  return Type.Integer({ minimum, maximum, description: `${description} (${minimum}–${maximum}, default ${dflt}).` });
};

const Range = Type.Object(
  {
    day: Type.Integer({ minimum: 0, maximum: 6, description: '0 = Sunday … 6 = Saturday.' }),
    open: Type.String({ maxLength: 5, description: "Local time 'HH:MM' the range opens (inclusive)." }),
    close: Type.String({ maxLength: 5, description: "Local time 'HH:MM' it closes (exclusive; after open; '24:00' = midnight)." }),
  },
  { additionalProperties: false },
);
const Hours = Type.Union([Type.Array(Range, { maxItems: MAX_RANGES }), Type.Null()], { description: 'Weekly opening ranges in the queue’s time zone; null: always open (holidays still close it). A range never crosses midnight: split it.' });
const Holidays = Type.Array(Type.String({ maxLength: 10 }), { maxItems: MAX_HOLIDAYS, description: "Local dates 'YYYY-MM-DD' the queue is closed all day." });

const routeFields = {
  queue_id: Type.Optional(Id('kind/action queue: the queue the call goes to (not this one).')),
  text: Type.Optional(Type.String({ maxLength: 2000, description: 'kind/action prompt: the text spoken before the call ends.' })),
};
const QueueRoute = (description: string) =>
  Type.Object({ kind: Type.String({ enum: [...QUEUE_ROUTE_KINDS] }), ...routeFields, team_id: Type.Optional(Id('kind team (overflow only): a team whose agents are offered the call too; it stays in this queue.')) }, { additionalProperties: false, description });
const menuRouteFields = { action: Type.String({ enum: [...MENU_ACTIONS] }), ...routeFields, menu_id: Type.Optional(Id('action menu: another menu (not this one).')) };
const MenuRoute = Type.Object(menuRouteFields, { additionalProperties: false, description: 'Where the call goes when no key is pressed in time (default {action: hangup}).' });
const MenuOption = Type.Object(
  { digit: Type.String({ maxLength: 1, description: 'One key: 0-9, * or #; each key at most once.' }), name: Type.Optional(Nullable(Type.String({ maxLength: 100 }))), ...menuRouteFields },
  { additionalProperties: false },
);

/** Create: the required fields required, the rest optional; update: everything optional. Both take client_id. */
function bodies<P extends Record<string, TSchema>>(fields: P, required: (keyof P)[]) {
  const opt = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, required.includes(k) ? v : Type.Optional(v)]));
  const all = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, Type.Optional(v)]));
  return {
    create: Type.Object({ client_id: ClientId, ...opt }, { additionalProperties: false }),
    update: Type.Object({ client_id: ClientId, ...all }, { additionalProperties: false }),
  };
}

const teamFields = { name: Name('team') };
export const TeamBodies = bodies(teamFields, ['name']);

const agentFields = {
  name: Name('agent'),
  answer_point: Type.String({ maxLength: 200, description: 'Where the agent answers: a phone number (E.164, or national Australian, stored as E.164) or a `sip:user@host` URI.' }),
  skills: Skills,
  team_ids: TeamIds('The teams the agent belongs to.'),
  user_id: Nullable(Type.String({ maxLength: 100, description: 'A user of the account who acts as this agent (log in, pause); a user is at most one agent. null: none.' })),
  supervisor: Type.Boolean({ description: 'May act for the agents of their teams (default false).' }),
};
export const AgentBodies = bodies(agentFields, ['name', 'answer_point']);

const queueFields = {
  name: Name('queue'),
  strategy: Type.String({ enum: [...QUEUE_STRATEGIES], description: 'How a caller is offered to the agents: ring_all, longest_idle (default), round_robin, fewest_calls.' }),
  ring_time_sec: Seconds('ring_time_sec', 'Seconds an offer rings an agent'),
  max_wait_sec: Seconds('max_wait_sec', 'Longest wait before the overflow'),
  wrapup_sec: Seconds('wrapup_sec', 'Wrap-up seconds after each call'),
  service_level_sec: Seconds('service_level_sec', 'Answered within this many seconds counts for the service level'),
  short_abandon_sec: Seconds('short_abandon_sec', 'Abandoned sooner than this is a short abandon'),
  poll_sec: Seconds('poll_sec', 'How long one hold document lasts before the carrier asks again'),
  hold_music_url: Nullable(Type.String({ maxLength: 2000, description: 'Hold music (http/https); null: none.' })),
  hold_text: Nullable(Type.String({ maxLength: 2000, description: 'Spoken while the caller holds; null: none.' })),
  announce_position: Type.Boolean({ description: 'Tell callers their position (default true).' }),
  leave_when_empty: Type.Boolean({ description: 'With nobody logged in who can take calls, the caller leaves to the overflow at once (default true).' }),
  skills: Skills,
  team_ids: Type.Array(Id('A team of the account.'), { minItems: 1, maxItems: 50, description: 'The teams serving the queue (at least one; required on create).' }),
  timezone: Type.String({ maxLength: 64, description: 'IANA time zone of the hours and holidays (default: the account’s).' }),
  hours: Hours,
  holidays: Holidays,
  overflow: QueueRoute('After max_wait_sec (or nobody logged in, with leave_when_empty): {kind: queue | team | voicemail | prompt | hangup} (default voicemail).'),
  closed_route: QueueRoute('Outside the hours: {kind: queue | voicemail | prompt | hangup} (default voicemail).'),
};
export const QueueBodies = bodies(queueFields, ['name', 'team_ids']);

const menuFields = {
  name: Name('menu'),
  prompt_text: Nullable(Type.String({ maxLength: 2000, description: 'Spoken before the caller chooses (prompt_text or prompt_url required).' })),
  prompt_url: Nullable(Type.String({ maxLength: 2000, description: 'Audio played before the caller chooses (http/https); played instead of prompt_text when both are set.' })),
  timeout_sec: Seconds('timeout_sec', 'Seconds to wait for a key'),
  options: Type.Array(MenuOption, { minItems: 1, maxItems: 12, description: '1 to 12 options: {digit, name?, action: queue | menu | voicemail | prompt | hangup, queue_id? | menu_id? | text?}.' }),
  otherwise: MenuRoute,
};
export const MenuBodies = bodies(menuFields, ['name', 'options']);

// ---- answers

const stamps = { id: Type.String(), client_id: Type.Integer(), created_at: Type.String(), updated_at: Type.String() };
const RouteOut = Type.Object({ kind: Type.String(), queue_id: Type.Optional(Type.String()), team_id: Type.Optional(Type.String()), text: Type.Optional(Type.String()) });
const MenuRouteOut = Type.Object({ action: Type.String(), queue_id: Type.Optional(Type.String()), menu_id: Type.Optional(Type.String()), text: Type.Optional(Type.String()) });

export const TeamOut = Type.Object({ ...stamps, name: Type.String(), agent_ids: Type.Array(Type.String()), queue_ids: Type.Array(Type.String({ description: 'Queues the team serves.' })) });
export const AgentOut = Type.Object({
  ...stamps,
  name: Type.String(),
  answer_point: Type.String(),
  skills: Type.Array(Type.String()),
  team_ids: Type.Array(Type.String()),
  user_id: Nullable(Type.String()),
  supervisor: Type.Boolean(),
  state: Type.String({ enum: ['logged_out', 'available', 'ringing', 'on_call', 'wrapup', 'paused'], description: 'Live state (read-only: the agent actions and the queue engine change it).' }),
  state_since: Nullable(Type.String()),
  pause_reason: Nullable(Type.String()),
});
export const QueueOut = Type.Object({
  ...stamps,
  name: Type.String(),
  strategy: Type.String(),
  ring_time_sec: Type.Integer(),
  max_wait_sec: Type.Integer(),
  wrapup_sec: Type.Integer(),
  service_level_sec: Type.Integer(),
  short_abandon_sec: Type.Integer(),
  poll_sec: Type.Integer(),
  hold_music_url: Nullable(Type.String()),
  hold_text: Nullable(Type.String()),
  announce_position: Type.Boolean(),
  leave_when_empty: Type.Boolean(),
  skills: Type.Array(Type.String()),
  team_ids: Type.Array(Type.String()),
  timezone: Type.String(),
  hours: Type.Union([Type.Array(Type.Object({ day: Type.Integer(), open: Type.String(), close: Type.String() })), Type.Null()]),
  holidays: Type.Array(Type.String()),
  overflow: RouteOut,
  closed_route: RouteOut,
  open_now: Type.Boolean({ description: 'Whether the hours and holidays let calls in now.' }),
});
export const MenuOut = Type.Object({
  ...stamps,
  name: Type.String(),
  prompt_text: Nullable(Type.String()),
  prompt_url: Nullable(Type.String()),
  timeout_sec: Type.Integer(),
  options: Type.Array(Type.Object({ digit: Type.String(), name: Nullable(Type.String()), ...MenuRouteOut.properties })),
  otherwise: MenuRouteOut,
});
