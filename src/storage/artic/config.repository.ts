import { sql } from 'kysely';
import type { Executor } from '../database.ts';
import type { AgentSettings, MenuOption, MenuRoute, MenuSettings, OpeningRange, QueueRoute, QueueSettings, TeamSettings } from '../../domain/artic/config.ts';
import type { AgentState, ArticAgentTable, ArticMenuTable, ArticQueueTable, ArticTeamTable } from './artic.tables.ts';

/**
 * ARTIC's configuration rows (migration 022), read back decoded (JSON lists parsed, 0/1 as booleans, team links
 * joined): the admin API and the queue engine read the same shapes. Every find takes the account: another account's
 * id is not found. Plain SQL of both dialects; no row locks (configuration changes are rare and each runs in a tx).
 */

export interface Stamps {
  id: string;
  client_id: number;
  created_at: string;
  updated_at: string;
}
export type Team = TeamSettings & Stamps;
export type Agent = AgentSettings & Stamps & { state: AgentState; state_since: string | null; pause_reason: string | null; busy_until: string | null };
export type Queue = QueueSettings & Stamps;
export type Menu = MenuSettings & Stamps;

function parse<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

const stamps = (r: Stamps): Stamps => ({ id: r.id, client_id: Number(r.client_id), created_at: r.created_at, updated_at: r.updated_at });

/** The team ids (sorted) of each agent or queue. */
async function links(db: Executor, table: 'artic_agent_teams' | 'artic_queue_teams', ids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  if (!ids.length) return out;
  if (table === 'artic_agent_teams') {
    const rows = await db.selectFrom('artic_agent_teams').select(['agent_id as owner', 'team_id']).where('agent_id', 'in', ids).orderBy('team_id').execute();
    for (const r of rows) out.get(r.owner)?.push(r.team_id);
  } else {
    const rows = await db.selectFrom('artic_queue_teams').select(['queue_id as owner', 'team_id']).where('queue_id', 'in', ids).orderBy('team_id').execute();
    for (const r of rows) out.get(r.owner)?.push(r.team_id);
  }
  return out;
}

// ---- teams

export async function insertTeam(db: Executor, row: ArticTeamTable): Promise<void> {
  await db.insertInto('artic_teams').values(row).execute();
}

export async function findTeam(db: Executor, clientId: number, id: string): Promise<Team | undefined> {
  const r = await db.selectFrom('artic_teams').selectAll().where('client_id', '=', clientId).where('id', '=', id).executeTakeFirst();
  return r && { ...stamps(r), name: r.name };
}

export async function listTeams(db: Executor, clientId: number): Promise<Team[]> {
  const rows = await db.selectFrom('artic_teams').selectAll().where('client_id', '=', clientId).orderBy('name').orderBy('id').execute();
  return rows.map((r) => ({ ...stamps(r), name: r.name }));
}

export async function teamIdsOf(db: Executor, clientId: number, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  return (await db.selectFrom('artic_teams').select('id').where('client_id', '=', clientId).where('id', 'in', ids).execute()).map((r) => r.id);
}

/** Agents and queues of each team (ids, sorted). */
export async function teamMembers(db: Executor, teamIds: string[]): Promise<Map<string, { agent_ids: string[]; queue_ids: string[] }>> {
  const out = new Map(teamIds.map((id) => [id, { agent_ids: [] as string[], queue_ids: [] as string[] }]));
  if (!teamIds.length) return out;
  for (const r of await db.selectFrom('artic_agent_teams').select(['team_id', 'agent_id']).where('team_id', 'in', teamIds).orderBy('agent_id').execute()) out.get(r.team_id)?.agent_ids.push(r.agent_id);
  for (const r of await db.selectFrom('artic_queue_teams').select(['team_id', 'queue_id']).where('team_id', 'in', teamIds).orderBy('queue_id').execute()) out.get(r.team_id)?.queue_ids.push(r.queue_id);
  return out;
}

export async function updateTeam(db: Executor, id: string, patch: { name?: string; updated_at: string }): Promise<void> {
  await db.updateTable('artic_teams').set(patch).where('id', '=', id).execute();
}

