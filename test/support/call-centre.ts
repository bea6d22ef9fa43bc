import assert from 'node:assert/strict';
import type { App } from '../../src/app.ts';
import type { ManualClock } from '../../src/domain/clock.ts';
import { runScenario, type Scenario, type ScenarioEvent, type ScenarioRun } from '../../src/services/artic/scenario.ts';
import { liveService } from './calls.ts';

/** A call centre set up through the set-up service (as the API does), and a scripted day run on shared virtual time. */
export class CallCentre {
  constructor(
    readonly app: App,
    readonly clock: ManualClock,
    readonly clientId: number,
  ) {}

  private get actor() {
    return { userId: null, name: 'test', via: 'system' as const, viaId: null, address: null };
  }

  async team(name: string): Promise<string> {
    return ((await this.app.articConfig.createTeam(this.clientId, { name }, this.actor)) as { id: string }).id;
  }

  async agent(name: string, answer_point: string, team_ids: string[], extra: Record<string, unknown> = {}): Promise<string> {
    return ((await this.app.articConfig.createAgent(this.clientId, { name, answer_point, team_ids, ...extra }, this.actor)) as { id: string }).id;
  }

  async queue(name: string, team_ids: string[], extra: Record<string, unknown> = {}): Promise<string> {
    return ((await this.app.articConfig.createQueue(this.clientId, { name, team_ids, timezone: 'UTC', ...extra }, this.actor)) as { id: string }).id;
  }

  async menu(name: string, fields: Record<string, unknown>): Promise<string> {
    return ((await this.app.articConfig.createMenu(this.clientId, { name, ...fields }, this.actor)) as { id: string }).id;
  }

  /** A live `queue` service on a new number (through the Telco API and the worker). */
  async number(number: string, target: { artic_queue_id?: string; artic_menu_id?: string }): Promise<string> {
    const svc = await liveService(this.app, this.clientId, number, { type: 'queue', ...target });
    return svc.number;
  }

  readonly events: ScenarioEvent[] = [];
  phones: Scenario['phones'] = {};

  /** At second `at` of the day, an agent action (agent by id or name). */
  action(at: number, agent: string, action: 'login' | 'logout' | 'unpause', extra?: undefined): void;
  action(at: number, agent: string, action: 'pause', reason: string): void;
  action(at: number, agent: string, action: 'login' | 'logout' | 'pause' | 'unpause', reason?: string): void {
    this.events.push({ at, agent, action, ...(reason ? { reason } : {}) });
  }

  /** At second `at`, a call played by the sandbox carrier. */
  call(at: number, call: Extract<ScenarioEvent, { call: unknown }>['call']): void {
    this.events.push({ at, call });
  }

  /** Runs the day from the clock's current time; the clock ends at the last event. */
  async run(): Promise<ScenarioRun> {
    const run = await runScenario({ sandbox: this.app.sandbox, agentActions: this.app.agentActions, agentsOf: (c) => this.app.articConfig.listAgents(c) }, this.clock, this.clientId, { phones: this.phones, events: this.events });
    this.events.length = 0;
    assert.deepEqual(run.calls.flatMap((c) => c.errors), []);
    return run;
  }
}
