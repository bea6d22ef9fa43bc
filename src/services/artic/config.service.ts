import type { Clock } from '../../domain/clock.ts';
import { AppError, type FieldError } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import {
  agentReferences,
  checkMenuWhole,
  checkQueueWhole,
  isOpen,
  menuReferences,
  queueReferences,
  validateAgent,
  validateMenu,
  validateQueue,
  validateTeam,
  type AgentSettings,
  type In,
  type MenuSettings,
  type QueueSettings,
  type Reference,
  type TeamSettings,
} from '../../domain/artic/config.ts';
import { isUniqueViolation, type Executor, type Storage } from '../../storage/database.ts';
import { findAccount } from '../../storage/accounts/account.repository.ts';
import * as repo from '../../storage/artic/config.repository.ts';
import type { Agent, Menu, Queue, Team } from '../../storage/artic/config.repository.ts';
import type { AuditActor, AuditLog } from '../accounts/audit.service.ts';

export type TeamView = Team & { agent_ids: string[]; queue_ids: string[] };
/** An agent as the admin API shows it: the settings and the live state (read-only; the queue engine writes it). */
export type AgentView = Omit<Agent, 'busy_until'>;
export type QueueView = Queue & { open_now: boolean };
export type MenuView = Menu;

type Table = 'artic_teams' | 'artic_queues' | 'artic_menus';
const NOUN: Record<Table, string> = { artic_teams: 'team', artic_queues: 'queue', artic_menus: 'menu' };

/**
 * The call centre's administration (issue #14): teams, agents, queues and IVR menus of an account. Every change is
 * validated (domain/artic/config.ts), its references checked against the account's rows (400 naming the field),
 * written with its audit entry in one transaction; a delete that would leave something pointing at nothing is
 * refused with 409 naming what uses it.
 */