/** Deletes the team and its links to agents and queues (the service has checked no queue needs it). */
export async function deleteTeam(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('artic_agent_teams').where('team_id', '=', id).execute();
  await db.deleteFrom('artic_queue_teams').where('team_id', '=', id).execute();
  await db.deleteFrom('artic_teams').where('id', '=', id).execute();
}

/** How many teams serve each of these queues. */
export async function servingTeamCounts(db: Executor, queueIds: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!queueIds.length) return out;
  const rows = await db.selectFrom('artic_queue_teams').select(['queue_id', sql<number>`count(*)`.as('n')]).where('queue_id', 'in', queueIds).groupBy('queue_id').execute();
  for (const r of rows) out.set(r.queue_id, Number(r.n));
  return out;
}

// ---- agents

function toAgent(r: ArticAgentTable, teamIds: string[]): Agent {
  return {
    ...stamps(r),
    name: r.name,
    answer_point: r.answer_point,
    skills: parse<string[]>(r.skills, []),
    team_ids: teamIds,
    user_id: r.user_id,
    supervisor: Number(r.supervisor) === 1,
    state: r.state,
    state_since: r.state_since,
    pause_reason: r.pause_reason,
    busy_until: r.busy_until,
  };
}

export function agentColumns(a: Partial<AgentSettings>): Partial<ArticAgentTable> {
  const c: Partial<ArticAgentTable> = {};
  if (a.name !== undefined) c.name = a.name;
  if (a.answer_point !== undefined) c.answer_point = a.answer_point;
  if (a.skills !== undefined) c.skills = JSON.stringify(a.skills);
  if (a.user_id !== undefined) c.user_id = a.user_id;
  if (a.supervisor !== undefined) c.supervisor = a.supervisor ? 1 : 0;
  return c;
}

/** A new agent, logged out, and its team links. */
export async function insertAgent(db: Executor, s: Stamps, a: AgentSettings): Promise<void> {
  const row: ArticAgentTable = {
    ...s,
    name: a.name,
    answer_point: a.answer_point,
    skills: JSON.stringify(a.skills),
    user_id: a.user_id,
    supervisor: a.supervisor ? 1 : 0,
    state: 'logged_out',
    pending_action: null,
    state_since: null,
    pause_reason: null,
    busy_until: null,
    queue_call_id: null,
    logged_in_at: null,
    last_call_end_at: null,
    calls_since_login: 0,
    last_offered_at: null,
  };
  await db.insertInto('artic_agents').values(row).execute();
  await setAgentTeams(db, s.id, a.team_ids);
}

export async function setAgentTeams(db: Executor, agentId: string, teamIds: string[]): Promise<void> {
  await db.deleteFrom('artic_agent_teams').where('agent_id', '=', agentId).execute();
  if (teamIds.length) await db.insertInto('artic_agent_teams').values(teamIds.map((team_id) => ({ agent_id: agentId, team_id }))).execute();
}

export async function findAgent(db: Executor, clientId: number, id: string): Promise<Agent | undefined> {
  const r = await db.selectFrom('artic_agents').selectAll().where('client_id', '=', clientId).where('id', '=', id).executeTakeFirst();
  return r && toAgent(r, (await links(db, 'artic_agent_teams', [r.id])).get(r.id)!);
}

export async function listAgents(db: Executor, clientId: number): Promise<Agent[]> {
  const rows = await db.selectFrom('artic_agents').selectAll().where('client_id', '=', clientId).orderBy('name').orderBy('id').execute();
  const teams = await links(db, 'artic_agent_teams', rows.map((r) => r.id));
  return rows.map((r) => toAgent(r, teams.get(r.id)!));
}

/** The agent a user acts as in the account, if any. */
export async function findAgentByUser(db: Executor, clientId: number, userId: string): Promise<Agent | undefined> {
  const r = await db.selectFrom('artic_agents').select('id').where('client_id', '=', clientId).where('user_id', '=', userId).executeTakeFirst();
  return r && findAgent(db, clientId, r.id);
}

export async function updateAgent(db: Executor, id: string, patch: Partial<ArticAgentTable>): Promise<void> {
  await db.updateTable('artic_agents').set(patch).where('id', '=', id).execute();
}

export async function deleteAgent(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('artic_agent_teams').where('agent_id', '=', id).execute();
  await db.deleteFrom('artic_agents').where('id', '=', id).execute();
}

