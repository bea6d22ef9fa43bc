import type { FastifyInstance } from 'fastify';
import { Type, type TObject } from 'typebox';
import type { App } from '../../../app.ts';
import { authenticateUser, requireAccount } from '../../auth.ts';
import { actorOf, type AuditActor } from '../../../services/accounts/audit.service.ts';
import { AgentBodies, AgentOut, ClientQuery, errors, IdParams, MenuBodies, MenuOut, QueueBodies, QueueOut, security, tags, TeamBodies, TeamOut } from './config.schemas.ts';

export type ArticConfigDeps = Pick<App, 'accounts' | 'articConfig'>;

/** One kind of configuration row and what the API says of it. */
interface Kind {
  path: string;
  noun: string;
  list: string;
  out: TObject;
  bodies: { create: TObject; update: TObject };
  describe: { create: string; update: string; remove: string };
  ops: {
    list(clientId: number): Promise<unknown[]>;
    get(clientId: number, id: string): Promise<unknown>;
    create(clientId: number, body: Record<string, unknown>, actor: AuditActor): Promise<unknown>;
    update(clientId: number, id: string, body: Record<string, unknown>, actor: AuditActor): Promise<unknown>;
    remove(clientId: number, id: string, actor: AuditActor): Promise<void>;
  };
}

/**
 * The call centre's administration under `/artic/v1`: teams, agents, queues and IVR menus of the account (chosen
 * like the UserAPI: `client_id` when the user reaches several). Reads need `read`, changes `settings`; every change is
 * in the audit log (`artic_team.create`, …). Agents' live state is shown here and changed by the agent actions.
 */
export async function articConfigRoutes(fastify: FastifyInstance, opts: { app: ArticConfigDeps }) {
  const { app } = opts;
  const c = app.articConfig;
  // The routes are made in a loop over the kinds below: the handlers see plain bodies (the schemas still validate them).
  const f = fastify;
  f.addHook('onRequest', authenticateUser(app.accounts));
  f.addHook('preHandler', requireAccount(app.accounts));

  const kinds: Kind[] = [
    {
      path: '/teams',
      noun: 'team',
      list: 'teams',
      out: TeamOut,
      bodies: TeamBodies,
      describe: {
        create: 'A group of agents; queues are served by teams. The name is unique in the account (409 otherwise).',
        update: 'Renames the team.',
        remove: 'Its agents stay (they leave the team). Refused with 409 while it is the only team serving a queue, or a queue overflows to it.',
      },
      ops: { list: (id) => c.listTeams(id), get: (cl, id) => c.getTeam(cl, id), create: (cl, b, a) => c.createTeam(cl, b, a), update: (cl, id, b, a) => c.updateTeam(cl, id, b, a), remove: (cl, id, a) => c.removeTeam(cl, id, a) },
    },
    {
      path: '/agents',
      noun: 'agent',
      list: 'agents',
      out: AgentOut,
      bodies: AgentBodies,
      describe: {
        create: 'A person who takes queue calls at an answer point (a phone number or a sip: URI), in teams, with skills; maybe mapped to a user of the account (409 when the user is another agent already). Created logged out.',
        update: 'Only the given fields change; `team_ids` replaces the agent’s teams. The live state is not changed here.',
        remove: 'Refused with 409 unless the agent is logged out. Their journal history stays.',
      },
      ops: { list: (id) => c.listAgents(id), get: (cl, id) => c.getAgent(cl, id), create: (cl, b, a) => c.createAgent(cl, b, a), update: (cl, id, b, a) => c.updateAgent(cl, id, b, a), remove: (cl, id, a) => c.removeAgent(cl, id, a) },
    },
    {
      path: '/queues',
      noun: 'queue',
      list: 'queues',
      out: QueueOut,
      bodies: QueueBodies,
      describe: {
        create: 'A queue callers wait in until an agent of its teams (with all of its skills) answers: strategy, timings, hold music, business hours and holidays in its time zone, overflow and closed route. Teams, queues named in routes must be the account’s (400 naming the field).',
        update: 'Only the given fields change; `team_ids` replaces the serving teams (at least one).',
        remove: 'Refused with 409 while a service (not decommissioned), a menu or another queue sends calls to it, or callers are in it.',
      },
      ops: { list: (id) => c.listQueues(id), get: (cl, id) => c.getQueue(cl, id), create: (cl, b, a) => c.createQueue(cl, b, a), update: (cl, id, b, a) => c.updateQueue(cl, id, b, a), remove: (cl, id, a) => c.removeQueue(cl, id, a) },
    },
    {
      path: '/menus',
      noun: 'menu',
      list: 'menus',
      out: MenuOut,
      bodies: MenuBodies,
      describe: {
        create: 'An IVR menu: a prompt, then one key per option (to a queue, another menu, voicemail, a prompt or hang-up), and where the call goes when no key is pressed.',
        update: 'Only the given fields change; `options` replaces all options.',
        remove: 'Refused with 409 while a service (not decommissioned) or another menu sends calls to it.',
      },
      ops: { list: (id) => c.listMenus(id), get: (cl, id) => c.getMenu(cl, id), create: (cl, b, a) => c.createMenu(cl, b, a), update: (cl, id, b, a) => c.updateMenu(cl, id, b, a), remove: (cl, id, a) => c.removeMenu(cl, id, a) },
    },
  ];

  for (const k of kinds) {
    const one = `/${k.path.slice(1)}/:id`;
    const body = (b: unknown) => {
      const { client_id: _c, ...rest } = b as Record<string, unknown>;
      return rest;
    };
    f.get(k.path, { config: { permission: 'read' }, schema: { tags, security, summary: `List ${k.list}`, querystring: ClientQuery, response: { 200: Type.Object({ [k.list]: Type.Array(k.out) }), ...errors } } }, async (request) => ({
      [k.list]: await k.ops.list(request.clientId!),
    }));
    f.post(k.path, { config: { permission: 'settings' }, schema: { tags, security, summary: `Create a ${k.noun}`, description: k.describe.create, body: k.bodies.create, response: { 201: k.out, ...errors } } }, async (request, reply) => {
      const created = await k.ops.create(request.clientId!, body(request.body), actorOf(request.principal!, request.ip));
      return reply.status(201).send(created);
    });
    f.get(one, { config: { permission: 'read' }, schema: { tags, security, summary: `One ${k.noun}`, params: IdParams, querystring: ClientQuery, response: { 200: k.out, ...errors } } }, async (request) =>
      k.ops.get(request.clientId!, (request.params as { id: string }).id),
    );
    f.patch(one, { config: { permission: 'settings' }, schema: { tags, security, summary: `Change a ${k.noun}`, description: k.describe.update, params: IdParams, body: k.bodies.update, response: { 200: k.out, ...errors } } }, async (request) =>
      k.ops.update(request.clientId!, (request.params as { id: string }).id, body(request.body), actorOf(request.principal!, request.ip)),
    );
    f.delete(one, { config: { permission: 'settings' }, schema: { tags, security, summary: `Delete a ${k.noun}`, description: k.describe.remove, params: IdParams, querystring: ClientQuery, response: { 204: Type.Null(), ...errors } } }, async (request, reply) => {
      await k.ops.remove(request.clientId!, (request.params as { id: string }).id, actorOf(request.principal!, request.ip));
      return reply.status(204).send(null);
    });
  }
}