export class ArticConfigService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
  ) {}

  // ---- teams

  async listTeams(clientId: number): Promise<TeamView[]> {
    const teams = await repo.listTeams(this.storage.db, clientId);
    const members = await repo.teamMembers(this.storage.db, teams.map((t) => t.id));
    return teams.map((t) => ({ ...t, ...members.get(t.id)! }));
  }

  async getTeam(clientId: number, id: string, db: Executor = this.storage.db): Promise<TeamView> {
    const team = await repo.findTeam(db, clientId, id);
    if (!team) throw notFound('team', id);
    return { ...team, ...(await repo.teamMembers(db, [id])).get(id)! };
  }

  async createTeam(clientId: number, input: In<TeamSettings>, actor: AuditActor): Promise<TeamView> {
    const v = validateTeam(input, true);
    const now = this.now();
    const row = { id: newId('atm'), client_id: clientId, name: v.name!, created_at: now, updated_at: now };
    return this.write('artic_teams', async (tx) => {
      await this.uniqueName(tx, 'artic_teams', clientId, row.name);
      await repo.insertTeam(tx, row);
      await this.audit.record(tx, { clientId, actor, action: 'artic_team.create', target: row.id, detail: { name: row.name } });
      return { ...row, agent_ids: [], queue_ids: [] };
    });
  }

  async updateTeam(clientId: number, id: string, input: In<TeamSettings>, actor: AuditActor): Promise<TeamView> {
    const v = validateTeam(input, false);
    return this.write('artic_teams', async (tx) => {
      const team = await this.getTeam(clientId, id, tx);
      if (v.name !== undefined && v.name !== team.name) await this.uniqueName(tx, 'artic_teams', clientId, v.name, id);
      const updated_at = this.now();
      await repo.updateTeam(tx, id, { ...v, updated_at });
      await this.audit.record(tx, { clientId, actor, action: 'artic_team.update', target: id, detail: { ...v } });
      return { ...team, ...v, updated_at };
    });
  }

  /** Refused (409) while the team is the last one serving a queue, or a queue overflows to it. */
  async removeTeam(clientId: number, id: string, actor: AuditActor): Promise<void> {
    await this.storage.tx(async (tx) => {
      const team = await this.getTeam(clientId, id, tx);
      const queues = await repo.listQueues(tx, clientId);
      const counts = await repo.servingTeamCounts(tx, team.queue_ids);
      const uses = [
        ...queues.filter((q) => team.queue_ids.includes(q.id) && (counts.get(q.id) ?? 0) <= 1).map((q) => `it is the only team serving queue ${q.id} "${q.name}"`),
        ...queues.filter((q) => q.overflow.kind === 'team' && q.overflow.team_id === id).map((q) => `queue ${q.id} "${q.name}" overflows to it`),
      ];
      if (uses.length) throw new AppError('conflict', `team ${id} "${team.name}" is in use: ${uses.join('; ')}; change those queues first`);
      await repo.deleteTeam(tx, id);
      await this.audit.record(tx, { clientId, actor, action: 'artic_team.delete', target: id, detail: { name: team.name } });
    });
  }

  // ---- agents

  async listAgents(clientId: number): Promise<AgentView[]> {
    const now = this.now();
    return (await repo.listAgents(this.storage.db, clientId)).map((a) => agentView(a, now));
  }

  async getAgent(clientId: number, id: string): Promise<AgentView> {
    return agentView(await this.findAgent(this.storage.db, clientId, id), this.now());
  }

  async createAgent(clientId: number, input: In<AgentSettings>, actor: AuditActor): Promise<AgentView> {
    const v = validateAgent(input, true) as AgentSettings;
    const now = this.now();
    const id = newId('agt');
    return this.storage.tx(async (tx) => {
      await this.checkAgentRefs(tx, clientId, v, id);
      await repo.insertAgent(tx, { id, client_id: clientId, created_at: now, updated_at: now }, v);
      await this.audit.record(tx, { clientId, actor, action: 'artic_agent.create', target: id, detail: { ...v } });
      return agentView((await repo.findAgent(tx, clientId, id))!, now);
    });
  }

  async updateAgent(clientId: number, id: string, input: In<AgentSettings>, actor: AuditActor): Promise<AgentView> {
    const v = validateAgent(input, false);
    return this.storage.tx(async (tx) => {
      await this.findAgent(tx, clientId, id);
      await this.checkAgentRefs(tx, clientId, v, id);
      const now = this.now();
      await repo.updateAgent(tx, id, { ...repo.agentColumns(v), updated_at: now });
      if (v.team_ids !== undefined) await repo.setAgentTeams(tx, id, v.team_ids);
      await this.audit.record(tx, { clientId, actor, action: 'artic_agent.update', target: id, detail: { ...v } });
      return agentView(await this.findAgent(tx, clientId, id), now);
    });
  }

  /** Refused (409) unless the agent is logged out. */
  async removeAgent(clientId: number, id: string, actor: AuditActor): Promise<void> {
    await this.storage.tx(async (tx) => {
      const agent = await this.findAgent(tx, clientId, id);
      if (agent.state !== 'logged_out') throw new AppError('conflict', `agent ${id} "${agent.name}" is logged in (${agent.state}); log the agent off first`);
      await repo.deleteAgent(tx, id);
      await this.audit.record(tx, { clientId, actor, action: 'artic_agent.delete', target: id, detail: { name: agent.name } });
    });
  }

  // ---- queues

  async listQueues(clientId: number): Promise<QueueView[]> {
    const at = this.clock.now();
    return (await repo.listQueues(this.storage.db, clientId)).map((q) => ({ ...q, open_now: isOpen(q, at) }));
  }

  async getQueue(clientId: number, id: string): Promise<QueueView> {
    const q = await this.findQueue(this.storage.db, clientId, id);
    return { ...q, open_now: isOpen(q, this.clock.now()) };
  }

  async createQueue(clientId: number, input: In<QueueSettings>, actor: AuditActor): Promise<QueueView> {
    const id = newId('aq');
    const account = await findAccount(this.storage.db, clientId);
    const v = validateQueue(input, { full: true, selfId: id, defaultTimezone: account?.timezone ?? 'UTC' }) as QueueSettings;
    checkQueueWhole(v);
    const now = this.now();
    return this.write('artic_queues', async (tx) => {
      await this.uniqueName(tx, 'artic_queues', clientId, v.name);
      await this.checkRefs(tx, clientId, queueReferences(v));
      await repo.insertQueue(tx, { id, client_id: clientId, created_at: now, updated_at: now }, v);
      await this.audit.record(tx, { clientId, actor, action: 'artic_queue.create', target: id, detail: { ...v } });
      const q = (await repo.findQueue(tx, clientId, id))!;
      return { ...q, open_now: isOpen(q, this.clock.now()) };
    });
  }

  async updateQueue(clientId: number, id: string, input: In<QueueSettings>, actor: AuditActor): Promise<QueueView> {
    const v = validateQueue(input, { full: false, selfId: id });
    return this.write('artic_queues', async (tx) => {
      const q = await this.findQueue(tx, clientId, id);
      checkQueueWhole({ ...q, ...v });
      if (v.name !== undefined && v.name !== q.name) await this.uniqueName(tx, 'artic_queues', clientId, v.name, id);
      await this.checkRefs(tx, clientId, queueReferences(v));
      const now = this.now();
      await repo.updateQueue(tx, id, { ...repo.queueColumns(v), updated_at: now });
      if (v.team_ids !== undefined) await repo.setQueueTeams(tx, id, v.team_ids);
      await this.audit.record(tx, { clientId, actor, action: 'artic_queue.update', target: id, detail: { ...v } });
      const next = await this.findQueue(tx, clientId, id);
      return { ...next, open_now: isOpen(next, this.clock.now()) };
    });
  }

  /** Refused (409) while a service, a menu or another queue sends calls to it, or callers wait in it. */
  async removeQueue(clientId: number, id: string, actor: AuditActor): Promise<void> {
    await this.storage.tx(async (tx) => {
      const q = await this.findQueue(tx, clientId, id);
      const uses = [
        ...(await repo.servicesRouting(tx, clientId, { queueId: id })).map((s) => `service ${s.id} (${s.number}) sends its calls to it`),
        ...(await repo.listMenus(tx, clientId)).flatMap((m) => menuReferences(m).filter((r) => r.kind === 'queue' && r.id === id).map((r) => `menu ${m.id} "${m.name}" (${r.path.replace(/\.queue_id$/, '')}) sends calls to it`)),
        ...(await repo.listQueues(tx, clientId)).filter((o) => o.id !== id).flatMap((o) => queueReferences(o).filter((r) => r.kind === 'queue' && r.id === id).map((r) => `queue ${o.id} "${o.name}" (${r.path.replace(/\.queue_id$/, '')}) sends calls to it`)),
      ];
      const waiting = await repo.liveQueueCalls(tx, id);
      if (waiting) uses.push(`${waiting} caller${waiting === 1 ? ' is' : 's are'} in it now`);
      if (uses.length) throw new AppError('conflict', `queue ${id} "${q.name}" is in use: ${uses.join('; ')}`);
      await repo.deleteQueue(tx, id);
      await this.audit.record(tx, { clientId, actor, action: 'artic_queue.delete', target: id, detail: { name: q.name } });
    });
  }

  // ---- menus

  async listMenus(clientId: number): Promise<MenuView[]> {
    return repo.listMenus(this.storage.db, clientId);
  }

  async getMenu(clientId: number, id: string): Promise<MenuView> {
    return this.findMenu(this.storage.db, clientId, id);
  }

  async createMenu(clientId: number, input: In<MenuSettings>, actor: AuditActor): Promise<MenuView> {
    const id = newId('amn');
    const v = validateMenu(input, { full: true, selfId: id }) as MenuSettings;
    checkMenuWhole(v);
    const now = this.now();
    return this.write('artic_menus', async (tx) => {
      await this.uniqueName(tx, 'artic_menus', clientId, v.name);
      await this.checkRefs(tx, clientId, menuReferences(v));
      await repo.insertMenu(tx, { id, client_id: clientId, created_at: now, updated_at: now }, v);
      await this.audit.record(tx, { clientId, actor, action: 'artic_menu.create', target: id, detail: { ...v } });
      return (await repo.findMenu(tx, clientId, id))!;
    });
  }

  async updateMenu(clientId: number, id: string, input: In<MenuSettings>, actor: AuditActor): Promise<MenuView> {
    const v = validateMenu(input, { full: false, selfId: id });
    return this.write('artic_menus', async (tx) => {
      const m = await this.findMenu(tx, clientId, id);
      checkMenuWhole({ ...m, ...v });
      if (v.name !== undefined && v.name !== m.name) await this.uniqueName(tx, 'artic_menus', clientId, v.name, id);
      await this.checkRefs(tx, clientId, menuReferences(v));
      await repo.updateMenu(tx, id, { ...repo.menuColumns(v), updated_at: this.now() });
      await this.audit.record(tx, { clientId, actor, action: 'artic_menu.update', target: id, detail: { ...v } });
      return this.findMenu(tx, clientId, id);
    });
  }

  /** Refused (409) while a service or another menu sends calls to it. */
  async removeMenu(clientId: number, id: string, actor: AuditActor): Promise<void> {
    await this.storage.tx(async (tx) => {
      const m = await this.findMenu(tx, clientId, id);
      const uses = [
        ...(await repo.servicesRouting(tx, clientId, { menuId: id })).map((s) => `service ${s.id} (${s.number}) sends its calls to it`),
        ...(await repo.listMenus(tx, clientId)).filter((o) => o.id !== id).flatMap((o) => menuReferences(o).filter((r) => r.kind === 'menu' && r.id === id).map((r) => `menu ${o.id} "${o.name}" (${r.path.replace(/\.menu_id$/, '')}) leads to it`)),
      ];
      if (uses.length) throw new AppError('conflict', `menu ${id} "${m.name}" is in use: ${uses.join('; ')}`);
      await repo.deleteMenu(tx, id);
      await this.audit.record(tx, { clientId, actor, action: 'artic_menu.delete', target: id, detail: { name: m.name } });
    });
  }

  // ---- helpers

  private now(): string {
    return this.clock.now().toISOString();
  }

  /** A write whose unique name index may still trip when two requests race past the name check: 409, not 500. */
  private async write<T>(table: Table, fn: (tx: Executor) => Promise<T>): Promise<T> {
    try {
      return await this.storage.tx(fn);
    } catch (err) {
      if (isUniqueViolation(err)) throw nameTaken(table);
      throw err;
    }
  }

  private async uniqueName(tx: Executor, table: Table, clientId: number, name: string, selfId?: string): Promise<void> {
    const other = await repo.idByName(tx, table, clientId, name);
    if (other !== undefined && other !== selfId) throw nameTaken(table, name, other);
  }

  /** Every referenced team, queue and menu must be the account's: 400 naming each missing one's field. */
  private async checkRefs(tx: Executor, clientId: number, refs: Reference[]): Promise<void> {
    const found = new Set<string>();
    const ids = (kind: Reference['kind']) => [...new Set(refs.filter((r) => r.kind === kind).map((r) => r.id))];
    for (const id of await repo.teamIdsOf(tx, clientId, ids('team'))) found.add(`team:${id}`);
    for (const id of await repo.queueIdsOf(tx, clientId, ids('queue'))) found.add(`queue:${id}`);
    for (const id of await repo.menuIdsOf(tx, clientId, ids('menu'))) found.add(`menu:${id}`);
    const errors: FieldError[] = refs.filter((r) => !found.has(`${r.kind}:${r.id}`)).map((r) => ({ path: r.path, message: `no ${r.kind} ${r.id} in this account` }));
    if (errors.length) throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
  }

  /** Teams of the account; the user (if any) a member of the account who is no other agent. */
  private async checkAgentRefs(tx: Executor, clientId: number, v: Partial<AgentSettings>, agentId: string): Promise<void> {
    if (v.user_id) {
      if (!(await repo.isAccountUser(tx, clientId, v.user_id))) throw new AppError('validation_failed', `user_id: no user ${v.user_id} in this account`, [{ path: 'user_id', message: `no user ${v.user_id} in this account` }]);
      const other = await repo.findAgentByUser(tx, clientId, v.user_id);
      if (other && other.id !== agentId) throw new AppError('conflict', `user ${v.user_id} is agent ${other.id} "${other.name}" already (a user acts as one agent)`, [{ path: 'user_id', message: `is agent ${other.id} already` }]);
    }
    await this.checkRefs(tx, clientId, agentReferences(v));
  }

  private async findAgent(db: Executor, clientId: number, id: string): Promise<Agent> {
    const a = await repo.findAgent(db, clientId, id);
    if (!a) throw notFound('agent', id);
    return a;
  }

  private async findQueue(db: Executor, clientId: number, id: string): Promise<Queue> {
    const q = await repo.findQueue(db, clientId, id);
    if (!q) throw notFound('queue', id);
    return q;
  }

  private async findMenu(db: Executor, clientId: number, id: string): Promise<Menu> {
    const m = await repo.findMenu(db, clientId, id);
    if (!m) throw notFound('menu', id);
    return m;
  }
}

function notFound(what: string, id: string): AppError {
  return new AppError('not_found', `no ${what} ${id} in this account`);
}

function nameTaken(table: Table, name?: string, other?: string): AppError {
  const noun = NOUN[table];
  return new AppError('conflict', name ? `a ${noun} named "${name}" exists already (${other})` : `a ${noun} of that name exists already`, [{ path: 'name', message: `is used by another ${noun}` }]);
}

/** The live state as the real-time view reads it: wrap-up whose time has passed is available. */
export function agentView(a: Agent, now: string): AgentView {
  const { busy_until, ...rest } = a;
  if (a.state === 'wrapup' && busy_until !== null && busy_until <= now) return { ...rest, state: 'available', state_since: busy_until };
  return rest;
}