/** Whether the user is a member of the account (whatever their role). */
export async function isAccountUser(db: Executor, clientId: number, userId: string): Promise<boolean> {
  return !!(await db.selectFrom('user_accounts').select('user_id').where('client_id', '=', clientId).where('user_id', '=', userId).executeTakeFirst());
}

// ---- queues

function toQueue(r: ArticQueueTable, teamIds: string[]): Queue {
  return {
    ...stamps(r),
    name: r.name,
    strategy: r.strategy,
    ring_time_sec: Number(r.ring_time_sec),
    max_wait_sec: Number(r.max_wait_sec),
    wrapup_sec: Number(r.wrapup_sec),
    service_level_sec: Number(r.service_level_sec),
    short_abandon_sec: Number(r.short_abandon_sec),
    poll_sec: Number(r.poll_sec),
    hold_music_url: r.hold_music_url,
    hold_text: r.hold_text,
    announce_position: Number(r.announce_position) === 1,
    leave_when_empty: Number(r.leave_when_empty) === 1,
    skills: parse<string[]>(r.skills, []),
    team_ids: teamIds,
    timezone: r.timezone,
    hours: parse<OpeningRange[] | null>(r.hours, null),
    holidays: parse<string[]>(r.holidays, []),
    overflow: parse<QueueRoute>(r.overflow, { kind: 'voicemail' }),
    closed_route: parse<QueueRoute>(r.closed_route, { kind: 'voicemail' }),
  };
}

export function queueColumns(q: Partial<QueueSettings>): Partial<ArticQueueTable> {
  const c: Record<string, unknown> = {};
  for (const k of ['name', 'strategy', 'ring_time_sec', 'max_wait_sec', 'wrapup_sec', 'service_level_sec', 'short_abandon_sec', 'poll_sec', 'hold_music_url', 'hold_text', 'timezone'] as const) {
    if (q[k] !== undefined) c[k] = q[k];
  }
  for (const k of ['announce_position', 'leave_when_empty'] as const) if (q[k] !== undefined) c[k] = q[k] ? 1 : 0;
  if (q.skills !== undefined) c.skills = JSON.stringify(q.skills);
  if (q.hours !== undefined) c.hours = q.hours === null ? null : JSON.stringify(q.hours);
  if (q.holidays !== undefined) c.holidays = JSON.stringify(q.holidays);
  if (q.overflow !== undefined) c.overflow = JSON.stringify(q.overflow);
  if (q.closed_route !== undefined) c.closed_route = JSON.stringify(q.closed_route);
  return c as Partial<ArticQueueTable>;
}

export async function insertQueue(db: Executor, s: Stamps, q: QueueSettings): Promise<void> {
  await db.insertInto('artic_queues').values({ ...s, ...(queueColumns(q) as Omit<ArticQueueTable, keyof Stamps>) }).execute();
  await setQueueTeams(db, s.id, q.team_ids);
}

export async function setQueueTeams(db: Executor, queueId: string, teamIds: string[]): Promise<void> {
  await db.deleteFrom('artic_queue_teams').where('queue_id', '=', queueId).execute();
  if (teamIds.length) await db.insertInto('artic_queue_teams').values(teamIds.map((team_id) => ({ queue_id: queueId, team_id }))).execute();
}

export async function findQueue(db: Executor, clientId: number, id: string): Promise<Queue | undefined> {
  const r = await db.selectFrom('artic_queues').selectAll().where('client_id', '=', clientId).where('id', '=', id).executeTakeFirst();
  return r && toQueue(r, (await links(db, 'artic_queue_teams', [r.id])).get(r.id)!);
}

export async function listQueues(db: Executor, clientId: number): Promise<Queue[]> {
  const rows = await db.selectFrom('artic_queues').selectAll().where('client_id', '=', clientId).orderBy('name').orderBy('id').execute();
  const teams = await links(db, 'artic_queue_teams', rows.map((r) => r.id));
  return rows.map((r) => toQueue(r, teams.get(r.id)!));
}

export async function queueIdsOf(db: Executor, clientId: number, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  return (await db.selectFrom('artic_queues').select('id').where('client_id', '=', clientId).where('id', 'in', ids).execute()).map((r) => r.id);
}

export async function updateQueue(db: Executor, id: string, patch: Partial<ArticQueueTable>): Promise<void> {
  await db.updateTable('artic_queues').set(patch).where('id', '=', id).execute();
}

export async function deleteQueue(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('artic_queue_teams').where('queue_id', '=', id).execute();
  await db.deleteFrom('artic_queues').where('id', '=', id).execute();
}

/** Callers in the queue now (not yet done). */
export async function liveQueueCalls(db: Executor, queueId: string): Promise<number> {
  const r = await db.selectFrom('artic_queue_calls').select(sql<number>`count(*)`.as('n')).where('queue_id', '=', queueId).where('state', '!=', 'done').executeTakeFirst();
  return Number(r?.n ?? 0);
}

// ---- menus

function toMenu(r: ArticMenuTable): Menu {
  return {
    ...stamps(r),
    name: r.name,
    prompt_text: r.prompt_text,
    prompt_url: r.prompt_url,
    timeout_sec: Number(r.timeout_sec),
    options: parse<MenuOption[]>(r.options, []),
    otherwise: parse<MenuRoute>(r.otherwise, { action: 'hangup' }),
  };
}

export function menuColumns(m: Partial<MenuSettings>): Partial<ArticMenuTable> {
  const c: Partial<ArticMenuTable> = {};
  if (m.name !== undefined) c.name = m.name;
  if (m.prompt_text !== undefined) c.prompt_text = m.prompt_text;
  if (m.prompt_url !== undefined) c.prompt_url = m.prompt_url;
  if (m.timeout_sec !== undefined) c.timeout_sec = m.timeout_sec;
  if (m.options !== undefined) c.options = JSON.stringify(m.options);
  if (m.otherwise !== undefined) c.otherwise = JSON.stringify(m.otherwise);
  return c;
}

export async function insertMenu(db: Executor, s: Stamps, m: MenuSettings): Promise<void> {
  await db.insertInto('artic_menus').values({ ...s, ...(menuColumns(m) as Omit<ArticMenuTable, keyof Stamps>) }).execute();
}

export async function findMenu(db: Executor, clientId: number, id: string): Promise<Menu | undefined> {
  const r = await db.selectFrom('artic_menus').selectAll().where('client_id', '=', clientId).where('id', '=', id).executeTakeFirst();
  return r && toMenu(r);
}

export async function listMenus(db: Executor, clientId: number): Promise<Menu[]> {
  return (await db.selectFrom('artic_menus').selectAll().where('client_id', '=', clientId).orderBy('name').orderBy('id').execute()).map(toMenu);
}

export async function menuIdsOf(db: Executor, clientId: number, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  return (await db.selectFrom('artic_menus').select('id').where('client_id', '=', clientId).where('id', 'in', ids).execute()).map((r) => r.id);
}

export async function updateMenu(db: Executor, id: string, patch: Partial<ArticMenuTable>): Promise<void> {
  await db.updateTable('artic_menus').set(patch).where('id', '=', id).execute();
}

export async function deleteMenu(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('artic_menus').where('id', '=', id).execute();
}

// ---- names and users of rows

/** The id of the account's row of that name (names are unique per account for teams, queues and menus). */
export async function idByName(db: Executor, table: 'artic_teams' | 'artic_queues' | 'artic_menus', clientId: number, name: string): Promise<string | undefined> {
  return (await db.selectFrom(table).select('id').where('client_id', '=', clientId).where('name', '=', name).executeTakeFirst())?.id;
}

/** The services (not decommissioned) that send their calls to this queue or menu. */
export async function servicesRouting(db: Executor, clientId: number, to: { queueId: string } | { menuId: string }): Promise<{ id: string; number: string }[]> {
  // The columns of migration 022 are not in ServiceTable's type (the Telco area owns it): named by reference.
  const column = 'queueId' in to ? sql.ref('artic_queue_id') : sql.ref('artic_menu_id');
  const value = 'queueId' in to ? to.queueId : to.menuId;
  return db
    .selectFrom('services')
    .select(['id', 'number'])
    .where('client_id', '=', clientId)
    .where('status', '!=', 'decommissioned')
    .where(sql<boolean>`${column} = ${value}`)
    .orderBy('id')
    .execute();
}
